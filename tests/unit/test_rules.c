/*
 * test_rules.c: unit tests of the rules engine and its configuration.
 * Each rule runs on a hand-built call: raw SIP messages with addresses and
 * capture times, put into a struct call the way the tracker fills it, so the
 * tests do not depend on the tracker's timing.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "digest.h"
#include "rules.h"

#define PBX_IP		"203.0.113.10"
#define VAPI_IP		"44.229.228.186"
#define T0		1743599962000000LL
#define SEC		1000000LL

/* A call under construction and the configuration it is judged with. */
struct tcall {
	struct call	*c;
	struct config	 cfg;
	int64_t		 t;		/* time of the last message */
};

/* Make a slice of a C string. */
static struct sv_str
t_sv(const char *s)
{
	return (struct sv_str){ s, s != NULL ? strlen(s) : 0 };
}

/* Fill an IPv4 address with a port. */
static struct sv_addr
t_addr(const char *ip, uint16_t port)
{
	struct sv_addr		a;
	struct config_net	n;

	memset(&a, 0, sizeof a);
	ck_assert_int_eq(config_parse_net(ip, &n), 0);
	a.af = n.af;
	memcpy(a.ip, n.ip, sizeof a.ip);
	a.port = port;
	return a;
}

/* Start an empty call with the default configuration. */
static void
t_begin(struct tcall *tc)
{
	memset(tc, 0, sizeof *tc);
	tc->c = calloc(1, sizeof *tc->c);
	ck_assert_ptr_nonnull(tc->c);
	tc->c->call_id = strdup("test");
	ck_assert_int_eq(config_init_defaults(&tc->cfg), 0);
	tc->t = T0;
}

/* Find "Name: value" at a line start and return the value's start, or NULL. */
static const char *
t_header(const char *raw, const char *name)
{
	const char	*p = raw;
	size_t		 n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if ((p == raw || p[-1] == '\n') && p[n] == ':')
			return p + n + 1 + strspn(p + n + 1, " ");
		p += n;
	}
	return NULL;
}

/* Find the transaction a message belongs to (branch and CSeq method). */
static int
t_txn(struct call *c, const char *raw, int is_request, const char *method,
    uint32_t cseq)
{
	const char	*b = strstr(raw, "branch="), *e;
	char		 branch[64] = "";
	int		 i;

	if (b != NULL) {
		b += 7;
		e = b + strcspn(b, ";\r\n,");
		snprintf(branch, sizeof branch, "%.*s", (int)(e - b), b);
	}
	if (strcmp(method, "ACK") == 0)
		method = "INVITE";
	for (i = 0; i < c->n_txns; i++)
		if (strcmp(c->txns[i].branch, branch) == 0 &&
		    strcmp(c->txns[i].method, method) == 0 &&
		    c->txns[i].cseq == cseq)
			return i;
	if (!is_request)
		return -1;
	c->txns = realloc(c->txns, (c->n_txns + 1) * sizeof *c->txns);
	ck_assert_ptr_nonnull(c->txns);
	memset(&c->txns[c->n_txns], 0, sizeof *c->txns);
	c->txns[c->n_txns].branch = strdup(branch);
	c->txns[c->n_txns].method = strdup(method);
	c->txns[c->n_txns].cseq = cseq;
	c->txns[c->n_txns].req = c->n_msgs;
	c->txns[c->n_txns].final = -1;
	c->txns[c->n_txns].ack = -1;
	return c->n_txns++;
}

/* Record a step of the authentication sequence. */
static void
t_auth_event(struct call *c, enum auth_step step, int msg, int txn, int code)
{
	c->auth = realloc(c->auth, (c->n_auth + 1) * sizeof *c->auth);
	ck_assert_ptr_nonnull(c->auth);
	c->auth[c->n_auth].step = step;
	c->auth[c->n_auth].msg = msg;
	c->auth[c->n_auth].txn = txn;
	c->auth[c->n_auth].code = code;
	c->n_auth++;
}

/*
 * Add a message written with LF line ends (a blank line starts the body)
 * and printf arguments; Content-Length is appended.  dir is 1 for PBX to
 * Vapi, 0 for Vapi to PBX; dt_ms is the time since the previous message.
 */
static int
t_msg(struct tcall *tc, int dir, int64_t dt_ms, int retrans, const char *fmt,
    ...)
{
	struct call	*c = tc->c;
	struct msg	*m;
	char		 text[8192], out[9000], method[32] = "", *body, *p;
	const char	*h;
	size_t		 o = 0, blen = 0;
	va_list		 ap;
	int		 k, idx;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if ((body = strstr(text, "\n\n")) != NULL) {
		*body = '\0';
		body += 2;
		blen = strlen(body);
	}
	for (p = text; *p != '\0'; p++) {
		if (*p == '\n')
			out[o++] = '\r';
		out[o++] = *p;
	}
	{
		size_t bl = 0;
		for (p = body; p != NULL && *p != '\0'; p++)
			bl += *p == '\n' ? 2 : 1;
		blen = bl;
	}
	o += (size_t)snprintf(out + o, sizeof out - o,
	    "\r\nContent-Length: %zu\r\n\r\n", blen);
	for (p = body; p != NULL && *p != '\0'; p++) {
		if (*p == '\n')
			out[o++] = '\r';
		out[o++] = *p;
	}
	out[o] = '\0';

	c->msgs = realloc(c->msgs, (c->n_msgs + 1) * sizeof *c->msgs);
	ck_assert_ptr_nonnull(c->msgs);
	idx = c->n_msgs;
	m = &c->msgs[idx];
	memset(m, 0, sizeof *m);
	tc->t += dt_ms * 1000;
	m->ts = tc->t;
	m->frame = (uint64_t)idx + 1;
	m->src = dir ? t_addr(PBX_IP, 5060) : t_addr(VAPI_IP, 5060);
	m->dst = dir ? t_addr(VAPI_IP, 5060) : t_addr(PBX_IP, 5060);
	m->transport = SV_T_UDP;
	m->retrans = (uint8_t)retrans;
	m->len = (uint32_t)o;
	m->raw = malloc(o + 1);
	memcpy(m->raw, out, o + 1);
	m->is_request = strncmp(out, "SIP/2.0 ", 8) != 0;
	if (!m->is_request)
		m->status = (uint16_t)atoi(out + 8);
	h = t_header(out, "CSeq");
	if (h != NULL) {
		m->cseq = (uint32_t)strtoul(h, &p, 10);
		sscanf(p, " %31[A-Z]", method);
	}
	k = (int)strcspn(out, "\r");
	m->line = malloc((size_t)k + strlen(method) + 2);
	memcpy(m->line, out, (size_t)k);
	m->line[k] = '\0';
	strcpy(m->line + k + 1, method);
	c->n_msgs++;

	if (c->n_msgs == 1) {
		c->first_ts = m->ts;
		c->src = m->src;
		c->dst = m->dst;
		c->method = strdup(method);
	}
	c->last_ts = m->ts;
	m->txn = t_txn(c, out, m->is_request, method, m->cseq);
	if (m->txn >= 0 && !retrans) {
		struct txn *t = &c->txns[m->txn];

		if (m->is_request && strcmp(method, "ACK") != 0 &&
		    (strstr(out, "\nAuthorization:") != NULL ||
		    strstr(out, "\nProxy-Authorization:") != NULL)) {
			t->has_credentials = 1;
			t_auth_event(c, AUTH_ANSWER, idx, m->txn, 0);
		}
		if (m->is_request && strcmp(method, "ACK") == 0)
			t->ack = idx;
		if (!m->is_request && m->status >= 200 && t->final < 0) {
			t->final = idx;
			t->final_code = m->status;
			c->final_code = m->status;
			if (m->status == 401 || m->status == 407)
				t_auth_event(c, AUTH_CHALLENGE, idx, m->txn,
				    m->status);
			else if (t->has_credentials)
				t_auth_event(c, AUTH_RESULT, idx, m->txn,
				    m->status);
		}
	}
	return idx;
}

/* Repeat message idx byte for byte dt_ms later, as a retransmission. */
static int
t_dup(struct tcall *tc, int idx, int64_t dt_ms)
{
	struct call	*c = tc->c;
	struct msg	*m;
	size_t		 k;

	c->msgs = realloc(c->msgs, (c->n_msgs + 1) * sizeof *c->msgs);
	ck_assert_ptr_nonnull(c->msgs);
	m = &c->msgs[c->n_msgs];
	*m = c->msgs[idx];
	tc->t += dt_ms * 1000;
	m->ts = tc->t;
	m->frame = (uint64_t)c->n_msgs + 1;
	m->retrans = 1;
	m->raw = malloc(m->len + 1);
	memcpy(m->raw, c->msgs[idx].raw, m->len + 1);
	k = strlen(c->msgs[idx].line);
	m->line = malloc(k + strlen(c->msgs[idx].line + k + 1) + 2);
	memcpy(m->line, c->msgs[idx].line, k + strlen(c->msgs[idx].line + k +
	    1) + 2);
	c->last_ts = m->ts;
	return c->n_msgs++;
}

/* An INVITE from the PBX with optional extra headers (each ending in LF). */
static int
t_invite(struct tcall *tc, int64_t dt, const char *ruri, const char *branch,
    unsigned cseq, const char *from_tag, const char *ua, const char *extra)
{
	return t_msg(tc, 1, dt, 0,
	    "INVITE %s SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PBX_IP ":5060;branch=%s;rport\n"
	    "From: <sip:+15551230000@" PBX_IP ">;tag=%s\n"
	    "To: <%s>\n"
	    "Call-ID: c1@" PBX_IP "\n"
	    "CSeq: %u INVITE\n"
	    "Contact: <sip:pbx@" PBX_IP ":5060>\n"
	    "User-Agent: %s\n"
	    "Max-Forwards: 70\n"
	    "%s"
	    "Content-Type: application/sdp\n"
	    "\n"
	    "v=0\n"
	    "o=- 1 1 IN IP4 " PBX_IP "\n"
	    "s=-\n"
	    "c=IN IP4 " PBX_IP "\n"
	    "t=0 0\n"
	    "m=audio 4000 RTP/AVP 0\n",
	    ruri, branch, from_tag, ruri, cseq, ua, extra != NULL ? extra : "");
}

