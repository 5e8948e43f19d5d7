/*
 * test_sipscan.c: unit tests of the zero-copy SIP scanner: per-field
 * extraction on hand-written messages, stream framing, URI and parameter
 * splitting, and the RFC 4475 torture messages with their expected verdicts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscan.h"

#define RFC4475_DIR	SRCDIR "/../shared/reference/rfc4475"

/* Compare a slice with a C string; 1 when equal. */
static int
sveq(struct sv_str s, const char *c)
{
	return s.s != NULL && s.len == strlen(c) && memcmp(s.s, c, s.len) == 0;
}

#define ck_sv(a, b) ck_assert_msg(sveq((a), (b)), "%s: got '%.*s', want '%s'", \
	#a, (int)(a).len, (a).s != NULL ? (a).s : "(null)", (b))
#define ck_sv_null(a) ck_assert_msg((a).s == NULL, "%s: want absent, got '%.*s'", \
	#a, (int)(a).len, (a).s)

/* Parse a C string message into m, asserting it is recognised as SIP. */
static void
parse_str(const char *s, struct sip_msg *m)
{
	ck_assert_int_eq(sipscan_parse(s, strlen(s), m), 0);
}

/* Read a whole file into a malloc'd buffer of exactly its size. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		fclose(f);
		return NULL;
	}
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const char compact_msg[] =
    "INVITE sip:bob@example.com SIP/2.0\n"
    "v: SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK776;rport;received=10.0.0.1\n"
    "f: \"Alice \\\"A\\\"\" <sip:alice@example.com>;tag=abc\n"
    "t: sip:bob@example.com\n"
    "i: call-1@host\n"
    "CSEQ:\n 42\n\tINVITE\n"
    "m: <sip:alice@[2001:db8::1]:5061;transport=tcp>;expires=60\n"
    "c: application/sdp\n"
    "USER-agent: test agent/1.0\n"
    "Max-Forwards: 70\n"
    "l: 4\n"
    "\n"
    "v=0\nEXTRA";

START_TEST(test_compact_bare_lf)
{
	struct sip_msg m;

	parse_str(compact_msg, &m);
	ck_assert_uint_eq(m.bad, 0);
	ck_assert_int_eq(m.is_request, 1);
	ck_sv(m.method, "INVITE");
	ck_sv(m.ruri, "sip:bob@example.com");
	ck_sv(m.first_line, "INVITE sip:bob@example.com SIP/2.0");
	ck_sv(m.call_id, "call-1@host");
	ck_assert_uint_eq(m.cseq, 42);
	ck_sv(m.cseq_method, "INVITE");
	ck_sv(m.from_uri, "sip:alice@example.com");
	ck_sv(m.from_tag, "abc");
	ck_sv(m.to, "sip:bob@example.com");
	ck_sv(m.to_uri, "sip:bob@example.com");
	ck_sv_null(m.to_tag);
	ck_sv(m.via_transport, "TCP");
	ck_sv(m.via_host, "2001:db8::1");
	ck_assert_uint_eq(m.via_port, 5061);
	ck_sv(m.via_branch, "z9hG4bK776");
	ck_sv(m.via_received, "10.0.0.1");
	ck_assert_int_eq(m.via_has_rport, 1);
	ck_sv_null(m.via_rport);
	ck_assert_int_eq(m.via_count, 1);
	ck_sv(m.contact_uri, "sip:alice@[2001:db8::1]:5061;transport=tcp");
	ck_sv(m.content_type, "application/sdp");
	ck_sv(m.user_agent, "test agent/1.0");
	ck_sv(m.max_forwards, "70");
	ck_assert_int_eq(m.content_length, 4);
	ck_sv(m.body, "v=0\n");
	/* Trailing bytes past Content-Length are not part of the message. */
	ck_assert_uint_eq(m.len, sizeof compact_msg - 1 - 5);
	ck_assert_uint_eq(m.hdr_len, m.len - 4);
	ck_assert_int_eq(m.n_headers, 10);
}
END_TEST

START_TEST(test_folding_and_lws)
{
	struct sip_msg m;
	const char *s =
	    "OPTIONS sip:x@example.org SIP/2.0\r\n"
	    "Via  : SIP  /  2.0\r\n  / UDP\r\n   host.example.org  :  5070 ; branch = z9hG4bKf ;rport=5071\r\n"
	    "From\t:\r\n <sip:a@example.org>\r\n ;\r\n tag = t1\r\n"
	    "To: caller<sip:b@example.org>;tag=t2\r\n"
	    "Call-ID:   folded@id   \r\n"
	    "CSeq: 0007 OPTIONS\r\n"
	    "Server: srv\r\n"
	    "Content-Length:\r\n 0\r\n"
	    "\r\n";

	parse_str(s, &m);
	ck_assert_uint_eq(m.bad, 0);
	ck_sv(m.via_transport, "UDP");
	ck_sv(m.via_host, "host.example.org");
	ck_assert_uint_eq(m.via_port, 5070);
	ck_sv(m.via_branch, "z9hG4bKf");
	ck_assert_int_eq(m.via_has_rport, 1);
	ck_sv(m.via_rport, "5071");
	ck_sv(m.from_uri, "sip:a@example.org");
	ck_sv(m.from_tag, "t1");
	ck_sv(m.to_uri, "sip:b@example.org");
	ck_sv(m.to_tag, "t2");
	ck_sv(m.call_id, "folded@id");
	ck_assert_uint_eq(m.cseq, 7);
	ck_sv(m.server, "srv");
	ck_assert_int_eq(m.content_length, 0);
	ck_assert_uint_eq(m.body.len, 0);
	ck_assert_uint_eq(m.len, strlen(s));
}
END_TEST

