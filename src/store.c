/*
 * store.c: SQLite storage of captured calls, messages and statistics.
 *
 * Workload: one writer appending whole calls as the tracker hands them over,
 * hundreds of thousands of messages a second, through prepared statements
 * kept open, in transactions of STORE_BATCH calls, with WAL and
 * synchronous=NORMAL; readers (sipvet -N --db, the TUI) read one capture back
 * in order of first message, a call at a time.  A transaction always holds
 * whole calls, so a capture that was killed half-way reads back as an
 * incomplete capture of whole calls.  The schema is in man/store-schema.txt;
 * bump STORE_SCHEMA_VERSION whenever it changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#ifdef HAVE_CONFIG_H
#endif
#ifndef SIPVET_VERSION
#define SIPVET_VERSION "unknown"
#endif

#include <arpa/inet.h>

#include "sv.h"
#include "sipscan.h"
#include "tracker.h"
#include "rules.h"
#include "store.h"

/* Statements, prepared on first use and kept until store_close. */
enum store_stmt {
	STORE_BEGIN = 0,
	STORE_COMMIT,
	STORE_ROLLBACK,
	STORE_CAPTURE_NEW,
	STORE_CAPTURE_END,
	STORE_NEXT_IDS,
	STORE_CALL,
	STORE_STAT,
	STORE_FINDING,
	STORE_FINDING_NEXT,
	STORE_R_CAPTURE,
	STORE_R_CALLS,
	STORE_R_MSGS,
	STORE_R_TXNS,
	STORE_R_AUTH,
	STORE_R_STATS,
	STORE_R_FINDINGS,
	STORE_R_RAW,
	STORE__NSTMT
};

static const char *const store_sql[STORE__NSTMT] = {
	/* Immediate: the next row ids read after it stay ours. */
	[STORE_BEGIN] = "BEGIN IMMEDIATE",
	[STORE_COMMIT] = "COMMIT",
	[STORE_ROLLBACK] = "ROLLBACK",
	[STORE_CAPTURE_NEW] =
	    "INSERT INTO captures (source, started_us, ended_us, complete,"
	    " version) VALUES (?1, ?2, ?2, 0, ?3)",
	[STORE_CAPTURE_END] =
	    "UPDATE captures SET ended_us = ?2, complete = ?3 WHERE id = ?1",
	[STORE_NEXT_IDS] =
	    "SELECT (SELECT coalesce(max(id), 0) + 1 FROM calls),"
	    " (SELECT coalesce(max(id), 0) + 1 FROM messages)",
	[STORE_CALL] =
	    "INSERT INTO calls (id, capture_id, seq, call_id, method, caller,"
	    " callee, request_uri, user_agent, first_us, last_us, src, dst,"
	    " transport, state, final_code, n_msgs, truncated, judged_us,"
	    " verdict, msg_first, icmp_count, icmp_us, icmp_from, icmp_kind)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
	[STORE_STAT] =
	    "INSERT OR REPLACE INTO stats (capture_id, name, value)"
	    " VALUES (?1, ?2, ?3)",
	[STORE_FINDING] =
	    "INSERT INTO findings (call_row, idx, msg, rule, severity, title,"
	    " message, header, value, explanation, fix) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[STORE_FINDING_NEXT] =
	    "SELECT coalesce(max(idx) + 1, 0) FROM findings WHERE call_row = ?1",
	[STORE_R_CAPTURE] =
	    "SELECT id, complete FROM captures ORDER BY id DESC LIMIT 1",
	[STORE_R_CALLS] =
	    "SELECT id, seq, call_id, method, caller, callee, request_uri,"
	    " user_agent, first_us, last_us, src, dst, transport, state,"
	    " final_code, n_msgs, truncated, judged_us, msg_first, icmp_count,"
	    " icmp_us, icmp_from, icmp_kind FROM calls"
	    " WHERE capture_id = ?1 ORDER BY first_us, seq",
	/* A call's messages are consecutive rows: no index needed. */
	[STORE_R_MSGS] =
	    "SELECT ts_us, frame, source, src, dst, transport, retrans,"
	    " fragmented, txn, raw FROM messages"
	    " WHERE id >= ?2 AND id < ?2 + ?3 AND call_row = ?1 ORDER BY id",
	[STORE_R_TXNS] =
	    "SELECT branch, method, cseq, req, final, final_code,"
	    " has_credentials, ack FROM transactions WHERE call_row = ?1"
	    " ORDER BY idx",
	[STORE_R_AUTH] =
	    "SELECT step, msg, txn, code FROM auth_events WHERE call_row = ?1"
	    " ORDER BY idx",
	[STORE_R_STATS] =
	    "SELECT name, value FROM stats WHERE capture_id = ?1",
	[STORE_R_FINDINGS] =
	    "SELECT c.seq, f.msg, f.rule, f.severity, f.title, f.message,"
	    " f.header, f.value, f.explanation, f.fix"
	    " FROM findings f JOIN calls c ON c.id = f.call_row"
	    " WHERE c.capture_id = ?1 ORDER BY c.first_us, c.seq, f.idx",
	[STORE_R_RAW] =
	    "SELECT m.raw FROM calls c JOIN messages m"
	    " ON m.id = c.msg_first + ?2"
	    " WHERE c.id = ?1 AND m.call_row = c.id AND m.idx = ?2",
};

/*
 * Rows a call has many of: a call's messages, transactions and
 * authentication events, one statement each, built from their columns.
 * (Several rows to a statement measured slower: SQLite copies the blobs.)
 */
enum store_many {
	STORE_M_MSG = 0,
	STORE_M_TXN,
	STORE_M_AUTH,
	STORE__NMANY
};


static const struct {
	const char	*insert;	/* up to VALUES */
	int		 ncols;
} store_many_sql[STORE__NMANY] = {
	[STORE_M_MSG] = { "INSERT INTO messages (id, call_row, idx, ts_us,"
	    " frame, source, src, dst, transport, retrans, fragmented, txn,"
	    " raw) VALUES ", 13 },
	[STORE_M_TXN] = { "INSERT INTO transactions (call_row, idx, branch,"
	    " method, cseq, req, final, final_code, has_credentials, ack)"
	    " VALUES ", 10 },
	[STORE_M_AUTH] = { "INSERT INTO auth_events (call_row, idx, step, msg,"
	    " txn, code) VALUES ", 6 },
};

/*
 * Indexes built once, at the end of the first capture into the store, rather
 * than updated on every insert (later captures update them).
 */
static const char store_indexes[] =
	"CREATE INDEX IF NOT EXISTS calls_call_id ON calls (call_id);"
	"CREATE INDEX IF NOT EXISTS calls_first_us ON calls (first_us)";

