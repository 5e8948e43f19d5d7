/*
 * test_tracker.c: unit tests of the call and transaction tracker, fed with
 * hand-written messages and capture times.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscan.h"
#include "tracker.h"

#define SEC 1000000LL

/* What the done callback saw. */
struct seen {
	int		 n;
	char		 ids[16][64];
	enum call_state	 state[16];
	int		 code[16];
	int		 msgs[16];
	int		 retrans[16];
	int		 txns[16];
	int		 auth[16][8];	/* step*1000 + code */
	int		 n_auth[16];
};

/* Done callback: remember the call's outcome. */
static void
test_done(void *arg, struct call *c)
{
	struct seen *s = arg;
	int i, r = 0;

	if (s->n >= 16)
		return;
	snprintf(s->ids[s->n], sizeof s->ids[0], "%s", c->call_id);
	s->state[s->n] = c->state;
	s->code[s->n] = c->final_code;
	s->msgs[s->n] = c->n_msgs;
	for (i = 0; i < c->n_msgs; i++)
		r += c->msgs[i].retrans;
	s->retrans[s->n] = r;
	s->txns[s->n] = c->n_txns;
	s->n_auth[s->n] = c->n_auth < 8 ? c->n_auth : 8;
	for (i = 0; i < s->n_auth[s->n]; i++)
		s->auth[s->n][i] = (int)c->auth[i].step * 1000 + c->auth[i].code;
	s->n++;
}

/* Build a request into buf. */
static size_t
test_req(char *buf, size_t len, const char *method, const char *cid,
    unsigned cseq, const char *cseq_method, const char *branch,
    const char *totag, int creds)
{
	return (size_t)snprintf(buf, len,
	    "%s sip:1000@sip.vapi.ai SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
	    "From: <sip:pbx@192.0.2.1>;tag=ft1\r\n"
	    "To: <sip:1000@sip.vapi.ai>%s%s\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %u %s\r\n"
	    "%s"
	    "Content-Length: 0\r\n\r\n",
	    method, branch, totag ? ";tag=" : "", totag ? totag : "", cid, cseq,
	    cseq_method,
	    creds ? "Authorization: Digest username=\"1000\", realm=\"sip.vapi.ai\", "
	    "nonce=\"n1\", uri=\"sip:1000@sip.vapi.ai\", response=\"0123456789abcdef0123456789abcdef\"\r\n" : "");
}

/* Build a response into buf. */
static size_t
test_resp(char *buf, size_t len, int code, const char *cid, unsigned cseq,
    const char *cseq_method, const char *branch, const char *totag)
{
	return (size_t)snprintf(buf, len,
	    "SIP/2.0 %d Reason\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=%s\r\n"
	    "From: <sip:pbx@192.0.2.1>;tag=ft1\r\n"
	    "To: <sip:1000@sip.vapi.ai>%s%s\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: %u %s\r\n"
	    "%s"
	    "Content-Length: 0\r\n\r\n",
	    code, branch, totag ? ";tag=" : "", totag ? totag : "", cid, cseq,
	    cseq_method,
	    code == 401 ? "WWW-Authenticate: Digest realm=\"sip.vapi.ai\", nonce=\"n1\", qop=\"auth\"\r\n" : "");
}

/* Feed one message at time ts. */
static void
test_feed(struct tracker *t, int64_t ts, const char *buf, size_t len, int from_pbx)
{
	struct sv_meta m;

	memset(&m, 0, sizeof m);
	m.ts = ts;
	m.transport = SV_T_UDP;
	m.src.af = m.dst.af = 4;
	m.src.ip[0] = 192; m.src.ip[3] = 1; m.src.port = 5060;
	m.dst.ip[0] = 192; m.dst.ip[3] = 2; m.dst.port = 5060;
	if (!from_pbx) {
		struct sv_addr a = m.src;
		m.src = m.dst;
		m.dst = a;
	}
	tracker_message(t, &m, buf, len);
}

/* A tracker with default configuration reporting into s. */
static struct tracker *
test_tracker(struct sv_stats *st, struct seen *s, size_t max_calls)
{
	struct tracker_config c;

	tracker_config_default(&c);
	if (max_calls)
		c.max_calls = max_calls;
	memset(st, 0, sizeof *st);
	memset(s, 0, sizeof *s);
	return tracker_new(&c, st, test_done, s);
}