START_TEST(test_multi_via)
{
	struct sip_msg m;
	const char *s =
	    "SIP/2.0 183 Session Progress\r\n"
	    "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1 , SIP/2.0/UDP b.example.com:5070;branch=z9hG4bK2\r\n"
	    "Via: SIP/2.0/UDP c.example.com\r\n"
	    "v: SIP/2.0/TLS 192.0.2.4:5061;branch=z9hG4bK4\r\n"
	    "From: <sip:a@example.com>;tag=1\r\n"
	    "To: <sip:b@example.com>;tag=2\r\n"
	    "Call-ID: mv\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "\r\n";

	parse_str(s, &m);
	ck_assert_uint_eq(m.bad, 0);
	ck_assert_int_eq(m.is_request, 0);
	ck_assert_int_eq(m.status, 183);
	ck_sv(m.reason, "Session Progress");
	ck_assert_int_eq(m.via_count, 4);
	ck_sv(m.via, "SIP/2.0/UDP a.example.com;branch=z9hG4bK1");
	ck_sv(m.via_host, "a.example.com");
	ck_assert_uint_eq(m.via_port, 0);
	ck_sv(m.via_branch, "z9hG4bK1");
	ck_assert_int_eq(m.via_has_rport, 0);
	ck_assert_int_eq(m.content_length, -1);
	ck_assert_uint_eq(m.body.len, 0);
}
END_TEST

START_TEST(test_auth_params)
{
	struct sip_msg m;
	const char *s =
	    "SIP/2.0 401 Unauthorized\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa\r\n"
	    "From: <sip:a@sip.vapi.ai>;tag=1\r\n"
	    "To: <sip:b@sip.vapi.ai>;tag=2\r\n"
	    "Call-ID: auth1\r\n"
	    "CSeq: 1 REGISTER\r\n"
	    "WWW-Authenticate: Digest realm=\"sip.vapi.ai\", nonce=\"abc,def\", algorithm=MD5,\r\n"
	    "  qop=\"auth,auth-int\", opaque=\"xyz\", stale=FALSE\r\n"
	    "www-authenticate: Digest realm=sip.vapi.ai,nonce=n2,algorithm=SHA-256,userhash=true\r\n"
	    "Proxy-Authenticate: Digest realm=\"a\", nonce=\"1\", Digest realm=\"b\", domain=\"sip:b\"\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n";

	parse_str(s, &m);
	ck_assert_uint_eq(m.bad, 0);
	ck_assert_int_eq(m.n_auth, 4);
	ck_assert_int_eq(m.n_auth_extra, 0);
	ck_assert_int_eq(m.auth[0].kind, SIP_AUTH_WWW_AUTHENTICATE);
	ck_sv(m.auth[0].scheme, "Digest");
	ck_sv(m.auth[0].realm, "sip.vapi.ai");
	ck_sv(m.auth[0].nonce, "abc,def");
	ck_sv(m.auth[0].algorithm, "MD5");
	ck_sv(m.auth[0].qop, "auth,auth-int");
	ck_sv(m.auth[0].opaque, "xyz");
	ck_sv(m.auth[0].stale, "FALSE");
	ck_sv_null(m.auth[0].username);
	ck_sv_null(m.auth[0].domain);
	ck_sv(m.auth[1].realm, "sip.vapi.ai");
	ck_sv(m.auth[1].nonce, "n2");
	ck_sv(m.auth[1].algorithm, "SHA-256");
	ck_sv(m.auth[1].userhash, "true");
	ck_sv(m.auth[1].value,
	    "Digest realm=sip.vapi.ai,nonce=n2,algorithm=SHA-256,userhash=true");
	/* Two challenges in one header value. */
	ck_assert_int_eq(m.auth[2].kind, SIP_AUTH_PROXY_AUTHENTICATE);
	ck_sv(m.auth[2].realm, "a");
	ck_sv(m.auth[2].nonce, "1");
	ck_sv(m.auth[2].value, "Digest realm=\"a\", nonce=\"1\"");
	ck_assert_int_eq(m.auth[3].kind, SIP_AUTH_PROXY_AUTHENTICATE);
	ck_sv(m.auth[3].scheme, "Digest");
	ck_sv(m.auth[3].realm, "b");
	ck_sv(m.auth[3].domain, "sip:b");
	ck_sv_null(m.auth[3].nonce);
}
END_TEST

