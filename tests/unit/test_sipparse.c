/*
 * test_sipparse.c: unit tests of the libosip2 wrapper: the structured view
 * of a Vapi-shaped INVITE with credentials and of its 401 challenge, refusals
 * with a reason, and every RFC 4475 torture message (which libosip2 takes
 * and which it refuses, checked against the shared INDEX.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "sipparse.h"

#define TEST_TORTURE_DIR	SRCDIR "/../shared/reference/rfc4475"

/* The authenticated INVITE a PBX sends to Vapi after the 401. */
static const char test_invite[] =
    "INVITE sip:1111212@sip.vapi.ai;transport=udp SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-524287-1---77ba;rport\r\n"
    "Max-Forwards: 70\r\n"
    "Contact: <sip:+14155550100@203.0.113.5:5060>\r\n"
    "To: <sip:1111212@sip.vapi.ai>\r\n"
    "From: \"Front Desk\" <sip:+14155550100@203.0.113.5>;tag=4f1c2a\r\n"
    "Call-ID: 8c1f5e2a-3b4d@203.0.113.5\r\n"
    "CSeq: 2 INVITE\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"
    "Authorization: Digest username=\"1111212\",realm=\"sip.vapi.ai\","
    "nonce=\"b7a1c0de5f0e4b2a9c\",uri=\"sip:1111212@sip.vapi.ai\","
    "response=\"0123456789abcdef0123456789abcdef\",algorithm=MD5,"
    "cnonce=\"6f1e2d3c\",qop=auth,nc=00000001\r\n"
    "User-Agent: Asterisk PBX 22.0.0\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 133\r\n"
    "\r\n"
    "v=0\r\n"
    "o=- 1 1 IN IP4 203.0.113.5\r\n"
    "s=-\r\n"
    "c=IN IP4 203.0.113.5\r\n"
    "t=0 0\r\n"
    "m=audio 10000 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n";

/* Vapi's challenge to the first INVITE. */
static const char test_401[] =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-524287-1---11aa;"
    "rport=5060;received=198.51.100.7\r\n"
    "To: <sip:1111212@sip.vapi.ai>;tag=as5f3c\r\n"
    "From: \"Front Desk\" <sip:+14155550100@203.0.113.5>;tag=4f1c2a\r\n"
    "Call-ID: 8c1f5e2a-3b4d@203.0.113.5\r\n"
    "CSeq: 1 INVITE\r\n"
    "WWW-Authenticate: Digest realm=\"sip.vapi.ai\", algorithm=MD5, "
    "qop=\"auth\", nonce=\"b7a1c0de5f0e4b2a9c\", opaque=\"x9\"\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* Whether the view holds line as a whole line. */
static int
test_has_line(const char *view, const char *line)
{
	size_t		 n = strlen(line);
	const char	*p = view;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == view || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p++;
	}
	return 0;
}

/* Check that the view holds a line, printing the view when it does not. */
#define TEST_LINE(view, line) do {					\
	if (!test_has_line((view), (line)))				\
		ck_abort_msg("no line \"%s\" in view:\n%s", (line), (view)); \
} while (0)