/* Feed the healthy authenticated call with Call-ID cid starting at t0. */
static void
test_healthy(struct tracker *t, const char *cid, int64_t t0)
{
	char b[2048];
	size_t n;

	n = test_req(b, sizeof b, "INVITE", cid, 1, "INVITE", "z9hG4bKa", NULL, 0);
	test_feed(t, t0, b, n, 1);
	n = test_resp(b, sizeof b, 401, cid, 1, "INVITE", "z9hG4bKa", "vt");
	test_feed(t, t0 + 1000, b, n, 0);
	n = test_req(b, sizeof b, "ACK", cid, 1, "ACK", "z9hG4bKa", "vt", 0);
	test_feed(t, t0 + 2000, b, n, 1);
	n = test_req(b, sizeof b, "INVITE", cid, 2, "INVITE", "z9hG4bKb", NULL, 1);
	test_feed(t, t0 + 3000, b, n, 1);
	n = test_resp(b, sizeof b, 100, cid, 2, "INVITE", "z9hG4bKb", NULL);
	test_feed(t, t0 + 4000, b, n, 0);
	n = test_resp(b, sizeof b, 180, cid, 2, "INVITE", "z9hG4bKb", "vt2");
	test_feed(t, t0 + 5000, b, n, 0);
	n = test_resp(b, sizeof b, 200, cid, 2, "INVITE", "z9hG4bKb", "vt2");
	test_feed(t, t0 + 6000, b, n, 0);
	n = test_req(b, sizeof b, "ACK", cid, 2, "ACK", "z9hG4bKc", "vt2", 0);
	test_feed(t, t0 + 7000, b, n, 1);
	n = test_req(b, sizeof b, "BYE", cid, 3, "BYE", "z9hG4bKd", "vt2", 0);
	test_feed(t, t0 + 2 * SEC, b, n, 1);
	n = test_resp(b, sizeof b, 200, cid, 3, "BYE", "z9hG4bKd", "vt2");
	test_feed(t, t0 + 2 * SEC + 1000, b, n, 0);
}

START_TEST(test_healthy_call)
{
	struct sv_stats st;
	struct seen s;
	struct tracker *t = test_tracker(&st, &s, 0);

	test_healthy(t, "call-1", 100 * SEC);
	ck_assert_int_eq(s.n, 0);		/* still lingering */
	tracker_tick(t, 110 * SEC);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.ids[0], "call-1");
	ck_assert_int_eq(s.state[0], CALL_ANSWERED);
	ck_assert_int_eq(s.code[0], 200);
	ck_assert_int_eq(s.msgs[0], 10);
	ck_assert_int_eq(s.retrans[0], 0);
	ck_assert_int_eq(s.txns[0], 4);		/* INVITE, INVITE, ACK(2xx), BYE */
	ck_assert_int_eq(s.n_auth[0], 3);
	ck_assert_int_eq(s.auth[0][0], AUTH_CHALLENGE * 1000 + 401);
	ck_assert_int_eq(s.auth[0][1], AUTH_ANSWER * 1000);
	ck_assert_int_eq(s.auth[0][2], AUTH_RESULT * 1000 + 200);
	ck_assert_uint_eq(st.sip_messages, 10);
	ck_assert_uint_eq(st.calls, 1);
	ck_assert_uint_eq(tracker_held(t), 0);
	tracker_free(t);
}
END_TEST

START_TEST(test_retransmissions)
{
	struct sv_stats st;
	struct seen s;
	struct tracker *t = test_tracker(&st, &s, 0);
	char b[2048];
	size_t n;

	n = test_req(b, sizeof b, "INVITE", "rt", 1, "INVITE", "z9hG4bKr", NULL, 0);
	test_feed(t, SEC, b, n, 1);
	test_feed(t, SEC + 500000, b, n, 1);	/* Timer A retransmission */
	n = test_resp(b, sizeof b, 486, "rt", 1, "INVITE", "z9hG4bKr", "x");
	test_feed(t, 2 * SEC, b, n, 0);
	test_feed(t, 2 * SEC + 500000, b, n, 0);	/* final retransmitted */
	n = test_req(b, sizeof b, "ACK", "rt", 1, "ACK", "z9hG4bKr", "x", 0);
	test_feed(t, 2 * SEC + 1000, b, n, 1);
	test_feed(t, 2 * SEC + 600000, b, n, 1);
	tracker_finish(t);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.msgs[0], 6);
	ck_assert_int_eq(s.retrans[0], 3);
	ck_assert_uint_eq(st.retransmissions, 3);
	ck_assert_int_eq(s.state[0], CALL_REJECTED);
	ck_assert_int_eq(s.code[0], 486);
	ck_assert_int_eq(s.txns[0], 1);
	tracker_free(t);
}
END_TEST