static const char store_schema[] =
	"CREATE TABLE captures ("
	" id INTEGER PRIMARY KEY,"
	" source TEXT NOT NULL,"
	" started_us INTEGER NOT NULL,"
	" ended_us INTEGER,"
	" complete INTEGER NOT NULL DEFAULT 0,"
	" version TEXT NOT NULL);"
	"CREATE TABLE calls ("
	" id INTEGER PRIMARY KEY,"
	" capture_id INTEGER NOT NULL REFERENCES captures (id),"
	" seq INTEGER NOT NULL,"
	" call_id TEXT, method TEXT, caller TEXT, callee TEXT,"
	" request_uri TEXT, user_agent TEXT,"
	" first_us INTEGER, last_us INTEGER, src TEXT, dst TEXT,"
	" transport TEXT, state TEXT, final_code INTEGER,"
	" n_msgs INTEGER, truncated INTEGER,"
	" judged_us INTEGER, verdict TEXT, msg_first INTEGER,"
	" icmp_count INTEGER, icmp_us INTEGER, icmp_from TEXT,"
	" icmp_kind INTEGER);"
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" call_row INTEGER NOT NULL REFERENCES calls (id),"
	" idx INTEGER NOT NULL,"
	" ts_us INTEGER, frame INTEGER, source INTEGER,"
	" src TEXT, dst TEXT, transport TEXT,"
	" retrans INTEGER, fragmented INTEGER, txn INTEGER, raw BLOB);"
	/*
	 * The indexes calls_call_id, calls_first_us and messages_ts_us are
	 * made by store_capture_end, in one go; a call's messages are the
	 * rows msg_first to msg_first + n_msgs - 1.
	 */
	"CREATE TABLE transactions ("
	" call_row INTEGER NOT NULL REFERENCES calls (id),"
	" idx INTEGER NOT NULL,"
	" branch TEXT, method TEXT, cseq INTEGER, req INTEGER,"
	" final INTEGER, final_code INTEGER, has_credentials INTEGER,"
	" ack INTEGER,"
	" PRIMARY KEY (call_row, idx)) WITHOUT ROWID;"
	"CREATE TABLE auth_events ("
	" call_row INTEGER NOT NULL REFERENCES calls (id),"
	" idx INTEGER NOT NULL,"
	" step TEXT, msg INTEGER, txn INTEGER, code INTEGER,"
	" PRIMARY KEY (call_row, idx)) WITHOUT ROWID;"
	"CREATE TABLE stats ("
	" capture_id INTEGER NOT NULL REFERENCES captures (id),"
	" name TEXT NOT NULL,"
	" value INTEGER NOT NULL,"
	" PRIMARY KEY (capture_id, name)) WITHOUT ROWID;"
	"CREATE TABLE findings ("
	" id INTEGER PRIMARY KEY,"
	" call_row INTEGER NOT NULL REFERENCES calls (id),"
	" idx INTEGER NOT NULL,"
	" msg INTEGER,"
	" rule TEXT, severity TEXT, title TEXT, message TEXT,"
	" header TEXT, value TEXT, explanation TEXT, fix TEXT);"
	"CREATE INDEX findings_call_row ON findings (call_row, idx);"
	"CREATE TABLE credentials ("
	" id INTEGER PRIMARY KEY,"
	" realm TEXT NOT NULL,"
	" username TEXT NOT NULL,"
	" password TEXT,"
	" UNIQUE (realm, username));";

/* Counters of struct sv_stats other than drops, by their stats.name. */
static const struct {
	const char	*name;
	size_t		 off;
} store_counters[] = {
	{ "packets", offsetof(struct sv_stats, packets) },
	{ "bytes", offsetof(struct sv_stats, bytes) },
	{ "not_sip", offsetof(struct sv_stats, not_sip) },
	{ "sip_messages", offsetof(struct sv_stats, sip_messages) },
	{ "sip_malformed", offsetof(struct sv_stats, sip_malformed) },
	{ "retransmissions", offsetof(struct sv_stats, retransmissions) },
	{ "calls", offsetof(struct sv_stats, calls) },
	{ "calls_evicted", offsetof(struct sv_stats, calls_evicted) },
	{ "calls_limit_hits", offsetof(struct sv_stats, calls_limit_hits) },
	{ "frag_reassembled", offsetof(struct sv_stats, frag_reassembled) },
	{ "tcp_flows", offsetof(struct sv_stats, tcp_flows) },
	{ "icmp_errors", offsetof(struct sv_stats, icmp_errors) },
	{ "kernel_drops", offsetof(struct sv_stats, kernel_drops) },
	{ "iface_drops", offsetof(struct sv_stats, iface_drops) },
};
#define STORE_NCOUNTERS (sizeof store_counters / sizeof store_counters[0])
#define STORE_DROP_PREFIX "drop."

static const char *const store_auth_steps[] = {
	[AUTH_CHALLENGE] = "challenge",
	[AUTH_ANSWER] = "answer",
	[AUTH_RESULT] = "result",
};
#define STORE_NSTEPS (sizeof store_auth_steps / sizeof store_auth_steps[0])

/* Addresses whose text is kept: a call's messages go between two or three. */
#define STORE_ATEXT	4

struct store {
	sqlite3		*db;
	char		*path;
	int		 readonly;
	int		 in_txn;	/* our BEGIN is open */
	int		 batch;		/* calls in the open transaction */
	int64_t		 capture;	/* capture being written, 0 none */
	int64_t		 ended;		/* latest capture time written to it */
	int64_t		 last_call;	/* row of the call written last */
	int64_t		 committed;	/* calls up to this row are committed */
	int64_t		 next_call;	/* row id of the next call */
	int64_t		 next_msg;	/* row id of the next message */
	char		*rbuf;		/* store_msg_raw's buffer */
	size_t		 rbuf_size;
	sqlite3_stmt	*stmt[STORE__NSTMT];
	sqlite3_stmt	*many[STORE__NMANY];
	char		 rowaddr[3][64];	/* address texts being bound */
	struct {
		struct sv_addr	 a;
		int		 valid;
		char		 text[64];
	}		 atext[STORE_ATEXT];	/* addresses formatted lately */
	int		 atext_next;	/* entry to replace next */
	char		 err[512];
};

/* Set the store's error message, printf style. */
static void __attribute__((format(printf, 2, 3)))
store_seterr(struct store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

/* Set the error message to what, followed by SQLite's last error. */
static void
store_dberr(struct store *s, const char *what)
{
	store_seterr(s, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

/* The last error as a one-line string. */
const char *
store_error(const struct store *s)
{
	return s->err;
}

/* A prepared statement, reset and ready to bind, or NULL on error. */
static sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt which)
{
	if (s->stmt[which] == NULL) {
		if (sqlite3_prepare_v3(s->db, store_sql[which], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->stmt[which], NULL) !=
		    SQLITE_OK) {
			store_dberr(s, "cannot prepare statement");
			s->stmt[which] = NULL;
			return NULL;
		}
	} else
		sqlite3_reset(s->stmt[which]);
	return s->stmt[which];
}

/* The statement inserting one row into table t, reset. */
static sqlite3_stmt *
store_many_stmt(struct store *s, enum store_many t)
{
	char sql[1024];
	size_t len;
	int c;

	if (s->many[t] != NULL) {
		sqlite3_reset(s->many[t]);
		return s->many[t];
	}
	len = (size_t)snprintf(sql, sizeof sql, "%s(", store_many_sql[t].insert);
	for (c = 0; c < store_many_sql[t].ncols && len < sizeof sql; c++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s?%d",
		    c == 0 ? "" : ", ", c + 1);
	if (len < sizeof sql)
		len += (size_t)snprintf(sql + len, sizeof sql - len, ")");
	if (len >= sizeof sql) {
		store_seterr(s, "%s: statement too long", s->path);
		return NULL;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->many[t], NULL) != SQLITE_OK) {
		store_dberr(s, "cannot prepare statement");
		s->many[t] = NULL;
		return NULL;
	}
	return s->many[t];
}

/* Run a statement that returns no rows; 0 on success. */
static int
store_run(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_dberr(s, what);
		return -1;
	}
	return 0;
}