START_TEST(test_auth_credentials)
{
	struct sip_msg m;
	const char *s =
	    "INVITE sip:+14155550123@sip.vapi.ai SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bKx;rport\r\n"
	    "From: <sip:alice@carrier.example>;tag=f\r\n"
	    "To: <sip:+14155550123@sip.vapi.ai>\r\n"
	    "Call-ID: c2\r\n"
	    "CSeq: 2 INVITE\r\n"
	    "Proxy-Authorization: Digest  UserName = \"al\\\"ice\" ,REALM=\"sip.vapi.ai\",\r\n"
	    "\tnonce=\"n\", uri=\"sip:+14155550123@sip.vapi.ai\", response=\"0123abcd\",\r\n"
	    "\tcnonce=\"cn\", nc=00000001, qop=auth, algorithm=MD5\r\n"
	    "Authorization: NoOneKnowsThisScheme opaque-data=here\r\n"
	    "Authorization: Basic dXNlcjpwYXNz\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n";

	parse_str(s, &m);
	ck_assert_uint_eq(m.bad, 0);
	ck_assert_int_eq(m.n_auth, 3);
	ck_assert_int_eq(m.auth[0].kind, SIP_AUTH_PROXY_AUTHORIZATION);
	ck_sv(m.auth[0].username, "al\\\"ice");
	ck_sv(m.auth[0].realm, "sip.vapi.ai");
	ck_sv(m.auth[0].nonce, "n");
	ck_sv(m.auth[0].uri, "sip:+14155550123@sip.vapi.ai");
	ck_sv(m.auth[0].response, "0123abcd");
	ck_sv(m.auth[0].cnonce, "cn");
	ck_sv(m.auth[0].nc, "00000001");
	ck_sv(m.auth[0].qop, "auth");
	ck_sv(m.auth[0].algorithm, "MD5");
	ck_assert_int_eq(m.auth[1].kind, SIP_AUTH_AUTHORIZATION);
	ck_sv(m.auth[1].scheme, "NoOneKnowsThisScheme");
	ck_sv_null(m.auth[1].opaque);
	ck_sv(m.auth[2].scheme, "Basic");
	ck_sv_null(m.auth[2].realm);
}
END_TEST

START_TEST(test_auth_extra)
{
	char buf[4096];
	struct sip_msg m;
	int i, n;

	n = snprintf(buf, sizeof buf, "SIP/2.0 407 Proxy Authentication Required\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bKq\r\nFrom: <sip:a@h>;tag=1\r\n"
	    "To: <sip:b@h>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n");
	for (i = 0; i < SIP_MAX_AUTH + 3; i++)
		n += snprintf(buf + n, sizeof buf - (size_t)n,
		    "Proxy-Authenticate: Digest realm=\"r%d\", nonce=\"%d\"\r\n", i, i);
	n += snprintf(buf + n, sizeof buf - (size_t)n, "\r\n");
	ck_assert_int_eq(sipscan_parse(buf, (size_t)n, &m), 0);
	ck_assert_int_eq(m.n_auth, SIP_MAX_AUTH);
	ck_assert_int_eq(m.n_auth_extra, 3);
	ck_sv(m.auth[SIP_MAX_AUTH - 1].realm, "r7");
}
END_TEST

START_TEST(test_status_and_reason)
{
	struct sip_msg m;

	parse_str("SIP/2.0 100 \r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\n"
	    "To: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n", &m);
	ck_assert_uint_eq(m.bad, 0);
	ck_assert_int_eq(m.status, 100);
	ck_assert_uint_eq(m.reason.len, 0);
	/* Fewer than three digits is not a status line at all. */
	ck_assert_int_eq(sipscan_parse("SIP/2.0 99 Low\r\n\r\n", 18, &m), -1);
	parse_str("SIP/2.0 700 High\r\n\r\n", &m);
	ck_assert(m.bad & SIP_BAD_STATUS);
	ck_assert(m.bad & SIP_BAD_CALL_ID);
	ck_assert(m.bad & SIP_BAD_VIA);
	ck_assert_int_eq(m.status, 0);
}
END_TEST

START_TEST(test_cseq_and_lengths)
{
	struct sip_msg m;
	const char *pre = "INVITE sip:a@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	    "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\n";
	char buf[512];

	snprintf(buf, sizeof buf, "%sCSeq: 4294967295 INVITE\r\n\r\n", pre);
	parse_str(buf, &m);
	ck_assert_uint_eq(m.bad, 0);
	ck_assert_uint_eq(m.cseq, 4294967295u);
	snprintf(buf, sizeof buf, "%sCSeq: 4294967296 INVITE\r\n\r\n", pre);
	parse_str(buf, &m);
	ck_assert(m.bad & SIP_BAD_CSEQ);
	snprintf(buf, sizeof buf, "%sCSeq: 5\r\n\r\n", pre);
	parse_str(buf, &m);
	ck_assert(m.bad & SIP_BAD_CSEQ);
	snprintf(buf, sizeof buf, "%sCSeq: 5 BYE\r\n\r\n", pre);
	parse_str(buf, &m);
	ck_assert_uint_eq(m.bad, SIP_BAD_CSEQ_METHOD);
	snprintf(buf, sizeof buf, "%sCSeq: 5 INVITE\r\nl: abc\r\n\r\nxyz", pre);
	parse_str(buf, &m);
	ck_assert_uint_eq(m.bad, SIP_BAD_CONTENT_LENGTH);
	ck_assert_int_eq(m.content_length, -1);
	ck_sv(m.body, "xyz");
	snprintf(buf, sizeof buf, "%sCSeq: 5 INVITE\r\nContent-Length: 10\r\n\r\nxyz", pre);
	parse_str(buf, &m);
	ck_assert_uint_eq(m.bad, SIP_BAD_BODY_SHORT);
	ck_sv(m.body, "xyz");
	ck_assert_uint_eq(m.len, strlen(buf));
	/* No Content-Length on a datagram: the body is the rest. */
	snprintf(buf, sizeof buf, "%sCSeq: 5 INVITE\r\n\r\nrest", pre);
	parse_str(buf, &m);
	ck_assert_uint_eq(m.bad, 0);
	ck_sv(m.body, "rest");
	/* Headers never terminated. */
	snprintf(buf, sizeof buf, "%sCSeq: 5 INVITE\r\n", pre);
	parse_str(buf, &m);
	ck_assert_uint_eq(m.bad, SIP_BAD_NO_HEADER_END);
	ck_assert_uint_eq(m.body.len, 0);
	/* A header line without a colon. */
	snprintf(buf, sizeof buf, "%sCSeq: 5 INVITE\r\nNoColonHere\r\n\r\n", pre);
	parse_str(buf, &m);
	ck_assert_uint_eq(m.bad, SIP_BAD_HEADER_LINE);
}
END_TEST

