/*
 * test_tcpreasm.c: unit tests for TCP reassembly and SIP stream framing.
 *
 * Segments are built in memory and fed to a reassembler whose sink records
 * every message it receives; the tests assert what comes out and what was
 * counted: splitting, reordering, retransmission, wraparound, resync,
 * gaps, limits, WebSocket framing and connection teardown.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv.h"
#include "tcpreasm.h"

#define REC_MAX	64

/* What the sink saw. */
struct rec {
	int		 n;
	char		*msg[REC_MAX];
	size_t		 len[REC_MAX];
	struct sv_meta	 meta[REC_MAX];
};

/* A reassembler with its counters, sink record and two endpoints. */
struct fx {
	struct tcpreasm	*r;
	struct sv_stats	 st;
	struct rec	 rec;
	struct sv_addr	 a, b;
	uint64_t	 frame;
	int64_t		 ts;
};

/* Record one message delivered by the reassembler. */
static void
rec_message(void *arg, const struct sv_meta *m, const char *buf, size_t len)
{
	struct rec *rc = arg;

	ck_assert_int_lt(rc->n, REC_MAX);
	rc->msg[rc->n] = malloc(len + 1);
	ck_assert_ptr_nonnull(rc->msg[rc->n]);
	memcpy(rc->msg[rc->n], buf, len);
	rc->msg[rc->n][len] = '\0';
	rc->len[rc->n] = len;
	rc->meta[rc->n] = *m;
	rc->n++;
}

/* Set up a fixture with the given limits (zero fields take test defaults). */
static void
fx_init(struct fx *x, size_t flow_buf, size_t mem, size_t max_flows,
    size_t max_msg)
{
	struct tcpreasm_config c;

	memset(x, 0, sizeof *x);
	c.flow_buf = flow_buf ? flow_buf : 65536;
	c.mem = mem ? mem : 1024 * 1024;
	c.max_flows = max_flows ? max_flows : 16;
	c.timeout = 60 * 1000000LL;
	c.max_msg = max_msg ? max_msg : 16384;
	x->r = tcpreasm_new(&c, &x->st, (struct sv_sink){ rec_message,
	    &x->rec, NULL });
	ck_assert_ptr_nonnull(x->r);
	x->a.af = 4;
	memcpy(x->a.ip, "\x0a\x00\x00\x01", 4);
	x->a.port = 40000;
	x->b.af = 4;
	memcpy(x->b.ip, "\x2c\x00\x00\x02", 4);
	x->b.port = 5060;
	x->ts = 1000000000000LL;
}

/* Free the reassembler and the recorded messages. */
static void
fx_done(struct fx *x)
{
	int i;

	tcpreasm_free(x->r);
	for (i = 0; i < x->rec.n; i++)
		free(x->rec.msg[i]);
}

/* Feed one segment; dir 0 is a -> b, dir 1 is b -> a; ts advances 1 ms. */
static void
fx_seg(struct fx *x, int dir, uint32_t seq, uint8_t flags, const char *data,
    size_t len)
{
	struct sv_meta m;

	memset(&m, 0, sizeof m);
	m.ts = (x->ts += 1000);
	m.frame = ++x->frame;
	m.src = dir == 0 ? x->a : x->b;
	m.dst = dir == 0 ? x->b : x->a;
	m.transport = SV_T_TCP;
	tcpreasm_segment(x->r, &m, seq, flags, (const uint8_t *)data, len);
}

/* Feed a NUL-terminated string as one segment. */
static void
fx_str(struct fx *x, int dir, uint32_t seq, uint8_t flags, const char *s)
{
	fx_seg(x, dir, seq, flags, s, strlen(s));
}

/* Build a SIP request with a Call-ID and a body of blen bytes. */
static size_t
sipmsg(char *buf, size_t size, const char *callid, size_t blen)
{
	char body[8192];
	int n;

	ck_assert_uint_lt(blen, sizeof body);
	memset(body, 'x', blen);
	if (blen > 0)
		body[blen - 1] = '\n';
	body[blen] = '\0';
	n = snprintf(buf, size,
	    "INVITE sip:bob@sip.vapi.ai SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK-%s\r\n"
	    "From: <sip:alice@example.com>;tag=1\r\n"
	    "To: <sip:bob@sip.vapi.ai>\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n%s", callid, callid, blen, body);
	ck_assert(n > 0 && (size_t)n < size);
	return (size_t)n;
}