/* Done callback for drop_raw: no call keeps raw bytes, lines stay. */
static void
test_done_dropped(void *arg, struct call *c)
{
	int i;
	size_t len;

	for (i = 0; i < c->n_msgs; i++) {
		ck_assert_ptr_null(c->msgs[i].raw);
		ck_assert_uint_gt(c->msgs[i].len, 0);
		ck_assert_ptr_nonnull(msg_record(&c->msgs[i], &len));
		ck_assert_uint_eq(len, 3);
		ck_assert_ptr_nonnull(strstr(msg_first_line(&c->msgs[i]),
		    "SIP/2.0"));
	}
	test_done(arg, c);
}

/*
 * A stand-in observer: a three-byte record for every message, which comes
 * with the call it joins, its Call-ID already set.
 */
static size_t
test_observe3(void *arg, const struct sip_msg *sm, const struct call *c,
    unsigned char *rec, size_t cap)
{
	(void)arg;
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(strlen(c->call_id), sm->call_id.len);
	ck_assert_uint_eq(c->call_id_len, sm->call_id.len);
	ck_assert_int_eq(memcmp(c->call_id, sm->call_id.s, sm->call_id.len), 0);
	ck_assert_uint_eq(strlen(c->caller), c->caller_len);
	ck_assert_uint_eq(strlen(c->callee), c->callee_len);
	ck_assert_uint_eq(strlen(c->ruri), c->ruri_len);
	ck_assert_uint_eq(strlen(c->method), c->method_len);
	ck_assert_uint_ge(cap, 3);
	memcpy(rec, "rec", 3);
	return 3;
}

/*
 * drop_raw: no raw bytes are kept, yet a response sent again with the same
 * bytes is a retransmission (by hash) and one that differs is not.
 */
START_TEST(test_drop_raw)
{
	struct tracker_config cfg;
	struct sv_stats st;
	struct seen s;
	struct tracker *t;
	char b[2048];
	size_t n;

	tracker_config_default(&cfg);
	cfg.drop_raw = 1;
	cfg.observe = test_observe3;
	memset(&st, 0, sizeof st);
	memset(&s, 0, sizeof s);
	t = tracker_new(&cfg, &st, test_done_dropped, &s);
	n = test_req(b, sizeof b, "INVITE", "dr", 1, "INVITE", "z9hG4bKd", NULL, 0);
	test_feed(t, SEC, b, n, 1);
	n = test_resp(b, sizeof b, 486, "dr", 1, "INVITE", "z9hG4bKd", "x");
	test_feed(t, 2 * SEC, b, n, 0);
	test_feed(t, 2 * SEC + 500000, b, n, 0);	/* the same bytes */
	n = test_resp(b, sizeof b, 486, "dr", 1, "INVITE", "z9hG4bKd", "y");
	test_feed(t, 2 * SEC + 600000, b, n, 0);	/* another To tag */
	tracker_finish(t);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.msgs[0], 4);
	ck_assert_int_eq(s.retrans[0], 1);
	ck_assert_uint_eq(st.retransmissions, 1);
	ck_assert_int_eq(s.code[0], 486);
	tracker_free(t);
}
END_TEST

START_TEST(test_challenge_ignored_lingers)
{
	struct sv_stats st;
	struct seen s;
	struct tracker *t = test_tracker(&st, &s, 0);
	char b[2048];
	size_t n;

	n = test_req(b, sizeof b, "INVITE", "ign", 1, "INVITE", "z9hG4bKi", NULL, 0);
	test_feed(t, 10 * SEC, b, n, 1);
	n = test_resp(b, sizeof b, 401, "ign", 1, "INVITE", "z9hG4bKi", "v");
	test_feed(t, 10 * SEC + 1000, b, n, 0);
	n = test_req(b, sizeof b, "ACK", "ign", 1, "ACK", "z9hG4bKi", "v", 0);
	test_feed(t, 10 * SEC + 2000, b, n, 1);
	tracker_tick(t, 30 * SEC);
	ck_assert_int_eq(s.n, 0);	/* a retry may still come (Timer B) */
	tracker_tick(t, 43 * SEC);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.state[0], CALL_REJECTED);
	ck_assert_int_eq(s.code[0], 401);
	ck_assert_int_eq(s.n_auth[0], 1);
	tracker_free(t);
}
END_TEST