/* A response from Vapi to the PBX's request. */
static int
t_resp(struct tcall *tc, int64_t dt, int retrans, int code, const char *reason,
    const char *ruri, const char *branch, unsigned cseq, const char *method,
    const char *to_tag, const char *extra)
{
	return t_msg(tc, 0, dt, retrans,
	    "SIP/2.0 %d %s\n"
	    "Via: SIP/2.0/UDP " PBX_IP ":5060;branch=%s;rport=5060\n"
	    "From: <sip:+15551230000@" PBX_IP ">;tag=ft1\n"
	    "To: <%s>;tag=%s\n"
	    "Call-ID: c1@" PBX_IP "\n"
	    "CSeq: %u %s\n"
	    "Server: Vapi\n"
	    "%s",
	    code, reason, branch, ruri, to_tag, cseq, method,
	    extra != NULL ? extra : "");
}

/* The ACK of a non-2xx response (same branch and CSeq as the INVITE). */
static int
t_ack(struct tcall *tc, int64_t dt, const char *ruri, const char *branch,
    unsigned cseq, const char *to_tag)
{
	return t_msg(tc, 1, dt, 0,
	    "ACK %s SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PBX_IP ":5060;branch=%s;rport\n"
	    "From: <sip:+15551230000@" PBX_IP ">;tag=ft1\n"
	    "To: <%s>;tag=%s\n"
	    "Call-ID: c1@" PBX_IP "\n"
	    "CSeq: %u ACK\n"
	    "Max-Forwards: 70\n",
	    ruri, branch, ruri, to_tag, cseq);
}

#define RURI		"sip:1111212@sip.vapi.ai"
#define CHAL		"WWW-Authenticate: Digest realm=\"sip.vapi.ai\", " \
			"algorithm=MD5, qop=\"auth\", nonce=\"174359995951500\"\n"
#define CHAL_NOQOP	"WWW-Authenticate: Digest realm=\"sip.vapi.ai\", " \
			"algorithm=MD5, nonce=\"174359995951500\"\n"
#define AST		"Asterisk PBX 22.0.0"
#define CUBE		"Cisco-SIPGateway/IOS-17.12.4"

/* Compute a digest response for an INVITE to RURI. */
static void
t_response(char *out, const char *user, const char *realm, const char *pw,
    const char *nonce, const char *uri, const char *qop)
{
	struct digest_input in;

	memset(&in, 0, sizeof in);
	in.alg = DIGEST_ALG_MD5;
	in.username = t_sv(user);
	in.realm = t_sv(realm);
	in.password = t_sv(pw);
	in.method = t_sv("INVITE");
	in.uri = t_sv(uri);
	in.nonce = t_sv(nonce);
	if (qop != NULL) {
		in.qop = t_sv(qop);
		in.nc = t_sv("00000001");
		in.cnonce = t_sv("0a4f113b");
	}
	ck_assert_int_eq(digest_response(&in, out, 129), 32);
}

/* An Authorization header line (qop=auth, nc, cnonce) with a real response. */
static char *
t_authz(const char *user, const char *realm, const char *pw, const char *nonce)
{
	static char	line[4][512];
	static int	k;
	char		resp[129];
	char		*l = line[k++ % 4];

	t_response(resp, user, realm, pw, nonce, RURI, "auth");
	snprintf(l, 512, "Authorization: Digest username=\"%s\", realm=\"%s\", "
	    "nonce=\"%s\", uri=\"" RURI "\", response=\"%s\", algorithm=MD5, "
	    "qop=auth, nc=00000001, cnonce=\"0a4f113b\"\n",
	    user, realm, nonce, resp);
	return l;
}

/* The opening of most flows: INVITE, 401, ACK. */
static void
t_challenged(struct tcall *tc, const char *ua, const char *chal)
{
	t_invite(tc, 0, RURI, "z9hG4bK-1", 101, "ft1", ua, NULL);
	t_resp(tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-1", 101,
	    "INVITE", "vt1", chal);
	t_ack(tc, 5, RURI, "z9hG4bK-1", 101, "vt1");
}

/* The retry with credentials and its final response. */
static void
t_retry(struct tcall *tc, const char *ua, const char *authz, int code,
    const char *reason)
{
	t_invite(tc, 10, RURI, "z9hG4bK-2", 102, "ft1", ua, authz);
	t_resp(tc, 150, 0, code, reason, RURI, "z9hG4bK-2", 102, "INVITE",
	    "vt2", NULL);
	if (code >= 300)
		t_ack(tc, 5, RURI, "z9hG4bK-2", 102, "vt2");
}

static void	t_dump(const struct diagnosis *);

/* Judge the call long after its end (or at now when given). */
static void
t_run(struct tcall *tc, struct diagnosis *d, int64_t now)
{
	ck_assert_int_eq(rules_run(&tc->cfg, tc->c, now != 0 ? now :
	    tc->t + 40 * SEC, d), 0);
	if (getenv("TEST_RULES_VERBOSE") != NULL)
		t_dump(d);
}

/* Free the call and the configuration. */
static void
t_end(struct tcall *tc, struct diagnosis *d)
{
	rules_diagnosis_free(d);
	call_free(tc->c);
	config_free(&tc->cfg);
}

/* The index of the first finding with an id, or -1. */
static int
t_find(const struct diagnosis *d, const char *id)
{
	int	i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->f[i].id, id) == 0)
			return i;
	return -1;
}

/* The first error finding, or NULL. */
static const struct finding *
t_first_error(const struct diagnosis *d)
{
	int	i;

	for (i = 0; i < d->n; i++)
		if (d->f[i].severity == RULES_ERROR)
			return &d->f[i];
	return NULL;
}

/* Count error findings. */
static int
t_errors(const struct diagnosis *d)
{
	int	i, n = 0;

	for (i = 0; i < d->n; i++)
		n += d->f[i].severity == RULES_ERROR;
	return n;
}

/* Print the findings (shown only when a test fails, to help). */
static void
t_dump(const struct diagnosis *d)
{
	int	i;

	fprintf(stderr, "verdict %s pbx %s\n", rules_verdict_name(d->verdict),
	    d->pbx != NULL ? d->pbx : "-");
	for (i = 0; i < d->n; i++)
		fprintf(stderr, "  %s %s msg %d %s=%s\n    %s\n    fix: %s\n",
		    rules_severity_name(d->f[i].severity), d->f[i].id,
		    d->f[i].msg, d->f[i].header ? d->f[i].header : "-",
		    d->f[i].value ? d->f[i].value : "-", d->f[i].explanation,
		    d->f[i].fix);
}

/* Assert the root cause: first error id, its message, and words in the fix. */
static void
t_root(const struct diagnosis *d, const char *id, int msg, const char *fix1,
    const char *fix2)
{
	const struct finding *f = t_first_error(d);

	if (f == NULL || strcmp(f->id, id) != 0 || f->msg != msg ||
	    (fix1 != NULL && strstr(f->fix, fix1) == NULL) ||
	    (fix2 != NULL && strstr(f->fix, fix2) == NULL))
		t_dump(d);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->id, id);
	ck_assert_int_eq(f->msg, msg);
	ck_assert_ptr_nonnull(f->title);
	ck_assert_ptr_nonnull(f->explanation);
	if (fix1 != NULL)
		ck_assert_ptr_nonnull(strstr(f->fix, fix1));
	if (fix2 != NULL)
		ck_assert_ptr_nonnull(strstr(f->fix, fix2));
}

/* Healthy: INVITE, 401, ACK, INVITE+auth, 100, 180, 200, ACK, BYE, 200. */
START_TEST(test_healthy)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_invite(&tc, 10, RURI, "z9hG4bK-2", 102, "ft1", AST,
	    t_authz("1111212", "sip.vapi.ai", "s3cret-pw", "174359995951500"));
	t_resp(&tc, 20, 0, 100, "Trying", RURI, "z9hG4bK-2", 102, "INVITE",
	    "vt2", NULL);
	t_resp(&tc, 200, 0, 180, "Ringing", RURI, "z9hG4bK-2", 102, "INVITE",
	    "vt2", NULL);
	t_resp(&tc, 2000, 0, 200, "OK", RURI, "z9hG4bK-2", 102, "INVITE",
	    "vt2", "Contact: <sip:vapi@" VAPI_IP ":5060>\n");
	/* In-dialog requests go to the Contact, an IP address: correct. */
	t_msg(&tc, 1, 10, 0, "ACK sip:vapi@" VAPI_IP ":5060 SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PBX_IP ":5060;branch=z9hG4bK-3;rport\n"
	    "From: <sip:+15551230000@" PBX_IP ">;tag=ft1\n"
	    "To: <" RURI ">;tag=vt2\nCall-ID: c1@" PBX_IP "\nCSeq: 102 ACK\n");
	t_msg(&tc, 1, 60000, 0, "BYE sip:vapi@" VAPI_IP ":5060 SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PBX_IP ":5060;branch=z9hG4bK-4;rport\n"
	    "From: <sip:+15551230000@" PBX_IP ">;tag=ft1\n"
	    "To: <" RURI ">;tag=vt2\nCall-ID: c1@" PBX_IP "\nCSeq: 103 BYE\n");
	t_resp(&tc, 50, 0, 200, "OK", RURI, "z9hG4bK-4", 103, "BYE", "vt2",
	    NULL);
	t_run(&tc, &d, 0);
	if (t_errors(&d) != 0 || d.verdict != RULES_OK)
		t_dump(&d);
	ck_assert_int_eq(t_errors(&d), 0);
	ck_assert_int_eq(d.verdict, RULES_OK);
	ck_assert_ptr_nonnull(d.pbx);
	ck_assert_str_eq(d.pbx, "Asterisk");
	t_end(&tc, &d);
}
END_TEST

/* Retransmissions (of the INVITE and of the 401) count once. */
START_TEST(test_retransmissions)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_invite(&tc, 0, RURI, "z9hG4bK-1", 101, "ft1", AST, NULL);
	t_dup(&tc, 0, 500);
	t_resp(&tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-1", 101,
	    "INVITE", "vt1", CHAL);
	t_resp(&tc, 500, 1, 401, "Unauthorized", RURI, "z9hG4bK-1", 101,
	    "INVITE", "vt1", CHAL);
	t_ack(&tc, 5, RURI, "z9hG4bK-1", 101, "vt1");
	t_retry(&tc, AST, t_authz("1111212", "sip.vapi.ai", "s3cret-pw",
	    "174359995951500"), 200, "OK");
	t_run(&tc, &d, 0);
	if (d.n != 0)
		t_dump(&d);
	ck_assert_int_eq(t_errors(&d), 0);
	ck_assert_int_eq(d.verdict, RULES_OK);
	t_end(&tc, &d);
}
END_TEST

