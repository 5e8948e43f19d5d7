/*
 * sipparse.c: the full structured parse of a SIP message by libosip2, the
 * only module that links it.  It validates messages the zero-copy scanner
 * finds odd, renders the TUI's message view, and will serve the proxy.
 *
 * Workload: one message at a time, on demand (a message opened in the TUI,
 * a malformed one to explain), never every packet: osip_message_parse
 * allocates for every header and parameter (about 10 us for an 800-byte
 * INVITE, 60k-120k messages/s per core measured).
 * libosip2 wants a NUL-terminated buffer, so each call copies the message.
 * When libosip2 refuses a message it says nothing about why; the reason
 * given here is found by parsing growing prefixes of the header section
 * (a binary search, so only a few extra parses) to name the first header
 * libosip2 cannot take.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "sipparse.h"

/* Longest message whose refusal is explained header by header. */
#define SIPPARSE_EXPLAIN_MAX	(256 * 1024)
/* Most header lines the explanation looks at. */
#define SIPPARSE_MAX_LINES	1024

/* A growable output string for the structured view. */
struct sipparse_buf {
	char	*s;
	size_t	 len;
	size_t	 size;
	int	 failed;		/* out of memory: the view is useless */
};

/* One line of the header section: where it starts and its full length. */
struct sipparse_line {
	size_t	 off;		/* offset of its first byte in the message */
	size_t	 end;		/* offset just past its line end (and folds) */
};

/*
 * Whether parser_init() has run.  The one piece of process-wide mutable
 * state in the engine, because libosip2's parser_init() itself fills
 * process-wide tables once; sipvet is single-threaded, so a plain flag
 * guards it.
 */
static int sipparse_initialised;

/* Discard a libosip2 trace line (installed so that nothing reaches stderr). */
static void
sipparse_trace_discard(const char *file, int line, osip_trace_level_t level,
    const char *fmt, va_list ap)
{
	(void)file;
	(void)line;
	(void)level;
	(void)fmt;
	(void)ap;
}

/*
 * Initialise libosip2's parser once per process and silence its trace
 * output (it writes parse errors to stderr, which would tear the TUI); safe
 * to call repeatedly.
 */
int
sipparse_init(void)
{
	int	level;

	if (sipparse_initialised)
		return 0;
	if (parser_init() != 0)
		return -1;
	osip_trace_initialize_func(TRACE_LEVEL0, sipparse_trace_discard);
	for (level = TRACE_LEVEL0; level < END_TRACE_LEVEL; level++)
		osip_trace_disable_level((osip_trace_level_t)level);
	sipparse_initialised = 1;
	return 0;
}

/* Write a formatted one-line message into err if there is room for it. */
static void
sipparse_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Copy len bytes into a new NUL-terminated buffer, NULL if out of memory. */
static char *
sipparse_copy(const char *buf, size_t len)
{
	char	*p;

	if (len == SIZE_MAX || (p = malloc(len + 1)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, buf, len);
	p[len] = '\0';
	return p;
}

/*
 * Run libosip2 over len bytes (copied with a NUL); returns the parsed
 * message or NULL, with libosip2's error code in *rc.
 */
static osip_message_t *
sipparse_osip(const char *buf, size_t len, int *rc)
{
	osip_message_t	*msg;
	char		*copy;

	*rc = OSIP_NOMEM;
	if (sipparse_init() != 0)
		return NULL;
	if ((copy = sipparse_copy(buf, len)) == NULL)
		return NULL;
	if ((*rc = osip_message_init(&msg)) != 0) {
		free(copy);
		return NULL;
	}
	*rc = osip_message_parse(msg, copy, len);
	free(copy);
	if (*rc != 0) {
		osip_message_free(msg);
		return NULL;
	}
	return msg;
}

/* Whether a header line is a Content-Length (or its compact form l). */
static int
sipparse_is_clen(const char *buf, const struct sipparse_line *l)
{
	size_t	i = l->off, n;

	for (n = 0; i + n < l->end && buf[i + n] != ':' && buf[i + n] != ' ' &&
	    buf[i + n] != '\t'; n++)
		;
	return (n == 14 && strncasecmp(buf + i, "Content-Length", 14) == 0) ||
	    (n == 1 && (buf[i] == 'l' || buf[i] == 'L'));
}

/*
 * Whether the start line and the first n header lines, without any
 * Content-Length (the body is left out), parse as a message: 1 yes.
 */
static int
sipparse_prefix_ok(const char *buf, const struct sipparse_line *lines,
    size_t n)
{
	osip_message_t	*msg;
	char		*p;
	size_t		 i, len = 0;
	int		 rc;

	if ((p = malloc(lines[n - 1].end + 4)) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (i > 0 && sipparse_is_clen(buf, &lines[i]))
			continue;
		memcpy(p + len, buf + lines[i].off, lines[i].end - lines[i].off);
		len += lines[i].end - lines[i].off;
	}
	/* A message cut inside its last line: end that line first. */
	if (len > 0 && p[len - 1] != '\n') {
		memcpy(p + len, "\r\n", 2);
		len += 2;
	}
	memcpy(p + len, "\r\n", 2);
	msg = sipparse_osip(p, len + 2, &rc);
	free(p);
	if (msg == NULL)
		return 0;
	osip_message_free(msg);
	return 1;
}

/* Offset just past the empty line ending the headers, or SIZE_MAX. */
static size_t
sipparse_body_offset(const char *buf, size_t len)
{
	const char	*p = buf, *end = buf + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl == p || (nl == p + 1 && *p == '\r'))
			return (size_t)(nl + 1 - buf);
		p = nl + 1;
	}
	return SIZE_MAX;
}