START_TEST(test_not_sip)
{
	struct sip_msg m;
	static const char rtp[] = "\x80\x00\x12\x34\x00\x00\x00\x10\xde\xad\xbe\xef";
	static const char stun[] = "\x00\x01\x00\x00\x21\x12\xa4\x42";

	ck_assert_int_eq(sipscan_parse(rtp, sizeof rtp - 1, &m), -1);
	ck_assert_int_eq(sipscan_parse(stun, sizeof stun - 1, &m), -1);
	ck_assert_int_eq(sipscan_parse("", 0, &m), -1);
	ck_assert_int_eq(sipscan_parse("\r\n\r\n", 4, &m), -1);
	ck_assert_int_eq(sipscan_parse("GET / HTTP/1.1\r\n\r\n", 18, &m), -1);
	ck_assert_int_eq(sipscan_parse("HELLO\r\n", 7, &m), -1);
	ck_assert_int_eq(sipscan_parse(NULL, 10, &m), -1);
}
END_TEST

START_TEST(test_is_sip)
{
	static const char rtp[] = "\x80\x08\x00\x01\x00\x00\x00\xa0\x12\x34\x56\x78";
	static const char stun[] = "\x00\x01\x00\x08\x21\x12\xa4\x42 SIP/2.0\r\n";
	static const char dns[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00";
	const char *inv = "INVITE sip:a@b SIP/2.0\r\nVia: x\r\n";

	ck_assert_int_eq(sipscan_is_sip(inv, strlen(inv)), 1);
	ck_assert_int_eq(sipscan_is_sip("\r\n\r\nOPTIONS sip:x sip/2.0\r\n", 27), 1);
	ck_assert_int_eq(sipscan_is_sip("SIP/2.0 200 OK\r\n", 16), 1);
	ck_assert_int_eq(sipscan_is_sip("SIP/2.0 200", 11), 1);
	ck_assert_int_eq(sipscan_is_sip("SIP/2.0 2x0 OK\r\n", 16), 0);
	ck_assert_int_eq(sipscan_is_sip("BYE sip:x SIP/2.0\n", 18), 1);
	ck_assert_int_eq(sipscan_is_sip("INVITE sip:a@b SIP/2.0", 22), 0);
	ck_assert_int_eq(sipscan_is_sip(rtp, sizeof rtp - 1), 0);
	ck_assert_int_eq(sipscan_is_sip(stun, sizeof stun - 1), 0);
	ck_assert_int_eq(sipscan_is_sip(dns, sizeof dns - 1), 0);
	ck_assert_int_eq(sipscan_is_sip("GET / HTTP/1.1\r\n", 16), 0);
	ck_assert_int_eq(sipscan_is_sip("INVITE\r\n", 8), 0);
	ck_assert_int_eq(sipscan_is_sip("", 0), 0);
	ck_assert_int_eq(sipscan_is_sip("\r\n", 2), 0);
}
END_TEST

START_TEST(test_frame)
{
	const char *two =
	    "\r\n\r\nINVITE sip:a@b SIP/2.0\r\nVia: x\r\nl: 4\r\n\r\nbody"
	    "OPTIONS sip:x SIP/2.0\r\nContent-Length : 0\r\n\r\n";
	const char *resp = "SIP/2.0 200 OK\r\nContent-Length: 5\r\n\r\nabcde";
	size_t skip = 99, len = strlen(two);
	long r;

	r = sipscan_frame(two, len, 65536, &skip);
	ck_assert_uint_eq(skip, 4);
	ck_assert_int_eq(r, 44);
	r = sipscan_frame(two + 48, len - 48, 65536, &skip);
	ck_assert_uint_eq(skip, 0);
	ck_assert_int_eq(r, (long)(len - 48));
	/* Every strict prefix of a message needs more bytes. */
	for (len = 0; len < strlen(resp); len++) {
		r = sipscan_frame(resp, len, 65536, &skip);
		ck_assert_msg(r == 0, "prefix %zu gave %ld", len, r);
	}
	ck_assert_int_eq(sipscan_frame(resp, len, 65536, &skip), (long)len);
	/* Keep-alives only. */
	ck_assert_int_eq(sipscan_frame("\r\n\r\n", 4, 65536, &skip), 0);
	ck_assert_uint_eq(skip, 4);
	/* Junk. */
	ck_assert_int_eq(sipscan_frame("\x16\x03\x01\x02\x00", 5, 65536, &skip), -1);
	ck_assert_int_eq(sipscan_frame("GET / HTTP/1.1\r\n\r\n", 18, 65536, &skip), -1);
	ck_assert_int_eq(sipscan_frame("INV<ITE", 7, 65536, &skip), -1);
	/* Negative, non-numeric and conflicting Content-Length. */
	ck_assert_int_eq(sipscan_frame("SIP/2.0 200 OK\r\nl: -5\r\n\r\n", 25,
	    65536, &skip), -1);
	ck_assert_int_eq(sipscan_frame("SIP/2.0 200 OK\r\nl: x\r\n\r\n", 24,
	    65536, &skip), -1);
	ck_assert_int_eq(sipscan_frame("SIP/2.0 200 OK\r\nl: 1\r\nl: 2\r\n\r\nab",
	    32, 65536, &skip), -1);
	/* No Content-Length counts as 0 on a stream. */
	ck_assert_int_eq(sipscan_frame("SIP/2.0 200 OK\r\n\r\nxx", 20, 65536,
	    &skip), 18);
	/* Header section over the limit. */
	ck_assert_int_eq(sipscan_frame(resp, strlen(resp), 20, &skip), -1);
	ck_assert_int_eq(sipscan_frame("INVITE sip:a@b SIP/2.0\r\nVia: x", 30,
	    20, &skip), -1);
	ck_assert_int_eq(sipscan_frame("INVITE sip:a@b SIP/2.0\r\nVia: x", 30,
	    100, &skip), 0);
	/* Folded Content-Length value. */
	ck_assert_int_eq(sipscan_frame("SIP/2.0 200 OK\r\nContent-Length:\r\n 2\r\n\r\nab",
	    41, 65536, &skip), 41);
}
END_TEST

START_TEST(test_uri)
{
	struct sip_uri u;
	struct sv_str s;

	s = (struct sv_str){ "\"Alice Smith\" <sips:bob:secret@10.0.0.1:5061;transport=tls?subject=x>", 0 };
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_sv(u.scheme, "sips");
	ck_sv(u.user, "bob");
	ck_sv(u.host, "10.0.0.1");
	ck_assert_uint_eq(u.port, 5061);
	ck_sv(u.params, "transport=tls");
	ck_assert_int_eq(u.host_is_ip, 4);

	s.s = "sip:alice@example.com";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_sv(u.scheme, "sip");
	ck_sv(u.user, "alice");
	ck_sv(u.host, "example.com");
	ck_assert_uint_eq(u.port, 0);
	ck_assert_uint_eq(u.params.len, 0);
	ck_assert_int_eq(u.host_is_ip, 0);

	s.s = "<sip:[2001:db8::1]:5060;lr>";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_assert_uint_eq(u.user.len, 0);
	ck_sv(u.host, "2001:db8::1");
	ck_assert_uint_eq(u.port, 5060);
	ck_sv(u.params, "lr");
	ck_assert_int_eq(u.host_is_ip, 6);

	/* RFC 4475 semiuri: the user part holds a ';'. */
	s.s = "sip:user;par=u%40example.net@example.com";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_sv(u.user, "user;par=u%40example.net");
	ck_sv(u.host, "example.com");

	s.s = "caller<sip:caller@example.com>";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_sv(u.user, "caller");
	ck_sv(u.host, "example.com");

	s.s = "tel:+1-201-555-0123;phone-context=example.com";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_sv(u.scheme, "tel");
	ck_sv(u.user, "+1-201-555-0123");
	ck_sv(u.params, "phone-context=example.com");

	s.s = "sip:host.example.com:5080";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_sv(u.host, "host.example.com");
	ck_assert_uint_eq(u.port, 5080);

	s.s = "sip:1.2.3.999";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_assert_int_eq(u.host_is_ip, 0);

	s.s = "sip:";
	s.len = 4;
	ck_assert_int_eq(sipscan_uri(s, &u), -1);
	s.s = "sip:h:99999";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), -1);
	s.s = "sip:[::1";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), -1);
	s.s = "no scheme here";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), -1);

	/* Surrounding white space; the host ends at ':', ';' or '?'. */
	s.s = "  sip:a@h.example.com:5062;lr  \t";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_sv(u.user, "a");
	ck_sv(u.host, "h.example.com");
	ck_assert_uint_eq(u.port, 5062);
	ck_sv(u.params, "lr");
	s.s = "sip:h.example.com?subject=x";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_sv(u.host, "h.example.com");
	ck_assert_uint_eq(u.params.len, 0);
	s.s = "sip:h;x=1?y=2";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_sv(u.host, "h");
	ck_sv(u.params, "x=1");
	s.s = " \t ";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), -1);
	s.s = "\"x\" <sip:b@10.1.2.3 >";
	s.len = strlen(s.s);
	ck_assert_int_eq(sipscan_uri(s, &u), 0);
	ck_sv(u.host, "10.1.2.3");
	ck_assert_int_eq(u.host_is_ip, 4);
	ck_assert_int_eq(sipscan_uri(SV_STR_NULL, &u), -1);
}
END_TEST