START_TEST(test_timeout)
{
	struct sv_stats st;
	struct seen s;
	struct tracker *t = test_tracker(&st, &s, 0);
	char b[2048];
	size_t n;

	n = test_req(b, sizeof b, "INVITE", "to", 1, "INVITE", "z9hG4bKt", NULL, 0);
	test_feed(t, SEC, b, n, 1);
	tracker_tick(t, 20 * SEC);
	ck_assert_int_eq(s.n, 0);
	tracker_tick(t, 40 * SEC);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.state[0], CALL_TIMEDOUT);
	tracker_free(t);
}
END_TEST

START_TEST(test_order_and_finish)
{
	struct sv_stats st;
	struct seen s;
	struct tracker *t = test_tracker(&st, &s, 0);
	char b[2048];
	size_t n;

	/* A starts first and stays open; B completes while A is open. */
	n = test_req(b, sizeof b, "INVITE", "A", 1, "INVITE", "z9hG4bKA", NULL, 0);
	test_feed(t, SEC, b, n, 1);
	n = test_resp(b, sizeof b, 180, "A", 1, "INVITE", "z9hG4bKA", "a");
	test_feed(t, SEC + 1, b, n, 0);
	test_healthy(t, "B", 2 * SEC);
	tracker_tick(t, 12 * SEC);
	ck_assert_int_eq(s.n, 0);	/* B waits behind A */
	tracker_finish(t);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.ids[0], "A");
	ck_assert_int_eq(s.state[0], CALL_EARLY);
	ck_assert_str_eq(s.ids[1], "B");
	ck_assert_int_eq(s.state[1], CALL_ANSWERED);
	tracker_free(t);
}
END_TEST

/* What the changed-list and on_free hooks saw. */
struct changes {
	int		 n;
	uint64_t	 ids[64];
	int		 freed;
};

/* Drain callback: remember a changed call's id. */
static void
test_changed(void *arg, struct call *c)
{
	struct changes *ch = arg;

	if (ch->n < 64)
		ch->ids[ch->n++] = c->id;
}

/* on_free hook: count freed calls. */
static void
test_freed(void *arg, struct call *c)
{
	struct changes *ch = arg;

	(void)c;
	ch->freed++;
}

START_TEST(test_changed_list)
{
	struct sv_stats st;
	struct seen s;
	struct changes ch;
	struct tracker_config c;
	struct tracker *t;
	char b[2048];
	size_t n;

	memset(&ch, 0, sizeof ch);
	memset(&s, 0, sizeof s);
	memset(&st, 0, sizeof st);
	tracker_config_default(&c);
	c.track_changes = 1;
	c.keep_calls = 1;
	c.max_calls = 2;
	c.on_free = test_freed;
	c.on_free_arg = &ch;
	t = tracker_new(&c, &st, test_done, &s);
	test_healthy(t, "c1", SEC);
	test_healthy(t, "c2", 2 * SEC);
	/* Ten messages each, but a call is listed once until drained. */
	tracker_drain_changed(t, test_changed, &ch);
	ck_assert_int_eq(ch.n, 2);
	ck_assert_uint_eq(ch.ids[0], 1);
	ck_assert_uint_eq(ch.ids[1], 2);
	tracker_drain_changed(t, test_changed, &ch);
	ck_assert_int_eq(ch.n, 2);
	/* A new message on c2 lists it again. */
	n = test_req(b, sizeof b, "OPTIONS", "c2", 9, "OPTIONS", "z9hG4bKo", "vt2", 0);
	test_feed(t, 2 * SEC + 3 * SEC, b, n, 1);
	tracker_drain_changed(t, test_changed, &ch);
	ck_assert_int_eq(ch.n, 3);
	ck_assert_uint_eq(ch.ids[2], 2);
	/* c3 over the limit of 2 evicts one call: on_free hears of it. */
	test_healthy(t, "c3", 3 * SEC);
	ck_assert_int_ge(ch.freed, 1);
	tracker_free(t);
	ck_assert_int_eq(ch.freed, 3);
}
END_TEST

START_TEST(test_limit_evicts)
{
	struct sv_stats st;
	struct seen s;
	struct tracker *t = test_tracker(&st, &s, 2);

	test_healthy(t, "c1", SEC);
	test_healthy(t, "c2", 2 * SEC);
	test_healthy(t, "c3", 3 * SEC);	/* over the limit of 2 */
	ck_assert_uint_eq(st.calls_evicted, 1);
	ck_assert_uint_ge(st.calls_limit_hits, 1);
	ck_assert_uint_le(tracker_held(t), 2);
	tracker_finish(t);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.ids[0], "c1");
	tracker_free(t);
}
END_TEST