/* Open a write transaction unless one is open; 0 on success. */
static int
store_begin(struct store *s)
{
	sqlite3_stmt *st;

	if (s->in_txn)
		return 0;
	if ((st = store_stmt(s, STORE_BEGIN)) == NULL ||
	    store_run(s, st, "cannot begin a transaction") != 0)
		return -1;
	s->in_txn = 1;
	s->batch = 0;
	/*
	 * Rows get their ids from us, so a call knows its messages' ids
	 * before writing them; never reused, even after a rollback.
	 */
	if ((st = store_stmt(s, STORE_NEXT_IDS)) == NULL)
		goto fail;
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_dberr(s, "cannot read the next row ids");
		sqlite3_reset(st);
		goto fail;
	}
	if (sqlite3_column_int64(st, 0) > s->next_call)
		s->next_call = sqlite3_column_int64(st, 0);
	if (sqlite3_column_int64(st, 1) > s->next_msg)
		s->next_msg = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return 0;

fail:
	if ((st = store_stmt(s, STORE_ROLLBACK)) != NULL)
		sqlite3_step(st);
	s->in_txn = 0;
	return -1;
}

/* Throw away the open transaction after a failed write, saying what was lost. */
static void
store_abort(struct store *s)
{
	sqlite3_stmt *st;
	size_t n;

	if (!s->in_txn)
		return;
	/* SQLite may have rolled back by itself (disk full, I/O error). */
	if (!sqlite3_get_autocommit(s->db) &&
	    (st = store_stmt(s, STORE_ROLLBACK)) != NULL)
		sqlite3_step(st);
	if (s->stmt[STORE_ROLLBACK] != NULL)
		sqlite3_reset(s->stmt[STORE_ROLLBACK]);
	s->in_txn = 0;
	s->last_call = s->committed;
	n = strlen(s->err);
	if (s->batch > 0)
		snprintf(s->err + n, sizeof s->err - n,
		    " (%d calls of this batch not saved)", s->batch);
	s->batch = 0;
}

/* Commit the open transaction now (also done every few hundred calls). */
int
store_commit(struct store *s)
{
	sqlite3_stmt *st;

	if (!s->in_txn)
		return 0;
	if ((st = store_stmt(s, STORE_COMMIT)) == NULL ||
	    store_run(s, st, "cannot commit") != 0) {
		store_abort(s);
		return -1;
	}
	s->in_txn = 0;
	s->batch = 0;
	s->committed = s->last_call;
	return 0;
}

/* Run one PRAGMA (or other statement) returning at most one integer. */
static int
store_exec_int(struct store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sqlite3_errcode(s->db);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && out != NULL)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	return SQLITE_OK;
}

/* Create the schema in an empty database, in one transaction; 0 on success. */
static int
store_create_schema(struct store *s)
{
	char sql[128];
	char *msg = NULL;

	/* Rows of messages run to about a kilobyte: use bigger pages. */
	if (sqlite3_exec(s->db, "PRAGMA page_size = 8192", NULL, NULL,
	    &msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(s->db, store_schema, NULL, NULL, &msg) != SQLITE_OK)
		goto rollback;
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d;"
	    " PRAGMA user_version = %d", STORE_APPLICATION_ID,
	    STORE_SCHEMA_VERSION);
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK)
		goto rollback;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto rollback;
	return 0;

rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
fail:
	store_seterr(s, "cannot create the schema in %s: %s; check the "
	    "directory exists and is writable", s->path,
	    msg != NULL ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return -1;
}

/*
 * Check the file is a sipvet store of our schema, creating the schema in an
 * empty database when allowed (existed: the file was there before); 0 on
 * success.
 */