/* A stale nonce the PBX recovers from gives only an info finding. */
START_TEST(test_stale_recovery)
{
	struct tcall		tc;
	struct diagnosis	d;
	int			i;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_invite(&tc, 10, RURI, "z9hG4bK-2", 102, "ft1", AST,
	    t_authz("1111212", "sip.vapi.ai", "s3cret-pw", "174359995951500"));
	t_resp(&tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-2", 102,
	    "INVITE", "vt2", "WWW-Authenticate: Digest realm=\"sip.vapi.ai\", "
	    "algorithm=MD5, qop=\"auth\", nonce=\"999\", stale=true\n");
	t_ack(&tc, 5, RURI, "z9hG4bK-2", 102, "vt2");
	t_invite(&tc, 10, RURI, "z9hG4bK-3", 103, "ft1", AST,
	    t_authz("1111212", "sip.vapi.ai", "s3cret-pw", "999"));
	t_resp(&tc, 150, 0, 200, "OK", RURI, "z9hG4bK-3", 103, "INVITE", "vt3",
	    NULL);
	t_run(&tc, &d, 0);
	if (d.n != 1)
		t_dump(&d);
	ck_assert_int_eq(d.n, 1);
	ck_assert_str_eq(d.f[0].id, "stale-nonce");
	ck_assert_int_eq(d.f[0].severity, RULES_INFO);
	ck_assert_int_eq(d.f[0].msg, 4);
	for (i = 0; i < d.n; i++)
		ck_assert_int_ne(d.f[i].severity, RULES_ERROR);
	ck_assert_int_eq(d.verdict, RULES_OK);
	t_end(&tc, &d);
}
END_TEST

/* stale=true again on the retry: an error (a loop). */
START_TEST(test_stale_loop)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_invite(&tc, 10, RURI, "z9hG4bK-2", 102, "ft1", AST,
	    t_authz("1111212", "sip.vapi.ai", "pw-1", "174359995951500"));
	t_resp(&tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-2", 102,
	    "INVITE", "vt2", "WWW-Authenticate: Digest realm=\"sip.vapi.ai\", "
	    "qop=\"auth\", nonce=\"998\", stale=true\n");
	t_ack(&tc, 5, RURI, "z9hG4bK-2", 102, "vt2");
	t_invite(&tc, 10, RURI, "z9hG4bK-3", 103, "ft1", AST,
	    t_authz("1111212", "sip.vapi.ai", "pw-1", "998"));
	t_resp(&tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-3", 103,
	    "INVITE", "vt3", "WWW-Authenticate: Digest realm=\"sip.vapi.ai\", "
	    "qop=\"auth\", nonce=\"997\", stale=true\n");
	t_ack(&tc, 5, RURI, "z9hG4bK-3", 103, "vt3");
	t_run(&tc, &d, 0);
	t_root(&d, "stale-nonce", 4, NULL, NULL);
	ck_assert_int_eq(d.verdict, RULES_AUTH_FAILED);
	t_end(&tc, &d);
}
END_TEST

/* A CUBE that ignores the challenge: challenge-ignored with CUBE's words. */
START_TEST(test_challenge_ignored)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, CUBE, CHAL);
	t_run(&tc, &d, 0);
	t_root(&d, "challenge-ignored", 1, "authentication username 1111212",
	    "realm sip.vapi.ai");
	ck_assert_ptr_nonnull(strstr(d.f[0].fix, "sip-ua"));
	ck_assert_str_eq(d.f[0].header, "WWW-Authenticate");
	ck_assert_ptr_nonnull(strstr(d.f[0].value, "sip.vapi.ai"));
	ck_assert_int_eq(d.f[0].severity, RULES_ERROR);
	ck_assert_int_eq(d.verdict, RULES_AUTH_FAILED);
	ck_assert_str_eq(d.pbx, "Cisco CUBE");
	t_end(&tc, &d);
}
END_TEST

/* Before Timer B has run out the same call is in progress, with no error. */
START_TEST(test_in_progress)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, CUBE, CHAL);
	t_run(&tc, &d, tc.c->msgs[1].ts + 5 * SEC);
	ck_assert_int_eq(t_find(&d, "challenge-ignored"), -1);
	ck_assert_int_eq(t_errors(&d), 0);
	ck_assert_int_eq(d.verdict, RULES_IN_PROGRESS);
	rules_diagnosis_free(&d);
	/* At 31.9 s still in progress, at 32 s it is decided. */
	t_run(&tc, &d, tc.c->msgs[1].ts + 31 * SEC + 900000);
	ck_assert_int_eq(d.verdict, RULES_IN_PROGRESS);
	rules_diagnosis_free(&d);
	t_run(&tc, &d, tc.c->msgs[1].ts + 32 * SEC);
	ck_assert_int_eq(d.verdict, RULES_AUTH_FAILED);
	t_end(&tc, &d);
}
END_TEST

/* Asterisk answering with another username, then 403: wrong-username first. */
START_TEST(test_wrong_username)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_retry(&tc, AST, t_authz("0368336693", "sip.vapi.ai", "s3cret-pw",
	    "174359995951500"), 403, "Forbidden");
	t_run(&tc, &d, 0);
	t_root(&d, "wrong-username", 3, "username=1111212", "outbound_auth");
	ck_assert_str_eq(d.f[0].header, "Authorization");
	ck_assert_str_eq(d.f[0].value, "0368336693");
	ck_assert_ptr_nonnull(strstr(d.f[0].explanation, "likely"));
	ck_assert_int_eq(t_find(&d, "forbidden-after-auth"), -1);
	ck_assert_int_eq(d.verdict, RULES_AUTH_FAILED);
	t_end(&tc, &d);
}
END_TEST

/* The same with a CUBE: the fix uses CUBE's authentication command. */
START_TEST(test_wrong_username_cube)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, CUBE, CHAL);
	t_retry(&tc, CUBE, t_authz("cube-user", "sip.vapi.ai", "s3cret-pw",
	    "174359995951500"), 403, "Forbidden");
	t_run(&tc, &d, 0);
	t_root(&d, "wrong-username", 3, "authentication username 1111212",
	    "sip-ua");
	t_end(&tc, &d);
}
END_TEST

/* Password "test": forbidden-password, not forbidden-after-auth. */
START_TEST(test_forbidden_password)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_retry(&tc, AST, t_authz("1111212", "sip.vapi.ai", "test",
	    "174359995951500"), 403, "Forbidden");
	t_run(&tc, &d, 0);
	t_root(&d, "forbidden-password", 3, "password", NULL);
	ck_assert_ptr_nonnull(strstr(d.f[0].explanation, "\"test\""));
	ck_assert_int_eq(t_find(&d, "forbidden-after-auth"), -1);
	rules_diagnosis_free(&d);
	t_end(&tc, &d);

	/* An empty password too. */
	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_retry(&tc, AST, t_authz("1111212", "sip.vapi.ai", "",
	    "174359995951500"), 403, "Forbidden");
	t_run(&tc, &d, 0);
	t_root(&d, "forbidden-password", 3, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(d.f[0].explanation, "empty"));
	t_end(&tc, &d);
}
END_TEST

/* A configured password that does not verify: wrong-password, never printed. */
START_TEST(test_wrong_password)
{
	struct tcall		tc;
	struct diagnosis	d;
	int			i;

	t_begin(&tc);
	ck_assert_int_eq(config_add_credential(&tc.cfg, "1111212",
	    "sip.vapi.ai", "Correct-Horse-Battery"), 0);
	t_challenged(&tc, AST, CHAL);
	t_retry(&tc, AST, t_authz("1111212", "sip.vapi.ai", "other-pass",
	    "174359995951500"), 401, "Unauthorized");
	t_run(&tc, &d, 0);
	t_root(&d, "wrong-password", 3, NULL, NULL);
	ck_assert_int_eq(t_find(&d, "credentials-rejected-loop"), -1);
	for (i = 0; i < d.n; i++) {
		ck_assert_ptr_null(strstr(d.f[i].explanation, "Correct-Horse"));
		ck_assert_ptr_null(strstr(d.f[i].fix, "Correct-Horse"));
	}
	rules_diagnosis_free(&d);
	t_end(&tc, &d);

	/* The right password verifies: no wrong-password, a rejected loop. */
	t_begin(&tc);
	ck_assert_int_eq(config_add_credential(&tc.cfg, "1111212", NULL,
	    "Correct-Horse-Battery"), 0);
	t_challenged(&tc, AST, CHAL);
	t_retry(&tc, AST, t_authz("1111212", "sip.vapi.ai",
	    "Correct-Horse-Battery", "174359995951500"), 401, "Unauthorized");
	t_run(&tc, &d, 0);
	ck_assert_int_eq(t_find(&d, "wrong-password"), -1);
	t_root(&d, "credentials-rejected-loop", 4, NULL, NULL);
	t_end(&tc, &d);
}
END_TEST

/* Realm "asterisk" in the answer: realm-mismatch with Asterisk's words. */
START_TEST(test_realm_mismatch)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_retry(&tc, AST, t_authz("1111212", "asterisk", "s3cret-pw",
	    "174359995951500"), 403, "Forbidden");
	t_run(&tc, &d, 0);
	t_root(&d, "realm-mismatch", 3, "realm=sip.vapi.ai", "outbound_auth");
	ck_assert_str_eq(d.f[0].value, "asterisk");
	ck_assert_int_eq(t_find(&d, "forbidden-after-auth"), -1);
	t_end(&tc, &d);
}
END_TEST

/* A nonce other than the challenge's: nonce-mismatch. */
START_TEST(test_nonce_mismatch)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_retry(&tc, AST, t_authz("1111212", "sip.vapi.ai", "s3cret-pw",
	    "cached-nonce-42"), 401, "Unauthorized");
	t_run(&tc, &d, 0);
	t_root(&d, "nonce-mismatch", 3, NULL, NULL);
	ck_assert_str_eq(d.f[0].value, "cached-nonce-42");
	t_end(&tc, &d);
}
END_TEST