START_TEST(test_param)
{
	struct sv_str p = { ";tag=abc; lr ;X=\"q;v\" ;Maddr = 10.0.0.1", 0 };
	struct sv_str v;

	p.len = strlen(p.s);
	ck_assert_int_eq(sipscan_param(p, "tag", &v), 1);
	ck_sv(v, "abc");
	ck_assert_int_eq(sipscan_param(p, "TAG", &v), 1);
	ck_assert_int_eq(sipscan_param(p, "lr", &v), 1);
	ck_sv_null(v);
	ck_assert_int_eq(sipscan_param(p, "x", &v), 1);
	ck_sv(v, "q;v");
	ck_assert_int_eq(sipscan_param(p, "maddr", &v), 1);
	ck_sv(v, "10.0.0.1");
	ck_assert_int_eq(sipscan_param(p, "ta", &v), 0);
	ck_assert_int_eq(sipscan_param(p, "transport", NULL), 0);
	/* A comma ends the parameter list. */
	p.s = "a=1, b=2";
	p.len = strlen(p.s);
	ck_assert_int_eq(sipscan_param(p, "a", &v), 1);
	ck_assert_int_eq(sipscan_param(p, "b", &v), 0);
	ck_assert_int_eq(sipscan_param(SV_STR_NULL, "a", &v), 0);
}
END_TEST