static int
store_check_schema(struct store *s, int create, int existed)
{
	int64_t appid = 0, version = 0, objects = 0;
	int rc;

	rc = store_exec_int(s, "PRAGMA application_id", &appid);
	if (rc == SQLITE_NOTADB) {
		store_seterr(s, "cannot open database %s: not a SQLite "
		    "database (a sipvet store is made by sipvet --db)",
		    s->path);
		return -1;
	}
	if (rc == SQLITE_OK)
		rc = store_exec_int(s, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK)
		rc = store_exec_int(s, "SELECT count(*) FROM sqlite_master",
		    &objects);
	if (rc != SQLITE_OK) {
		store_seterr(s, "cannot open database %s: %s", s->path,
		    sqlite3_errstr(rc));
		return -1;
	}
	if (appid == 0 && version == 0 && objects == 0) {
		if (!create) {
			store_seterr(s, "cannot open database %s: the "
			    "database is empty, no capture was stored in it",
			    s->path);
			return -1;
		}
		/* Someone else's empty file: it will hold credentials. */
		if (existed && chmod(s->path, 0600) != 0) {
			store_seterr(s, "cannot open database %s: chmod 0600: "
			    "%s", s->path, strerror(errno));
			return -1;
		}
		return store_create_schema(s);
	}
	if (appid != STORE_APPLICATION_ID) {
		store_seterr(s, "cannot open database %s: not a sipvet store "
		    "(a SQLite database of some other program)", s->path);
		return -1;
	}
	if (version != STORE_SCHEMA_VERSION) {
		store_seterr(s, "cannot open database %s: sipvet store schema "
		    "version %lld, this sipvet (%s) uses version %d", s->path,
		    (long long)version, SIPVET_VERSION, STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

/*
 * Make sure the file exists (created 0600) for a writer, or is readable for
 * a reader, so the error says why not; sets *existed.  0 on success.
 */
static int
store_touch(struct store *s, int create, int *existed)
{
	int fd;

	*existed = 1;
	if (!create) {
		fd = open(s->path, O_RDONLY | O_CLOEXEC);
		if (fd == -1) {
			store_seterr(s, "cannot open database %s: %s", s->path,
			    strerror(errno));
			return -1;
		}
		close(fd);
		return 0;
	}
	fd = open(s->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd != -1)
		*existed = 0;
	else if (errno == EEXIST)
		fd = open(s->path, O_RDWR | O_CLOEXEC);
	if (fd == -1) {
		store_seterr(s, "cannot open database %s: %s; check the "
		    "directory exists and is writable", s->path,
		    strerror(errno));
		return -1;
	}
	/* Closed before SQLite opens it: closing drops a process's locks. */
	close(fd);
	return 0;
}

/*
 * Set the writer's journal and cache settings; a private temporary store
 * (temp) needs no durability and no file but its own.  0 on success.
 */
static int
store_tune(struct store *s, int temp)
{
	static const char *const pragmas[] = {
		"PRAGMA journal_mode = WAL",
		"PRAGMA synchronous = NORMAL",
		"PRAGMA temp_store = MEMORY",
		"PRAGMA cache_size = -32768",		/* 32 MB */
		"PRAGMA wal_autocheckpoint = 4096",	/* pages */
		"PRAGMA journal_size_limit = 67108864",
	};
	static const char *const temp_pragmas[] = {
		"PRAGMA locking_mode = EXCLUSIVE",
		"PRAGMA journal_mode = MEMORY",
		"PRAGMA synchronous = OFF",
		"PRAGMA temp_store = MEMORY",
		"PRAGMA cache_size = -4096",		/* 4 MB */
	};
	const char *const *p = temp ? temp_pragmas : pragmas;
	size_t i, n = temp ? sizeof temp_pragmas / sizeof temp_pragmas[0] :
	    sizeof pragmas / sizeof pragmas[0];
	int rc;

	for (i = 0; i < n; i++) {
		if ((rc = store_exec_int(s, p[i], NULL)) != SQLITE_OK) {
			store_seterr(s, "cannot open database %s: %s: %s",
			    s->path, p[i], sqlite3_errstr(rc));
			return -1;
		}
	}
	return 0;
}

/*
 * Turn off SQLite's memory statistics, which take a global mutex on every
 * allocation (a few percent of writing); only possible before SQLite is
 * first used, and harmless to try later (it then leaves them on).
 */
static void
store_init_sqlite(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * Open (create when create is set) the store at path, tuned as a private
 * temporary store when temp is set.  NULL with a one-line reason in err.
 */
static struct store *
store_open_mode(const char *path, int create, int temp, char *err,
    size_t errlen)
{
	struct store *s;
	int existed, flags;

	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		if (errlen > 0)
			snprintf(err, errlen, "cannot open database %s: out "
			    "of memory", path);
		free(s);
		return NULL;
	}
	s->readonly = !create;
	store_init_sqlite();
	if (store_touch(s, create, &existed) != 0)
		goto fail;
	flags = (create ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) |
	    SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		store_seterr(s, "cannot open database %s: %s%s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory",
		    create ? "; check the directory exists and is writable" :
		    "");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (store_check_schema(s, create, existed) != 0)
		goto fail;
	if (create && store_tune(s, temp) != 0)
		goto fail;
	if (!create)
		sqlite3_exec(s->db, "PRAGMA query_only = 1", NULL, NULL, NULL);
	return s;

fail:
	if (errlen > 0)
		snprintf(err, errlen, "%s", s->err);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
	return NULL;
}

/*
 * Open (create when create is set) the store at path.  On failure returns
 * NULL with a one-line reason in err.
 */
struct store *
store_open(const char *path, int create, char *err, size_t errlen)
{
	return store_open_mode(path, create, 0, err, errlen);
}

/*
 * Open a private store in a new file under $TMPDIR (or /tmp), mode 0600,
 * unlinked at once so it disappears with the process, and begin a capture.
 */
struct store *
store_open_temp(char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	struct store *s;
	char path[4096];
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof path, "%s/sipvet-XXXXXX", dir) >=
	    sizeof path) {
		snprintf(err, errlen, "cannot make a temporary store: "
		    "$TMPDIR is too long");
		return NULL;
	}
	/* mkstemp creates the file 0600, and only we can remove it. */
	if ((fd = mkstemp(path)) == -1) {
		snprintf(err, errlen, "cannot make a temporary store in %s: "
		    "%s", dir, strerror(errno));
		return NULL;
	}
	close(fd);
	s = store_open_mode(path, 1, 1, err, errlen);
	/* Held open by SQLite (exclusive lock, journal in memory). */
	unlink(path);
	if (s == NULL)
		return NULL;
	if (store_capture_begin(s, "memory budget", 0) != 0) {
		snprintf(err, errlen, "%s", s->err);
		store_close(s);
		return NULL;
	}
	return s;
}

/* Commit what is pending and close. */
void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	store_commit(s);
	for (i = 0; i < STORE__NSTMT; i++)
		sqlite3_finalize(s->stmt[i]);
	for (i = 0; i < STORE__NMANY; i++)
		sqlite3_finalize(s->many[i]);
	sqlite3_close(s->db);
	free(s->rbuf);
	free(s->path);
	free(s);
}

/* Refuse writes on a read-only store; 0 when writing is allowed. */
static int
store_writable(struct store *s)
{
	if (s->readonly) {
		store_seterr(s, "%s: the store was opened read-only", s->path);
		return -1;
	}
	return 0;
}

/* Start a new capture described by source (e.g. "-r file.pcap"); 0 on success. */
int
store_capture_begin(struct store *s, const char *source, int64_t started)
{
	sqlite3_stmt *st;

	if (store_writable(s) != 0 || store_commit(s) != 0)
		return -1;
	/* Committed at once, so even a killed capture leaves its row. */
	if ((st = store_stmt(s, STORE_CAPTURE_NEW)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, source != NULL ? source : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, started);
	sqlite3_bind_text(st, 3, SIPVET_VERSION, -1, SQLITE_STATIC);
	if (store_run(s, st, "cannot record the capture") != 0)
		return -1;
	s->capture = sqlite3_last_insert_rowid(s->db);
	s->ended = started;
	return 0;
}

/* Bind a string, or NULL for a NULL pointer. */
static void
store_bind_str(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Write n in decimal at p; returns the end. */
static char *
store_put_uint(char *p, unsigned n)
{
	char	 tmp[10];
	int	 i = 0;

	do {
		tmp[i++] = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0);
	while (i > 0)
		*p++ = tmp[--i];
	return p;
}

/*
 * Format an address as sv_addr_format() does, IPv4 without inet_ntop() and
 * snprintf() (which cost thousands of instructions); text holds 64 bytes.
 */
static void
store_addr_format(const struct sv_addr *a, char *text)
{
	char	*p = text;
	int	 i;

	if (a->af != 4) {
		sv_addr_format(a, text, 64);
		return;
	}
	for (i = 0; i < 4; i++) {
		if (i > 0)
			*p++ = '.';
		p = store_put_uint(p, a->ip[i]);
	}
	*p++ = ':';
	p = store_put_uint(p, a->port);
	*p = '\0';
}

/* Text of an address, from the few formatted lately (formatting is slow). */
static const char *
store_addr_text(struct store *s, const struct sv_addr *a)
{
	int i;

	/* sv_addr_cmp() == 0, inline: this runs twice a message. */
	for (i = 0; i < STORE_ATEXT; i++)
		if (s->atext[i].valid && s->atext[i].a.af == a->af &&
		    s->atext[i].a.port == a->port &&
		    memcmp(s->atext[i].a.ip, a->ip, a->af == 6 ? 16 : 4) == 0)
			return s->atext[i].text;
	i = s->atext_next;
	s->atext_next = (i + 1) % STORE_ATEXT;
	s->atext[i].a = *a;
	s->atext[i].valid = 1;
	store_addr_format(a, s->atext[i].text);
	return s->atext[i].text;
}

/*
 * Bind an address's text at parameter i (copied to buf, which must live
 * until the statement runs); the reader parses it back.
 */
static void
store_bind_addr(struct store *s, sqlite3_stmt *st, int i,
    const struct sv_addr *a, char *buf)
{
	const char *text;
	size_t len;

	text = store_addr_text(s, a);
	len = strlen(text);
	memcpy(buf, text, len + 1);
	sqlite3_bind_text(st, i, buf, (int)len, SQLITE_STATIC);
}

/* Bind a transport by name, or by number when it has none. */
static void
store_bind_transport(sqlite3_stmt *st, int i, unsigned t)
{
	if (t < SV_T__MAX)
		sqlite3_bind_text(st, i, sv_transport_names[t], -1,
		    SQLITE_STATIC);
	else
		sqlite3_bind_int(st, i, (int)t);
}

/* Write a call's row as row, its messages from msg_first; 0 on success. */
static int
store_call_row(struct store *s, const struct call *c, int64_t row,
    int64_t msg_first)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, STORE_CALL)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int64(st, 2, s->capture);
	sqlite3_bind_int64(st, 3, (int64_t)c->id);
	store_bind_str(st, 4, c->call_id);
	store_bind_str(st, 5, c->method);
	store_bind_str(st, 6, c->caller);
	store_bind_str(st, 7, c->callee);
	store_bind_str(st, 8, c->ruri);
	store_bind_str(st, 9, c->user_agent);
	sqlite3_bind_int64(st, 10, c->first_ts);
	sqlite3_bind_int64(st, 11, c->last_ts);
	store_bind_addr(s, st, 12, &c->src, s->rowaddr[0]);
	store_bind_addr(s, st, 13, &c->dst, s->rowaddr[1]);
	store_bind_transport(st, 14, c->transport);
	if ((unsigned)c->state < CALL__MAX)
		sqlite3_bind_text(st, 15, tracker_state_name(c->state), -1,
		    SQLITE_STATIC);
	else
		sqlite3_bind_int(st, 15, (int)c->state);
	sqlite3_bind_int(st, 16, c->final_code);
	sqlite3_bind_int(st, 17, c->n_msgs);
	sqlite3_bind_int(st, 18, c->truncated);
	sqlite3_bind_int64(st, 19, c->judged_at);
	if (c->diag != NULL)
		sqlite3_bind_text(st, 20, rules_verdict_name(c->diag->verdict),
		    -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 20);
	sqlite3_bind_int64(st, 21, msg_first);
	sqlite3_bind_int(st, 22, c->icmp_count);
	if (c->icmp_count > 0) {
		sqlite3_bind_int64(st, 23, c->icmp_ts);
		store_bind_addr(s, st, 24, &c->icmp_from, s->rowaddr[2]);
		sqlite3_bind_int(st, 25, c->icmp_v6 << 16 | c->icmp_type << 8 |
		    c->icmp_code);
	} else {
		sqlite3_bind_null(st, 23);
		sqlite3_bind_null(st, 24);
		sqlite3_bind_null(st, 25);
	}
	if (store_run(s, st, "cannot write a call") != 0)
		return -1;
	return 0;
}