/* The INVITE validates and its view shows each part as libosip2 parsed it. */
START_TEST(test_invite_view)
{
	char	*v = NULL, err[128];

	ck_assert_int_eq(sipparse_init(), 0);
	ck_assert_int_eq(sipparse_init(), 0);
	ck_assert_int_eq(sipparse_validate(test_invite, sizeof test_invite - 1,
	    err, sizeof err), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(sipparse_structured(test_invite,
	    sizeof test_invite - 1, &v), 0);
	ck_assert_ptr_nonnull(v);
	TEST_LINE(v, "Request: INVITE");
	TEST_LINE(v, "  Request-URI: sip:1111212@sip.vapi.ai;transport=udp");
	TEST_LINE(v, "    scheme: sip");
	TEST_LINE(v, "    user: 1111212");
	TEST_LINE(v, "    host: sip.vapi.ai");
	TEST_LINE(v, "    param: transport=udp");
	TEST_LINE(v, "  protocol: UDP");
	TEST_LINE(v, "  host: 203.0.113.5");
	TEST_LINE(v, "  port: 5060");
	TEST_LINE(v, "  param: branch=z9hG4bK-524287-1---77ba");
	TEST_LINE(v, "  param: rport");
	TEST_LINE(v, "  display-name: Front Desk");
	TEST_LINE(v, "  tag: 4f1c2a");
	TEST_LINE(v, "Call-ID: 8c1f5e2a-3b4d@203.0.113.5");
	TEST_LINE(v, "CSeq: 2 INVITE");
	TEST_LINE(v, "  method: INVITE");
	TEST_LINE(v, "Authorization: Digest");
	TEST_LINE(v, "  username: 1111212");
	TEST_LINE(v, "  realm: sip.vapi.ai");
	TEST_LINE(v, "  nonce: b7a1c0de5f0e4b2a9c");
	TEST_LINE(v, "  uri: sip:1111212@sip.vapi.ai");
	TEST_LINE(v, "  response: 0123456789abcdef0123456789abcdef");
	TEST_LINE(v, "  algorithm: MD5");
	TEST_LINE(v, "  qop: auth");
	TEST_LINE(v, "  nc: 00000001");
	TEST_LINE(v, "  cnonce: 6f1e2d3c");
	TEST_LINE(v, "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS");
	TEST_LINE(v, "Content-Type: application/sdp");
	TEST_LINE(v, "Content-Length: 133");
	TEST_LINE(v, "Max-Forwards: 70");
	TEST_LINE(v, "User-Agent: Asterisk PBX 22.0.0");
	TEST_LINE(v, "Body: 133 bytes");
	/* Quotes are gone from the digest values. */
	ck_assert_ptr_null(strstr(v, "\"1111212\""));
	free(v);
}
END_TEST

/* The 401's view shows the status and each challenge parameter. */
START_TEST(test_401_view)
{
	char	*v = NULL;

	ck_assert_int_eq(sipparse_validate(test_401, sizeof test_401 - 1,
	    NULL, 0), 0);
	ck_assert_int_eq(sipparse_structured(test_401, sizeof test_401 - 1,
	    &v), 0);
	TEST_LINE(v, "Response: 401");
	TEST_LINE(v, "  reason: Unauthorized");
	TEST_LINE(v, "WWW-Authenticate: Digest");
	TEST_LINE(v, "  realm: sip.vapi.ai");
	TEST_LINE(v, "  nonce: b7a1c0de5f0e4b2a9c");
	TEST_LINE(v, "  algorithm: MD5");
	TEST_LINE(v, "  qop: auth");
	TEST_LINE(v, "  opaque: x9");
	TEST_LINE(v, "  tag: as5f3c");
	TEST_LINE(v, "  param: received=198.51.100.7");
	TEST_LINE(v, "Body: 0 bytes");
	free(v);
}
END_TEST

/* Garbage, empty input and refusals give -1 with a one-line reason. */
START_TEST(test_refusals)
{
	static const char	 junk[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc"
	    "\x03\x03 not SIP at all";
	static const char	 badhdr[] =
	    "OPTIONS sip:vapi@sip.vapi.ai SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
	    "To: \"Unclosed <sip:vapi@sip.vapi.ai>\r\n"
	    "From: <sip:a@example.com>;tag=1\r\n"
	    "Call-ID: c1\r\nCSeq: 1 OPTIONS\r\n\r\n";
	static const char	 nocseq[] =
	    "OPTIONS sip:vapi@sip.vapi.ai SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
	    "To: <sip:vapi@sip.vapi.ai>\r\n"
	    "From: <sip:a@example.com>;tag=1\r\n"
	    "Call-ID: c1\r\n\r\n";
	char			*v = NULL, err[160];

	ck_assert_int_eq(sipparse_validate(junk, sizeof junk - 1, err,
	    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "start line"));
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(sipparse_structured(junk, sizeof junk - 1, &v), -1);
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(strstr(v, "start line"));
	free(v);

	ck_assert_int_eq(sipparse_validate("", 0, err, sizeof err), -1);
	ck_assert_str_eq(err, "empty message");
	ck_assert_int_eq(sipparse_validate(NULL, 10, err, sizeof err), -1);

	ck_assert_int_eq(sipparse_validate(badhdr, sizeof badhdr - 1, err,
	    sizeof err), -1);
	ck_assert_str_eq(err, "libosip2 refused header line 3 "
	    "\"To: \"Unclosed <sip:vapi@sip.vapi.ai>\"");

	ck_assert_int_eq(sipparse_validate(nocseq, sizeof nocseq - 1, err,
	    sizeof err), -1);
	ck_assert_str_eq(err, "no CSeq header");

	/* A tiny error buffer is truncated, never overrun. */
	memset(err, 'Z', sizeof err);
	ck_assert_int_eq(sipparse_validate(nocseq, sizeof nocseq - 1, err, 4),
	    -1);
	ck_assert_str_eq(err, "no ");
	ck_assert_int_eq(err[4], 'Z');

	/* Every prefix of the INVITE: never a crash, never a bogus success. */
	{
		size_t	n;

		for (n = 0; n < sizeof test_invite - 1; n++) {
			if (sipparse_structured(test_invite, n, &v) == 0)
				ck_assert_ptr_nonnull(v);
			free(v);
			v = NULL;
		}
	}
}
END_TEST

/* The input need not be NUL-terminated: only len bytes are read. */
START_TEST(test_not_terminated)
{
	size_t	 n = sizeof test_401 - 1;
	char	*copy = malloc(n), *v = NULL;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, test_401, n);
	ck_assert_int_eq(sipparse_structured(copy, n, &v), 0);
	TEST_LINE(v, "Response: 401");
	free(v);
	free(copy);
}
END_TEST

/* What the INDEX.md row of a torture file says the parser should do. */
enum test_verdict {
	TEST_ACCEPT,		/* plain ACCEPT */
	TEST_REJECT,
	TEST_OTHER		/* ACCEPT/SEM, ACCEPT/APP */
};

/*
 * Plain-ACCEPT messages libosip2 (5.3) refuses.  intmeth.dat carries a
 * quoted-pair NUL byte in the To display name; libosip2 takes a length but
 * its header parser works on C strings, so the To header ends at the NUL
 * and the message is refused ("End of header Not found").
 */
static const char *const test_accept_refused[] = {
	"intmeth.dat",
};

/*
 * REJECT messages libosip2 refuses: 10 of the 20.  The other ten it
 * accepts: ncl.dat (Content-Length -999), scalar02.dat and scalarlg.dat
 * (CSeq and other numbers over 2^32-1), escruri.dat (escaped header in the
 * Request-URI), baddate.dat (non-GMT Date), regbadct.dat (addr-spec Contact
 * with a header), badvers.dat (SIP/7.0), mismatch01.dat and mismatch02.dat
 * (CSeq method differs from the request's) and bigcode.dat (status
 * 4294967301): the transaction layer or the scanner must catch those.
 */
static const char *const test_reject_refused[] = {
	"badaspec.dat",		/* spaces inside <> in To */
	"baddn.dat",		/* no empty line ends it; unquoted "Bell, A" */
	"badinv01.dat",		/* ;;,;,, in Via */
	"clerr.dat",		/* Content-Length 9999, 154 bytes follow */
	"ltgtruri.dat",		/* Request-URI in <> */
	"lwsruri.dat",		/* space inside the Request-URI */
	"lwsstart.dat",		/* several SP in the request line */
	"mcl01.dat",		/* two Content-Length headers (13 and 5) */
	"quotbal.dat",		/* unbalanced quote in To */
	"trws.dat",		/* SP after SIP/2.0 */
};

/* Whether name is in a table of n names. */
static int
test_in(const char *const *table, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(table[i], name) == 0)
			return 1;
	return 0;
}