/* digest uri differing from the Request-URI is a warning; the call is ok. */
START_TEST(test_digest_uri)
{
	struct tcall		tc;
	struct diagnosis	d;
	char			resp[129], hdr[512];
	int			i;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL_NOQOP);
	t_response(resp, "1111212", "sip.vapi.ai", "pw", "174359995951500",
	    "sip:sip.vapi.ai", NULL);
	snprintf(hdr, sizeof hdr, "Authorization: Digest username=\"1111212\", "
	    "realm=\"sip.vapi.ai\", nonce=\"174359995951500\", "
	    "uri=\"sip:sip.vapi.ai\", response=\"%s\"\n", resp);
	t_retry(&tc, AST, hdr, 200, "OK");
	t_run(&tc, &d, 0);
	i = t_find(&d, "digest-uri-mismatch");
	if (i < 0)
		t_dump(&d);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(d.f[i].severity, RULES_WARNING);
	ck_assert_int_eq(d.f[i].msg, 3);
	ck_assert_str_eq(d.f[i].value, "sip:sip.vapi.ai");
	ck_assert_int_eq(t_errors(&d), 0);
	ck_assert_int_eq(d.verdict, RULES_OK);
	rules_diagnosis_free(&d);

	/* A severity override from the configuration applies. */
	ck_assert_int_eq(config_set_severity(&tc.cfg, "digest-uri-mismatch",
	    RULES_ERROR), 0);
	t_run(&tc, &d, 0);
	i = t_find(&d, "digest-uri-mismatch");
	ck_assert_int_eq(d.f[i].severity, RULES_ERROR);
	rules_diagnosis_free(&d);
	/* And a disabled rule does not fire. */
	ck_assert_int_eq(config_set_rule(&tc.cfg, "digest-uri-mismatch", 0), 0);
	t_run(&tc, &d, 0);
	ck_assert_int_eq(t_find(&d, "digest-uri-mismatch"), -1);
	t_end(&tc, &d);
}
END_TEST

/* Build a retry with an arbitrary Authorization value and a 401 result. */
static void
t_violation(struct tcall *tc, const char *chal, const char *authz, int code)
{
	t_begin(tc);
	t_challenged(tc, AST, chal);
	t_retry(tc, AST, authz, code, code == 401 ? "Unauthorized" :
	    code == 403 ? "Forbidden" : "OK");
}

/* opaque dropped: opaque-not-echoed. */
START_TEST(test_opaque)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_violation(&tc, "WWW-Authenticate: Digest realm=\"sip.vapi.ai\", "
	    "nonce=\"n1\", opaque=\"op-123\"\n",
	    "Authorization: Digest username=\"1111212\", realm=\"sip.vapi.ai\", "
	    "nonce=\"n1\", uri=\"" RURI "\", "
	    "response=\"00000000000000000000000000000000\"\n", 401);
	t_run(&tc, &d, 0);
	t_root(&d, "opaque-not-echoed", 3, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(d.f[0].explanation, "op-123"));
	t_end(&tc, &d);
}
END_TEST

/* SHA-256 answer to an MD5-only challenge: algorithm-not-offered. */
START_TEST(test_algorithm)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_violation(&tc, CHAL_NOQOP,
	    "Authorization: Digest username=\"1111212\", realm=\"sip.vapi.ai\", "
	    "nonce=\"174359995951500\", uri=\"" RURI "\", algorithm=SHA-256, "
	    "response=\"00000000000000000000000000000000\"\n", 401);
	t_run(&tc, &d, 0);
	t_root(&d, "algorithm-not-offered", 3, NULL, NULL);
	ck_assert_str_eq(d.f[0].value, "SHA-256");
	ck_assert_ptr_nonnull(strstr(d.f[0].fix, "MD5"));
	t_end(&tc, &d);
}
END_TEST

/* qop offered but nc missing, nc malformed, or qop sent unoffered. */
START_TEST(test_qop)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_violation(&tc, CHAL,
	    "Authorization: Digest username=\"1111212\", realm=\"sip.vapi.ai\", "
	    "nonce=\"174359995951500\", uri=\"" RURI "\", qop=auth, "
	    "cnonce=\"abc\", response=\"00000000000000000000000000000000\"\n",
	    401);
	t_run(&tc, &d, 0);
	t_root(&d, "qop-incomplete", 3, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(d.f[0].explanation, "lacks nc"));
	t_end(&tc, &d);

	t_violation(&tc, CHAL,
	    "Authorization: Digest username=\"1111212\", realm=\"sip.vapi.ai\", "
	    "nonce=\"174359995951500\", uri=\"" RURI "\", qop=auth, nc=1, "
	    "cnonce=\"abc\", response=\"00000000000000000000000000000000\"\n",
	    401);
	t_run(&tc, &d, 0);
	t_root(&d, "qop-incomplete", 3, NULL, NULL);
	ck_assert_str_eq(d.f[0].value, "1");
	t_end(&tc, &d);

	t_violation(&tc, CHAL_NOQOP,
	    "Authorization: Digest username=\"1111212\", realm=\"sip.vapi.ai\", "
	    "nonce=\"174359995951500\", uri=\"" RURI "\", qop=auth, "
	    "nc=00000001, cnonce=\"abc\", "
	    "response=\"00000000000000000000000000000000\"\n", 401);
	t_run(&tc, &d, 0);
	t_root(&d, "qop-incomplete", 3, NULL, NULL);
	t_end(&tc, &d);
}
END_TEST

/* A 407 answered with Authorization: auth-header-type. */
START_TEST(test_header_type)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_invite(&tc, 0, RURI, "z9hG4bK-1", 101, "ft1", AST, NULL);
	t_resp(&tc, 150, 0, 407, "Proxy Authentication Required", RURI,
	    "z9hG4bK-1", 101, "INVITE", "vt1",
	    "Proxy-Authenticate: Digest realm=\"sip.vapi.ai\", nonce=\"n7\"\n");
	t_ack(&tc, 5, RURI, "z9hG4bK-1", 101, "vt1");
	t_retry(&tc, AST, "Authorization: Digest username=\"1111212\", "
	    "realm=\"sip.vapi.ai\", nonce=\"n7\", uri=\"" RURI "\", "
	    "response=\"00000000000000000000000000000000\"\n", 407,
	    "Proxy Authentication Required");
	t_run(&tc, &d, 0);
	t_root(&d, "auth-header-type", 3, "Proxy-Authorization", NULL);
	ck_assert_str_eq(d.f[0].header, "Authorization");
	t_end(&tc, &d);
}
END_TEST

/* The retry with the challenged CSeq: retry-cseq-not-incremented. */
START_TEST(test_cseq)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, "kamailio (5.6.4 (x86_64/linux))", CHAL);
	t_invite(&tc, 10, RURI, "z9hG4bK-2", 101, "ft1",
	    "kamailio (5.6.4 (x86_64/linux))", t_authz("1111212", "sip.vapi.ai",
	    "pw", "174359995951500"));
	t_resp(&tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-2", 101,
	    "INVITE", "vt2", CHAL);
	t_ack(&tc, 5, RURI, "z9hG4bK-2", 101, "vt2");
	t_run(&tc, &d, 0);
	t_root(&d, "retry-cseq-not-incremented", 3, "track_cseq_updates", NULL);
	ck_assert_str_eq(d.f[0].header, "CSeq");
	ck_assert_str_eq(d.f[0].value, "101 INVITE");
	ck_assert_str_eq(d.pbx, "Kamailio");
	t_end(&tc, &d);
}
END_TEST

/* The retry with a new From tag, or with the 401's To tag. */
START_TEST(test_dialog_changed)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_invite(&tc, 10, RURI, "z9hG4bK-2", 102, "other-tag", AST,
	    t_authz("1111212", "sip.vapi.ai", "pw", "174359995951500"));
	t_resp(&tc, 150, 0, 403, "Forbidden", RURI, "z9hG4bK-2", 102, "INVITE",
	    "vt2", NULL);
	t_run(&tc, &d, 0);
	t_root(&d, "retry-dialog-changed", 3, NULL, NULL);
	ck_assert_str_eq(d.f[0].header, "From");
	ck_assert_str_eq(d.f[0].value, "other-tag");
	ck_assert_int_eq(t_find(&d, "forbidden-after-auth"), -1);
	t_end(&tc, &d);

	/* The 401's To tag copied into the retry. */
	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_msg(&tc, 1, 10, 0, "INVITE " RURI " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PBX_IP ":5060;branch=z9hG4bK-2;rport\n"
	    "From: <sip:+15551230000@" PBX_IP ">;tag=ft1\n"
	    "To: <" RURI ">;tag=vt1\nCall-ID: c1@" PBX_IP "\n"
	    "CSeq: 102 INVITE\nUser-Agent: " AST "\n%s",
	    t_authz("1111212", "sip.vapi.ai", "pw", "174359995951500"));
	t_resp(&tc, 150, 0, 481, "Call/Transaction Does Not Exist", RURI,
	    "z9hG4bK-2", 102, "INVITE", "vt1", NULL);
	t_ack(&tc, 5, RURI, "z9hG4bK-2", 102, "vt1");
	t_run(&tc, &d, 0);
	t_root(&d, "retry-dialog-changed", 3, NULL, NULL);
	ck_assert_str_eq(d.f[0].header, "To");
	t_end(&tc, &d);
}
END_TEST

/* Two 401s to well-formed credentials: credentials-rejected-loop. */
START_TEST(test_rejected_loop)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_invite(&tc, 10, RURI, "z9hG4bK-2", 102, "ft1", AST,
	    t_authz("1111212", "sip.vapi.ai", "pw", "174359995951500"));
	t_resp(&tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-2", 102,
	    "INVITE", "vt2", "WWW-Authenticate: Digest realm=\"sip.vapi.ai\", "
	    "qop=\"auth\", nonce=\"n2\"\n");
	t_ack(&tc, 5, RURI, "z9hG4bK-2", 102, "vt2");
	t_invite(&tc, 10, RURI, "z9hG4bK-3", 103, "ft1", AST,
	    t_authz("1111212", "sip.vapi.ai", "pw", "n2"));
	t_resp(&tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-3", 103,
	    "INVITE", "vt3", "WWW-Authenticate: Digest realm=\"sip.vapi.ai\", "
	    "qop=\"auth\", nonce=\"n3\"\n");
	t_ack(&tc, 5, RURI, "z9hG4bK-3", 103, "vt3");
	t_run(&tc, &d, 0);
	t_root(&d, "credentials-rejected-loop", 4, NULL, NULL);
	ck_assert_int_eq(d.verdict, RULES_AUTH_FAILED);
	ck_assert_int_eq(t_find(&d, "challenge-ignored"), -1);
	t_end(&tc, &d);
}
END_TEST