/* Assert that recorded message i is exactly the given bytes. */
static void
assert_msg(struct fx *x, int i, const char *s, size_t len)
{
	ck_assert_int_gt(x->rec.n, i);
	ck_assert_uint_eq(x->rec.len[i], len);
	ck_assert(memcmp(x->rec.msg[i], s, len) == 0);
}

START_TEST(test_one_message)
{
	struct fx x;
	char m[1024];
	size_t n = sipmsg(m, sizeof m, "one", 10);

	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, 1000, TCPR_SYN, NULL, 0);
	fx_seg(&x, 1, 5000, TCPR_SYN | TCPR_ACK, NULL, 0);
	fx_seg(&x, 0, 1001, TCPR_ACK, m, n);
	ck_assert_int_eq(x.rec.n, 1);
	assert_msg(&x, 0, m, n);
	ck_assert_int_eq(x.rec.meta[0].transport, SV_T_TCP);
	ck_assert_uint_eq(x.rec.meta[0].frame, 3);
	ck_assert_int_eq(sv_addr_cmp(&x.rec.meta[0].src, &x.a), 0);
	ck_assert_int_eq(sv_addr_cmp(&x.rec.meta[0].dst, &x.b), 0);
	ck_assert_uint_eq(x.st.tcp_flows, 1);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 1);
	fx_done(&x);
}
END_TEST

START_TEST(test_three_in_one)
{
	struct fx x;
	char m[4096];
	size_t n1, n2, n3;

	n1 = sipmsg(m, sizeof m, "m1", 0);
	n2 = sipmsg(m + n1, sizeof m - n1, "m2", 20);
	n3 = sipmsg(m + n1 + n2, sizeof m - n1 - n2, "m3", 5);
	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, 77, TCPR_ACK, m, n1 + n2 + n3);
	ck_assert_int_eq(x.rec.n, 3);
	assert_msg(&x, 0, m, n1);
	assert_msg(&x, 1, m + n1, n2);
	assert_msg(&x, 2, m + n1 + n2, n3);
	ck_assert(strstr(x.rec.msg[1], "Call-ID: m2") != NULL);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 0);
	fx_done(&x);
}
END_TEST

START_TEST(test_split_five)
{
	struct fx x;
	char m[2048];
	size_t n = sipmsg(m, sizeof m, "split", 300), cut[6], i;

	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, 99, TCPR_SYN, NULL, 0);
	/* Cut inside the first line, inside headers, inside the blank line. */
	cut[0] = 0;
	cut[1] = 10;
	cut[2] = 100;
	cut[3] = (size_t)(strstr(m, "\r\n\r\n") - m) + 2;
	cut[4] = cut[3] + 100;
	cut[5] = n;
	for (i = 0; i < 5; i++) {
		fx_seg(&x, 0, 100 + (uint32_t)cut[i], TCPR_ACK, m + cut[i],
		    cut[i + 1] - cut[i]);
		ck_assert_int_eq(x.rec.n, i == 4 ? 1 : 0);
	}
	assert_msg(&x, 0, m, n);
	ck_assert_uint_eq(x.rec.meta[0].frame, 6);
	fx_done(&x);
}
END_TEST

START_TEST(test_out_of_order)
{
	struct fx x;
	char m[4096];
	size_t n1, n2, h;

	n1 = sipmsg(m, sizeof m, "first", 40);
	n2 = sipmsg(m + n1, sizeof m - n1, "second", 40);
	h = n1 / 2;
	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, 0, TCPR_SYN, NULL, 0);
	/* Second message, then the first's tail, then its head. */
	fx_seg(&x, 0, 1 + (uint32_t)n1, TCPR_ACK, m + n1, n2);
	fx_seg(&x, 0, 1 + (uint32_t)h, TCPR_ACK, m + h, n1 - h);
	ck_assert_int_eq(x.rec.n, 0);
	fx_seg(&x, 0, 1, TCPR_ACK, m, h);
	ck_assert_int_eq(x.rec.n, 2);
	assert_msg(&x, 0, m, n1);
	assert_msg(&x, 1, m + n1, n2);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_GAP], 0);
	fx_done(&x);
}
END_TEST