/*
 * Bind message i of the call stored as row, itself stored as id, at
 * parameters from p + 1.  What the raw bytes say (first line, CSeq, status,
 * length, malformations) is not stored: the reader scans them again.
 */
static void
store_bind_msg(struct store *s, sqlite3_stmt *st, int p, int64_t row,
    int64_t id, const struct msg *m, int i, char addr[2][64])
{
	sqlite3_bind_int64(st, p + 1, id);
	sqlite3_bind_int64(st, p + 2, row);
	sqlite3_bind_int(st, p + 3, i);
	sqlite3_bind_int64(st, p + 4, m->ts);
	sqlite3_bind_int64(st, p + 5, (int64_t)m->frame);
	sqlite3_bind_int(st, p + 6, m->source);
	store_bind_addr(s, st, p + 7, &m->src, addr[0]);
	store_bind_addr(s, st, p + 8, &m->dst, addr[1]);
	store_bind_transport(st, p + 9, m->transport);
	sqlite3_bind_int(st, p + 10, m->retrans);
	sqlite3_bind_int(st, p + 11, m->fragmented);
	sqlite3_bind_int(st, p + 12, m->txn);
	if (m->raw != NULL)
		sqlite3_bind_blob(st, p + 13, m->raw, (int)m->len,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(st, p + 13);
}

/* Bind transaction i of the call stored as row at parameters from p + 1. */
static void
store_bind_txn(sqlite3_stmt *st, int p, int64_t row, const struct txn *t,
    int i)
{
	sqlite3_bind_int64(st, p + 1, row);
	sqlite3_bind_int(st, p + 2, i);
	store_bind_str(st, p + 3, t->branch);
	store_bind_str(st, p + 4, t->method);
	sqlite3_bind_int64(st, p + 5, t->cseq);
	sqlite3_bind_int(st, p + 6, t->req);
	sqlite3_bind_int(st, p + 7, t->final);
	sqlite3_bind_int(st, p + 8, t->final_code);
	sqlite3_bind_int(st, p + 9, t->has_credentials);
	sqlite3_bind_int(st, p + 10, t->ack);
}

/* Bind authentication event i of the call at parameters from p + 1. */
static void
store_bind_auth(sqlite3_stmt *st, int p, int64_t row,
    const struct auth_event *a, int i)
{
	sqlite3_bind_int64(st, p + 1, row);
	sqlite3_bind_int(st, p + 2, i);
	if ((unsigned)a->step < STORE_NSTEPS)
		sqlite3_bind_text(st, p + 3, store_auth_steps[a->step], -1,
		    SQLITE_STATIC);
	else
		sqlite3_bind_int(st, p + 3, (int)a->step);
	sqlite3_bind_int(st, p + 4, a->msg);
	sqlite3_bind_int(st, p + 5, a->txn);
	sqlite3_bind_int(st, p + 6, a->code);
}

/*
 * Write the n messages (from row id msg_first), transactions or events of
 * the call stored as row.
 */
static int
store_rows(struct store *s, enum store_many t, int64_t row,
    int64_t msg_first, const struct call *c, int n)
{
	static const char *const what[STORE__NMANY] = {
		[STORE_M_MSG] = "cannot write messages",
		[STORE_M_TXN] = "cannot write transactions",
		[STORE_M_AUTH] = "cannot write authentication events",
	};
	sqlite3_stmt *st;
	int i;

	for (i = 0; i < n; i++) {
		if ((st = store_many_stmt(s, t)) == NULL)
			return -1;
		if (t == STORE_M_MSG)
			store_bind_msg(s, st, 0, row, msg_first + i,
			    &c->msgs[i], i, s->rowaddr);
		else if (t == STORE_M_TXN)
			store_bind_txn(st, 0, row, &c->txns[i], i);
		else
			store_bind_auth(st, 0, row, &c->auth[i], i);
		if (store_run(s, st, what[t]) != 0)
			return -1;
	}
	return 0;
}

/* Write finding number idx of the call stored as row; 0 on success. */
static int
store_finding_row(struct store *s, int64_t row, int64_t idx,
    const struct store_finding *f)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, STORE_FINDING)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int64(st, 2, idx);
	sqlite3_bind_int(st, 3, f->msg);
	store_bind_str(st, 4, f->rule);
	store_bind_str(st, 5, f->severity);
	store_bind_str(st, 6, f->title);
	store_bind_str(st, 7, f->message);
	store_bind_str(st, 8, f->header);
	store_bind_str(st, 9, f->value);
	store_bind_str(st, 10, f->explanation);
	store_bind_str(st, 11, f->fix);
	return store_run(s, st, "cannot write a finding");
}