/* A 403 nothing explains: forbidden-after-auth, ranking the causes. */
START_TEST(test_forbidden_after_auth)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_retry(&tc, AST, t_authz("1111212", "sip.vapi.ai", "s3cret-pw",
	    "174359995951500"), 403, "Forbidden");
	t_run(&tc, &d, 0);
	t_root(&d, "forbidden-after-auth", 4, "1111212", NULL);
	ck_assert_ptr_nonnull(strstr(d.f[0].explanation, "20-40"));
	ck_assert_ptr_nonnull(strstr(d.f[0].explanation, "region"));
	ck_assert_int_eq(d.verdict, RULES_AUTH_FAILED);
	t_end(&tc, &d);
}
END_TEST

/* A BYO trunk host, 401 then 403: byo-source-not-gateway with the source IP. */
START_TEST(test_byo)
{
	struct tcall		tc;
	struct diagnosis	d;
	const char		*ruri = "sip:+15551234567@b476d2db.sip.vapi.ai";

	t_begin(&tc);
	t_invite(&tc, 0, ruri, "z9hG4bK-1", 101, "ft1", AST, NULL);
	t_resp(&tc, 150, 0, 401, "Unauthorized", ruri, "z9hG4bK-1", 101,
	    "INVITE", "vt1", CHAL);
	t_ack(&tc, 5, ruri, "z9hG4bK-1", 101, "vt1");
	t_invite(&tc, 10, ruri, "z9hG4bK-2", 102, "ft1", AST,
	    "Authorization: Digest username=\"0368336693\", realm=\"sip.vapi.ai\","
	    " nonce=\"174359995951500\", uri=\"sip:+15551234567@b476d2db.sip.vapi"
	    ".ai\", response=\"00000000000000000000000000000000\", qop=auth, "
	    "nc=00000001, cnonce=\"x\"\n");
	t_resp(&tc, 150, 0, 403, "Forbidden", ruri, "z9hG4bK-2", 102, "INVITE",
	    "vt2", NULL);
	t_ack(&tc, 5, ruri, "z9hG4bK-2", 102, "vt2");
	t_run(&tc, &d, 0);
	t_root(&d, "byo-source-not-gateway", 4, PBX_IP, "b476d2db");
	ck_assert_str_eq(d.f[0].value, PBX_IP);
	ck_assert_int_eq(t_find(&d, "forbidden-after-auth"), -1);
	ck_assert_int_eq(t_find(&d, "wrong-username"), -1);
	t_end(&tc, &d);
}
END_TEST

/* 404 to an INVITE into Vapi: number-not-found, verdict failed. */
START_TEST(test_not_found)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_retry(&tc, AST, t_authz("1111212", "sip.vapi.ai", "pw",
	    "174359995951500"), 404, "Not Found");
	t_run(&tc, &d, 0);
	t_root(&d, "number-not-found", 4, NULL, NULL);
	ck_assert_str_eq(d.f[0].value, RURI);
	ck_assert_ptr_nonnull(strstr(d.f[0].explanation, "+1111212"));
	ck_assert_int_eq(d.verdict, RULES_FAILED);
	t_end(&tc, &d);
}
END_TEST

/* An INVITE retransmitted with no response: no-response after Timer B. */
START_TEST(test_no_response)
{
	struct tcall		tc;
	struct diagnosis	d;
	int			k;

	t_begin(&tc);
	t_invite(&tc, 0, RURI, "z9hG4bK-1", 101, "ft1", AST, NULL);
	for (k = 0; k < 3; k++)
		t_dup(&tc, 0, 500 << k);
	t_run(&tc, &d, tc.c->msgs[0].ts + 10 * SEC);
	ck_assert_int_eq(d.verdict, RULES_IN_PROGRESS);
	ck_assert_int_eq(t_errors(&d), 0);
	rules_diagnosis_free(&d);
	t_run(&tc, &d, tc.c->msgs[0].ts + 33 * SEC);
	t_root(&d, "no-response", 0, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(d.f[0].value, "4 times"));
	ck_assert_int_eq(d.verdict, RULES_FAILED);
	t_end(&tc, &d);
}
END_TEST

/* The large authenticated retry goes unanswered: udp-oversize first. */
START_TEST(test_udp_oversize)
{
	struct tcall		tc;
	struct diagnosis	d;
	char			big[1600];
	int			i;

	memset(big, 0, sizeof big);
	strcpy(big, t_authz("1111212", "sip.vapi.ai", "pw", "174359995951500"));
	for (i = 0; i < 12; i++)
		strcat(big, "X-Padding: 0123456789012345678901234567890123456789"
		    "012345678901234567890123456789\n");
	t_begin(&tc);
	t_challenged(&tc, AST, CHAL);
	t_invite(&tc, 10, RURI, "z9hG4bK-2", 102, "ft1", AST, big);
	ck_assert_uint_gt(tc.c->msgs[3].len, 1300);
	t_dup(&tc, 3, 500);
	t_run(&tc, &d, 0);
	t_root(&d, "udp-oversize", 3, "TCP", NULL);
	ck_assert_ptr_nonnull(strstr(d.f[0].value, "bytes"));
	ck_assert_int_eq(d.verdict, RULES_FAILED);
	rules_diagnosis_free(&d);

	/* Answered, it is only a warning. */
	t_resp(&tc, 100, 0, 200, "OK", RURI, "z9hG4bK-2", 102, "INVITE", "vt2",
	    NULL);
	t_run(&tc, &d, 0);
	i = t_find(&d, "udp-oversize");
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(d.f[i].severity, RULES_WARNING);
	ck_assert_int_eq(d.verdict, RULES_OK);
	t_end(&tc, &d);
}
END_TEST

/* A private Contact on an INVITE crossing a public address. */
START_TEST(test_nat)
{
	struct tcall		tc;
	struct diagnosis	d;
	int			i;

	t_begin(&tc);
	t_msg(&tc, 1, 0, 0, "INVITE " RURI " SIP/2.0\n"
	    "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK-1\n"
	    "From: <sip:100@192.168.1.10>;tag=ft1\nTo: <" RURI ">\n"
	    "Call-ID: c1@x\nCSeq: 101 INVITE\n"
	    "Contact: <sip:100@192.168.1.10:5060>\nUser-Agent: FreeSWITCH\n"
	    "Content-Type: application/sdp\n\n"
	    "v=0\no=- 1 1 IN IP4 192.168.1.10\ns=-\nc=IN IP4 192.168.1.10\n"
	    "t=0 0\nm=audio 4000 RTP/AVP 0\n");
	t_resp(&tc, 100, 0, 200, "OK", RURI, "z9hG4bK-1", 101, "INVITE", "vt1",
	    NULL);
	t_run(&tc, &d, 0);
	i = t_find(&d, "nat-private-address");
	if (i < 0)
		t_dump(&d);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(d.f[i].msg, 0);
	ck_assert_str_eq(d.f[i].header, "Via");
	ck_assert_str_eq(d.f[i].value, "192.168.1.10");
	ck_assert_ptr_nonnull(strstr(d.f[i].fix, "ext-sip-ip"));
	ck_assert_int_eq(d.verdict, RULES_OK);
	t_end(&tc, &d);
}
END_TEST

/* A message over 64 KiB (fields past 16-bit offsets) is read in full. */
START_TEST(test_nat_large)
{
	struct tcall		tc;
	struct diagnosis	d;
	struct msg		*m;
	const char		*cl;
	char			*raw;
	size_t			 head, pad = 70000;
	int			 i;

	t_begin(&tc);
	t_msg(&tc, 1, 0, 0, "INVITE " RURI " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " PBX_IP ":5060;rport;branch=z9hG4bK-1\n"
	    "From: <sip:100@" PBX_IP ">;tag=ft1\nTo: <" RURI ">\n"
	    "Call-ID: c1@x\nCSeq: 101 INVITE\n"
	    "Contact: <sip:100@" PBX_IP ":5060>\n"
	    "Content-Type: application/sdp\n\n"
	    "v=0\no=- 1 1 IN IP4 " PBX_IP "\ns=-\nc=IN IP4 10.0.0.5\n"
	    "t=0 0\nm=audio 4000 RTP/AVP 0\n");
	/* A long header before Content-Length puts the body past 65535. */
	m = &tc.c->msgs[0];
	cl = strstr(m->raw, "\r\nContent-Length:");
	ck_assert_ptr_nonnull(cl);
	head = (size_t)(cl - m->raw);
	raw = malloc(m->len + pad + 16);
	ck_assert_ptr_nonnull(raw);
	memcpy(raw, m->raw, head);
	memcpy(raw + head, "\r\nX-Pad: ", 9);
	memset(raw + head + 9, 'a', pad);
	memcpy(raw + head + 9 + pad, cl, m->len - head + 1);
	free(m->raw);
	m->raw = raw;
	m->len += (uint32_t)(pad + 9);
	t_resp(&tc, 100, 0, 200, "OK", RURI, "z9hG4bK-1", 101, "INVITE", "vt1",
	    NULL);
	t_run(&tc, &d, 0);
	i = t_find(&d, "nat-private-address");
	if (i < 0)
		t_dump(&d);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(d.f[i].msg, 0);
	ck_assert_str_eq(d.f[i].header, "SDP c=");
	ck_assert_str_eq(d.f[i].value, "10.0.0.5");
	t_end(&tc, &d);
}
END_TEST

/* Vapi calls the PBX, which challenges; Vapi never answers. */
START_TEST(test_vapi_to_pbx)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_msg(&tc, 0, 0, 0, "INVITE sip:0368336693@" PBX_IP " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " VAPI_IP ":5060;branch=z9hG4bK-v1\n"
	    "From: <sip:+15550001111@sip.vapi.ai>;tag=vf1\n"
	    "To: <sip:0368336693@" PBX_IP ">\nCall-ID: v1@vapi\n"
	    "CSeq: 1 INVITE\nContact: <sip:vapi@" VAPI_IP ">\n");
	t_msg(&tc, 1, 20, 0, "SIP/2.0 401 Unauthorized\n"
	    "Via: SIP/2.0/UDP " VAPI_IP ":5060;branch=z9hG4bK-v1\n"
	    "From: <sip:+15550001111@sip.vapi.ai>;tag=vf1\n"
	    "To: <sip:0368336693@" PBX_IP ">;tag=p1\nCall-ID: v1@vapi\n"
	    "CSeq: 1 INVITE\nServer: Asterisk PBX 22.0.0\n"
	    "WWW-Authenticate: Digest realm=\"asterisk\", nonce=\"a1\"\n");
	t_msg(&tc, 0, 20, 0, "ACK sip:0368336693@" PBX_IP " SIP/2.0\n"
	    "Via: SIP/2.0/UDP " VAPI_IP ":5060;branch=z9hG4bK-v1\n"
	    "From: <sip:+15550001111@sip.vapi.ai>;tag=vf1\n"
	    "To: <sip:0368336693@" PBX_IP ">;tag=p1\nCall-ID: v1@vapi\n"
	    "CSeq: 1 ACK\n");
	t_run(&tc, &d, 0);
	t_root(&d, "vapi-to-pbx-challenge", 1, "identify", VAPI_IP);
	ck_assert_int_eq(t_find(&d, "challenge-ignored"), -1);
	ck_assert_int_eq(d.verdict, RULES_AUTH_FAILED);
	ck_assert_str_eq(d.pbx, "Asterisk");
	t_end(&tc, &d);
}
END_TEST