START_TEST(test_retransmit_overlap)
{
	struct fx x;
	char m[4096];
	size_t n1, n2;

	n1 = sipmsg(m, sizeof m, "r1", 10);
	n2 = sipmsg(m + n1, sizeof m - n1, "r2", 10);
	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, 500, TCPR_SYN, NULL, 0);
	fx_seg(&x, 0, 501, TCPR_ACK, m, 60);
	fx_seg(&x, 0, 501, TCPR_ACK, m, 60);		/* retransmission */
	fx_seg(&x, 0, 501, TCPR_ACK, m, 40);		/* older, shorter */
	fx_seg(&x, 0, 531, TCPR_ACK, m + 30, n1 - 30);	/* overlaps 30 */
	ck_assert_int_eq(x.rec.n, 1);
	assert_msg(&x, 0, m, n1);
	fx_seg(&x, 0, 501, TCPR_ACK, m, n1);		/* whole retransmission */
	ck_assert_int_eq(x.rec.n, 1);
	/* Out-of-order segment overlapping bytes not yet seen. */
	fx_seg(&x, 0, 501 + (uint32_t)n1 + 50, TCPR_ACK, m + n1 + 50, n2 - 50);
	fx_seg(&x, 0, 501 + (uint32_t)n1 + 20, TCPR_ACK, m + n1 + 20, 60);
	fx_seg(&x, 0, 501 + (uint32_t)n1, TCPR_ACK, m + n1, 25);
	ck_assert_int_eq(x.rec.n, 2);
	assert_msg(&x, 1, m + n1, n2);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 0);
	fx_done(&x);
}
END_TEST

START_TEST(test_wraparound)
{
	struct fx x;
	char m[4096];
	size_t n1, n2;
	uint32_t isn = 0xffffffe0u, s;

	n1 = sipmsg(m, sizeof m, "wrap1", 30);
	n2 = sipmsg(m + n1, sizeof m - n1, "wrap2", 30);
	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, isn, TCPR_SYN, NULL, 0);
	s = isn + 1;
	/* The first 31 bytes end at 2^32; the rest wraps, and comes first. */
	fx_seg(&x, 0, s + 31, TCPR_ACK, m + 31, n1 + n2 - 31);
	ck_assert_int_eq(x.rec.n, 0);
	fx_seg(&x, 0, s, TCPR_ACK, m, 31);
	ck_assert_int_eq(x.rec.n, 2);
	assert_msg(&x, 0, m, n1);
	assert_msg(&x, 1, m + n1, n2);
	/* A retransmission from before the wrap is ignored. */
	fx_seg(&x, 0, s + 10, TCPR_ACK, m + 10, 20);
	ck_assert_int_eq(x.rec.n, 2);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 0);
	fx_done(&x);
}
END_TEST

START_TEST(test_midstream)
{
	struct fx x;
	char m[4096];
	size_t n1, n2;

	/* Capture starts on a message boundary. */
	n1 = sipmsg(m, sizeof m, "mid1", 10);
	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, 123456789, TCPR_ACK, m, n1);
	ck_assert_int_eq(x.rec.n, 1);
	assert_msg(&x, 0, m, n1);
	fx_done(&x);

	/* Capture starts inside a message: its tail is a gap, not junk. */
	n1 = sipmsg(m, sizeof m, "mid1", 10);
	n2 = sipmsg(m + n1, sizeof m - n1, "mid2", 10);
	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 1, 7, TCPR_ACK, m + 50, n1 - 50);
	fx_seg(&x, 1, 7 + (uint32_t)(n1 - 50), TCPR_ACK, m + n1, n2);
	ck_assert_int_eq(x.rec.n, 1);
	assert_msg(&x, 0, m + n1, n2);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_GAP], 1);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 0);
	ck_assert_int_eq(sv_addr_cmp(&x.rec.meta[0].src, &x.b), 0);
	fx_done(&x);
}
END_TEST

START_TEST(test_compact_length)
{
	struct fx x;
	static const char s[] =
	    "SIP/2.0 401 Unauthorized\r\n"
	    "v: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK-c\r\n"
	    "f: <sip:alice@example.com>;tag=1\r\n"
	    "t: <sip:bob@sip.vapi.ai>;tag=2\r\n"
	    "i: compact\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "WWW-Authenticate: Digest realm=\"sip.vapi.ai\", nonce=\"abc\"\r\n"
	    "l: 5\r\n"
	    "\r\n"
	    "hello"
	    "\r\n\r\n"		/* a keep-alive between messages */
	    "SIP/2.0 100 Trying\r\n"
	    "i: compact2\r\n"
	    "l:0\r\n"
	    "\r\n";
	const char *second = strstr(s, "SIP/2.0 100");

	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 1, 1, TCPR_ACK, s, sizeof s - 1);
	ck_assert_int_eq(x.rec.n, 2);
	assert_msg(&x, 0, s, (size_t)(strstr(s, "hello") - s) + 5);
	assert_msg(&x, 1, second, strlen(second));
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 0);
	fx_done(&x);
}
END_TEST