/* Write the rules' findings about the call stored as row; 0 on success. */
static int
store_diag(struct store *s, int64_t row, const struct diagnosis *d)
{
	struct store_finding f;
	int i;

	for (i = 0; i < d->n; i++) {
		memset(&f, 0, sizeof f);
		f.msg = d->f[i].msg;
		f.rule = d->f[i].id;
		f.severity = rules_severity_name(d->f[i].severity);
		f.title = d->f[i].title;
		f.header = d->f[i].header;
		f.value = d->f[i].value;
		f.explanation = d->f[i].explanation;
		f.fix = d->f[i].fix;
		if (store_finding_row(s, row, i, &f) != 0)
			return -1;
	}
	return 0;
}

/* Write one call with its messages (raw bytes included); 0 on success. */
int
store_call(struct store *s, const struct call *c)
{
	int64_t row, first;

	if (store_writable(s) != 0)
		return -1;
	if (s->capture == 0) {
		store_seterr(s, "%s: no capture begun to store calls in",
		    s->path);
		return -1;
	}
	if (store_begin(s) != 0)
		return -1;
	row = s->next_call;
	first = s->next_msg;
	/* Taken even if writing fails: a row id is never given twice. */
	s->next_call++;
	s->next_msg += c->n_msgs;
	if (store_call_row(s, c, row, first) != 0 ||
	    store_rows(s, STORE_M_MSG, row, first, c, c->n_msgs) != 0 ||
	    store_rows(s, STORE_M_TXN, row, first, c, c->n_txns) != 0 ||
	    store_rows(s, STORE_M_AUTH, row, first, c, c->n_auth) != 0)
		goto fail;
	s->last_call = row;
	if (c->diag != NULL && store_diag(s, row, c->diag) != 0)
		goto fail;
	if (c->last_ts > s->ended)
		s->ended = c->last_ts;
	if (++s->batch >= STORE_BATCH)
		return store_commit(s);
	return 0;

fail:
	store_abort(s);
	return -1;
}

/* Write the capture's counters and whether it completed; commits. 0 on success. */
int
store_capture_end(struct store *s, const struct sv_stats *stats, int complete)
{
	char name[64];
	sqlite3_stmt *st;
	size_t i;
	uint64_t v;

	if (store_writable(s) != 0)
		return -1;
	if (s->capture == 0) {
		store_seterr(s, "%s: no capture begun to end", s->path);
		return -1;
	}
	if (store_begin(s) != 0)
		return -1;
	for (i = 0; stats != NULL && i < STORE_NCOUNTERS + SV_DROP__MAX; i++) {
		if (i < STORE_NCOUNTERS) {
			snprintf(name, sizeof name, "%s",
			    store_counters[i].name);
			memcpy(&v, (const char *)stats + store_counters[i].off,
			    sizeof v);
		} else {
			snprintf(name, sizeof name, STORE_DROP_PREFIX "%s",
			    sv_drop_names[i - STORE_NCOUNTERS]);
			v = stats->drop[i - STORE_NCOUNTERS];
		}
		if ((st = store_stmt(s, STORE_STAT)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, s->capture);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (int64_t)v);
		if (store_run(s, st, "cannot write the counters") != 0)
			goto fail;
	}
	if ((st = store_stmt(s, STORE_CAPTURE_END)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, s->capture);
	sqlite3_bind_int64(st, 2, s->ended);
	sqlite3_bind_int(st, 3, complete ? 1 : 0);
	if (store_run(s, st, "cannot close the capture") != 0)
		goto fail;
	if (sqlite3_exec(s->db, store_indexes, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_dberr(s, "cannot index the calls and messages");
		goto fail;
	}
	if (store_commit(s) != 0)
		return -1;
	s->capture = 0;
	return 0;

fail:
	store_abort(s);
	return -1;
}

/* Row id of the call written last by store_call, 0 when none. */
int64_t
store_last_call_row(const struct store *s)
{
	return s->last_call;
}

/* Calls stored up to this row id are committed. */
int64_t
store_committed_row(const struct store *s)
{
	return s->committed;
}

/*
 * The raw bytes of message idx of the call stored as call_row, and their
 * length, in a buffer reused by the next call; NULL with the error set.
 */
const char *
store_msg_raw(struct store *s, int64_t call_row, int idx, size_t *len)
{
	sqlite3_stmt *st;
	const void *raw;
	size_t n;
	char *p;
	int rc;

	if ((st = store_stmt(s, STORE_R_RAW)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, call_row);
	sqlite3_bind_int(st, 2, idx);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			store_seterr(s, "%s: no message %d of call row %lld",
			    s->path, idx, (long long)call_row);
		else
			store_dberr(s, "cannot read a message");
		sqlite3_reset(st);
		return NULL;
	}
	raw = sqlite3_column_blob(st, 0);
	n = (size_t)sqlite3_column_bytes(st, 0);
	if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
		store_seterr(s, "%s: message %d of call row %lld has no bytes",
		    s->path, idx, (long long)call_row);
		sqlite3_reset(st);
		return NULL;
	}
	if (n + 1 > s->rbuf_size) {
		if ((p = realloc(s->rbuf, n + 1)) == NULL) {
			store_seterr(s, "%s: out of memory reading a message",
			    s->path);
			sqlite3_reset(st);
			return NULL;
		}
		s->rbuf = p;
		s->rbuf_size = n + 1;
	}
	if (n > 0)
		memcpy(s->rbuf, raw, n);
	s->rbuf[n] = '\0';
	sqlite3_reset(st);
	*len = n;
	return s->rbuf;
}

/*
 * Append a finding to a call's findings (numbered in order of writing);
 * call_row 0 means the call written last.  0 on success.
 */
int
store_finding(struct store *s, int64_t call_row, const struct store_finding *f)
{
	sqlite3_stmt *st;
	int64_t idx;

	if (store_writable(s) != 0)
		return -1;
	if (call_row == 0)
		call_row = s->last_call;
	if (call_row <= 0) {
		store_seterr(s, "%s: no call to attach a finding to", s->path);
		return -1;
	}
	if (store_begin(s) != 0)
		return -1;
	if ((st = store_stmt(s, STORE_FINDING_NEXT)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, call_row);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_dberr(s, "cannot number a finding");
		sqlite3_reset(st);
		goto fail;
	}
	idx = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (store_finding_row(s, call_row, idx, f) != 0)
		goto fail;
	return 0;

fail:
	store_abort(s);
	return -1;
}

/* A malloc'ed copy of a text column, NULL for SQL NULL; sets *oom. */
static char *
store_col_str(sqlite3_stmt *st, int i, int *oom)
{
	const unsigned char *v;
	char *p;
	int n;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	v = sqlite3_column_text(st, i);
	n = sqlite3_column_bytes(st, i);
	if (v == NULL || (p = malloc((size_t)n + 1)) == NULL) {
		*oom = 1;
		return NULL;
	}
	memcpy(p, v, (size_t)n);
	p[n] = '\0';
	return p;
}

/*
 * Parse an address as written by store_addr_format: "192.0.2.1:5060",
 * "[2001:db8::1]:5060" or "?:5060" (no address); all zero when unreadable.
 */
static void
store_col_addr(sqlite3_stmt *st, int i, struct sv_addr *a)
{
	const char *v, *colon;
	char ip[INET6_ADDRSTRLEN + 1];
	size_t n;
	unsigned long port;
	char *end;

	memset(a, 0, sizeof *a);
	if ((v = (const char *)sqlite3_column_text(st, i)) == NULL ||
	    (colon = strrchr(v, ':')) == NULL)
		return;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || port > UINT16_MAX)
		return;
	n = (size_t)(colon - v);
	if (n >= 2 && v[0] == '[' && v[n - 1] == ']' && n - 2 < sizeof ip) {
		memcpy(ip, v + 1, n - 2);
		ip[n - 2] = '\0';
		if (inet_pton(AF_INET6, ip, a->ip) == 1)
			a->af = 6;
	} else if (n < sizeof ip) {
		memcpy(ip, v, n);
		ip[n] = '\0';
		if (inet_pton(AF_INET, ip, a->ip) == 1)
			a->af = 4;
	}
	if (a->af == 0)
		memset(a->ip, 0, sizeof a->ip);
	a->port = (uint16_t)port;
}