START_TEST(test_describe)
{
	char buf[64], small[8];
	size_t n;

	n = sipscan_bad_describe(SIP_BAD_CALL_ID | SIP_BAD_CSEQ, buf, sizeof buf);
	ck_assert_str_eq(buf, "call-id,cseq");
	ck_assert_uint_eq(n, strlen(buf));
	n = sipscan_bad_describe(0, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(n, 0);
	n = sipscan_bad_describe(SIP_BAD_START_LINE | SIP_BAD_VERSION, small,
	    sizeof small);
	ck_assert_uint_lt(n, sizeof small);
	ck_assert_uint_eq(strlen(small), n);
	n = sipscan_bad_describe(SIP_BAD_DATE, buf, sizeof buf);
	ck_assert_str_eq(buf, "date");
	ck_assert_uint_eq(sipscan_bad_describe(1, buf, 0), 0);
}
END_TEST

START_TEST(test_prefixes)
{
	struct sip_msg m;
	size_t len = sizeof compact_msg - 1, i;
	char *copy;

	/* Every truncation parses without reading past its end. */
	for (i = 0; i <= len; i++) {
		copy = malloc(i > 0 ? i : 1);
		memcpy(copy, compact_msg, i);
		(void)sipscan_parse(copy, i, &m);
		free(copy);
	}
}
END_TEST

/* What a parser must do with each RFC 4475 message. */
enum expect { ACC, REJ, SEM, SEMX };

static const struct rfc4475_case {
	const char	*name;
	enum expect	 expect;
	unsigned	 bits;		/* REJ: bits that must be set */
	const char	*call_id;	/* NULL: none expected */
	uint32_t	 cseq;
	const char	*cseq_method;
	const char	*method;	/* NULL for responses */
	int		 status;
} rfc4475_cases[] = {
	{ "wsinv", ACC, 0, "wsinv.ndaksdj@192.0.2.1", 9, "INVITE", "INVITE", 0 },
	{ "intmeth", ACC, 0, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
	    139122385, "!interesting-Method0123456789_*+`.%indeed'~",
	    "!interesting-Method0123456789_*+`.%indeed'~", 0 },
	{ "esc01", ACC, 0, "esc01.239409asdfakjkn23onasd0-3234", 234234,
	    "INVITE", "INVITE", 0 },
	{ "escnull", ACC, 0, "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd",
	    14398234, "REGISTER", "REGISTER", 0 },
	{ "esc02", ACC, 0, "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf", 29344,
	    "RE%47IST%45R", "RE%47IST%45R", 0 },
	{ "lwsdisp", ACC, 0, "lwsdisp.1234abcd@funky.example.com", 60,
	    "OPTIONS", "OPTIONS", 0 },
	{ "longreq", ACC, 0, "longreq.onereallyreallyreallyreallyreallyreally"
	    "reallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreally"
	    "reallyreallyreallylongcallid", 3882340, "INVITE", "INVITE", 0 },
	{ "dblreq", ACC, 0, "dblreq.0ha0isndaksdj99sdfafnl3lk233412", 8,
	    "REGISTER", "REGISTER", 0 },
	{ "semiuri", ACC, 0, "semiuri.0ha0isndaksdj", 8, "OPTIONS", "OPTIONS", 0 },
	{ "transports", ACC, 0, "transports.kijh4akdnaqjkwendsasfdj", 60,
	    "OPTIONS", "OPTIONS", 0 },
	{ "mpart01", ACC, 0, "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", 1,
	    "MESSAGE", "MESSAGE", 0 },
	{ "unreason", ACC, 0, "unreason.1234ksdfak3j2erwedfsASdf", 35, "INVITE",
	    NULL, 200 },
	{ "noreason", ACC, 0, "noreason.asndj203insdf99223ndf", 35, "INVITE",
	    NULL, 100 },
	{ "badinv01", REJ, SIP_BAD_SEPARATORS, NULL, 0, NULL, NULL, 0 },
	{ "clerr", REJ, SIP_BAD_BODY_SHORT, NULL, 0, NULL, NULL, 0 },
	{ "ncl", REJ, SIP_BAD_CONTENT_LENGTH, NULL, 0, NULL, NULL, 0 },
	{ "scalar02", REJ, SIP_BAD_CSEQ, NULL, 0, NULL, NULL, 0 },
	{ "scalarlg", REJ, SIP_BAD_CSEQ, NULL, 0, NULL, NULL, 0 },
	{ "quotbal", REJ, SIP_BAD_QUOTING, NULL, 0, NULL, NULL, 0 },
	{ "ltgtruri", REJ, SIP_BAD_RURI, NULL, 0, NULL, NULL, 0 },
	{ "lwsruri", REJ, SIP_BAD_RURI, NULL, 0, NULL, NULL, 0 },
	{ "lwsstart", REJ, SIP_BAD_START_LINE, NULL, 0, NULL, NULL, 0 },
	{ "trws", REJ, SIP_BAD_START_LINE, NULL, 0, NULL, NULL, 0 },
	{ "escruri", REJ, SIP_BAD_RURI, NULL, 0, NULL, NULL, 0 },
	{ "baddate", REJ, SIP_BAD_DATE, NULL, 0, NULL, NULL, 0 },
	{ "regbadct", REJ, SIP_BAD_CONTACT, NULL, 0, NULL, NULL, 0 },
	{ "badaspec", REJ, SIP_BAD_TO, NULL, 0, NULL, NULL, 0 },
	{ "baddn", REJ, SIP_BAD_FROM | SIP_BAD_TO | SIP_BAD_NO_HEADER_END,
	    NULL, 0, NULL, NULL, 0 },
	{ "badvers", REJ, SIP_BAD_VERSION, NULL, 0, NULL, NULL, 0 },
	{ "mismatch01", REJ, SIP_BAD_CSEQ_METHOD, NULL, 0, NULL, NULL, 0 },
	{ "mismatch02", REJ, SIP_BAD_CSEQ_METHOD, NULL, 0, NULL, NULL, 0 },
	{ "bigcode", REJ, SIP_BAD_STATUS, NULL, 0, NULL, NULL, 0 },
	{ "mcl01", REJ, SIP_BAD_CONTENT_LENGTH, NULL, 0, NULL, NULL, 0 },
	{ "badbranch", SEM, 0, "badbranch.sadonfo23i420jv0as0derf3j3n", 8,
	    "OPTIONS", "OPTIONS", 0 },
	{ "insuf", SEMX, SIP_BAD_CALL_ID | SIP_BAD_FROM | SIP_BAD_TO, NULL,
	    193942, "INVITE", "INVITE", 0 },
	{ "unkscm", SEM, 0, "unkscm.nasdfasser0q239nwsdfasdkl34", 3923423,
	    "OPTIONS", "OPTIONS", 0 },
	{ "novelsc", SEM, 0, "novelsc.asdfasser0q239nwsdfasdkl34", 3923423,
	    "OPTIONS", "OPTIONS", 0 },
	{ "unksm2", SEM, 0, "unksm2.daksdj@hyphenated-host.example.com", 234902,
	    "REGISTER", "REGISTER", 0 },
	{ "bext01", SEM, 0, "bext01.0ha0isndaksdj", 8, "OPTIONS", "OPTIONS", 0 },
	{ "invut", SEM, 0, "invut.0ha0isndaksdjadsfij34n23d", 235448, "INVITE",
	    "INVITE", 0 },
	{ "regaut01", SEM, 0, "regaut01.0ha0isndaksdj", 9338, "REGISTER",
	    "REGISTER", 0 },
	{ "multi01", SEMX, SIP_BAD_CALL_ID | SIP_BAD_CSEQ | SIP_BAD_FROM |
	    SIP_BAD_TO, "multi01.98asdh@192.0.2.1", 5, "INVITE", "INVITE", 0 },
	{ "bcast", SEM, 0, "bcast.0384840201234ksdfak3j2erwedfsASdf", 35,
	    "INVITE", NULL, 200 },
	{ "zeromf", ACC, 0, "zeromf.jfasdlfnm2o2l43r5u0asdfas", 39234321,
	    "OPTIONS", "OPTIONS", 0 },
	{ "cparam01", ACC, 0, "cparam01.70710@saturn.example.com", 2,
	    "REGISTER", "REGISTER", 0 },
	{ "cparam02", ACC, 0, "cparam02.70710@saturn.example.com", 3,
	    "REGISTER", "REGISTER", 0 },
	{ "regescrt", ACC, 0, "regescrt.k345asrl3fdbv@192.0.2.1", 14398234,
	    "REGISTER", "REGISTER", 0 },
	{ "sdp01", SEM, 0, "sdp01.ndaksdj9342dasdd", 8, "INVITE", "INVITE", 0 },
	{ "inv2543", ACC, 0, "inv2543.1717@ift.client.example.com", 56,
	    "INVITE", "INVITE", 0 },
};

/* Load one RFC 4475 file; NULL (and a skip message) when it is absent. */
static char *
rfc4475_load(const char *name, size_t *len)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s.dat", RFC4475_DIR, name);
	return read_file(path, len);
}