START_TEST(test_junk_resync)
{
	struct fx x;
	char m[4096];
	size_t n, j;
	static const char junk[] = "\x16\x03\x01 garbage bytes\r\nmore junk here\r\n";

	j = sizeof junk - 1;
	memcpy(m, junk, j);
	n = sipmsg(m + j, sizeof m - j, "afterjunk", 12);
	fx_init(&x, 0, 0, 0, 0);
	/* Established SIP flow first, then junk, then a message. */
	fx_seg(&x, 0, 10, TCPR_SYN, NULL, 0);
	fx_seg(&x, 0, 11, TCPR_ACK, m + j, n);
	ck_assert_int_eq(x.rec.n, 1);
	fx_seg(&x, 0, 11 + (uint32_t)n, TCPR_ACK, m, j + n);
	ck_assert_int_eq(x.rec.n, 2);
	assert_msg(&x, 1, m + j, n);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 1);
	fx_done(&x);
}
END_TEST

START_TEST(test_gap_never_filled)
{
	struct fx x;
	char m[8192];
	size_t n1, n2, n3, h;
	uint32_t s = 1001;

	n1 = sipmsg(m, sizeof m, "g1", 20);
	n2 = sipmsg(m + n1, sizeof m - n1, "g2", 20);
	n3 = sipmsg(m + n1 + n2, sizeof m - n1 - n2, "g3", 20);
	h = n1 / 2;
	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, s - 1, TCPR_SYN, NULL, 0);
	fx_seg(&x, 0, s, TCPR_ACK, m, h);
	/* Bytes [h, h + 30) never arrive. */
	fx_seg(&x, 0, s + (uint32_t)h + 30, TCPR_ACK, m + h + 30,
	    n1 + n2 - h - 30);
	ck_assert_int_eq(x.rec.n, 0);
	tcpreasm_expire(x.r, x.ts + 1000000);
	ck_assert_int_eq(x.rec.n, 0);
	tcpreasm_expire(x.r, x.ts + 2500000);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_GAP], 1);
	ck_assert_int_eq(x.rec.n, 1);
	assert_msg(&x, 0, m + n1, n2);
	/* The stream goes on normally. */
	fx_seg(&x, 0, s + (uint32_t)(n1 + n2), TCPR_ACK, m + n1 + n2, n3);
	ck_assert_int_eq(x.rec.n, 2);
	assert_msg(&x, 1, m + n1 + n2, n3);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 0);
	fx_done(&x);

	/* The same gap given up by a later segment's time, without expire. */
	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, s - 1, TCPR_SYN, NULL, 0);
	fx_seg(&x, 0, s, TCPR_ACK, m, h);
	fx_seg(&x, 0, s + (uint32_t)h + 30, TCPR_ACK, m + h + 30,
	    n1 + n2 - h - 30);
	x.ts += 3000000;
	fx_seg(&x, 0, s + (uint32_t)(n1 + n2), TCPR_ACK, m + n1 + n2, n3);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_GAP], 1);
	ck_assert_int_eq(x.rec.n, 2);
	assert_msg(&x, 0, m + n1, n2);
	assert_msg(&x, 1, m + n1 + n2, n3);
	fx_done(&x);
}
END_TEST

START_TEST(test_buffer_limit)
{
	struct fx x;
	char big[4096], m[2048];
	size_t n, i;
	uint32_t s = 1;

	/* A message whose headers never end overflows a 2 KB buffer. */
	n = (size_t)snprintf(big, sizeof big, "OPTIONS sip:x SIP/2.0\r\n");
	while (n < 3000)
		n += (size_t)snprintf(big + n, sizeof big - n,
		    "X-Filler: abcdefghijklmnopqrstuvwxyz\r\n");
	fx_init(&x, 2048, 0, 0, 8192);
	fx_seg(&x, 0, 0, TCPR_SYN, NULL, 0);
	for (i = 0; i < n; i += 500) {
		size_t k = n - i < 500 ? n - i : 500;
		fx_seg(&x, 0, s, TCPR_ACK, big + i, k);
		s += (uint32_t)k;
	}
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_MEMORY], 1);
	ck_assert_int_eq(x.rec.n, 0);
	/* Resynchronised: the next message gets through. */
	n = sipmsg(m, sizeof m, "afterlimit", 0);
	fx_seg(&x, 0, s, TCPR_ACK, "\r\n\r\n", 4);
	fx_seg(&x, 0, s + 4, TCPR_ACK, m, n);
	ck_assert_int_eq(x.rec.n, 1);
	assert_msg(&x, 0, m, n);
	fx_done(&x);
}
END_TEST