/* Name of transport t (for store_col_code). */
static const char *
store_transport_name(int t)
{
	return sv_transport_names[t];
}

/* Name of call state k (for store_col_code). */
static const char *
store_state_name(int k)
{
	return tracker_state_name((enum call_state)k);
}

/* Name of authentication step k (for store_col_code). */
static const char *
store_step_name(int k)
{
	return store_auth_steps[k];
}

/*
 * Read an enumeration stored by name, or as a number when the value had no
 * name (the TEXT column keeps it as decimal text); -1 when unknown or NULL.
 */
static int
store_col_code(sqlite3_stmt *st, int i, const char *(*name)(int), int max)
{
	const char *v;
	char *end;
	long n;
	int k;

	if ((v = (const char *)sqlite3_column_text(st, i)) == NULL)
		return -1;
	for (k = 0; k < max; k++)
		if (strcmp(v, name(k)) == 0)
			return k;
	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < 0 ||
	    n > INT32_MAX)
		return -1;
	return (int)n;
}

/* Read a transport; SV_T_UNKNOWN when NULL or not understood. */
static uint8_t
store_col_transport(sqlite3_stmt *st, int i)
{
	int t;

	t = store_col_code(st, i, store_transport_name, SV_T__MAX);
	return t < 0 || t > UINT8_MAX ? SV_T_UNKNOWN : (uint8_t)t;
}

/*
 * Fill what a message's raw bytes say (first line, CSeq, status, length,
 * malformations) by scanning them as the tracker did; sets *oom.
 */
static void
store_msg_derive(struct msg *m, int *oom)
{
	struct sip_msg sm;
	size_t nl, nm;

	if (m->raw == NULL || sipscan_parse(m->raw, m->len, &sm) != 0)
		return;
	m->is_request = (uint8_t)sm.is_request;
	m->status = (uint16_t)sm.status;
	m->cseq = sm.cseq;
	m->bad = sm.bad;
	nl = sm.first_line.len;
	nm = sm.cseq_method.len;
	if ((m->line = malloc(nl + nm + 2)) == NULL) {
		*oom = 1;
		return;
	}
	if (nl > 0)
		memcpy(m->line, sm.first_line.s, nl);
	m->line[nl] = '\0';
	if (nm > 0)
		memcpy(m->line + nl + 1, sm.cseq_method.s, nm);
	m->line[nl + 1 + nm] = '\0';
}

/*
 * Read the hint messages of the call stored as row, from row id first, into
 * c; 0 on success.
 */