START_TEST(test_rfc4475)
{
	const struct rfc4475_case *c = &rfc4475_cases[_i];
	struct sip_msg m;
	char desc[256];
	size_t len;
	char *buf;

	if ((buf = rfc4475_load(c->name, &len)) == NULL) {
		fprintf(stderr, "test_sipscan: %s not found, RFC 4475 case %s skipped\n",
		    RFC4475_DIR, c->name);
		return;
	}
	ck_assert_msg(sipscan_is_sip(buf, len), "%s: not SIP", c->name);
	ck_assert_msg(sipscan_parse(buf, len, &m) == 0, "%s: parse", c->name);
	sipscan_bad_describe(m.bad, desc, sizeof desc);
	switch (c->expect) {
	case ACC:
	case SEM:
		ck_assert_msg(m.bad == 0, "%s: bad %s", c->name, desc);
		break;
	case REJ:
	case SEMX:
		ck_assert_msg((m.bad & c->bits) == c->bits,
		    "%s: bad %s, want bits %#x", c->name, desc, c->bits);
		break;
	}
	if (c->call_id != NULL)
		ck_sv(m.call_id, c->call_id);
	if (c->cseq_method != NULL) {
		ck_assert_uint_eq(m.cseq, c->cseq);
		ck_sv(m.cseq_method, c->cseq_method);
		if (c->method != NULL) {
			ck_assert_int_eq(m.is_request, 1);
			ck_sv(m.method, c->method);
		} else {
			ck_assert_int_eq(m.is_request, 0);
			ck_assert_int_eq(m.status, c->status);
		}
	}
	ck_assert_uint_le(m.len, len);
	free(buf);
}
END_TEST