START_TEST(test_too_large)
{
	struct fx x;
	char m[8192];
	size_t n1, n2, i;
	uint32_t s = 1;

	n1 = sipmsg(m, sizeof m, "huge", 3000);
	n2 = sipmsg(m + n1, sizeof m - n1, "small", 10);
	fx_init(&x, 0, 0, 0, 1024);
	for (i = 0; i < n1 + n2; i += 700) {
		size_t k = n1 + n2 - i < 700 ? n1 + n2 - i : 700;
		fx_seg(&x, 0, s, TCPR_ACK, m + i, k);
		s += (uint32_t)k;
	}
	ck_assert_uint_eq(x.st.drop[SV_DROP_SIP_TOO_LARGE], 1);
	ck_assert_int_eq(x.rec.n, 1);
	assert_msg(&x, 0, m + n1, n2);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 0);
	fx_done(&x);
}
END_TEST

START_TEST(test_flow_limit)
{
	struct fx x;
	char m[1024];
	size_t n = sipmsg(m, sizeof m, "flows", 0);
	int i;

	fx_init(&x, 0, 0, 2, 0);
	for (i = 0; i < 3; i++) {
		x.a.port = (uint16_t)(40000 + i);
		fx_seg(&x, 0, 0, TCPR_SYN, NULL, 0);
		fx_seg(&x, 0, 1, TCPR_ACK, m, 30);	/* partial */
	}
	ck_assert_uint_eq(tcpreasm_flows(x.r), 2);
	ck_assert_uint_eq(x.st.tcp_flows, 3);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_MEMORY], 1);
	/* The two newest flows survived: port 40002 completes its message. */
	fx_seg(&x, 0, 31, TCPR_ACK, m + 30, n - 30);
	ck_assert_int_eq(x.rec.n, 1);
	/* Port 40000 was evicted: its rest starts mid-message, not delivered. */
	x.a.port = 40000;
	fx_seg(&x, 0, 31, TCPR_ACK, m + 30, n - 30);
	ck_assert_int_eq(x.rec.n, 1);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_MEMORY], 2);
	fx_done(&x);
}
END_TEST

START_TEST(test_mem_limit)
{
	struct fx x;
	char m[8192];
	size_t n = sipmsg(m, sizeof m, "mem", 5000);
	int i;

	fx_init(&x, 0, 12000, 0, 0);
	for (i = 0; i < 3; i++) {
		x.a.port = (uint16_t)(40000 + i);
		fx_seg(&x, 0, 1, TCPR_ACK, m, n - 10);	/* held: ~8 KB each */
	}
	ck_assert_uint_ge(x.st.drop[SV_DROP_TCP_MEMORY], 2);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 1);
	fx_seg(&x, 0, 1 + (uint32_t)(n - 10), TCPR_ACK, m + n - 10, 10);
	ck_assert_int_eq(x.rec.n, 1);
	assert_msg(&x, 0, m, n);
	fx_done(&x);
}
END_TEST

/* Append a WebSocket frame (RFC 6455 section 5.2) to buf; returns its length. */
static size_t
wsframe(char *buf, int fin, int op, const uint8_t *key, const char *p,
    size_t len)
{
	size_t h = 0, i;

	buf[h++] = (char)((fin ? 0x80 : 0) | op);
	if (len < 126)
		buf[h++] = (char)((key ? 0x80 : 0) | len);
	else if (len < 65536) {
		buf[h++] = (char)((key ? 0x80 : 0) | 126);
		buf[h++] = (char)(len >> 8);
		buf[h++] = (char)len;
	} else {
		buf[h++] = (char)((key ? 0x80 : 0) | 127);
		for (i = 0; i < 8; i++)
			buf[h++] = (char)((uint64_t)len >> (56 - 8 * i));
	}
	if (key != NULL) {
		memcpy(buf + h, key, 4);
		h += 4;
	}
	for (i = 0; i < len; i++)
		buf[h + i] = key ? (char)(p[i] ^ key[i & 3]) : p[i];
	return h + len;
}