static int
store_read_msgs(struct store *s, int64_t row, int64_t first, struct call *c,
    int hint)
{
	sqlite3_stmt *st;
	struct msg *m, *n;
	const void *raw;
	int rc, oom = 0, nb;

	if ((st = store_stmt(s, STORE_R_MSGS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int64(st, 2, first);
	sqlite3_bind_int(st, 3, hint);
	if (hint > 0 && (c->msgs = calloc((size_t)hint, sizeof *m)) != NULL)
		c->cap_msgs = hint;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (c->n_msgs == c->cap_msgs) {
			n = reallocarray(c->msgs, (size_t)c->cap_msgs * 2 + 8,
			    sizeof *n);
			if (n == NULL) {
				oom = 1;
				break;
			}
			c->msgs = n;
			c->cap_msgs = c->cap_msgs * 2 + 8;
		}
		m = &c->msgs[c->n_msgs++];
		memset(m, 0, sizeof *m);
		m->ts = sqlite3_column_int64(st, 0);
		m->frame = (uint64_t)sqlite3_column_int64(st, 1);
		m->source = (uint8_t)sqlite3_column_int(st, 2);
		store_col_addr(st, 3, &m->src);
		store_col_addr(st, 4, &m->dst);
		m->transport = store_col_transport(st, 5);
		m->retrans = (uint8_t)sqlite3_column_int(st, 6);
		m->fragmented = (uint8_t)sqlite3_column_int(st, 7);
		m->txn = sqlite3_column_int(st, 8);
		if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
			raw = sqlite3_column_blob(st, 9);
			nb = sqlite3_column_bytes(st, 9);
			m->len = (uint32_t)nb;
			/* NUL-terminated for convenience; len says the size. */
			if ((m->raw = malloc((size_t)nb + 1)) == NULL)
				oom = 1;
			else {
				if (nb > 0)
					memcpy(m->raw, raw, (size_t)nb);
				m->raw[nb] = '\0';
				store_msg_derive(m, &oom);
			}
		}
		if (oom)
			break;
	}
	sqlite3_reset(st);
	if (oom) {
		store_seterr(s, "%s: out of memory reading messages", s->path);
		return -1;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_dberr(s, "cannot read messages");
		return -1;
	}
	return 0;
}

/* Read the transactions of the call stored as row into c; 0 on success. */
static int
store_read_txns(struct store *s, int64_t row, struct call *c)
{
	sqlite3_stmt *st;
	struct txn *t, *n;
	int rc, oom = 0;

	if ((st = store_stmt(s, STORE_R_TXNS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, row);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (c->n_txns == c->cap_txns) {
			n = reallocarray(c->txns, (size_t)c->cap_txns * 2 + 4,
			    sizeof *n);
			if (n == NULL) {
				oom = 1;
				break;
			}
			c->txns = n;
			c->cap_txns = c->cap_txns * 2 + 4;
		}
		t = &c->txns[c->n_txns++];
		memset(t, 0, sizeof *t);
		t->branch = store_col_str(st, 0, &oom);
		t->method = store_col_str(st, 1, &oom);
		t->cseq = (uint32_t)sqlite3_column_int64(st, 2);
		t->req = sqlite3_column_int(st, 3);
		t->final = sqlite3_column_int(st, 4);
		t->final_code = sqlite3_column_int(st, 5);
		t->has_credentials = sqlite3_column_int(st, 6);
		t->ack = sqlite3_column_int(st, 7);
		if (oom)
			break;
	}
	sqlite3_reset(st);
	if (oom) {
		store_seterr(s, "%s: out of memory reading transactions",
		    s->path);
		return -1;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_dberr(s, "cannot read transactions");
		return -1;
	}
	return 0;
}

/* Read the authentication events of the call stored as row; 0 on success. */
static int
store_read_auth(struct store *s, int64_t row, struct call *c)
{
	sqlite3_stmt *st;
	struct auth_event *a, *n;
	int rc, step;

	if ((st = store_stmt(s, STORE_R_AUTH)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, row);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (c->n_auth == c->cap_auth) {
			n = reallocarray(c->auth, (size_t)c->cap_auth * 2 + 4,
			    sizeof *n);
			if (n == NULL) {
				sqlite3_reset(st);
				store_seterr(s, "%s: out of memory reading "
				    "authentication events", s->path);
				return -1;
			}
			c->auth = n;
			c->cap_auth = c->cap_auth * 2 + 4;
		}
		step = store_col_code(st, 0, store_step_name,
		    (int)STORE_NSTEPS);
		if (step < 0) {
			store_seterr(s, "%s: unknown authentication step '%s'",
			    s->path, sqlite3_column_text(st, 0));
			sqlite3_reset(st);
			return -1;
		}
		a = &c->auth[c->n_auth++];
		memset(a, 0, sizeof *a);
		a->step = (enum auth_step)step;
		a->msg = sqlite3_column_int(st, 1);
		a->txn = sqlite3_column_int(st, 2);
		a->code = sqlite3_column_int(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_dberr(s, "cannot read authentication events");
		return -1;
	}
	return 0;
}

/* Build the call of the current row of the calls statement; NULL on error. */
static struct call *
store_read_call(struct store *s, sqlite3_stmt *st)
{
	struct call *c;
	int64_t row;
	int oom = 0, state, kind;

	if ((c = calloc(1, sizeof *c)) == NULL) {
		store_seterr(s, "%s: out of memory reading calls", s->path);
		return NULL;
	}
	row = sqlite3_column_int64(st, 0);
	c->id = (uint64_t)sqlite3_column_int64(st, 1);
	c->call_id = store_col_str(st, 2, &oom);
	c->method = store_col_str(st, 3, &oom);
	c->caller = store_col_str(st, 4, &oom);
	c->callee = store_col_str(st, 5, &oom);
	c->ruri = store_col_str(st, 6, &oom);
	c->user_agent = store_col_str(st, 7, &oom);
	c->first_ts = sqlite3_column_int64(st, 8);
	c->last_ts = sqlite3_column_int64(st, 9);
	store_col_addr(st, 10, &c->src);
	store_col_addr(st, 11, &c->dst);
	c->transport = store_col_transport(st, 12);
	state = store_col_code(st, 13, store_state_name, CALL__MAX);
	c->final_code = sqlite3_column_int(st, 14);
	c->truncated = sqlite3_column_int(st, 16);
	c->judged_at = sqlite3_column_int64(st, 17);
	c->icmp_count = sqlite3_column_int(st, 19);
	if (c->icmp_count > 0) {
		c->icmp_ts = sqlite3_column_int64(st, 20);
		store_col_addr(st, 21, &c->icmp_from);
		kind = sqlite3_column_int(st, 22);
		c->icmp_v6 = (uint8_t)(kind >> 16 & 0xff);
		c->icmp_type = (uint8_t)(kind >> 8 & 0xff);
		c->icmp_code = (uint8_t)(kind & 0xff);
	}
	c->done = 1;
	if (oom) {
		store_seterr(s, "%s: out of memory reading calls", s->path);
		goto fail;
	}
	if (state < 0) {
		store_seterr(s, "%s: call %lld has an unknown state '%s'",
		    s->path, (long long)c->id, sqlite3_column_text(st, 13));
		goto fail;
	}
	c->state = (enum call_state)state;
	if (store_read_msgs(s, row, sqlite3_column_int64(st, 18), c,
	    sqlite3_column_int(st, 15)) != 0 ||
	    store_read_txns(s, row, c) != 0 ||
	    store_read_auth(s, row, c) != 0)
		goto fail;
	return c;

fail:
	call_free(c);
	return NULL;
}

/* Fill st from the stats rows of capture; unknown names are ignored. */
static int
store_read_stats(struct store *s, int64_t capture, struct sv_stats *stats)
{
	sqlite3_stmt *st;
	const char *name;
	uint64_t v;
	size_t i, np = sizeof STORE_DROP_PREFIX - 1;
	int rc;

	memset(stats, 0, sizeof *stats);
	if ((st = store_stmt(s, STORE_R_STATS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, capture);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((name = (const char *)sqlite3_column_text(st, 0)) == NULL)
			continue;
		v = (uint64_t)sqlite3_column_int64(st, 1);
		for (i = 0; i < STORE_NCOUNTERS; i++)
			if (strcmp(name, store_counters[i].name) == 0)
				memcpy((char *)stats + store_counters[i].off,
				    &v, sizeof v);
		if (strncmp(name, STORE_DROP_PREFIX, np) != 0)
			continue;
		for (i = 0; i < SV_DROP__MAX; i++)
			if (strcmp(name + np, sv_drop_names[i]) == 0)
				stats->drop[i] = v;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_dberr(s, "cannot read the counters");
		return -1;
	}
	return 0;
}

/* Find the latest capture: its row and completeness; 0 on success. */
static int
store_latest(struct store *s, int64_t *capture, int *complete)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, STORE_R_CAPTURE)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*capture = sqlite3_column_int64(st, 0);
		*complete = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		store_seterr(s, "%s: no capture stored", s->path);
		return -1;
	}
	if (rc != SQLITE_ROW) {
		store_dberr(s, "cannot read the captures");
		return -1;
	}
	return 0;
}

/*
 * Read back the latest capture: each call, with messages and raw bytes,
 * in order of first message, to cb (which owns the call: call_free it);
 * then its counters and completeness.  0 on success.
 */
int
store_read(struct store *s, void (*cb)(void *arg, struct call *c),
    void *arg, struct sv_stats *stats, int *complete)
{
	sqlite3_stmt *st;
	struct call *c;
	int64_t capture;
	int rc, done;

	if (store_latest(s, &capture, &done) != 0)
		return -1;
	if ((st = store_stmt(s, STORE_R_CALLS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, capture);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((c = store_read_call(s, st)) == NULL) {
			sqlite3_reset(st);
			return -1;
		}
		cb(arg, c);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_dberr(s, "cannot read calls");
		return -1;
	}
	if (stats != NULL && store_read_stats(s, capture, stats) != 0)
		return -1;
	if (complete != NULL)
		*complete = done;
	return 0;
}

/*
 * Read back the findings of the latest capture, in the order of its calls
 * then of writing, to fn with the call's id (call->id); the strings are
 * valid only during fn.  0 on success.
 */
int
store_read_findings(struct store *s,
    void (*fn)(void *arg, uint64_t call, const struct store_finding *f),
    void *arg)
{
	struct store_finding f;
	sqlite3_stmt *st;
	int64_t capture;
	int rc, done;

	if (store_latest(s, &capture, &done) != 0)
		return -1;
	if ((st = store_stmt(s, STORE_R_FINDINGS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, capture);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		f.msg = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 1);
		f.rule = (const char *)sqlite3_column_text(st, 2);
		f.severity = (const char *)sqlite3_column_text(st, 3);
		f.title = (const char *)sqlite3_column_text(st, 4);
		f.message = (const char *)sqlite3_column_text(st, 5);
		f.header = (const char *)sqlite3_column_text(st, 6);
		f.value = (const char *)sqlite3_column_text(st, 7);
		f.explanation = (const char *)sqlite3_column_text(st, 8);
		f.fix = (const char *)sqlite3_column_text(st, 9);
		fn(arg, (uint64_t)sqlite3_column_int64(st, 0), &f);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_dberr(s, "cannot read findings");
		return -1;
	}
	return 0;
}
