/*
 * sqlfloor.c: the floor under `sipvet --db` — SQLite alone inserting N rows
 * shaped like the store's message rows (same columns, same pragmas, raw
 * blobs of the given size, one transaction per 5000 rows), with no capture,
 * scanning or tracking.  bench.sh runs it beside sipvet so the --db figure
 * can be read against what SQLite itself costs on the same machine.
 * Usage: sqlfloor DBFILE ROWS BLOBSIZE
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Run one statement, exiting with a message on failure. */
static void
sqlfloor_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "sqlfloor: %s: %s\n", sql, err ? err : "?");
		exit(2);
	}
}

/* Insert the rows and print how many were written. */
int
main(int argc, char **argv)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *blob;
	long long i, n;
	long size;

	if (argc != 4 || (n = atoll(argv[2])) <= 0 ||
	    (size = atol(argv[3])) <= 0 || size > 1 << 20) {
		fprintf(stderr, "usage: sqlfloor DBFILE ROWS BLOBSIZE\n");
		return 2;
	}
	if ((blob = malloc((size_t)size)) == NULL)
		return 2;
	memset(blob, 'x', (size_t)size);
	unlink(argv[1]);
	if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
		fprintf(stderr, "sqlfloor: cannot open %s\n", argv[1]);
		return 2;
	}
	sqlfloor_exec(db, "PRAGMA page_size = 8192");
	sqlfloor_exec(db, "PRAGMA journal_mode = WAL");
	sqlfloor_exec(db, "PRAGMA synchronous = NORMAL");
	sqlfloor_exec(db, "PRAGMA cache_size = -32768");
	sqlfloor_exec(db, "CREATE TABLE messages (id INTEGER PRIMARY KEY,"
	    " call_row INTEGER NOT NULL, idx INTEGER NOT NULL, ts_us INTEGER,"
	    " frame INTEGER, source INTEGER, src TEXT, dst TEXT,"
	    " transport TEXT, retrans INTEGER, fragmented INTEGER,"
	    " txn INTEGER, raw BLOB)");
	if (sqlite3_prepare_v2(db, "INSERT INTO messages VALUES (?1, ?2, ?3,"
	    " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", -1, &st,
	    NULL) != SQLITE_OK)
		return 2;
	sqlfloor_exec(db, "BEGIN");
	for (i = 1; i <= n; i++) {
		sqlite3_bind_int64(st, 1, i);
		sqlite3_bind_int64(st, 2, i / 10 + 1);
		sqlite3_bind_int(st, 3, (int)(i % 10));
		sqlite3_bind_int64(st, 4, 1700000000000000LL + i * 1000);
		sqlite3_bind_int64(st, 5, i);
		sqlite3_bind_int(st, 6, 0);
		sqlite3_bind_text(st, 7, "192.0.2.10:5060", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, "44.229.228.186:5060", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 9, "udp", 3, SQLITE_STATIC);
		sqlite3_bind_int(st, 10, 0);
		sqlite3_bind_int(st, 11, 0);
		sqlite3_bind_int(st, 12, (int)(i % 4));
		sqlite3_bind_blob(st, 13, blob, (int)size, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "sqlfloor: insert: %s\n",
			    sqlite3_errmsg(db));
			return 2;
		}
		sqlite3_reset(st);
		if (i % 5000 == 0)
			sqlfloor_exec(db, "COMMIT; BEGIN");
	}
	sqlfloor_exec(db, "COMMIT");
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(blob);
	printf("%lld rows\n", n);
	return 0;
}