START_TEST(test_websocket)
{
	static const char up[] =
	    "GET / HTTP/1.1\r\nHost: sip.vapi.ai\r\nConnection: Upgrade\r\n"
	    "UPGRADE:  WebSocket\r\nSec-WebSocket-Protocol: sip\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
	static const char ok[] =
	    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	struct fx x;
	char m1[1024], m2[1024], m3[1024], f[8192];
	size_t n1, n2, n3, fl, h, k;
	uint32_t c = 101, s = 901;

	n1 = sipmsg(m1, sizeof m1, "ws1", 10);
	n2 = sipmsg(m2, sizeof m2, "ws2", 200);
	n3 = sipmsg(m3, sizeof m3, "ws3", 0);
	fx_init(&x, 0, 0, 0, 0);
	x.b.port = 443;
	fx_seg(&x, 0, c - 1, TCPR_SYN, NULL, 0);
	fx_seg(&x, 1, s - 1, TCPR_SYN | TCPR_ACK, NULL, 0);
	fx_str(&x, 0, c, TCPR_ACK, up);
	c += sizeof up - 1;
	fx_str(&x, 1, s, TCPR_ACK, ok);
	s += sizeof ok - 1;
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 0);
	ck_assert_uint_eq(x.st.not_sip, 0);

	/* Client to server: masked (section 5.3), one frame. */
	fl = wsframe(f, 1, 1, key, m1, n1);
	fx_seg(&x, 0, c, TCPR_ACK, f, fl);
	c += (uint32_t)fl;
	ck_assert_int_eq(x.rec.n, 1);
	assert_msg(&x, 0, m1, n1);
	ck_assert_int_eq(x.rec.meta[0].transport, SV_T_WS);

	/* Server to client: unmasked. */
	fl = wsframe(f, 1, 1, NULL, m3, n3);
	fx_seg(&x, 1, s, TCPR_ACK, f, fl);
	s += (uint32_t)fl;
	ck_assert_int_eq(x.rec.n, 2);
	assert_msg(&x, 1, m3, n3);
	ck_assert_int_eq(x.rec.meta[1].transport, SV_T_WS);

	/* A message in two frames with a ping between (section 5.4). */
	h = 100;
	fl = wsframe(f, 0, 1, key, m2, h);
	fl += wsframe(f + fl, 1, 9, key, "ping", 4);
	fl += wsframe(f + fl, 1, 0, key, m2 + h, n2 - h);
	/* ...and the frames split across TCP segments, once inside a header. */
	for (k = 0; k < fl; k += 61) {
		size_t len = fl - k < 61 ? fl - k : 61;
		fx_seg(&x, 0, c + (uint32_t)k, TCPR_ACK, f + k, len);
	}
	c += (uint32_t)fl;
	ck_assert_int_eq(x.rec.n, 3);
	assert_msg(&x, 2, m2, n2);

	/* A 16-bit length frame split one byte at a time, unmasked. */
	fl = wsframe(f, 1, 2, NULL, m2, n2);
	ck_assert_uint_gt(n2, 125);
	for (k = 0; k < fl; k++)
		fx_seg(&x, 1, s + (uint32_t)k, TCPR_ACK, f + k, 1);
	s += (uint32_t)fl;
	ck_assert_int_eq(x.rec.n, 4);
	assert_msg(&x, 3, m2, n2);

	/* A close frame is skipped. */
	fl = wsframe(f, 1, 8, key, "\x03\xe8", 2);
	fx_seg(&x, 0, c, TCPR_ACK, f, fl);
	ck_assert_int_eq(x.rec.n, 4);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TUNNEL], 0);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 0);
	fx_done(&x);
}
END_TEST

START_TEST(test_websocket_midstream)
{
	static const uint8_t key[4] = { 1, 2, 3, 4 };
	struct fx x;
	char m1[1024], f[4096];
	size_t n1, fl, f1;

	/* Capture started after the upgrade: frames are recognised. */
	n1 = sipmsg(m1, sizeof m1, "wsmid", 10);
	fx_init(&x, 0, 0, 0, 0);
	f1 = wsframe(f, 1, 1, key, m1, n1);
	fl = f1 + wsframe(f + f1, 1, 1, key, m1, n1);
	fx_seg(&x, 0, 5, TCPR_ACK, f, fl);
	ck_assert_int_eq(x.rec.n, 2);
	assert_msg(&x, 1, m1, n1);
	ck_assert_int_eq(x.rec.meta[0].transport, SV_T_WS);

	/* A gap inside a frame: resynchronise on the next frame. */
	fx_seg(&x, 0, 5 + (uint32_t)fl + 40, TCPR_ACK, f + 40, fl - 40);
	tcpreasm_expire(x.r, x.ts + 3000000);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_GAP], 1);
	ck_assert_int_eq(x.rec.n, 3);
	assert_msg(&x, 2, m1, n1);
	fx_done(&x);
}
END_TEST

