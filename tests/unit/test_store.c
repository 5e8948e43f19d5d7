/*
 * test_store.c: unit tests of the SQLite store: calls, messages (raw bytes
 * with NULs), transactions, authentication events, IPv4/IPv6 addresses and
 * counters written and read back field by field; file mode; clear errors on
 * missing, foreign and non-SQLite files; interrupted and killed captures;
 * the latest capture is the one read; what the raw bytes say is scanned
 * again on reading; one message read back by row; the private temporary
 * store (0600, unlinked); the engine's memory budget moving raw bytes of
 * kept calls to the store and reading them back byte for byte.  Each test
 * works in its own temporary directory.  SV_STORE_BENCH=N also times N calls of 10 messages of 500
 * bytes and prints messages per second.
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sv.h"
#include "engine.h"
#include "rules.h"
#include "sipscan.h"
#include "tracker.h"
#include "store.h"

/* A temporary directory with a database path in it. */
struct tmp {
	char	 dir[64];
	char	 db[128];
};

/* Calls handed over by store_read, in order. */
struct got {
	struct call	*c[2048];
	int		 n;
};

/* Make a fresh temporary directory and name a database in it. */
static void
tmp_new(struct tmp *t)
{
	snprintf(t->dir, sizeof t->dir, "/tmp/sv-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->db, sizeof t->db, "%s/sipvet.db", t->dir);
}

/* Remove the database, its WAL files and the directory. */
static void
tmp_free(struct tmp *t)
{
	char p[160];

	unlink(t->db);
	snprintf(p, sizeof p, "%s-wal", t->db);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", t->db);
	unlink(p);
	snprintf(p, sizeof p, "%s/other", t->dir);
	unlink(p);
	rmdir(t->dir);
}

/* Duplicate a string, failing the test when out of memory. */
static char *
xstrdup(const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = strdup(s);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* Build a msg->line: first line, NUL, CSeq method, NUL. */
static char *
mkline(const char *first, const char *method)
{
	size_t a = strlen(first), b = strlen(method);
	char *p = malloc(a + b + 2);

	ck_assert_ptr_nonnull(p);
	memcpy(p, first, a + 1);
	memcpy(p + a + 1, method, b + 1);
	return p;
}

/* Fill an IPv4 address. */
static void
mkaddr4(struct sv_addr *a, uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3,
    uint16_t port)
{
	memset(a, 0, sizeof *a);
	a->af = 4;
	a->ip[0] = a0;
	a->ip[1] = a1;
	a->ip[2] = a2;
	a->ip[3] = a3;
	a->port = port;
}

/* Fill an IPv6 address 2001:db8::last. */
static void
mkaddr6(struct sv_addr *a, uint8_t last, uint16_t port)
{
	memset(a, 0, sizeof *a);
	a->af = 6;
	a->ip[0] = 0x20;
	a->ip[1] = 0x01;
	a->ip[2] = 0x0d;
	a->ip[3] = 0xb8;
	a->ip[15] = last;
	a->port = port;
}

/*
 * Build a call with n messages (raw bytes containing NULs; message 2 with
 * its raw bytes released), two transactions (one without a branch) and
 * three authentication events; v6 picks IPv6 addresses and TCP.
 */
static struct call *
mkcall(uint64_t id, const char *call_id, int64_t first, int v6, int n)
{
	struct call *c;
	struct msg *m;
	char raw[600];
	int i, k, len;

	c = calloc(1, sizeof *c);
	ck_assert_ptr_nonnull(c);
	c->id = id;
	c->call_id = xstrdup(call_id);
	c->method = xstrdup("INVITE");
	c->caller = xstrdup("sip:alice@example.com");
	c->callee = xstrdup("sip:+15551234567@sip.vapi.ai");
	c->ruri = xstrdup("sip:+15551234567@sip.vapi.ai;transport=udp");
	c->user_agent = xstrdup("Obi\xc3\xa9 PBX 1.0");
	c->first_ts = first;
	c->last_ts = first + 1000000 * (int64_t)n;
	if (v6) {
		mkaddr6(&c->src, (uint8_t)id, 5061);
		mkaddr6(&c->dst, 0xfe, 5060);
		c->transport = SV_T_TCP;
	} else {
		mkaddr4(&c->src, 192, 0, 2, (uint8_t)id, 5060);
		mkaddr4(&c->dst, 44, 229, 228, 186, 5060);
		c->transport = SV_T_UDP;
	}
	c->state = CALL_REJECTED;
	c->final_code = 403;
	c->truncated = (int)(id & 1);
	if (n > 0) {
		c->msgs = calloc((size_t)n, sizeof *c->msgs);
		ck_assert_ptr_nonnull(c->msgs);
		c->cap_msgs = n;
	}
	for (i = 0; i < n; i++) {
		m = &c->msgs[c->n_msgs++];
		m->ts = first + 1000 * i + 7;
		m->frame = 100 * id + (uint64_t)i;
		m->src = i % 2 ? c->dst : c->src;
		m->dst = i % 2 ? c->src : c->dst;
		m->transport = c->transport;
		m->source = (uint8_t)(i % 3);
		m->is_request = i % 2 == 0;
		m->retrans = i == 3;
		m->fragmented = i == 1;
		m->status = m->is_request ? 0 : (i == 1 ? 401 : 403);
		m->cseq = 1 + (uint32_t)i / 2;
		m->bad = (unsigned)i * 5u;
		m->txn = i / 2;
		len = snprintf(raw, sizeof raw, "%s\r\nCall-ID: %s\r\n"
		    "CSeq: %u INVITE\r\n\r\n", m->is_request ?
		    "INVITE sip:+15551234567@sip.vapi.ai SIP/2.0" :
		    m->status == 401 ? "SIP/2.0 401 Unauthorized" :
		    "SIP/2.0 403 Forbidden", call_id, m->cseq);
		/* Binary body with NULs in it. */
		for (k = 0; k < 40; k++)
			raw[len++] = (char)(k * 7 + i);
		raw[len++] = '\0';
		raw[len++] = 'Z';
		m->len = (uint32_t)len;
		if (i != 2) {
			m->raw = malloc((size_t)len);
			ck_assert_ptr_nonnull(m->raw);
			memcpy(m->raw, raw, (size_t)len);
		}
		m->line = mkline(m->is_request ?
		    "INVITE sip:+15551234567@sip.vapi.ai SIP/2.0" :
		    "SIP/2.0 401 Unauthorized", "INVITE");
	}
	c->txns = calloc(2, sizeof *c->txns);
	ck_assert_ptr_nonnull(c->txns);
	c->cap_txns = 2;
	c->n_txns = 2;
	c->txns[0].branch = xstrdup("z9hG4bK-abc");
	c->txns[0].method = xstrdup("INVITE");
	c->txns[0].cseq = 1;
	c->txns[0].req = 0;
	c->txns[0].final = 1;
	c->txns[0].final_code = 401;
	c->txns[0].has_credentials = 0;
	c->txns[0].ack = -1;
	c->txns[1].branch = NULL;
	c->txns[1].method = xstrdup("INVITE");
	c->txns[1].cseq = 2;
	c->txns[1].req = 2;
	c->txns[1].final = -1;
	c->txns[1].final_code = 0;
	c->txns[1].has_credentials = 1;
	c->txns[1].ack = 4;
	c->auth = calloc(4, sizeof *c->auth);
	ck_assert_ptr_nonnull(c->auth);
	c->cap_auth = 4;
	c->n_auth = 3;
	c->auth[0] = (struct auth_event){ AUTH_CHALLENGE, 1, 0, 401 };
	c->auth[1] = (struct auth_event){ AUTH_ANSWER, 2, 1, 0 };
	c->auth[2] = (struct auth_event){ AUTH_RESULT, 3, 1, 403 };
	return c;
}

/* An address as the store gives it back: IPv4 without stray bytes. */
static void
norm_addr(struct sv_addr *a)
{
	if (a->af == 4)
		memset(a->ip + 4, 0, sizeof a->ip - 4);
	else if (a->af != 6)
		memset(a->ip, 0, sizeof a->ip);
}

/*
 * Turn a written call into what reading it back gives: the message fields
 * its raw bytes say (scanned again), none for a message without bytes.
 */
static void
expect_stored(struct call *c)
{
	struct sip_msg sm;
	struct msg *m;
	char first[1024];
	int i;

	norm_addr(&c->src);
	norm_addr(&c->dst);
	for (i = 0; i < c->n_msgs; i++) {
		m = &c->msgs[i];
		norm_addr(&m->src);
		norm_addr(&m->dst);
		free(m->line);
		m->line = NULL;
		m->is_request = 0;
		m->status = 0;
		m->cseq = 0;
		m->bad = 0;
		if (m->raw == NULL) {
			m->len = 0;
			continue;
		}
		if (sipscan_parse(m->raw, m->len, &sm) != 0)
			continue;
		m->is_request = (uint8_t)sm.is_request;
		m->status = (uint16_t)sm.status;
		m->cseq = sm.cseq;
		m->bad = sm.bad;
		ck_assert_uint_lt(sm.first_line.len, sizeof first);
		memcpy(first, sm.first_line.s, sm.first_line.len);
		first[sm.first_line.len] = '\0';
		m->line = mkline(first, sm.cseq_method.len == 6 ? "INVITE" :
		    "");
	}
}

/* Compare two strings that may both be NULL. */
static void
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

/* Compare two addresses bit for bit, field by field. */
static void
same_addr(const struct sv_addr *a, const struct sv_addr *b)
{
	ck_assert_uint_eq(a->af, b->af);
	ck_assert_uint_eq(a->port, b->port);
	ck_assert_mem_eq(a->ip, b->ip, sizeof a->ip);
}

/* Check that a call read back equals the one written. */
static void
same_call(const struct call *w, const struct call *r)
{
	const struct msg *a, *b;
	int i;

	ck_assert_uint_eq(w->id, r->id);
	same_str(w->call_id, r->call_id);
	same_str(w->method, r->method);
	same_str(w->caller, r->caller);
	same_str(w->callee, r->callee);
	same_str(w->ruri, r->ruri);
	same_str(w->user_agent, r->user_agent);
	ck_assert_int_eq(w->first_ts, r->first_ts);
	ck_assert_int_eq(w->last_ts, r->last_ts);
	same_addr(&w->src, &r->src);
	same_addr(&w->dst, &r->dst);
	ck_assert_uint_eq(w->transport, r->transport);
	ck_assert_int_eq(w->state, r->state);
	ck_assert_int_eq(w->final_code, r->final_code);
	ck_assert_int_eq(w->truncated, r->truncated);
	ck_assert_ptr_null(r->priv);

	ck_assert_int_eq(w->n_msgs, r->n_msgs);
	ck_assert_int_ge(r->cap_msgs, r->n_msgs);
	for (i = 0; i < w->n_msgs; i++) {
		a = &w->msgs[i];
		b = &r->msgs[i];
		ck_assert_int_eq(a->ts, b->ts);
		ck_assert_uint_eq(a->frame, b->frame);
		same_addr(&a->src, &b->src);
		same_addr(&a->dst, &b->dst);
		ck_assert_uint_eq(a->transport, b->transport);
		ck_assert_uint_eq(a->source, b->source);
		ck_assert_uint_eq(a->is_request, b->is_request);
		ck_assert_uint_eq(a->retrans, b->retrans);
		ck_assert_uint_eq(a->fragmented, b->fragmented);
		ck_assert_uint_eq(a->status, b->status);
		ck_assert_uint_eq(a->cseq, b->cseq);
		ck_assert_uint_eq(a->bad, b->bad);
		ck_assert_int_eq(a->txn, b->txn);
		ck_assert_uint_eq(a->len, b->len);
		if (a->raw == NULL)
			ck_assert_ptr_null(b->raw);
		else {
			ck_assert_ptr_nonnull(b->raw);
			ck_assert_mem_eq(a->raw, b->raw, a->len);
		}
		if (a->line == NULL)
			ck_assert_ptr_null(b->line);
		else {
			ck_assert_ptr_nonnull(b->line);
			ck_assert_str_eq(msg_first_line(a), msg_first_line(b));
			ck_assert_str_eq(msg_cseq_method(a),
			    msg_cseq_method(b));
		}
	}
	ck_assert_int_eq(w->n_txns, r->n_txns);
	ck_assert_int_ge(r->cap_txns, r->n_txns);
	for (i = 0; i < w->n_txns; i++) {
		same_str(w->txns[i].branch, r->txns[i].branch);
		same_str(w->txns[i].method, r->txns[i].method);
		ck_assert_uint_eq(w->txns[i].cseq, r->txns[i].cseq);
		ck_assert_int_eq(w->txns[i].req, r->txns[i].req);
		ck_assert_int_eq(w->txns[i].final, r->txns[i].final);
		ck_assert_int_eq(w->txns[i].final_code, r->txns[i].final_code);
		ck_assert_int_eq(w->txns[i].has_credentials,
		    r->txns[i].has_credentials);
		ck_assert_int_eq(w->txns[i].ack, r->txns[i].ack);
	}
	ck_assert_int_eq(w->n_auth, r->n_auth);
	ck_assert_int_ge(r->cap_auth, r->n_auth);
	for (i = 0; i < w->n_auth; i++) {
		ck_assert_int_eq(w->auth[i].step, r->auth[i].step);
		ck_assert_int_eq(w->auth[i].msg, r->auth[i].msg);
		ck_assert_int_eq(w->auth[i].txn, r->auth[i].txn);
		ck_assert_int_eq(w->auth[i].code, r->auth[i].code);
	}
}

/* store_read callback: keep the call. */
static void
got_call(void *arg, struct call *c)
{
	struct got *g = arg;

	ck_assert_int_lt(g->n, (int)(sizeof g->c / sizeof g->c[0]));
	g->c[g->n++] = c;
}

/* Free the calls kept by got_call. */
static void
got_free(struct got *g)
{
	int i;

	for (i = 0; i < g->n; i++)
		call_free(g->c[i]);
	g->n = 0;
}

/* Fill every counter with a distinct value, one of them past INT64_MAX. */
static void
mkstats(struct sv_stats *st, uint64_t base)
{
	uint64_t *v = (uint64_t *)st;
	size_t i;

	for (i = 0; i < sizeof *st / sizeof *v; i++)
		v[i] = base + 1000 * i + 7;
	st->bytes = UINT64_MAX - base;
}

/* Open a store for writing, failing the test with the reason. */
static struct store *
open_rw(const char *path)
{
	char err[512];
	struct store *s;

	s = store_open(path, 1, err, sizeof err);
	if (s == NULL)
		ck_abort_msg("store_open %s: %s", path, err);
	return s;
}

/* Open a store read-only, failing the test with the reason. */
static struct store *
open_ro(const char *path)
{
	char err[512];
	struct store *s;

	s = store_open(path, 0, err, sizeof err);
	if (s == NULL)
		ck_abort_msg("store_open %s (read-only): %s", path, err);
	return s;
}

/* Calls, messages, transactions, events and counters come back exactly, in order. */
START_TEST(test_roundtrip)
{
	struct tmp t;
	struct store *s;
	struct call *w[4];
	struct sv_stats st, rst;
	struct got g = { .n = 0 };
	int complete = -1, i;

	tmp_new(&t);
	w[0] = mkcall(1, "first@10.0.0.1", 1000, 0, 5);
	w[1] = mkcall(2, "second@[2001:db8::2]", 2000, 1, 6);
	/* Same first message time as call 1: ordered by id next. */
	w[2] = mkcall(3, "third", 1000, 0, 0);
	free(w[2]->user_agent);
	w[2]->user_agent = NULL;
	w[2]->state = CALL_TIMEDOUT;
	/* IPv4 with stray bytes after the address, and no address at all. */
	w[3] = mkcall(4, "fourth", 500, 0, 4);
	w[3]->src.ip[9] = 0xaa;
	memset(&w[3]->dst, 0, sizeof w[3]->dst);
	w[3]->dst.port = 7;
	w[3]->transport = 42;
	free(w[3]->msgs[0].line);
	w[3]->msgs[0].line = NULL;
	w[3]->msgs[1].transport = SV_T_WSS;
	mkstats(&st, 11);

	s = open_rw(t.db);
	ck_assert_int_eq(store_capture_begin(s, "-r vapi.pcap", 400), 0);
	ck_assert_int_eq(store_call(s, w[1]), 0);
	ck_assert_int_eq(store_call(s, w[2]), 0);
	ck_assert_int_eq(store_call(s, w[0]), 0);
	ck_assert_int_eq(store_call(s, w[3]), 0);
	ck_assert_int_eq(store_capture_end(s, &st, 1), 0);
	store_close(s);
	/* Scanned again from the raw bytes: the request line and CSeq. */
	for (i = 0; i < 4; i++)
		expect_stored(w[i]);
	ck_assert_str_eq(msg_first_line(&w[0]->msgs[1]),
	    "SIP/2.0 401 Unauthorized");
	ck_assert_uint_eq(w[0]->msgs[1].status, 401);
	ck_assert_uint_eq(w[0]->msgs[4].cseq, 3);
	ck_assert_uint_eq(w[0]->msgs[4].is_request, 1);
	ck_assert_str_eq(msg_cseq_method(&w[0]->msgs[4]), "INVITE");
	ck_assert_ptr_null(w[0]->msgs[2].line);

	s = open_ro(t.db);
	memset(&rst, 0xff, sizeof rst);
	ck_assert_int_eq(store_read(s, got_call, &g, &rst, &complete), 0);
	store_close(s);
	ck_assert_int_eq(complete, 1);
	ck_assert_mem_eq(&st, &rst, sizeof st);
	ck_assert_int_eq(g.n, 4);
	same_call(w[3], g.c[0]);
	same_call(w[0], g.c[1]);
	same_call(w[2], g.c[2]);
	same_call(w[1], g.c[3]);
	/* Raw bytes come back NUL-terminated, released ones stay NULL. */
	ck_assert_int_eq(g.c[1]->msgs[0].raw[g.c[1]->msgs[0].len], '\0');
	ck_assert_ptr_null(g.c[1]->msgs[2].raw);
	ck_assert_uint_eq(g.c[1]->msgs[2].len, w[0]->msgs[2].len);
	ck_assert_str_eq(tracker_state_name(g.c[2]->state), "timed-out");
	got_free(&g);
	for (i = 0; i < 4; i++)
		call_free(w[i]);
	tmp_free(&t);
}
END_TEST

/* Run one SQL statement on a database with plain SQLite. */
static void
raw_sql(const char *path, const char *sql)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Read one integer with plain SQLite. */
static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* The file holds the documented tables, indexes, names and pragmas. */
START_TEST(test_schema)
{
	struct tmp t;
	struct store *s;
	struct call *c;
	struct sv_stats st;

	tmp_new(&t);
	c = mkcall(9, "schema", 100, 1, 3);
	memset(&st, 0, sizeof st);
	st.drop[SV_DROP_TCP_GAP] = 17;
	st.kernel_drops = 3;
	s = open_rw(t.db);
	ck_assert_int_eq(store_capture_begin(s, "-i eth0", 100), 0);
	ck_assert_int_eq(store_call(s, c), 0);
	ck_assert_int_eq(store_capture_end(s, &st, 1), 0);
	store_close(s);
	call_free(c);

	ck_assert_int_eq(raw_int(t.db, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	ck_assert_int_eq(raw_int(t.db, "PRAGMA application_id"),
	    STORE_APPLICATION_ID);
	ck_assert_int_eq(raw_int(t.db, "SELECT count(*) FROM"
	    " pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
	/* Every counter and every drop reason, by name. */
	ck_assert_int_eq(raw_int(t.db, "SELECT count(*) FROM stats"),
	    14 + SV_DROP__MAX);
	ck_assert_int_eq(raw_int(t.db, "SELECT value FROM stats WHERE"
	    " name = 'drop.tcp-gap'"), 17);
	ck_assert_int_eq(raw_int(t.db, "SELECT value FROM stats WHERE"
	    " name = 'kernel_drops'"), 3);
	/* Human columns. */
	ck_assert_int_eq(raw_int(t.db, "SELECT count(*) FROM calls WHERE"
	    " src = '[2001:db8::9]:5061' AND transport = 'TCP' AND"
	    " state = 'rejected' AND seq = 9"), 1);
	ck_assert_int_eq(raw_int(t.db, "SELECT count(*) FROM messages WHERE"
	    " substr(raw, 1, 24) = CAST('SIP/2.0 401 Unauthorized' AS BLOB)"
	    " AND src = '[2001:db8::fe]:5060' AND transport = 'TCP'"), 1);
	/* A call's messages are the rows from msg_first, in order. */
	ck_assert_int_eq(raw_int(t.db, "SELECT count(*) FROM calls c JOIN"
	    " messages m ON m.id = c.msg_first + m.idx AND m.call_row = c.id"),
	    3);
	ck_assert_int_eq(raw_int(t.db, "SELECT count(*) FROM auth_events"
	    " WHERE step = 'challenge' AND code = 401"), 1);
	ck_assert_int_eq(raw_int(t.db, "SELECT count(*) FROM captures WHERE"
	    " source = '-i eth0' AND complete = 1 AND ended_us = 3000100"),
	    1);
	/* Tables for later issues exist, empty. */
	ck_assert_int_eq(raw_int(t.db, "SELECT count(*) FROM findings"), 0);
	ck_assert_int_eq(raw_int(t.db, "SELECT count(*) FROM credentials"),
	    0);
	ck_assert_int_eq(raw_int(t.db, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'index' AND name IN ('calls_call_id',"
	    " 'calls_first_us')"), 2);
	tmp_free(&t);
}
END_TEST

/* Stores and their WAL files are created 0600, whatever the umask. */
START_TEST(test_mode)
{
	struct tmp t;
	struct store *s;
	struct stat sb;
	char wal[160];
	int fd;

	tmp_new(&t);
	umask(0);
	s = open_rw(t.db);
	ck_assert_int_eq(stat(t.db, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(store_capture_begin(s, "x", 1), 0);
	snprintf(wal, sizeof wal, "%s-wal", t.db);
	ck_assert_int_eq(stat(wal, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	store_close(s);
	unlink(t.db);

	/* An empty file somebody made world-readable gets tightened. */
	fd = open(t.db, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	s = open_rw(t.db);
	ck_assert_int_eq(stat(t.db, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	store_close(s);
	tmp_free(&t);
}
END_TEST

/* A file that is not SQLite is refused with a clear error and left alone. */
START_TEST(test_not_sqlite)
{
	static const char text[] = "Via: SIP/2.0/UDP 10.0.0.1\r\n"
	    "this is a text file, not a database; it is long enough to fill "
	    "the hundred bytes of an SQLite header and then some more.\n";
	struct tmp t;
	struct stat sb;
	char err[512];
	int fd, create;

	tmp_new(&t);
	fd = open(t.db, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof text - 1), sizeof text - 1);
	close(fd);
	for (create = 0; create <= 1; create++) {
		err[0] = '\0';
		ck_assert_ptr_null(store_open(t.db, create, err, sizeof err));
		ck_assert_ptr_nonnull(strstr(err, t.db));
		ck_assert_ptr_nonnull(strstr(err, "not a SQLite database"));
		ck_assert_ptr_null(strchr(err, '\n'));
	}
	/* Left alone. */
	ck_assert_int_eq(stat(t.db, &sb), 0);
	ck_assert_int_eq(sb.st_size, sizeof text - 1);
	ck_assert_int_eq(sb.st_mode & 0777, 0644);
	tmp_free(&t);
}
END_TEST

/* A missing store opened read-only fails clearly, and is not created. */
START_TEST(test_missing)
{
	struct tmp t;
	char err[512], path[200];

	tmp_new(&t);
	err[0] = '\0';
	ck_assert_ptr_null(store_open(t.db, 0, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, t.db));
	ck_assert_ptr_nonnull(strstr(err, strerror(ENOENT)));
	ck_assert_int_eq(access(t.db, F_OK), -1);

	snprintf(path, sizeof path, "%s/no/such/dir/x.db", t.dir);
	err[0] = '\0';
	ck_assert_ptr_null(store_open(path, 1, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "cannot open database"));
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_ptr_nonnull(strstr(err,
	    "check the directory exists and is writable"));
	tmp_free(&t);
}
END_TEST

/* Foreign SQLite databases and other schema versions are refused. */
START_TEST(test_other_schema)
{
	struct tmp t;
	struct store *s;
	char err[512], other[160];

	tmp_new(&t);
	snprintf(other, sizeof other, "%s/other", t.dir);
	raw_sql(other, "CREATE TABLE calls (x)");
	ck_assert_ptr_null(store_open(other, 1, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "not a sipvet store"));
	ck_assert_ptr_null(store_open(other, 0, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "not a sipvet store"));

	s = open_rw(t.db);
	store_close(s);
	raw_sql(t.db, "PRAGMA user_version = 99");
	ck_assert_ptr_null(store_open(t.db, 1, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "schema version 99"));
	ck_assert_ptr_nonnull(strstr(err, t.db));
	tmp_free(&t);
}
END_TEST

/* A capture ended with complete=0 reads back incomplete with its calls. */
START_TEST(test_interrupted)
{
	struct tmp t;
	struct store *s;
	struct call *a, *b;
	struct sv_stats st, rst;
	struct got g = { .n = 0 };
	int complete = -1;

	tmp_new(&t);
	a = mkcall(1, "a", 10, 0, 3);
	b = mkcall(2, "b", 20, 1, 2);
	mkstats(&st, 5);
	s = open_rw(t.db);
	ck_assert_int_eq(store_capture_begin(s, "-i any", 1), 0);
	ck_assert_int_eq(store_call(s, a), 0);
	ck_assert_int_eq(store_call(s, b), 0);
	ck_assert_int_eq(store_capture_end(s, &st, 0), 0);
	store_close(s);

	s = open_ro(t.db);
	ck_assert_int_eq(store_read(s, got_call, &g, &rst, &complete), 0);
	store_close(s);
	ck_assert_int_eq(complete, 0);
	ck_assert_mem_eq(&st, &rst, sizeof st);
	ck_assert_int_eq(g.n, 2);
	expect_stored(a);
	expect_stored(b);
	same_call(a, g.c[0]);
	same_call(b, g.c[1]);
	got_free(&g);
	call_free(a);
	call_free(b);
	tmp_free(&t);
}
END_TEST

/* A writer killed mid-batch leaves exactly its committed, whole calls. */
START_TEST(test_killed)
{
	struct tmp t;
	struct store *s;
	struct call *c;
	struct sv_stats rst;
	struct got g = { .n = 0 };
	char name[32];
	pid_t pid;
	int complete = -1, i, status;

	tmp_new(&t);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Killed after two and a half batches: nothing closed. */
		s = open_rw(t.db);
		if (store_capture_begin(s, "-r big.pcap", 1) != 0)
			_exit(2);
		for (i = 0; i < 2 * STORE_BATCH + STORE_BATCH / 2; i++) {
			snprintf(name, sizeof name, "call-%d", i);
			c = mkcall((uint64_t)i + 1, name, 1000 + i, i & 1, 3);
			if (store_call(s, c) != 0)
				_exit(3);
			call_free(c);
		}
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	s = open_ro(t.db);
	ck_assert_int_eq(store_read(s, got_call, &g, &rst, &complete), 0);
	store_close(s);
	ck_assert_int_eq(complete, 0);
	ck_assert_uint_eq(rst.packets, 0);
	/* Exactly the committed batches, every call whole. */
	ck_assert_int_eq(g.n, 2 * STORE_BATCH);
	for (i = 0; i < g.n; i++) {
		ck_assert_uint_eq(g.c[i]->id, (uint64_t)i + 1);
		ck_assert_int_eq(g.c[i]->n_msgs, 3);
		ck_assert_int_eq(g.c[i]->n_txns, 2);
		ck_assert_int_eq(g.c[i]->n_auth, 3);
	}
	got_free(&g);

	/* The store still takes a new capture afterwards. */
	s = open_rw(t.db);
	ck_assert_int_eq(store_capture_begin(s, "-r next.pcap", 5), 0);
	ck_assert_int_eq(store_capture_end(s, NULL, 1), 0);
	ck_assert_int_eq(store_read(s, got_call, &g, NULL, &complete), 0);
	ck_assert_int_eq(g.n, 0);
	ck_assert_int_eq(complete, 1);
	store_close(s);
	tmp_free(&t);
}
END_TEST

/* The capture written last is the one read, not the earliest in time. */
START_TEST(test_latest)
{
	struct tmp t;
	struct store *s;
	struct call *a, *b1, *b2;
	struct sv_stats sa, sb, rst;
	struct got g = { .n = 0 };
	int complete = -1;

	tmp_new(&t);
	a = mkcall(1, "from-first-capture", 100, 0, 2);
	b1 = mkcall(1, "b1", 50, 1, 2);
	b2 = mkcall(2, "b2", 60, 0, 1);
	mkstats(&sa, 100);
	mkstats(&sb, 200);

	s = open_rw(t.db);
	ck_assert_int_eq(store_capture_begin(s, "first", 100), 0);
	ck_assert_int_eq(store_call(s, a), 0);
	ck_assert_int_eq(store_capture_end(s, &sa, 0), 0);
	store_close(s);

	/* A second run appends; its capture started earlier in time. */
	s = open_rw(t.db);
	ck_assert_int_eq(store_capture_begin(s, "second", 10), 0);
	ck_assert_int_eq(store_call(s, b2), 0);
	ck_assert_int_eq(store_call(s, b1), 0);
	ck_assert_int_eq(store_capture_end(s, &sb, 1), 0);
	store_close(s);

	s = open_ro(t.db);
	ck_assert_int_eq(store_read(s, got_call, &g, &rst, &complete), 0);
	store_close(s);
	ck_assert_int_eq(complete, 1);
	ck_assert_mem_eq(&sb, &rst, sizeof sb);
	ck_assert_int_eq(g.n, 2);
	expect_stored(b1);
	expect_stored(b2);
	same_call(b1, g.c[0]);
	same_call(b2, g.c[1]);
	got_free(&g);
	call_free(a);
	call_free(b1);
	call_free(b2);
	tmp_free(&t);
}
END_TEST

/* Findings read back, as "call:msg:rule:severity:header". */
struct fgot {
	char	 line[8][128];
	int	 n;
};

/* store_read_findings callback: record the finding. */
static void
got_finding(void *arg, uint64_t call, const struct store_finding *f)
{
	struct fgot *g = arg;

	ck_assert_int_lt(g->n, 8);
	snprintf(g->line[g->n++], sizeof g->line[0], "%llu:%d:%s:%s:%s:%s",
	    (unsigned long long)call, f->msg, f->rule, f->severity,
	    f->header != NULL ? f->header : "-", f->fix);
}

/* Findings attach to the last call or a given one and read back in order. */
START_TEST(test_findings)
{
	struct tmp t;
	struct store *s;
	struct call *a, *b;
	struct store_finding f;
	struct fgot g = { .n = 0 };
	int64_t row_a;

	tmp_new(&t);
	a = mkcall(1, "a", 200, 0, 2);
	b = mkcall(2, "b", 100, 0, 2);
	s = open_rw(t.db);
	ck_assert_int_eq(store_last_call_row(s), 0);
	memset(&f, 0, sizeof f);
	f.rule = "r";
	ck_assert_int_eq(store_finding(s, 0, &f), -1);
	ck_assert_ptr_nonnull(strstr(store_error(s), "no call"));
	ck_assert_int_eq(store_capture_begin(s, "f", 1), 0);
	ck_assert_int_eq(store_call(s, a), 0);
	row_a = store_last_call_row(s);
	ck_assert_int_gt(row_a, 0);
	f = (struct store_finding){ 1, "realm-mismatch", "error", "Realm",
	    "realm differs", "Authorization", "realm=\"x\"", "why", "fix-a" };
	ck_assert_int_eq(store_finding(s, 0, &f), 0);
	ck_assert_int_eq(store_call(s, b), 0);
	ck_assert_int_gt(store_last_call_row(s), row_a);
	f = (struct store_finding){ -1, "no-auth", "warning", "T", "M",
	    NULL, NULL, "E", "fix-b" };
	ck_assert_int_eq(store_finding(s, 0, &f), 0);
	f.rule = "late";
	f.fix = "fix-c";
	ck_assert_int_eq(store_finding(s, row_a, &f), 0);
	ck_assert_int_eq(store_capture_end(s, NULL, 1), 0);
	ck_assert_int_eq(store_read_findings(s, got_finding, &g), 0);
	store_close(s);
	/* In order of calls (b first), then of writing. */
	ck_assert_int_eq(g.n, 3);
	ck_assert_str_eq(g.line[0], "2:-1:no-auth:warning:-:fix-b");
	ck_assert_str_eq(g.line[1],
	    "1:1:realm-mismatch:error:Authorization:fix-a");
	ck_assert_str_eq(g.line[2], "1:-1:late:warning:-:fix-c");
	call_free(a);
	call_free(b);
	tmp_free(&t);
}
END_TEST

/* Writes without a capture, or on a read-only store, fail with a reason. */
START_TEST(test_errors)
{
	struct tmp t;
	struct store *s;
	struct call *c;
	struct got g = { .n = 0 };
	int complete;

	tmp_new(&t);
	c = mkcall(1, "x", 1, 0, 1);
	s = open_rw(t.db);
	ck_assert_int_eq(store_call(s, c), -1);
	ck_assert_ptr_nonnull(strstr(store_error(s), "no capture begun"));
	ck_assert_int_eq(store_capture_end(s, NULL, 1), -1);
	ck_assert_int_eq(store_read(s, got_call, &g, NULL, &complete), -1);
	ck_assert_ptr_nonnull(strstr(store_error(s), "no capture stored"));
	store_close(s);

	s = open_ro(t.db);
	ck_assert_int_eq(store_capture_begin(s, "x", 1), -1);
	ck_assert_ptr_nonnull(strstr(store_error(s), "read-only"));
	ck_assert_int_eq(store_call(s, c), -1);
	store_close(s);
	ck_assert_int_eq(g.n, 0);
	call_free(c);
	tmp_free(&t);
}
END_TEST

/* Empty and 64 KB raw messages with every byte value round-trip. */
START_TEST(test_blobs)
{
	struct tmp t;
	struct store *s;
	struct call *c;
	struct got g = { .n = 0 };
	size_t i;

	tmp_new(&t);
	c = mkcall(1, "blobs", 1, 0, 3);
	/* Empty but present, and 64 KB of every byte value. */
	free(c->msgs[0].raw);
	c->msgs[0].raw = malloc(1);
	ck_assert_ptr_nonnull(c->msgs[0].raw);
	c->msgs[0].len = 0;
	free(c->msgs[1].raw);
	c->msgs[1].len = 65536;
	c->msgs[1].raw = malloc(c->msgs[1].len);
	ck_assert_ptr_nonnull(c->msgs[1].raw);
	for (i = 0; i < c->msgs[1].len; i++)
		c->msgs[1].raw[i] = (char)(i * 31 + (i >> 8));
	s = open_rw(t.db);
	ck_assert_int_eq(store_capture_begin(s, "b", 1), 0);
	ck_assert_int_eq(store_call(s, c), 0);
	ck_assert_int_eq(store_commit(s), 0);
	ck_assert_int_eq(store_read(s, got_call, &g, NULL, NULL), 0);
	store_close(s);
	ck_assert_int_eq(g.n, 1);
	ck_assert_ptr_nonnull(g.c[0]->msgs[0].raw);
	expect_stored(c);
	same_call(c, g.c[0]);
	got_free(&g);
	call_free(c);
	tmp_free(&t);
}
END_TEST

/*
 * The private temporary store: made under $TMPDIR 0600 and unlinked at once
 * (only the open descriptor holds it), and one message read back by row
 * byte for byte, from the temporary store and from a --db one.
 */
START_TEST(test_temp_and_msg_raw)
{
	struct tmp t;
	struct store *s[2];
	struct call *c;
	struct dirent *d;
	struct stat sb;
	char err[512], link[256], path[600], *old;
	const char *p;
	size_t len;
	DIR *dir;
	int i, k, found = 0;
	ssize_t n;

	tmp_new(&t);
	c = mkcall(5, "temp", 10, 0, 4);
	old = getenv("TMPDIR") != NULL ? xstrdup(getenv("TMPDIR")) : NULL;
	setenv("TMPDIR", t.dir, 1);
	s[0] = store_open_temp(err, sizeof err);
	if (old != NULL)
		setenv("TMPDIR", old, 1);
	else
		unsetenv("TMPDIR");
	free(old);
	if (s[0] == NULL)
		ck_abort_msg("store_open_temp: %s", err);
	/* Nothing left in the directory, and our descriptor is 0600. */
	ck_assert_ptr_nonnull(dir = opendir(t.dir));
	while ((d = readdir(dir)) != NULL)
		ck_assert_msg(d->d_name[0] == '.', "left %s", d->d_name);
	closedir(dir);
	ck_assert_ptr_nonnull(dir = opendir("/proc/self/fd"));
	while ((d = readdir(dir)) != NULL) {
		snprintf(path, sizeof path, "/proc/self/fd/%s", d->d_name);
		if ((n = readlink(path, link, sizeof link - 1)) <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, t.dir, strlen(t.dir)) != 0 ||
		    strstr(link, "/sipvet-") == NULL)
			continue;
		ck_assert_ptr_nonnull(strstr(link, "(deleted)"));
		ck_assert_int_eq(stat(path, &sb), 0);
		ck_assert_int_eq(sb.st_mode & 0777, 0600);
		found++;
	}
	closedir(dir);
	ck_assert_int_eq(found, 1);

	s[1] = open_rw(t.db);
	ck_assert_int_eq(store_capture_begin(s[1], "x", 1), 0);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(store_call(s[k], c), 0);
		ck_assert_int_gt(store_last_call_row(s[k]), 0);
		ck_assert_int_eq(store_commit(s[k]), 0);
		ck_assert_int_eq(store_committed_row(s[k]),
		    store_last_call_row(s[k]));
		for (i = 0; i < c->n_msgs; i++) {
			p = store_msg_raw(s[k], store_last_call_row(s[k]), i,
			    &len);
			if (c->msgs[i].raw == NULL) {
				ck_assert_ptr_null(p);
				continue;
			}
			ck_assert_ptr_nonnull(p);
			ck_assert_uint_eq(len, c->msgs[i].len);
			ck_assert_mem_eq(p, c->msgs[i].raw, len);
		}
		ck_assert_ptr_null(store_msg_raw(s[k],
		    store_last_call_row(s[k]), c->n_msgs, &len));
		ck_assert_ptr_null(store_msg_raw(s[k], 999, 0, &len));
		store_close(s[k]);
	}
	call_free(c);
	tmp_free(&t);
}
END_TEST

/* Calls kept by an engine, collected by tracker_foreach. */
struct kept {
	struct call	*c[512];
	int		 n;
};

/* tracker_foreach callback: collect a done call. */
static void
kept_call(void *arg, struct call *c)
{
	struct kept *k = arg;

	if (c->done && k->n < (int)(sizeof k->c / sizeof k->c[0]))
		k->c[k->n++] = c;
}

/* Read a capture with an engine keeping calls as the interface does. */
static void
budget_run(struct engine *e, const char *pcap, size_t budget,
    const struct config *rules)
{
	struct engine_config ec;

	engine_config_default(&ec);
	ec.trk.keep_calls = 1;
	ec.trk.keep_raw = 1;
	ec.mem_budget = budget;
	ec.rules = rules;
	ck_assert_int_eq(engine_init(e, &ec), 0);
	if (engine_add_file(e, pcap) != 0)
		ck_abort_msg("%s", e->err);
	ck_assert_int_eq(engine_run(e, NULL), 0);
	engine_finish(e);
}

/*
 * With a tiny memory budget the engine moves done calls (judged first) to a
 * temporary store and releases their raw bytes; engine_msg_raw reads every
 * message back byte for byte as an engine without a budget holds it.
 */
START_TEST(test_budget)
{
	static const char *const caps[] = { "demo.pcap",
	    "udp-oversize.pcap" };
	struct engine a, b;
	struct kept ka, kb;
	struct config cfg;
	const char *pa, *pb;
	char pcap[512], copy[70000];
	size_t la, lb, total = 0;
	int i, j, released, n;

	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	for (n = 0; n < 2; n++) {
		snprintf(pcap, sizeof pcap, "%s/captures/%s", SRCDIR, caps[n]);
		budget_run(&a, pcap, 0, &cfg);
		budget_run(&b, pcap, 2000, &cfg);
		ka.n = kb.n = 0;
		tracker_foreach(a.trk, kept_call, &ka);
		tracker_foreach(b.trk, kept_call, &kb);
		ck_assert_int_gt(ka.n, 1);
		ck_assert_int_eq(ka.n, kb.n);
		ck_assert_ptr_null(a.tmp_store);
		ck_assert_ptr_nonnull(b.tmp_store);
		ck_assert_uint_gt(b.mem_moved_calls, 0);
		ck_assert_uint_le(b.mem_held, 2000);
		ck_assert_uint_eq(b.mem_kept_over, 0);
		released = 0;
		for (i = 0; i < ka.n; i++) {
			ck_assert_uint_eq(ka.c[i]->id, kb.c[i]->id);
			ck_assert_int_eq(ka.c[i]->n_msgs, kb.c[i]->n_msgs);
			if (kb.c[i]->n_msgs > 0 && kb.c[i]->msgs[0].raw == NULL) {
				released++;
				/* Judged while the bytes were there. */
				ck_assert_ptr_nonnull(kb.c[i]->diag);
			}
			for (j = 0; j < ka.c[i]->n_msgs; j++) {
				pa = engine_msg_raw(&a, ka.c[i], j, &la);
				ck_assert_ptr_nonnull(pa);
				ck_assert_uint_lt(la, sizeof copy);
				memcpy(copy, pa, la);
				pb = engine_msg_raw(&b, kb.c[i], j, &lb);
				ck_assert_msg(pb != NULL, "%s", b.err);
				ck_assert_uint_eq(la, lb);
				ck_assert_mem_eq(copy, pb, la);
				total += lb;
			}
		}
		ck_assert_uint_eq(released, b.mem_moved_calls);
		engine_free(&a);
		engine_free(&b);
	}
	ck_assert_uint_gt(total, 2000);
	config_free(&cfg);
}
END_TEST

/* Microseconds of wall-clock time. */
static double
now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec * 1e6 + tv.tv_usec;
}

/* Time writing SV_STORE_BENCH calls of ten 500-byte messages. */
START_TEST(test_bench)
{
	struct tmp t;
	struct store *s;
	struct call *c;
	struct sv_stats st;
	struct stat sb;
	double t0, t1;
	long n, i;
	int k;

	n = strtol(getenv("SV_STORE_BENCH"), NULL, 10);
	tmp_new(&t);
	c = mkcall(1, "bench-call-id-0123456789@198.51.100.7", 0, 0, 10);
	for (k = 0; k < c->n_msgs; k++) {
		free(c->msgs[k].raw);
		c->msgs[k].len = 500;
		c->msgs[k].raw = malloc(500);
		ck_assert_ptr_nonnull(c->msgs[k].raw);
		memset(c->msgs[k].raw, 'a' + k, 500);
	}
	memset(&st, 0, sizeof st);
	s = open_rw(t.db);
	t0 = now_us();
	ck_assert_int_eq(store_capture_begin(s, "bench", 0), 0);
	for (i = 0; i < n; i++) {
		c->id = (uint64_t)i + 1;
		c->first_ts = i * 1000;
		for (k = 0; k < c->n_msgs; k++)
			c->msgs[k].ts = c->first_ts + k;
		ck_assert_int_eq(store_call(s, c), 0);
	}
	ck_assert_int_eq(store_capture_end(s, &st, 1), 0);
	store_close(s);
	t1 = now_us();
	stat(t.db, &sb);
	printf("store bench: %ld calls, %ld messages of 500 bytes in %.2f s: "
	    "%.0f messages/s, %.1f MB\n", n, n * c->n_msgs, (t1 - t0) / 1e6,
	    n * c->n_msgs / ((t1 - t0) / 1e6), sb.st_size / 1e6);
	call_free(c);
	tmp_free(&t);
}
END_TEST

/* The store's test suite. */
static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_schema);
	tcase_add_test(tc, test_mode);
	tcase_add_test(tc, test_not_sqlite);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_other_schema);
	tcase_add_test(tc, test_interrupted);
	tcase_add_test(tc, test_killed);
	tcase_add_test(tc, test_latest);
	tcase_add_test(tc, test_findings);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_blobs);
	tcase_add_test(tc, test_temp_and_msg_raw);
	tcase_add_test(tc, test_budget);
	if (getenv("SV_STORE_BENCH") != NULL)
		tcase_add_test(tc, test_bench);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit status 0 when every test passed. */
int
main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