START_TEST(test_rfc2543_ack)
{
	struct sv_stats st;
	struct seen s;
	struct tracker *t = test_tracker(&st, &s, 0);
	char b[2048];
	size_t n;

	/* No magic cookie: the transaction is keyed by CSeq, From tag, sent-by. */
	n = test_req(b, sizeof b, "INVITE", "old", 5, "INVITE", "oldbranch1", NULL, 0);
	test_feed(t, SEC, b, n, 1);
	n = test_resp(b, sizeof b, 404, "old", 5, "INVITE", "oldbranch1", "q");
	test_feed(t, SEC + 10, b, n, 0);
	n = test_req(b, sizeof b, "ACK", "old", 5, "ACK", "oldbranch1", "q", 0);
	test_feed(t, SEC + 20, b, n, 1);
	tracker_finish(t);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.txns[0], 1);
	ck_assert_int_eq(s.retrans[0], 0);
	ck_assert_int_eq(s.code[0], 404);
	tracker_free(t);
}
END_TEST

START_TEST(test_cancel)
{
	struct sv_stats st;
	struct seen s;
	struct tracker *t = test_tracker(&st, &s, 0);
	char b[2048];
	size_t n;

	n = test_req(b, sizeof b, "INVITE", "cx", 1, "INVITE", "z9hG4bKx", NULL, 0);
	test_feed(t, SEC, b, n, 1);
	n = test_resp(b, sizeof b, 180, "cx", 1, "INVITE", "z9hG4bKx", "t");
	test_feed(t, SEC + 10, b, n, 0);
	n = test_req(b, sizeof b, "CANCEL", "cx", 1, "CANCEL", "z9hG4bKx", NULL, 0);
	test_feed(t, 2 * SEC, b, n, 1);
	n = test_resp(b, sizeof b, 487, "cx", 1, "INVITE", "z9hG4bKx", "t");
	test_feed(t, 2 * SEC + 10, b, n, 0);
	tracker_finish(t);
	ck_assert_int_eq(s.state[0], CALL_CANCELLED);
	ck_assert_int_eq(s.txns[0], 2);
	tracker_free(t);
}
END_TEST

START_TEST(test_no_call_id_counted)
{
	struct sv_stats st;
	struct seen s;
	struct tracker *t = test_tracker(&st, &s, 0);
	const char *m = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	    "CSeq: 1 OPTIONS\r\n\r\n";

	test_feed(t, SEC, m, strlen(m), 1);
	tracker_finish(t);
	ck_assert_int_eq(s.n, 0);
	ck_assert_uint_eq(st.drop[SV_DROP_SIP_MALFORMED], 1);
	ck_assert_uint_eq(st.sip_messages, 1);	/* SIP, counted as tshark does */
	ck_assert_uint_eq(st.sip_malformed, 1);
	tracker_free(t);
}
END_TEST

/* The suite of tracker tests. */
/* What test_count_done saw of many calls. */
struct many {
	int		 n;
	int		 bad;		/* calls not shaped like test_healthy's */
	uint64_t	 ids_sum;	/* sum of the numbers in the Call-IDs */
};

/* Done callback: check each call got all ten messages and nothing else. */
static void
test_count_done(void *arg, struct call *c)
{
	struct many *m = arg;
	int i;

	m->n++;
	if (c->n_msgs != 10 || c->n_txns != 4 || c->n_auth != 3 ||
	    c->state != CALL_ANSWERED || strncmp(c->call_id, "many-", 5) != 0)
		m->bad++;
	for (i = 0; i < c->n_msgs; i++)
		if (c->msgs[i].retrans || c->msgs[i].txn < 0 ||
		    c->msgs[i].txn >= c->n_txns ||
		    c->txns[c->msgs[i].txn].cseq != c->msgs[i].cseq)
			m->bad++;
	m->ids_sum += strtoull(c->call_id + 5, NULL, 10);
}