START_TEST(test_fin_cleanup)
{
	struct fx x;
	char m[2048];
	size_t n = sipmsg(m, sizeof m, "fin", 10);

	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, 0, TCPR_SYN, NULL, 0);
	fx_seg(&x, 1, 0, TCPR_SYN | TCPR_ACK, NULL, 0);
	fx_seg(&x, 0, 1, TCPR_ACK | TCPR_FIN, m, n);
	ck_assert_int_eq(x.rec.n, 1);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 1);
	/* Server sends a partial message, then FIN: counted as junk. */
	fx_seg(&x, 1, 1, TCPR_ACK, m, 50);
	fx_seg(&x, 1, 51, TCPR_ACK | TCPR_FIN, NULL, 0);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 0);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 1);
	ck_assert_int_eq(x.rec.n, 1);
	/* A late retransmitted FIN does not create a flow. */
	fx_seg(&x, 1, 51, TCPR_ACK | TCPR_FIN, NULL, 0);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 0);

	/* FIN ahead of the data before it: closes when the gap fills. */
	fx_seg(&x, 0, 1000, TCPR_SYN, NULL, 0);
	fx_seg(&x, 0, 1001 + (uint32_t)n, TCPR_ACK | TCPR_FIN, NULL, 0);
	fx_seg(&x, 1, 0, TCPR_SYN | TCPR_ACK, NULL, 0);
	fx_seg(&x, 1, 1, TCPR_ACK | TCPR_FIN, NULL, 0);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 1);
	fx_seg(&x, 0, 1001, TCPR_ACK, m, n);
	ck_assert_int_eq(x.rec.n, 2);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 0);

	/* RST drops the flow, counting the cut message. */
	fx_seg(&x, 0, 1, TCPR_ACK, m, 40);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 1);
	fx_seg(&x, 1, 9, TCPR_RST, NULL, 0);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 0);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 2);

	/* Idle flows expire. */
	fx_seg(&x, 0, 1, TCPR_ACK, m, 40);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 1);
	tcpreasm_expire(x.r, x.ts + 30 * 1000000LL);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 1);
	tcpreasm_expire(x.r, x.ts + 61 * 1000000LL);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 0);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_JUNK], 3);
	ck_assert_int_eq(x.rec.n, 2);
	fx_done(&x);
}
END_TEST

START_TEST(test_not_sip)
{
	struct fx x;
	char m[1024];
	size_t n = sipmsg(m, sizeof m, "later", 0);
	static const char bin[] = "\x00\x01\x02 binary protocol\n";

	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, 0, TCPR_SYN, NULL, 0);
	fx_seg(&x, 0, 1, TCPR_ACK, bin, sizeof bin - 1);
	ck_assert_uint_eq(x.st.not_sip, 1);
	/* Ignored from then on, SIP-looking or not. */
	fx_seg(&x, 0, (uint32_t)sizeof bin, TCPR_ACK, m, n);
	ck_assert_uint_eq(x.st.not_sip, 2);
	ck_assert_int_eq(x.rec.n, 0);
	/* Plain HTTP is not SIP either. */
	fx_seg(&x, 1, 0, TCPR_SYN | TCPR_ACK, NULL, 0);
	fx_str(&x, 1, 1, TCPR_ACK, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ck_assert_uint_eq(x.st.not_sip, 3);
	/* A new connection (SYN) is looked at again. */
	fx_seg(&x, 0, 5000, TCPR_SYN, NULL, 0);
	fx_seg(&x, 0, 5001, TCPR_ACK, m, n);
	ck_assert_int_eq(x.rec.n, 1);
	fx_done(&x);
}
END_TEST

START_TEST(test_flush)
{
	struct fx x;
	char m[4096];
	size_t n1, n2;

	n1 = sipmsg(m, sizeof m, "fl1", 10);
	n2 = sipmsg(m + n1, sizeof m - n1, "fl2", 10);
	fx_init(&x, 0, 0, 0, 0);
	fx_seg(&x, 0, 0, TCPR_SYN, NULL, 0);
	/* The first message's head is lost; the second is held after it. */
	fx_seg(&x, 0, 1 + 20, TCPR_ACK, m + 20, n1 + n2 - 20);
	ck_assert_int_eq(x.rec.n, 0);
	tcpreasm_flush(x.r);
	ck_assert_int_eq(x.rec.n, 1);
	assert_msg(&x, 0, m + n1, n2);
	ck_assert_uint_eq(x.st.drop[SV_DROP_TCP_GAP], 1);
	ck_assert_uint_eq(tcpreasm_flows(x.r), 0);
	fx_done(&x);
}
END_TEST