/* A CUBE sending to Vapi's IP address: ruri-ip-literal first, CUBE's words. */
START_TEST(test_ruri_ip)
{
	struct tcall		tc;
	struct diagnosis	d;
	const char		*ruri = "sip:1111212@" VAPI_IP ":5060";

	t_begin(&tc);
	t_invite(&tc, 0, ruri, "z9hG4bK-1", 101, "ft1", CUBE, NULL);
	t_resp(&tc, 150, 0, 401, "Unauthorized", ruri, "z9hG4bK-1", 101,
	    "INVITE", "vt1", CHAL);
	t_ack(&tc, 5, ruri, "z9hG4bK-1", 101, "vt1");
	t_invite(&tc, 10, ruri, "z9hG4bK-2", 102, "ft1", CUBE,
	    "Authorization: Digest username=\"1111212\", realm=\"sip.vapi.ai\", "
	    "nonce=\"174359995951500\", uri=\"sip:1111212@" VAPI_IP ":5060\", "
	    "response=\"00000000000000000000000000000000\", qop=auth, "
	    "nc=00000001, cnonce=\"x\"\n");
	t_resp(&tc, 150, 0, 403, "Forbidden", ruri, "z9hG4bK-2", 102, "INVITE",
	    "vt2", NULL);
	t_ack(&tc, 5, ruri, "z9hG4bK-2", 102, "vt2");
	t_run(&tc, &d, 0);
	t_root(&d, "ruri-ip-literal", 0, "session target dns:sip.vapi.ai",
	    NULL);
	ck_assert_str_eq(d.f[0].header, "Request-URI");
	ck_assert_int_eq(t_find(&d, "forbidden-after-auth"), -1);
	t_end(&tc, &d);
}
END_TEST

/* The ACK of the 401 with another branch: ack-mismatch. */
START_TEST(test_ack_mismatch)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_invite(&tc, 0, RURI, "z9hG4bK-1", 101, "ft1", AST, NULL);
	t_resp(&tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-1", 101,
	    "INVITE", "vt1", CHAL);
	t_ack(&tc, 5, RURI, "z9hG4bK-other", 101, "vt1");
	t_resp(&tc, 500, 1, 401, "Unauthorized", RURI, "z9hG4bK-1", 101,
	    "INVITE", "vt1", CHAL);
	t_retry(&tc, AST, t_authz("1111212", "sip.vapi.ai", "pw",
	    "174359995951500"), 200, "OK");
	t_run(&tc, &d, 0);
	/* Answered all the same: an authentication-flow warning, ok. */
	ck_assert_ptr_null(t_first_error(&d));
	ck_assert_int_eq(t_find(&d, "ack-mismatch"), 0);
	ck_assert_int_eq(d.f[0].severity, RULES_WARNING);
	ck_assert_int_eq(d.f[0].msg, 2);
	ck_assert_str_eq(d.f[0].header, "Via");
	ck_assert_int_eq(d.verdict, RULES_OK);
	call_free(tc.c);
	rules_diagnosis_free(&d);

	/* Not answered: an error, and the call's authentication failed. */
	tc.c = calloc(1, sizeof *tc.c);
	tc.t = T0;
	t_invite(&tc, 0, RURI, "z9hG4bK-1", 101, "ft1", AST, NULL);
	t_resp(&tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-1", 101,
	    "INVITE", "vt1", CHAL);
	t_ack(&tc, 5, RURI, "z9hG4bK-other", 101, "vt1");
	t_resp(&tc, 500, 1, 401, "Unauthorized", RURI, "z9hG4bK-1", 101,
	    "INVITE", "vt1", CHAL);
	t_retry(&tc, AST, t_authz("1111212", "sip.vapi.ai", "pw",
	    "174359995951500"), 403, "Forbidden");
	t_run(&tc, &d, 0);
	ck_assert_int_ge(t_find(&d, "ack-mismatch"), 0);
	ck_assert_int_eq(d.f[t_find(&d, "ack-mismatch")].severity, RULES_ERROR);
	ck_assert_int_eq(d.verdict, RULES_AUTH_FAILED);
	call_free(tc.c);
	rules_diagnosis_free(&d);

	/* No ACK at all while the 401 is retransmitted. */
	tc.c = calloc(1, sizeof *tc.c);
	tc.t = T0;
	t_invite(&tc, 0, RURI, "z9hG4bK-1", 101, "ft1", AST, NULL);
	t_resp(&tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-1", 101,
	    "INVITE", "vt1", CHAL);
	t_resp(&tc, 500, 1, 401, "Unauthorized", RURI, "z9hG4bK-1", 101,
	    "INVITE", "vt1", CHAL);
	t_retry(&tc, AST, t_authz("1111212", "sip.vapi.ai", "pw",
	    "174359995951500"), 200, "OK");
	t_run(&tc, &d, 0);
	ck_assert_int_eq(t_find(&d, "ack-mismatch"), 0);
	ck_assert_int_eq(d.f[0].msg, 1);
	ck_assert_ptr_nonnull(strstr(d.f[0].value, "no ACK"));
	t_end(&tc, &d);
}
END_TEST

/* Credentials on a Call-ID never challenged: likely a new Call-ID retry. */
START_TEST(test_new_call_id)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_invite(&tc, 0, RURI, "z9hG4bK-9", 102, "ft9", AST,
	    t_authz("1111212", "sip.vapi.ai", "pw", "174359995951500"));
	t_resp(&tc, 150, 0, 401, "Unauthorized", RURI, "z9hG4bK-9", 102,
	    "INVITE", "vt9", CHAL);
	t_ack(&tc, 5, RURI, "z9hG4bK-9", 102, "vt9");
	t_run(&tc, &d, 0);
	t_root(&d, "retry-dialog-changed", 0, NULL, NULL);
	ck_assert_str_eq(d.f[0].header, "Call-ID");
	t_end(&tc, &d);
}
END_TEST

/* Give every message of a call to the history, as the tracker's observer. */
static void
t_observe(struct rules_history *h, const struct call *c)
{
	unsigned char	rec[TRACKER_RECORD_MAX];
	struct sip_msg	sm;
	int		i;

	for (i = 0; i < c->n_msgs; i++) {
		ck_assert_int_eq(sipscan_parse(c->msgs[i].raw, c->msgs[i].len,
		    &sm), 0);
		ck_assert_uint_gt(rules_observe(h, &sm, c, rec, sizeof rec),
		    0);
	}
}

/* Put another Call-ID ("c2@" for "c1@") into every message of a call. */
static void
t_call_id2(struct call *c)
{
	char	*p;
	int	 i;

	for (i = 0; i < c->n_msgs; i++)
		if ((p = strstr(c->msgs[i].raw, "Call-ID: c1@")) != NULL)
			p[10] = '2';
}

/*
 * A retry sent with a new Call-ID: with the history, the challenged call
 * gets retry-dialog-changed naming the retry's Call-ID (not
 * challenge-ignored), and the retry's call the finding naming the
 * challenged call's; without it, the usual findings.
 */
START_TEST(test_history_new_call_id)
{
	struct tcall		 a, b, x;
	struct diagnosis	 d;
	struct rules_history	*h;
	int			 i;

	t_begin(&a);
	t_challenged(&a, AST, CHAL);
	t_begin(&b);
	b.t = a.t;
	t_invite(&b, 10, RURI, "z9hG4bK-2", 102, "ft2", AST,
	    t_authz("1111212", "sip.vapi.ai", "pw", "174359995951500"));
	t_resp(&b, 150, 0, 200, "OK", RURI, "z9hG4bK-2", 102, "INVITE", "vt2",
	    NULL);
	t_call_id2(b.c);
	ck_assert_ptr_nonnull(h = rules_history_new());
	t_observe(h, a.c);
	t_observe(h, b.c);

	ck_assert_int_eq(rules_run_hist(&a.cfg, h, a.c, a.t + 40 * SEC, &d), 0);
	t_root(&d, "retry-dialog-changed", 1, "Call-ID", NULL);
	ck_assert_str_eq(d.f[0].header, "Call-ID");
	ck_assert_str_eq(d.f[0].value, "c2@" PBX_IP);
	ck_assert_int_eq(t_find(&d, "challenge-ignored"), -1);
	ck_assert_int_eq(d.verdict, RULES_AUTH_FAILED);
	rules_diagnosis_free(&d);

	ck_assert_int_eq(rules_run_hist(&b.cfg, h, b.c, b.t + 40 * SEC, &d), 0);
	i = t_find(&d, "retry-dialog-changed");
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(d.f[i].severity, RULES_WARNING);
	ck_assert_int_eq(d.f[i].msg, 0);
	ck_assert_str_eq(d.f[i].value, "c1@" PBX_IP);
	ck_assert_int_eq(d.verdict, RULES_OK);
	rules_diagnosis_free(&d);

	/* Without the history: challenge-ignored, as before. */
	t_run(&a, &d, 0);
	t_root(&d, "challenge-ignored", 1, NULL, NULL);
	rules_diagnosis_free(&d);

	/* A call that opens normally (challenged first) is no retry. */
	rules_history_free(h);
	ck_assert_ptr_nonnull(h = rules_history_new());
	t_begin(&x);
	x.t = a.t;
	t_challenged(&x, AST, CHAL);
	t_retry(&x, AST, t_authz("1111212", "sip.vapi.ai", "pw",
	    "174359995951500"), 200, "OK");
	t_call_id2(x.c);
	t_observe(h, a.c);
	t_observe(h, x.c);
	ck_assert_int_eq(rules_run_hist(&a.cfg, h, a.c, a.t + 40 * SEC, &d), 0);
	t_root(&d, "challenge-ignored", 1, NULL, NULL);
	ck_assert_int_eq(t_find(&d, "retry-dialog-changed"), -1);
	rules_diagnosis_free(&d);

	/* Nor is a retry more than Timer B after the challenge. */
	rules_history_free(h);
	ck_assert_ptr_nonnull(h = rules_history_new());
	t_observe(h, a.c);
	ck_assert_int_eq(rules_run_hist(&a.cfg, h, x.c, a.t + 10 * SEC, &d),
	    0);	/* the history's clock moves on */
	rules_diagnosis_free(&d);
	ck_assert_int_eq(rules_run_hist(&a.cfg, h, x.c, a.t + 60 * SEC, &d),
	    0);
	rules_diagnosis_free(&d);
	t_observe(h, b.c);
	ck_assert_int_eq(rules_run_hist(&a.cfg, h, a.c, a.t + 90 * SEC, &d), 0);
	t_root(&d, "challenge-ignored", 1, NULL, NULL);
	rules_diagnosis_free(&d);
	rules_history_free(h);
	t_end(&x, &d);
	call_free(b.c);
	config_free(&b.cfg);
	call_free(a.c);
	config_free(&a.cfg);
}
END_TEST