START_TEST(test_many_calls)
{
	struct tracker_config cfg;
	struct sv_stats st;
	struct many m;
	struct tracker *t;
	char cid[96];
	uint64_t want = 0;
	int i;

	/* Thousands of overlapping calls: the Call-ID table grows, and
	   loses calls as they are done, while new ones arrive. */
	tracker_config_default(&cfg);
	memset(&st, 0, sizeof st);
	memset(&m, 0, sizeof m);
	t = tracker_new(&cfg, &st, test_count_done, &m);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < 3000; i++) {
		snprintf(cid, sizeof cid, "many-%d@%0*d", i, 10 + i % 50, i);
		test_healthy(t, cid, SEC + (int64_t)i * 5000);
		want += (uint64_t)i;
		if (i % 100 == 99)
			tracker_tick(t, SEC + (int64_t)i * 5000);
	}
	ck_assert_int_gt(m.n, 0);
	ck_assert_int_lt(m.n, 3000);
	tracker_finish(t);
	ck_assert_uint_eq(st.calls, 3000);
	ck_assert_int_eq(m.n, 3000);
	ck_assert_int_eq(m.bad, 0);
	ck_assert_uint_eq(m.ids_sum, want);
	ck_assert_uint_eq(tracker_held(t), 0);
	tracker_free(t);
}
END_TEST

/* Keep-calls callback: nothing to do, the test looks at the kept call. */
static void
test_keep(void *arg, struct call *c)
{
	*(struct call **)arg = c;
}

START_TEST(test_many_transactions)
{
	struct tracker_config cfg;
	struct sv_stats st;
	struct tracker *t;
	struct call *c = NULL;
	char b[2048], br[128], want[128];
	size_t n, len;
	int i, j;

	/* One call with many transactions and long keys: its strings need
	   several arena chunks and must all stay intact. */
	tracker_config_default(&cfg);
	cfg.keep_calls = 1;
	cfg.keep_raw = 1;
	memset(&st, 0, sizeof st);
	t = tracker_new(&cfg, &st, test_keep, &c);
	for (i = 0; i < 60; i++) {
		snprintf(br, sizeof br, "z9hG4bK-%d-%080d", i, i);
		n = test_req(b, sizeof b, "INFO", "long", (unsigned)i + 1, "INFO",
		    br, "tt", 0);
		test_feed(t, SEC + i, b, n, 1);
		/* Every other one sent twice: a retransmission, same txn. */
		if (i % 2 == 0)
			test_feed(t, SEC + i, b, n, 1);
	}
	tracker_finish(t);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->n_txns, 60);
	ck_assert_int_eq(c->n_msgs, 90);
	ck_assert_uint_eq(st.retransmissions, 30);
	for (i = 0, j = 0; i < 60; i++) {
		snprintf(want, sizeof want, "z9hG4bK-%d-%080d", i, i);
		ck_assert_str_eq(c->txns[i].branch, want);
		ck_assert_str_eq(c->txns[i].method, "INFO");
		ck_assert_int_eq(c->msgs[j].txn, i);
		ck_assert_int_eq(c->msgs[j].retrans, 0);
		ck_assert_ptr_nonnull(c->msgs[j].raw);
		ck_assert_ptr_nonnull(strstr(c->msgs[j].raw, want));
		j++;
		if (i % 2 == 0) {
			ck_assert_int_eq(c->msgs[j].txn, i);
			ck_assert_int_eq(c->msgs[j].retrans, 1);
			j++;
		}
	}
	ck_assert_str_eq(c->call_id, "long");
	ck_assert_str_eq(c->method, "INFO");
	/* Raw bytes go; first lines, CSeq methods and strings stay. */
	call_release_raw(c);
	for (i = 0; i < c->n_msgs; i++) {
		ck_assert_ptr_null(c->msgs[i].raw);
		ck_assert_ptr_null(msg_record(&c->msgs[i], &len));
		ck_assert_str_eq(msg_first_line(&c->msgs[i]),
		    "INFO sip:1000@sip.vapi.ai SIP/2.0");
		ck_assert_str_eq(msg_cseq_method(&c->msgs[i]), "INFO");
	}
	ck_assert_str_eq(c->txns[59].branch, want);
	tracker_free(t);
}
END_TEST

static Suite *
tracker_suite(void)
{
	Suite *s = suite_create("tracker");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_healthy_call);
	tcase_add_test(tc, test_retransmissions);
	tcase_add_test(tc, test_drop_raw);
	tcase_add_test(tc, test_challenge_ignored_lingers);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_order_and_finish);
	tcase_add_test(tc, test_limit_evicts);
	tcase_add_test(tc, test_changed_list);
	tcase_add_test(tc, test_rfc2543_ack);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_no_call_id_counted);
	tcase_add_test(tc, test_many_calls);
	tcase_add_test(tc, test_many_transactions);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit status is the number of failures. */
int
main(void)
{
	SRunner *sr = srunner_create(tracker_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