START_TEST(test_every_split)
{
	static const uint8_t key[4] = { 9, 8, 7, 6 };
	struct fx x;
	char m[4096], w[4096];
	size_t n1, n2, n3, n, wn, k;
	int rev, i;

	n1 = sipmsg(m, sizeof m, "e1", 0);
	memcpy(m + n1, "\r\n\r\n", 4);
	n2 = sipmsg(m + n1 + 4, sizeof m - n1 - 4, "e2", 33);
	n3 = sipmsg(m + n1 + 4 + n2, sizeof m - n1 - 4 - n2, "e3", 7);
	n = n1 + 4 + n2 + n3;
	/* The same stream cut in two at every byte, in and out of order. */
	for (rev = 0; rev < 2; rev++) {
		for (k = 1; k < n; k++) {
			fx_init(&x, 0, 0, 0, 0);
			fx_seg(&x, 0, 0, TCPR_SYN, NULL, 0);
			if (rev) {
				fx_seg(&x, 0, 1 + (uint32_t)k, TCPR_ACK, m + k,
				    n - k);
				fx_seg(&x, 0, 1, TCPR_ACK, m, k);
			} else {
				fx_seg(&x, 0, 1, TCPR_ACK, m, k);
				fx_seg(&x, 0, 1 + (uint32_t)k, TCPR_ACK, m + k,
				    n - k);
			}
			ck_assert_int_eq(x.rec.n, 3);
			assert_msg(&x, 0, m, n1);
			assert_msg(&x, 1, m + n1 + 4, n2);
			assert_msg(&x, 2, m + n1 + 4 + n2, n3);
			for (i = 0; i < SV_DROP__MAX; i++)
				ck_assert_uint_eq(x.st.drop[i], 0);
			fx_done(&x);
		}
	}
	/* The same for WebSocket frames after an upgrade response. */
	wn = (size_t)snprintf(w, sizeof w, "HTTP/1.1 101 Switching\r\n"
	    "Upgrade: websocket\r\n\r\n");
	wn += wsframe(w + wn, 1, 1, key, m, n1);
	wn += wsframe(w + wn, 0, 1, NULL, m + n1 + 4, 20);
	wn += wsframe(w + wn, 1, 0, NULL, m + n1 + 24, n2 - 20);
	for (k = 1; k < wn; k++) {
		fx_init(&x, 0, 0, 0, 0);
		fx_seg(&x, 1, 0, TCPR_SYN | TCPR_ACK, NULL, 0);
		fx_seg(&x, 1, 1, TCPR_ACK, w, k);
		fx_seg(&x, 1, 1 + (uint32_t)k, TCPR_ACK, w + k, wn - k);
		ck_assert_int_eq(x.rec.n, 2);
		assert_msg(&x, 0, m, n1);
		assert_msg(&x, 1, m + n1 + 4, n2);
		ck_assert_int_eq(x.rec.meta[1].transport, SV_T_WS);
		fx_done(&x);
	}
}
END_TEST

/* Collect the test cases. */
static Suite *
tcpreasm_suite(void)
{
	Suite *s = suite_create("tcpreasm");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_one_message);
	tcase_add_test(tc, test_three_in_one);
	tcase_add_test(tc, test_split_five);
	tcase_add_test(tc, test_out_of_order);
	tcase_add_test(tc, test_retransmit_overlap);
	tcase_add_test(tc, test_wraparound);
	tcase_add_test(tc, test_midstream);
	tcase_add_test(tc, test_compact_length);
	tcase_add_test(tc, test_junk_resync);
	tcase_add_test(tc, test_gap_never_filled);
	tcase_add_test(tc, test_buffer_limit);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_flow_limit);
	tcase_add_test(tc, test_mem_limit);
	tcase_add_test(tc, test_websocket);
	tcase_add_test(tc, test_websocket_midstream);
	tcase_add_test(tc, test_fin_cleanup);
	tcase_add_test(tc, test_not_sip);
	tcase_add_test(tc, test_flush);
	tcase_add_test(tc, test_every_split);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit non-zero on any failure. */
int
main(void)
{
	SRunner *sr = srunner_create(tcpreasm_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