/* Read a whole file into a malloc'ed buffer; NULL if unreadable. */
static char *
test_read(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) ==
	    NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

/*
 * Every torture message: no crash in either call, every plain ACCEPT
 * validates but for the listed exceptions, and exactly the listed REJECT
 * files are refused.
 */
START_TEST(test_rfc4475)
{
	FILE	*idx;
	char	 line[2048], name[64], path[512], err[256], *buf, *v, *p, *q;
	size_t	 len, files = 0, accepts = 0, rejects = 0, refused = 0;
	size_t	 accept_ok = 0, nacc, nrej;
	int	 i, r, rs;
	enum test_verdict verdict;

	nacc = sizeof test_accept_refused / sizeof test_accept_refused[0];
	nrej = sizeof test_reject_refused / sizeof test_reject_refused[0];
	if ((idx = fopen(TEST_TORTURE_DIR "/INDEX.md", "r")) == NULL) {
		fprintf(stderr, "test_sipparse: %s/INDEX.md absent: RFC 4475 "
		    "test skipped\n", TEST_TORTURE_DIR);
		return;
	}
	while (fgets(line, sizeof line, idx) != NULL) {
		/* | `file.dat` | section | what | parser should | ... */
		if (strncmp(line, "| `", 3) != 0 ||
		    (q = strchr(line + 3, '`')) == NULL ||
		    (size_t)(q - (line + 3)) >= sizeof name)
			continue;
		memcpy(name, line + 3, (size_t)(q - (line + 3)));
		name[q - (line + 3)] = '\0';
		for (p = line, i = 0; i < 3 && p != NULL; i++)
			if ((p = strchr(p + 1, '|')) != NULL)
				p++;
		ck_assert_msg(p != NULL, "short INDEX.md row for %s", name);
		while (*p == ' ')
			p++;
		if (strncmp(p, "REJECT", 6) == 0)
			verdict = TEST_REJECT;
		else if (strncmp(p, "ACCEPT", 6) == 0 && p[6] != '/')
			verdict = TEST_ACCEPT;
		else
			verdict = TEST_OTHER;

		snprintf(path, sizeof path, "%s/%s", TEST_TORTURE_DIR, name);
		buf = test_read(path, &len);
		ck_assert_msg(buf != NULL, "cannot read %s", path);
		files++;
		r = sipparse_validate(buf, len, err, sizeof err);
		v = NULL;
		rs = sipparse_structured(buf, len, &v);
		ck_assert_ptr_nonnull(v);
		free(v);
		/* The view is refused only when libosip2 refuses the parse. */
		if (rs != 0)
			ck_assert_int_eq(r, -1);
		if (verdict == TEST_ACCEPT) {
			accepts++;
			if (test_in(test_accept_refused, nacc, name))
				ck_assert_msg(r == -1, "%s now validates: "
				    "update test_accept_refused", name);
			else {
				ck_assert_msg(r == 0, "%s (ACCEPT) refused: %s",
				    name, err);
				accept_ok++;
			}
		} else if (verdict == TEST_REJECT) {
			rejects++;
			if (r != 0)
				refused++;
			ck_assert_msg((r != 0) == test_in(test_reject_refused,
			    nrej, name), "%s (REJECT): libosip2 %s it", name,
			    r != 0 ? "refuses" : "accepts");
		}
		free(buf);
	}
	fclose(idx);
	ck_assert_uint_eq(files, 49);
	ck_assert_uint_eq(accepts, 14);
	ck_assert_uint_eq(accept_ok, 13);
	ck_assert_uint_eq(rejects, 20);
	ck_assert_uint_eq(refused, 10);
}
END_TEST

/* Build the suite. */
static Suite *
test_sipparse_suite(void)
{
	Suite	*s = suite_create("sipparse");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_invite_view);
	tcase_add_test(tc, test_401_view);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_not_terminated);
	tcase_add_test(tc, test_rfc4475);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit 0 only when every test passed. */
int
main(void)
{
	SRunner	*sr = srunner_create(test_sipparse_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