/*
 * Split the header section into lines (a folded continuation belongs to
 * the line before); returns the count, with *body the offset of the body
 * or SIZE_MAX when no empty line ends the headers.
 */
static size_t
sipparse_lines(const char *buf, size_t len, struct sipparse_line *lines,
    size_t max, size_t *body)
{
	size_t	off = 0, n = 0, eol;

	*body = SIZE_MAX;
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);

		eol = nl == NULL ? len : (size_t)(nl - buf) + 1;
		if (eol - off == 1 || (eol - off == 2 && buf[off] == '\r')) {
			if (nl != NULL)
				*body = eol;
			break;
		}
		if (n > 0 && (buf[off] == ' ' || buf[off] == '\t')) {
			lines[n - 1].end = eol;
		} else {
			if (n == max)
				break;
			lines[n].off = off;
			lines[n].end = eol;
			n++;
		}
		off = eol;
	}
	return n;
}

/* Write a line's text (without its line end, controls as ?) into dst. */
static void
sipparse_line_text(const char *buf, const struct sipparse_line *l,
    char *dst, size_t dstlen)
{
	size_t	i, o = 0;

	if (dstlen == 0)
		return;
	for (i = l->off; i < l->end && o + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\r' || c == '\n')
			break;
		dst[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[o] = '\0';
}

/*
 * Explain why libosip2 refused the message: an unusable start line, the
 * first header it cannot parse (numbered as a line of the message, folds
 * counted with their header), an unterminated header section, or else the
 * body and its Content-Length.
 */
static void
sipparse_explain(const char *buf, size_t len, int rc, char *err,
    size_t errlen)
{
	struct sipparse_line	*lines;
	char			 text[64];
	size_t			 n, body, lo, hi, mid;

	if (len == 0) {
		sipparse_err(err, errlen, "empty message");
		return;
	}
	if (len > SIPPARSE_EXPLAIN_MAX || (lines = calloc(SIPPARSE_MAX_LINES,
	    sizeof *lines)) == NULL) {
		sipparse_err(err, errlen, "libosip2 refused the message "
		    "(error %d)", rc);
		return;
	}
	n = sipparse_lines(buf, len, lines, SIPPARSE_MAX_LINES, &body);
	if (n == 0 || !sipparse_prefix_ok(buf, lines, 1)) {
		if (n == 0)
			snprintf(text, sizeof text, "(empty)");
		else
			sipparse_line_text(buf, &lines[0], text, sizeof text);
		sipparse_err(err, errlen, "libosip2 refused the start line "
		    "\"%s\"", text);
		goto out;
	}
	/* Find the shortest failing prefix: lines[0..lo] parses. */
	lo = 0;
	hi = n;
	if (!sipparse_prefix_ok(buf, lines, n)) {
		hi = n - 1;
		while (lo + 1 < hi) {
			mid = lo + (hi - lo) / 2;
			if (sipparse_prefix_ok(buf, lines, mid + 1))
				lo = mid;
			else
				hi = mid;
		}
		sipparse_line_text(buf, &lines[hi], text, sizeof text);
		sipparse_err(err, errlen, "libosip2 refused header line %zu "
		    "\"%s\"", hi + 1, text);
		goto out;
	}
	if (body == SIZE_MAX)
		sipparse_err(err, errlen, "no empty line ends the headers "
		    "(%zu header lines)", n - 1);
	else
		sipparse_err(err, errlen, "libosip2 refused the body (%zu "
		    "bytes) or its Content-Length (error %d)", len - body, rc);
out:
	free(lines);
}

/* Parse a message, explaining a refusal into err; NULL when refused. */
static osip_message_t *
sipparse_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	osip_message_t	*msg;
	int		 rc;

	if (buf == NULL)
		len = 0;
	if (len == 0) {
		sipparse_err(err, errlen, "empty message");
		return NULL;
	}
	if ((msg = sipparse_osip(buf, len, &rc)) == NULL) {
		if (rc == OSIP_NOMEM)
			sipparse_err(err, errlen, "out of memory");
		else
			sipparse_explain(buf, len, rc, err, errlen);
	}
	return msg;
}

/* Whether libosip2 parses buf and the mandatory headers exist: 0 yes. */
int
sipparse_validate(const char *buf, size_t len, char *err, size_t errlen)
{
	osip_message_t	*msg;
	const char	*missing = NULL;

	if ((msg = sipparse_parse(buf, len, err, errlen)) == NULL)
		return -1;
	if (MSG_IS_REQUEST(msg) && (msg->sip_method == NULL ||
	    msg->req_uri == NULL))
		missing = "request method or Request-URI";
	else if (msg->call_id == NULL)
		missing = "Call-ID header";
	else if (msg->cseq == NULL)
		missing = "CSeq header";
	else if (msg->from == NULL)
		missing = "From header";
	else if (msg->to == NULL)
		missing = "To header";
	else if (osip_list_size(&msg->vias) <= 0)
		missing = "Via header";
	osip_message_free(msg);
	if (missing != NULL) {
		sipparse_err(err, errlen, "no %s", missing);
		return -1;
	}
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	return 0;
}

/* Grow b so that it has room for need more bytes and a NUL. */
static int
sipparse_buf_grow(struct sipparse_buf *b, size_t need)
{
	size_t	 size;
	char	*s;

	if (b->failed)
		return -1;
	if (b->len + need + 1 <= b->size)
		return 0;
	size = b->size == 0 ? 1024 : b->size;
	while (size < b->len + need + 1)
		size *= 2;
	if ((s = realloc(b->s, size)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->s = s;
	b->size = size;
	return 0;
}

/* Append len bytes, showing control bytes and backslashes as escapes. */
static void
sipparse_buf_addn(struct sipparse_buf *b, const char *s, size_t len)
{
	static const char	 xd[] = "0123456789abcdef";
	size_t			 i;

	if (sipparse_buf_grow(b, 4 * len) != 0)
		return;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			b->s[b->len++] = '\\';
			b->s[b->len++] = 'x';
			b->s[b->len++] = xd[c >> 4];
			b->s[b->len++] = xd[c & 0xf];
		} else
			b->s[b->len++] = (char)c;
	}
	b->s[b->len] = '\0';
}

/* Append a NUL-terminated string (NULL appends nothing), escaped. */
static void
sipparse_buf_add(struct sipparse_buf *b, const char *s)
{
	if (s != NULL)
		sipparse_buf_addn(b, s, strlen(s));
}

/* Append len bytes as they are (line ends and indentation). */
static void
sipparse_buf_raw(struct sipparse_buf *b, const char *s, size_t len)
{
	if (sipparse_buf_grow(b, len) != 0)
		return;
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

/* Append a line: indent, a label, ": " and the value escaped. */
static void
sipparse_buf_item(struct sipparse_buf *b, int indent, const char *label,
    const char *value)
{
	static const char spaces[] = "        ";

	if (value == NULL)
		return;
	if (indent > 4)
		indent = 4;
	sipparse_buf_raw(b, spaces, 2 * (size_t)indent);
	sipparse_buf_add(b, label);
	sipparse_buf_raw(b, ":", 1);
	if (*value != '\0') {
		sipparse_buf_raw(b, " ", 1);
		sipparse_buf_add(b, value);
	}
	sipparse_buf_raw(b, "\n", 1);
}

/* Append a line with a label and a value, unquoting a quoted value. */
static void
sipparse_buf_unq(struct sipparse_buf *b, int indent, const char *label,
    const char *value)
{
	char	*v;

	if (value == NULL)
		return;
	if ((v = osip_strdup_without_quote(value)) == NULL) {
		sipparse_buf_item(b, indent, label, value);
		return;
	}
	sipparse_buf_item(b, indent, label, v);
	osip_free(v);
}

/* Append an item whose value is formatted printf-style (not escaped). */
static void
sipparse_buf_itemf(struct sipparse_buf *b, int indent, const char *label,
    const char *fmt, ...)
{
	char	v[128];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	sipparse_buf_item(b, indent, label, v);
}

/* Append each name[=value] parameter of a list but the one named skip. */
static void
sipparse_params(struct sipparse_buf *b, int indent, const char *label,
    const osip_list_t *params, const char *skip)
{
	osip_generic_param_t	*p;
	struct sipparse_buf	 t = { NULL, 0, 0, 0 };
	int			 i, n;

	n = osip_list_size(params);
	for (i = 0; i < n; i++) {
		if ((p = osip_list_get(params, i)) == NULL || p->gname == NULL)
			continue;
		if (skip != NULL && strcasecmp(p->gname, skip) == 0)
			continue;
		t.len = 0;
		sipparse_buf_add(&t, p->gname);
		if (p->gvalue != NULL) {
			sipparse_buf_addn(&t, "=", 1);
			sipparse_buf_add(&t, p->gvalue);
		}
		if (!t.failed && t.s != NULL)
			sipparse_buf_item(b, indent, label, t.s);
	}
	free(t.s);
}

/* Append the parts of a URI (a SIP URI or an opaque other-scheme one). */
static void
sipparse_uri(struct sipparse_buf *b, int indent, const char *label,
    osip_uri_t *uri)
{
	char	*s = NULL;

	if (uri == NULL)
		return;
	if (osip_uri_to_str(uri, &s) == 0 && s != NULL) {
		sipparse_buf_item(b, indent, label, s);
		osip_free(s);
	} else
		sipparse_buf_item(b, indent, label, "(unprintable)");
	indent++;
	sipparse_buf_item(b, indent, "scheme", uri->scheme);
	if (uri->string != NULL) {
		/* libosip2 keeps a non-SIP URI as one opaque string. */
		sipparse_buf_item(b, indent, "opaque", uri->string);
		return;
	}
	sipparse_buf_item(b, indent, "user", uri->username);
	if (uri->password != NULL)
		sipparse_buf_item(b, indent, "password", "(present, hidden)");
	sipparse_buf_item(b, indent, "host", uri->host);
	sipparse_buf_item(b, indent, "port", uri->port);
	sipparse_params(b, indent, "param", &uri->url_params, NULL);
	sipparse_params(b, indent, "header", &uri->url_headers, NULL);
}

/* Append a name-addr header (From, To, Contact, Route ...) and its params. */
static void
sipparse_nameaddr(struct sipparse_buf *b, const char *name, osip_from_t *h)
{
	osip_generic_param_t	*tag;
	char			*s = NULL;

	if (h == NULL)
		return;
	if (osip_contact_to_str(h, &s) == 0 && s != NULL) {
		sipparse_buf_item(b, 0, name, s);
		osip_free(s);
	} else
		sipparse_buf_item(b, 0, name, "");
	if (h->displayname != NULL)
		sipparse_buf_unq(b, 1, "display-name", h->displayname);
	if (h->url == NULL && h->displayname != NULL &&
	    strcmp(h->displayname, "*") == 0)
		return;
	sipparse_uri(b, 1, "uri", h->url);
	tag = NULL;
	if (osip_from_get_tag(h, &tag) == 0 && tag != NULL)
		sipparse_buf_item(b, 1, "tag", tag->gvalue != NULL ?
		    tag->gvalue : "");
	sipparse_params(b, 1, "param", &h->gen_params, "tag");
}

/* Append every Authorization or Proxy-Authorization credential. */
static void
sipparse_credentials(struct sipparse_buf *b, const char *name,
    const osip_list_t *list)
{
	osip_authorization_t	*a;
	int			 i, n;

	n = osip_list_size(list);
	for (i = 0; i < n; i++) {
		if ((a = osip_list_get(list, i)) == NULL)
			continue;
		sipparse_buf_item(b, 0, name, a->auth_type != NULL ?
		    a->auth_type : "");
		sipparse_buf_unq(b, 1, "username", a->username);
		sipparse_buf_unq(b, 1, "realm", a->realm);
		sipparse_buf_unq(b, 1, "nonce", a->nonce);
		sipparse_buf_unq(b, 1, "uri", a->uri);
		sipparse_buf_unq(b, 1, "response", a->response);
		sipparse_buf_unq(b, 1, "algorithm", a->algorithm);
		sipparse_buf_unq(b, 1, "cnonce", a->cnonce);
		sipparse_buf_unq(b, 1, "opaque", a->opaque);
		sipparse_buf_unq(b, 1, "qop", a->message_qop);
		sipparse_buf_unq(b, 1, "nc", a->nonce_count);
		sipparse_buf_unq(b, 1, "digest", a->digest);
		sipparse_buf_unq(b, 1, "version", a->version);
		sipparse_buf_unq(b, 1, "targetname", a->targetname);
		sipparse_buf_unq(b, 1, "gssapi-data", a->gssapi_data);
		sipparse_buf_unq(b, 1, "crand", a->crand);
		sipparse_buf_unq(b, 1, "cnum", a->cnum);
		sipparse_buf_item(b, 1, "other", a->auth_param);
	}
}

/* Append every WWW-Authenticate or Proxy-Authenticate challenge. */
static void
sipparse_challenges(struct sipparse_buf *b, const char *name,
    const osip_list_t *list)
{
	osip_www_authenticate_t	*w;
	int			 i, n;

	n = osip_list_size(list);
	for (i = 0; i < n; i++) {
		if ((w = osip_list_get(list, i)) == NULL)
			continue;
		sipparse_buf_item(b, 0, name, w->auth_type != NULL ?
		    w->auth_type : "");
		sipparse_buf_unq(b, 1, "realm", w->realm);
		sipparse_buf_unq(b, 1, "domain", w->domain);
		sipparse_buf_unq(b, 1, "nonce", w->nonce);
		sipparse_buf_unq(b, 1, "opaque", w->opaque);
		sipparse_buf_unq(b, 1, "stale", w->stale);
		sipparse_buf_unq(b, 1, "algorithm", w->algorithm);
		sipparse_buf_unq(b, 1, "qop", w->qop_options);
		sipparse_buf_unq(b, 1, "version", w->version);
		sipparse_buf_unq(b, 1, "targetname", w->targetname);
		sipparse_buf_unq(b, 1, "gssapi-data", w->gssapi_data);
		sipparse_buf_item(b, 1, "other", w->auth_param);
	}
}

/* Append each Via with its protocol, sent-by and parameters. */
static void
sipparse_vias(struct sipparse_buf *b, const osip_list_t *vias)
{
	osip_via_t	*v;
	char		*s;
	int		 i, n;

	n = osip_list_size(vias);
	for (i = 0; i < n; i++) {
		if ((v = osip_list_get(vias, i)) == NULL)
			continue;
		s = NULL;
		if (osip_via_to_str(v, &s) == 0 && s != NULL) {
			sipparse_buf_item(b, 0, "Via", s);
			osip_free(s);
		} else
			sipparse_buf_item(b, 0, "Via", "");
		sipparse_buf_item(b, 1, "version", v->version);
		sipparse_buf_item(b, 1, "protocol", v->protocol);
		sipparse_buf_item(b, 1, "host", v->host);
		sipparse_buf_item(b, 1, "port", v->port);
		sipparse_params(b, 1, "param", &v->via_params, NULL);
		sipparse_buf_item(b, 1, "comment", v->comment);
	}
}

/* Append each name-addr header of a list (Contact, Route, Record-Route). */
static void
sipparse_nameaddrs(struct sipparse_buf *b, const char *name,
    const osip_list_t *list)
{
	int	i, n;

	n = osip_list_size(list);
	for (i = 0; i < n; i++)
		sipparse_nameaddr(b, name, osip_list_get(list, i));
}

/* Append a list that libosip2 prints with to_str as one comma list. */
static void
sipparse_strs(struct sipparse_buf *b, const char *name,
    const osip_list_t *list, int (*to_str)(const void *, char **))
{
	struct sipparse_buf	 t = { NULL, 0, 0, 0 };
	char			*s;
	void			*e;
	int			 i, n;

	n = osip_list_size(list);
	for (i = 0; i < n; i++) {
		s = NULL;
		if ((e = osip_list_get(list, i)) == NULL ||
		    to_str(e, &s) != 0 || s == NULL)
			continue;
		if (t.len > 0)
			sipparse_buf_raw(&t, ", ", 2);
		sipparse_buf_raw(&t, s, strlen(s));
		osip_free(s);
	}
	if (!t.failed && t.s != NULL)
		sipparse_buf_item(b, 0, name, t.s);
	free(t.s);
}

/* Print a Content-Type-shaped header (Accept) with libosip2. */
static int
sipparse_str_ctype(const void *e, char **s)
{
	return osip_content_type_to_str(e, s);
}

/* Print an Allow-shaped (single token) header with libosip2. */
static int
sipparse_str_token(const void *e, char **s)
{
	return osip_content_length_to_str(e, s);
}

/* Print an Accept-Encoding-shaped header with libosip2. */
static int
sipparse_str_aenc(const void *e, char **s)
{
	return osip_accept_encoding_to_str(e, s);
}

/* Print a Call-Info-shaped header (Alert-Info, Error-Info) with libosip2. */
static int
sipparse_str_cinfo(const void *e, char **s)
{
	return osip_call_info_to_str(e, s);
}

/* Print an Authentication-Info header with libosip2. */
static int
sipparse_str_ainfo(const void *e, char **s)
{
	return osip_authentication_info_to_str(e, s);
}

/* Append the start line: method and Request-URI parts, or the status. */
static void
sipparse_startline(struct sipparse_buf *b, osip_message_t *msg)
{
	if (MSG_IS_REQUEST(msg)) {
		sipparse_buf_item(b, 0, "Request", msg->sip_method);
		sipparse_uri(b, 1, "Request-URI", msg->req_uri);
		sipparse_buf_item(b, 1, "version", msg->sip_version);
	} else {
		sipparse_buf_itemf(b, 0, "Response", "%d", msg->status_code);
		/* libosip2 wraps 4294967301 to 5 (RFC 4475 bigcode.dat). */
		if (msg->status_code < 100 || msg->status_code > 699)
			sipparse_buf_item(b, 1, "warning", "status code out of "
			    "range 100-699 as libosip2 read it");
		sipparse_buf_item(b, 1, "reason", msg->reason_phrase != NULL ?
		    msg->reason_phrase : "");
		sipparse_buf_item(b, 1, "version", msg->sip_version);
	}
}

/* Append the headers libosip2 has no structure for, as name: value. */
static void
sipparse_others(struct sipparse_buf *b, osip_message_t *msg)
{
	osip_header_t	*h;
	char		 name[64];
	size_t		 j;
	int		 i, n, up;

	if (msg->mime_version != NULL)
		sipparse_buf_item(b, 0, "Mime-Version",
		    msg->mime_version->value);
	n = osip_list_size(&msg->headers);
	for (i = 0; i < n; i++) {
		if ((h = osip_list_get(&msg->headers, i)) == NULL ||
		    h->hname == NULL)
			continue;
		/* libosip2 lowercases the names: show Max-Forwards, not max-forwards. */
		up = 1;
		for (j = 0; h->hname[j] != '\0' && j + 1 < sizeof name; j++) {
			unsigned char c = (unsigned char)h->hname[j];

			name[j] = (char)(up ? toupper(c) : c);
			up = c == '-';
		}
		name[j] = '\0';
		sipparse_buf_item(b, 0, name, h->hvalue != NULL ?
		    h->hvalue : "");
	}
}

/* Append the body summary: its length on the wire and its parts. */
static void
sipparse_body(struct sipparse_buf *b, osip_message_t *msg, const char *buf,
    size_t len)
{
	size_t	body;
	int	parts;

	body = sipparse_body_offset(buf, len);
	parts = osip_list_size(&msg->bodies);
	if (body == SIZE_MAX)
		sipparse_buf_item(b, 0, "Body", "none (no empty line ends "
		    "the headers)");
	else if (msg->content_length != NULL &&
	    msg->content_length->value != NULL &&
	    strspn(msg->content_length->value, "0123456789") ==
	    strlen(msg->content_length->value) &&
	    strtoull(msg->content_length->value, NULL, 10) != len - body)
		sipparse_buf_itemf(b, 0, "Body", "%zu bytes (Content-Length "
		    "says %.20s)", len - body, msg->content_length->value);
	else
		sipparse_buf_itemf(b, 0, "Body", "%zu bytes", len - body);
	if (parts > 1)
		sipparse_buf_itemf(b, 1, "parts", "%d (as libosip2 split it)",
		    parts);
}

/* A structured view of buf, malloc'ed into *out; -1 when refused. */
int
sipparse_structured(const char *buf, size_t len, char **out)
{
	struct sipparse_buf	 b = { NULL, 0, 0, 0 };
	osip_message_t		*msg;
	char			 err[256], *s;

	if (out == NULL)
		return -1;
	*out = NULL;
	if ((msg = sipparse_parse(buf, len, err, sizeof err)) == NULL) {
		*out = strdup(err);
		return -1;
	}

	sipparse_startline(&b, msg);
	sipparse_vias(&b, &msg->vias);
	sipparse_nameaddr(&b, "From", msg->from);
	sipparse_nameaddr(&b, "To", msg->to);
	s = NULL;
	if (msg->call_id != NULL && osip_call_id_to_str(msg->call_id, &s) ==
	    0 && s != NULL) {
		sipparse_buf_item(&b, 0, "Call-ID", s);
		osip_free(s);
	}
	if (msg->cseq != NULL) {
		if (osip_cseq_to_str(msg->cseq, &s) == 0 && s != NULL) {
			sipparse_buf_item(&b, 0, "CSeq", s);
			osip_free(s);
		} else
			sipparse_buf_item(&b, 0, "CSeq", "");
		sipparse_buf_item(&b, 1, "number", msg->cseq->number);
		sipparse_buf_item(&b, 1, "method", msg->cseq->method);
	}
	sipparse_nameaddrs(&b, "Contact", &msg->contacts);
	sipparse_nameaddrs(&b, "Route", &msg->routes);
	sipparse_nameaddrs(&b, "Record-Route", &msg->record_routes);
	sipparse_credentials(&b, "Authorization", &msg->authorizations);
	sipparse_credentials(&b, "Proxy-Authorization",
	    &msg->proxy_authorizations);
	sipparse_challenges(&b, "WWW-Authenticate", &msg->www_authenticates);
	sipparse_challenges(&b, "Proxy-Authenticate",
	    &msg->proxy_authenticates);
	sipparse_strs(&b, "Authentication-Info", &msg->authentication_infos,
	    sipparse_str_ainfo);
	sipparse_strs(&b, "Proxy-Authentication-Info",
	    &msg->proxy_authentication_infos, sipparse_str_ainfo);
	sipparse_strs(&b, "Accept", &msg->accepts, sipparse_str_ctype);
	sipparse_strs(&b, "Accept-Encoding", &msg->accept_encodings,
	    sipparse_str_aenc);
	sipparse_strs(&b, "Accept-Language", &msg->accept_languages,
	    sipparse_str_aenc);
	sipparse_strs(&b, "Allow", &msg->allows, sipparse_str_token);
	sipparse_strs(&b, "Alert-Info", &msg->alert_infos,
	    sipparse_str_cinfo);
	sipparse_strs(&b, "Call-Info", &msg->call_infos, sipparse_str_cinfo);
	sipparse_strs(&b, "Error-Info", &msg->error_infos,
	    sipparse_str_cinfo);
	sipparse_strs(&b, "Content-Encoding", &msg->content_encodings,
	    sipparse_str_token);
	if (msg->content_type != NULL) {
		s = NULL;
		if (osip_content_type_to_str(msg->content_type, &s) == 0 &&
		    s != NULL) {
			sipparse_buf_item(&b, 0, "Content-Type", s);
			osip_free(s);
		} else
			sipparse_buf_item(&b, 0, "Content-Type", "");
		sipparse_buf_item(&b, 1, "type", msg->content_type->type);
		sipparse_buf_item(&b, 1, "subtype",
		    msg->content_type->subtype);
		sipparse_params(&b, 1, "param",
		    &msg->content_type->gen_params, NULL);
	}
	if (msg->content_length != NULL)
		sipparse_buf_item(&b, 0, "Content-Length",
		    msg->content_length->value);
	sipparse_others(&b, msg);
	sipparse_body(&b, msg, buf, len);
	osip_message_free(msg);

	if (b.failed || b.s == NULL) {
		free(b.s);
		return -1;
	}
	*out = b.s;
	return 0;
}