/*
 * ICMP port unreachable answers the INVITE: no-response at once (no
 * in-progress until Timer B), naming the error and its sender.
 */
START_TEST(test_icmp_no_response)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	t_invite(&tc, 0, RURI, "z9hG4bK-1", 101, "ft1", AST, NULL);
	t_run(&tc, &d, tc.t + 2 * SEC);
	ck_assert_int_eq(d.verdict, RULES_IN_PROGRESS);
	ck_assert_int_eq(t_find(&d, "no-response"), -1);
	rules_diagnosis_free(&d);

	tc.c->icmp_count = 2;
	tc.c->icmp_ts = tc.t + 1000;
	tc.c->icmp_from = t_addr(VAPI_IP, 0);
	tc.c->icmp_type = 3;
	tc.c->icmp_code = 13;
	t_run(&tc, &d, tc.t + 2 * SEC);
	t_root(&d, "no-response", 0, NULL, NULL);
	ck_assert_str_eq(d.f[0].header, "ICMP");
	ck_assert_str_eq(d.f[0].value, "ICMP communication administratively "
	    "prohibited from " VAPI_IP);
	ck_assert_ptr_nonnull(strstr(d.f[0].explanation, "type 3, code 13"));
	ck_assert_int_eq(d.verdict, RULES_FAILED);
	rules_diagnosis_free(&d);

	tc.c->icmp_v6 = 1;
	tc.c->icmp_type = 1;
	tc.c->icmp_code = 4;
	t_run(&tc, &d, tc.t + 2 * SEC);
	ck_assert_ptr_nonnull(strstr(d.f[0].value, "ICMPv6 port unreachable"));
	t_end(&tc, &d);
}
END_TEST

/* Malformed, empty and released messages never crash the rules. */
START_TEST(test_malformed)
{
	static const char *const junk[] = {
		"", "INVITE", "SIP/2.0 401\r\n\r\n",
		"INVITE sip:x SIP/2.0\r\nWWW-Authenticate: Digest realm=\"\r\n",
		"SIP/2.0 401 Unauthorized\r\nCSeq: 1 INVITE\r\n"
		    "WWW-Authenticate: Digest ,,,,\r\n\r\n",
		"ACK sip:a SIP/2.0\r\nVia: SIP/2.0/UDP ;branch=\r\n"
		    "CSeq: 99999999999999 ACK\r\n\r\n",
		"INVITE sip:@ SIP/2.0\r\nAuthorization: Digest username=\r\n"
		    "CSeq: 1 INVITE\r\n\r\n",
	};
	struct tcall		tc;
	struct diagnosis	d;
	size_t			i;

	t_begin(&tc);
	t_run(&tc, &d, 0);
	ck_assert_int_eq(d.n, 0);
	ck_assert_int_eq(d.verdict, RULES_OK);
	rules_diagnosis_free(&d);
	for (i = 0; i < sizeof junk / sizeof *junk; i++) {
		struct msg *m;

		tc.c->msgs = realloc(tc.c->msgs, (tc.c->n_msgs + 1) *
		    sizeof *tc.c->msgs);
		m = &tc.c->msgs[tc.c->n_msgs++];
		memset(m, 0, sizeof *m);
		m->raw = strdup(junk[i]);
		m->len = (uint32_t)strlen(junk[i]);
		m->txn = -1;
		m->ts = T0 + (int64_t)i;
		m->is_request = junk[i][0] != 'S';
		t_run(&tc, &d, 0);
		rules_diagnosis_free(&d);
	}
	/* Released bytes (raw NULL) are skipped. */
	free(tc.c->msgs[0].raw);
	tc.c->msgs[0].raw = NULL;
	t_challenged(&tc, AST, CHAL);
	free(tc.c->msgs[tc.c->n_msgs - 2].raw);
	tc.c->msgs[tc.c->n_msgs - 2].raw = NULL;
	t_run(&tc, &d, 0);
	t_end(&tc, &d);
}
END_TEST

/* The table: ids unique and findable, every rule documented. */
START_TEST(test_table)
{
	const struct rule_info	*r;
	char			*buf = NULL;
	size_t			 len = 0;
	FILE			*fp;
	int			 i, j;

	ck_assert_int_eq(rules_count(), 24);
	for (i = 0; i < rules_count(); i++) {
		r = rules_get(i);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(rules_find(r->id), i);
		ck_assert_uint_gt(strlen(r->title), 10);
		ck_assert_uint_gt(strlen(r->explanation), 60);
		ck_assert_uint_gt(strlen(r->fix), 30);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(rules_get(j)->id, r->id);
	}
	ck_assert_ptr_null(rules_get(-1));
	ck_assert_ptr_null(rules_get(24));
	ck_assert_int_eq(rules_find("no-such-rule"), -1);
	ck_assert_int_eq(rules_get(rules_find("digest-uri-mismatch"))->severity,
	    RULES_WARNING);
	ck_assert_int_eq(rules_get(rules_find("stale-nonce"))->severity,
	    RULES_INFO);

	fp = open_memstream(&buf, &len);
	rules_list(fp);
	ck_assert_int_eq(rules_explain(fp, "challenge-ignored"), 0);
	ck_assert_int_eq(rules_explain(fp, "nope"), -1);
	fclose(fp);
	for (i = 0; i < rules_count(); i++)
		ck_assert_ptr_nonnull(strstr(buf, rules_get(i)->id));
	ck_assert_ptr_nonnull(strstr(buf, "Cisco CUBE:"));
	free(buf);

	ck_assert_str_eq(rules_verdict_name(RULES_AUTH_FAILED), "auth-failed");
	ck_assert_str_eq(rules_verdict_name(RULES_IN_PROGRESS), "in-progress");
	ck_assert_str_eq(rules_severity_name(RULES_WARNING), "warning");
	ck_assert_int_eq(rules_pbx_detect(t_sv("Cisco-SIPGateway/IOS-17")),
	    RULES_PBX_CUBE);
	ck_assert_int_eq(rules_pbx_detect(t_sv("3CXPhoneSystem 18")),
	    RULES_PBX_3CX);
	ck_assert_int_eq(rules_pbx_detect(t_sv("OpenSIPS (3.4)")),
	    RULES_PBX_OPENSIPS);
	ck_assert_int_eq(rules_pbx_detect(t_sv("Linphone")), RULES_PBX_GENERIC);
	ck_assert_int_eq(rules_pbx_detect(SV_STR_NULL), RULES_PBX_GENERIC);
}
END_TEST

/* Disabling the root-cause rule lets the next explanation come forward. */
START_TEST(test_disabled_rule)
{
	struct tcall		tc;
	struct diagnosis	d;

	t_begin(&tc);
	ck_assert_int_eq(config_set_rule(&tc.cfg, "wrong-username", 0), 0);
	ck_assert_int_eq(config_set_rule(&tc.cfg, "no-such", 0), -1);
	t_challenged(&tc, AST, CHAL);
	t_retry(&tc, AST, t_authz("0368336693", "sip.vapi.ai", "s3cret-pw",
	    "174359995951500"), 403, "Forbidden");
	t_run(&tc, &d, 0);
	ck_assert_int_eq(t_find(&d, "wrong-username"), -1);
	t_root(&d, "forbidden-after-auth", 4, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(d.f[0].explanation, "0368336693"));
	t_end(&tc, &d);
}
END_TEST

/* Defaults: Vapi hosts (exact and wildcard) and addresses. */
START_TEST(test_config_defaults)
{
	struct config	cfg;
	struct sv_addr	a;
	int		i;

	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	ck_assert_int_eq(config_is_vapi_host(&cfg, t_sv("sip.vapi.ai")),
	    CONFIG_HOST_EXACT);
	ck_assert_int_eq(config_is_vapi_host(&cfg, t_sv("SIP.EU.Vapi.AI.")),
	    CONFIG_HOST_EXACT);
	ck_assert_int_eq(config_is_vapi_host(&cfg, t_sv("abc.sip.vapi.ai")),
	    CONFIG_HOST_WILDCARD);
	ck_assert_int_eq(config_is_vapi_host(&cfg, t_sv("a.b.sip.vapi.ai")),
	    CONFIG_HOST_WILDCARD);
	ck_assert_int_eq(config_is_vapi_host(&cfg, t_sv("xsip.vapi.ai")),
	    CONFIG_HOST_NONE);
	ck_assert_int_eq(config_is_vapi_host(&cfg, t_sv("sip.vapi.ai.evil")),
	    CONFIG_HOST_NONE);
	ck_assert_int_eq(config_is_vapi_host(&cfg, t_sv("vapi.ai")),
	    CONFIG_HOST_NONE);
	ck_assert_int_eq(config_is_vapi_host(&cfg, SV_STR_NULL),
	    CONFIG_HOST_NONE);
	a = t_addr("44.229.228.186", 5060);
	ck_assert_int_eq(config_is_vapi_addr(&cfg, &a), 1);
	a = t_addr("63.182.83.170", 0);
	ck_assert_int_eq(config_is_vapi_addr(&cfg, &a), 1);
	a = t_addr("44.229.228.187", 5060);
	ck_assert_int_eq(config_is_vapi_addr(&cfg, &a), 0);
	ck_assert_uint_eq(cfg.udp_max, 1300);
	for (i = 0; i < rules_count(); i++) {
		ck_assert_int_eq(cfg.rule_enabled[i], 1);
		ck_assert_int_eq(cfg.rule_severity[i], -1);
	}
	config_free(&cfg);
}
END_TEST