START_TEST(test_rfc4475_details)
{
	struct sip_msg m;
	struct sip_uri u;
	size_t len;
	char *buf, *fixed;

	if ((buf = rfc4475_load("dblreq", &len)) == NULL) {
		fprintf(stderr, "test_sipscan: RFC 4475 details skipped\n");
		return;
	}
	/* The REGISTER is framed alone; the INVITE after it is ignored. */
	ck_assert_int_eq(sipscan_parse(buf, len, &m), 0);
	ck_assert_int_eq(m.content_length, 0);
	ck_assert_uint_eq(m.len, m.hdr_len);
	ck_assert_uint_lt(m.len, len);
	ck_assert_int_eq(memcmp(buf + m.len, "\r\nINVITE ", 9), 0);
	free(buf);

	/* Binary body with NUL and bare LF, framed by Content-Length. */
	buf = rfc4475_load("mpart01", &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(sipscan_parse(buf, len, &m), 0);
	ck_assert_int_gt(m.content_length, 0);
	ck_assert_uint_eq(m.body.len, (size_t)m.content_length);
	ck_assert_uint_eq(m.len, len);
	ck_assert_ptr_nonnull(memchr(m.body.s, '\0', m.body.len));
	ck_assert_int_eq(m.via_has_rport, 1);
	ck_sv_null(m.via_rport);
	free(buf);

	/* wsinv: folded values, LWS around colons, three Via values. */
	buf = rfc4475_load("wsinv", &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(sipscan_parse(buf, len, &m), 0);
	ck_assert_int_eq(m.via_count, 3);
	ck_sv(m.via_host, "192.0.2.2");
	ck_sv(m.via_branch, "390skdjuw");
	ck_sv(m.via_transport, "UDP");
	ck_sv(m.to_uri, "sip:vivekg@chair-dnrc.example.com");
	ck_sv(m.to_tag, "1918181833n");
	ck_sv(m.from_uri, "sip:jdrosen@example.com");
	ck_sv(m.from_tag, "98asjd8");
	ck_sv(m.contact_uri, "sip:jdrosen@example.com");
	ck_sv(m.max_forwards, "0068");
	ck_assert_int_eq(m.content_length, 150);
	free(buf);

	/* semiuri: the Request-URI user part holds ';'. */
	buf = rfc4475_load("semiuri", &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(sipscan_parse(buf, len, &m), 0);
	ck_assert_int_eq(sipscan_uri(m.ruri, &u), 0);
	ck_sv(u.user, "user;par=u%40example.net");
	ck_sv(u.host, "example.com");
	free(buf);

	/* esc02: C%6Fntact is not Contact; the first Contact is kept. */
	buf = rfc4475_load("esc02", &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(sipscan_parse(buf, len, &m), 0);
	ck_sv(m.contact_uri, "sip:alias1@host1.example.com");
	free(buf);

	/* inv2543: no Content-Length, the body runs to the end. */
	buf = rfc4475_load("inv2543", &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(sipscan_parse(buf, len, &m), 0);
	ck_assert_int_eq(m.content_length, -1);
	ck_assert_uint_eq(m.body.len, 105);
	ck_assert_uint_eq(m.via_branch.len, 0);
	free(buf);

	/* clerr: the body is what is present. */
	buf = rfc4475_load("clerr", &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(sipscan_parse(buf, len, &m), 0);
	ck_assert_uint_eq(m.body.len, 154);
	ck_assert_uint_eq(m.len, len);
	free(buf);

	/* baddn with the blank line added is still rejected for the names. */
	buf = rfc4475_load("baddn", &len);
	ck_assert_ptr_nonnull(buf);
	fixed = malloc(len + 2);
	memcpy(fixed, buf, len);
	memcpy(fixed + len, "\r\n", 2);
	ck_assert_int_eq(sipscan_parse(fixed, len + 2, &m), 0);
	ck_assert(m.bad & SIP_BAD_FROM);
	ck_assert(m.bad & SIP_BAD_TO);
	ck_assert(!(m.bad & SIP_BAD_NO_HEADER_END));
	free(fixed);
	free(buf);

	/* unreason: the UTF-8 reason phrase is taken as it is. */
	buf = rfc4475_load("unreason", &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(sipscan_parse(buf, len, &m), 0);
	ck_assert_uint_gt(m.reason.len, 20);
	ck_assert_int_eq(memcmp(m.reason.s, "= 2**3 * 5**2 ", 14), 0);
	free(buf);
}
END_TEST

/* Build the suite. */
static Suite *
sipscan_suite(void)
{
	Suite *s = suite_create("sipscan");
	TCase *tc = tcase_create("core");
	TCase *rfc = tcase_create("rfc4475");

	tcase_add_test(tc, test_compact_bare_lf);
	tcase_add_test(tc, test_folding_and_lws);
	tcase_add_test(tc, test_multi_via);
	tcase_add_test(tc, test_auth_params);
	tcase_add_test(tc, test_auth_credentials);
	tcase_add_test(tc, test_auth_extra);
	tcase_add_test(tc, test_status_and_reason);
	tcase_add_test(tc, test_cseq_and_lengths);
	tcase_add_test(tc, test_not_sip);
	tcase_add_test(tc, test_is_sip);
	tcase_add_test(tc, test_frame);
	tcase_add_test(tc, test_uri);
	tcase_add_test(tc, test_param);
	tcase_add_test(tc, test_describe);
	tcase_add_test(tc, test_prefixes);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(rfc, test_rfc4475, 0,
	    (int)(sizeof rfc4475_cases / sizeof rfc4475_cases[0]));
	tcase_add_test(rfc, test_rfc4475_details);
	suite_add_tcase(s, rfc);
	return s;
}

/* Run the suite; exit 0 when every test passed. */
int
main(void)
{
	SRunner *sr = srunner_create(sipscan_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