/* CIDR blocks, IPv4 and IPv6, and bad specifications. */
START_TEST(test_config_cidr)
{
	struct config		cfg;
	struct config_net	n;
	struct sv_addr		a;

	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	ck_assert_int_eq(config_add_vapi_address(&cfg, "10.1.0.0/16"), 0);
	ck_assert_int_eq(config_add_vapi_address(&cfg, "2001:db8::/32"), 0);
	ck_assert_int_eq(config_add_vapi_address(&cfg, "172.16.0.0/13"), 0);
	a = t_addr("10.1.2.3", 5060);
	ck_assert_int_eq(config_is_vapi_addr(&cfg, &a), 1);
	a = t_addr("10.2.0.1", 5060);
	ck_assert_int_eq(config_is_vapi_addr(&cfg, &a), 0);
	a = t_addr("2001:db8:1::5", 5060);
	ck_assert_int_eq(config_is_vapi_addr(&cfg, &a), 1);
	a = t_addr("2001:db9::5", 5060);
	ck_assert_int_eq(config_is_vapi_addr(&cfg, &a), 0);
	a = t_addr("172.23.255.255", 0);
	ck_assert_int_eq(config_is_vapi_addr(&cfg, &a), 1);
	a = t_addr("172.24.0.0", 0);
	ck_assert_int_eq(config_is_vapi_addr(&cfg, &a), 0);
	ck_assert_int_eq(config_add_vapi_address(&cfg, "10.0.0.0/33"), -1);
	ck_assert_int_eq(config_add_vapi_address(&cfg, "10.0.0/8"), -1);
	ck_assert_int_eq(config_add_vapi_address(&cfg, "10.0.0.0/"), -1);
	ck_assert_int_eq(config_add_vapi_address(&cfg, "host.example"), -1);
	ck_assert_int_eq(config_parse_net("0.0.0.0/0", &n), 0);
	a = t_addr("198.51.100.1", 0);
	ck_assert_int_eq(config_net_contains(&n, &a), 1);
	ck_assert_int_eq(config_parse_net("[::1]", &n), 0);
	ck_assert_int_eq(n.af, 6);
	ck_assert_int_eq(n.prefix, 128);
	config_clear_vapi_addresses(&cfg);
	a = t_addr("44.229.228.186", 5060);
	ck_assert_int_eq(config_is_vapi_addr(&cfg, &a), 0);
	config_free(&cfg);
}
END_TEST

/* Write a file with given contents and mode. */
static void
t_write(const char *path, const char *text, mode_t mode)
{
	FILE	*fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* The configuration file: keywords, comments, errors with line numbers. */
START_TEST(test_config_file)
{
	struct config	cfg;
	char		dir[] = "/tmp/test_rules.XXXXXX", path[256], cred[256];
	char		err[512];
	struct sv_addr	a;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sipvet.conf", dir);
	snprintf(cred, sizeof cred, "%s/creds", dir);
	t_write(cred, "# user:password or user:realm:password\n"
	    "1111212:sip.vapi.ai:pa:ss\n2222:only-pw\n", 0600);
	t_write(path, "# lab\n\nvapi-host sip.lab.example   # stand-in\n"
	    "vapi-host *.trunk.lab\nvapi-address 10.1.2.3/32\n"
	    "rule wrong-username off\nseverity digest-uri-mismatch error\n"
	    "credentials creds\nudp-max 1400\n", 0644);
	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	ck_assert_int_eq(config_load_file(&cfg, path, err, sizeof err), 0);
	ck_assert_int_eq(config_is_vapi_host(&cfg, t_sv("sip.lab.example")),
	    CONFIG_HOST_EXACT);
	ck_assert_int_eq(config_is_vapi_host(&cfg, t_sv("x.trunk.lab")),
	    CONFIG_HOST_WILDCARD);
	a = t_addr("10.1.2.3", 5060);
	ck_assert_int_eq(config_is_vapi_addr(&cfg, &a), 1);
	ck_assert_int_eq(cfg.rule_enabled[rules_find("wrong-username")], 0);
	ck_assert_int_eq(cfg.rule_severity[rules_find("digest-uri-mismatch")],
	    RULES_ERROR);
	ck_assert_uint_eq(cfg.udp_max, 1400);
	ck_assert_str_eq(config_password_for(&cfg, t_sv("1111212"),
	    t_sv("sip.vapi.ai")), "pa:ss");
	ck_assert_ptr_null(config_password_for(&cfg, t_sv("1111212"),
	    t_sv("other")));
	ck_assert_str_eq(config_password_for(&cfg, t_sv("2222"),
	    t_sv("any.realm")), "only-pw");
	ck_assert_ptr_null(config_password_for(&cfg, t_sv("3333"),
	    t_sv("sip.vapi.ai")));
	config_free(&cfg);

	/* Unknown keyword: an error naming the file and line. */
	t_write(path, "vapi-host a.example\n# c\nfrobnicate yes\n", 0644);
	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	ck_assert_int_eq(config_load_file(&cfg, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "sipvet.conf:3:"));
	ck_assert_ptr_nonnull(strstr(err, "frobnicate"));
	config_free(&cfg);

	/* Unknown rule, bad severity, bad address, wrong arity. */
	t_write(path, "rule no-such-rule off\n", 0644);
	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	ck_assert_int_eq(config_load_file(&cfg, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, ":1: unknown rule"));
	config_free(&cfg);
	t_write(path, "\nseverity stale-nonce fatal\n", 0644);
	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	ck_assert_int_eq(config_load_file(&cfg, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, ":2: unknown severity"));
	config_free(&cfg);
	t_write(path, "vapi-address 10.0.0.300\n", 0644);
	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	ck_assert_int_eq(config_load_file(&cfg, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, ":1: bad address"));
	config_free(&cfg);
	t_write(path, "vapi-host\n", 0644);
	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	ck_assert_int_eq(config_load_file(&cfg, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, ":1: wrong number"));
	config_free(&cfg);
	/* clear, then replace the hosts. */
	t_write(path, "clear vapi-hosts\nvapi-host only.example\nrule all off\n",
	    0644);
	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	ck_assert_int_eq(config_load_file(&cfg, path, err, sizeof err), 0);
	ck_assert_int_eq(config_is_vapi_host(&cfg, t_sv("sip.vapi.ai")),
	    CONFIG_HOST_NONE);
	ck_assert_int_eq(cfg.rule_enabled[0], 0);
	config_free(&cfg);
	/* A missing file. */
	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	ck_assert_int_eq(config_load_file(&cfg, "/nonexistent/x.conf", err,
	    sizeof err), -1);
	config_free(&cfg);

	unlink(path);
	unlink(cred);
	rmdir(dir);
}
END_TEST

/* A credentials file readable by others is refused with "chmod 600". */
START_TEST(test_config_credentials_mode)
{
	struct config	cfg;
	char		dir[] = "/tmp/test_rules.XXXXXX", cred[256], err[512];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cred, sizeof cred, "%s/creds", dir);
	t_write(cred, "1111212:Secret-Password-1\n", 0644);
	ck_assert_int_eq(config_init_defaults(&cfg), 0);
	ck_assert_int_eq(config_load_credentials(&cfg, cred, err, sizeof err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_ptr_null(strstr(err, "Secret"));
	ck_assert_int_eq(cfg.n_creds, 0);
	chmod(cred, 0640);
	ck_assert_int_eq(config_load_credentials(&cfg, cred, err, sizeof err),
	    -1);
	chmod(cred, 0600);
	ck_assert_int_eq(config_load_credentials(&cfg, cred, err, sizeof err),
	    0);
	ck_assert_int_eq(cfg.n_creds, 1);
	/* A malformed line: its number, never its contents. */
	t_write(cred, "ok:pw\nno-colon-Secret\n", 0600);
	ck_assert_int_eq(config_load_credentials(&cfg, cred, err, sizeof err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, ":2:"));
	ck_assert_ptr_null(strstr(err, "Secret"));
	config_free(&cfg);
	unlink(cred);
	rmdir(dir);
}
END_TEST

/* Build the suite. */
static Suite *
test_rules_suite(void)
{
	Suite	*s = suite_create("rules");
	TCase	*tc = tcase_create("rules");
	TCase	*tcc = tcase_create("config");

	tcase_add_test(tc, test_healthy);
	tcase_add_test(tc, test_retransmissions);
	tcase_add_test(tc, test_stale_recovery);
	tcase_add_test(tc, test_stale_loop);
	tcase_add_test(tc, test_challenge_ignored);
	tcase_add_test(tc, test_in_progress);
	tcase_add_test(tc, test_wrong_username);
	tcase_add_test(tc, test_wrong_username_cube);
	tcase_add_test(tc, test_forbidden_password);
	tcase_add_test(tc, test_wrong_password);
	tcase_add_test(tc, test_realm_mismatch);
	tcase_add_test(tc, test_nonce_mismatch);
	tcase_add_test(tc, test_digest_uri);
	tcase_add_test(tc, test_opaque);
	tcase_add_test(tc, test_algorithm);
	tcase_add_test(tc, test_qop);
	tcase_add_test(tc, test_header_type);
	tcase_add_test(tc, test_cseq);
	tcase_add_test(tc, test_dialog_changed);
	tcase_add_test(tc, test_rejected_loop);
	tcase_add_test(tc, test_forbidden_after_auth);
	tcase_add_test(tc, test_byo);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_no_response);
	tcase_add_test(tc, test_udp_oversize);
	tcase_add_test(tc, test_nat);
	tcase_add_test(tc, test_nat_large);
	tcase_add_test(tc, test_vapi_to_pbx);
	tcase_add_test(tc, test_ruri_ip);
	tcase_add_test(tc, test_ack_mismatch);
	tcase_add_test(tc, test_new_call_id);
	tcase_add_test(tc, test_history_new_call_id);
	tcase_add_test(tc, test_icmp_no_response);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_disabled_rule);
	suite_add_tcase(s, tc);
	tcase_add_test(tcc, test_config_defaults);
	tcase_add_test(tcc, test_config_cidr);
	tcase_add_test(tcc, test_config_file);
	tcase_add_test(tcc, test_config_credentials_mode);
	suite_add_tcase(s, tcc);
	return s;
}

/* Run the suite; exit 0 only when every test passed. */
int
main(void)
{
	SRunner	*sr = srunner_create(test_rules_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
