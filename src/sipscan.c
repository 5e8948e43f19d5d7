/*
 * sipscan.c: the zero-copy SIP scanner, sipvet's hot path.
 *
 * Workload: called once for every UDP payload on any port (sipscan_is_sip),
 * once for every reassembled stream buffer (sipscan_frame) and once for every
 * SIP message (sipscan_parse), typically 300-3000 bytes of untrusted bytes
 * from the wire.  Everything works on slices into the caller's bytes, uses
 * memchr to find line ends and dispatches headers on their name length and
 * first letter, so a typical INVITE costs a single pass and no allocation.
 * Every read is bounds-checked against the end of the buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sipscan.h"

/* Character classes for the bytes the scanner looks at. */
#define C_TOKEN	0x01		/* RFC 3261 token character */
#define C_DIGIT	0x02
#define C_WS	0x04		/* SP, HT */
#define C_LWS	0x08		/* SP, HT, CR, LF */
#define C_LIST	0x10		/* bytes list scanning stops at: , ; " < */
#define C_SCHEME 0x20		/* URI scheme character: ALPHA DIGIT + - . */
#define C_HEND	0x40		/* ends a URI host: : ; ? */

#define T	C_TOKEN
#define A	(C_TOKEN | C_SCHEME)
#define D	(C_TOKEN | C_DIGIT | C_SCHEME)
static const unsigned char sipscan_cc[256] = {
	['\t'] = C_WS | C_LWS, [' '] = C_WS | C_LWS,
	['\r'] = C_LWS, ['\n'] = C_LWS,
	[','] = C_LIST, [';'] = C_LIST | C_HEND, ['"'] = C_LIST, ['<'] = C_LIST,
	[':'] = C_HEND, ['?'] = C_HEND,
	['!'] = T, ['%'] = T, ['\''] = T, ['*'] = T, ['+'] = A, ['-'] = A,
	['.'] = A, ['_'] = T, ['`'] = T, ['~'] = T,
	['0'] = D, ['1'] = D, ['2'] = D, ['3'] = D, ['4'] = D,
	['5'] = D, ['6'] = D, ['7'] = D, ['8'] = D, ['9'] = D,
	['A'] = A, ['B'] = A, ['C'] = A, ['D'] = A, ['E'] = A, ['F'] = A,
	['G'] = A, ['H'] = A, ['I'] = A, ['J'] = A, ['K'] = A, ['L'] = A,
	['M'] = A, ['N'] = A, ['O'] = A, ['P'] = A, ['Q'] = A, ['R'] = A,
	['S'] = A, ['T'] = A, ['U'] = A, ['V'] = A, ['W'] = A, ['X'] = A,
	['Y'] = A, ['Z'] = A,
	['a'] = A, ['b'] = A, ['c'] = A, ['d'] = A, ['e'] = A, ['f'] = A,
	['g'] = A, ['h'] = A, ['i'] = A, ['j'] = A, ['k'] = A, ['l'] = A,
	['m'] = A, ['n'] = A, ['o'] = A, ['p'] = A, ['q'] = A, ['r'] = A,
	['s'] = A, ['t'] = A, ['u'] = A, ['v'] = A, ['w'] = A, ['x'] = A,
	['y'] = A, ['z'] = A,
};
#undef T
#undef A
#undef D

#define IS_TOKEN(c)	(sipscan_cc[(unsigned char)(c)] & C_TOKEN)
#define IS_DIGIT(c)	(sipscan_cc[(unsigned char)(c)] & C_DIGIT)
#define IS_WS(c)	(sipscan_cc[(unsigned char)(c)] & C_WS)
#define IS_LWS(c)	(sipscan_cc[(unsigned char)(c)] & C_LWS)
#define CC(c, m)	(sipscan_cc[(unsigned char)(c)] & (m))

/*
 * Bytes the fast paths take as they are: printable ASCII other than the
 * separators and quoting characters , ; " < > \ [ ].  A value made only of
 * these (plus ';' between parameters) needs none of the general passes.
 * Bit 1 marks a plain byte, bit 2 (P_HOST) one that is also not ':', bit 4
 * (P_NAME) one that is also not '='.
 */
static const unsigned char sipscan_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	0, 7, 0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 7, 7, 7,	/* 0x20 */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 5, 0, 0, 3, 0, 7,	/* 0x30 */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,	/* 0x40 */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 0, 0, 7, 7,	/* 0x50 */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,	/* 0x60 */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0,	/* 0x70 */
};

#define IS_PLAIN(c)	(sipscan_plain[(unsigned char)(c)] & 1)
#define P_HOST		2	/* a plain byte other than ':' */
#define P_NAME		4	/* a plain byte other than '=' */

/* Skip bytes of [p, e) whose sipscan_plain entry has bit b, four at a time. */
static inline const char *
sipscan_span_plain(const char *p, const char *e, unsigned b)
{
	while (e - p >= 4 && (sipscan_plain[(unsigned char)p[0]] &
	    sipscan_plain[(unsigned char)p[1]] &
	    sipscan_plain[(unsigned char)p[2]] &
	    sipscan_plain[(unsigned char)p[3]] & b))
		p += 4;
	if (e - p >= 4)		/* at most three more: no loop needed */
		return p + ((sipscan_plain[(unsigned char)p[0]] & b) ?
		    (sipscan_plain[(unsigned char)p[1]] & b) ?
		    (sipscan_plain[(unsigned char)p[2]] & b) ? 3 : 2 : 1 : 0);
	while (p < e && (sipscan_plain[(unsigned char)*p] & b))
		p++;
	return p;
}

/* Skip RFC 3261 token characters forward, four at a time when possible. */
static inline const char *
sipscan_span_token(const char *p, const char *e)
{
	while (e - p >= 4 && (sipscan_cc[(unsigned char)p[0]] &
	    sipscan_cc[(unsigned char)p[1]] & sipscan_cc[(unsigned char)p[2]] &
	    sipscan_cc[(unsigned char)p[3]] & C_TOKEN))
		p += 4;
	if (e - p >= 4)		/* at most three more: no loop needed */
		return p + (IS_TOKEN(p[0]) ? IS_TOKEN(p[1]) ?
		    IS_TOKEN(p[2]) ? 3 : 2 : 1 : 0);
	while (p < e && IS_TOKEN(*p))
		p++;
	return p;
}

/* Load 8 bytes from an unaligned address. */
static inline uint64_t
sipscan_load8(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

/* Load 4 bytes from an unaligned address. */
static inline uint32_t
sipscan_load4(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

/*
 * Compare n bytes with a lower-case literal (letters, digits, '-', '.',
 * '/'), ignoring the case of letters: setting bit 5 of every byte folds
 * letters to lower case and leaves those other characters unchanged.
 */
static inline int
sipscan_lceq(const char *p, const char *lit, size_t n)
{
	const uint64_t fold = 0x2020202020202020ULL;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 <= n; i += 8)
			if ((sipscan_load8(p + i) | fold) !=
			    sipscan_load8(lit + i))
				return 0;
		return i == n || (sipscan_load8(p + n - 8) | fold) ==
		    sipscan_load8(lit + n - 8);
	}
	if (n >= 4)	/* two overlapping 4-byte words */
		return ((sipscan_load4(p) | (uint32_t)fold) ==
		    sipscan_load4(lit)) && ((sipscan_load4(p + n - 4) |
		    (uint32_t)fold) == sipscan_load4(lit + n - 4));
	switch (n) {
	case 3:
		return (((unsigned char)p[0] | 0x20) == (unsigned char)lit[0]) &
		    (((unsigned char)p[1] | 0x20) == (unsigned char)lit[1]) &
		    (((unsigned char)p[2] | 0x20) == (unsigned char)lit[2]);
	case 2:
		return (((unsigned char)p[0] | 0x20) == (unsigned char)lit[0]) &
		    (((unsigned char)p[1] | 0x20) == (unsigned char)lit[1]);
	}
	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] | 0x20) != (unsigned char)lit[i])
			return 0;
	return 1;
}

/* Test whether [p, e) starts with "SIP/" followed by digit '.' digit. */
static inline int
sipscan_version_like(const char *p, const char *e)
{
	return e - p >= 7 && sipscan_lceq(p, "sip/", 4) && IS_DIGIT(p[4]) &&
	    p[5] == '.' && IS_DIGIT(p[6]);
}

/*
 * Test whether a first line [p, e) that is not a status line looks like a
 * request line: the method's end in *q, the end without trailing white
 * space in *te and the last word (the version) in *v.
 */
static int
sipscan_request_like(const char *p, const char *e, const char **q,
    const char **te, const char **v)
{
	const char *r;

	*q = r = sipscan_span_token(p, e);
	if (r == p || r == e || *r != ' ')
		return 0;
	while (e > r && IS_WS(e[-1]))
		e--;
	*te = e;
	/* The last word is the version: at least "SIP/d.d" after a SP. */
	if (e - r < 8)
		return 0;
	if (IS_WS(e[-8]) && sipscan_version_like(e - 7, e)) {
		*v = e - 7;	/* the usual "SIP/2.0", found without a scan */
		return e - 7 > r + 1;
	}
	for (p = e; p > r && !IS_WS(p[-1]); p--)
		;
	*v = p;
	return p > r + 1 && sipscan_version_like(p, e);
}

/* Test whether a first line [p, e) that starts "SIP/d.d" is a status line. */
static int
sipscan_status_like(const char *p, const char *e)
{
	return e - p >= 11 && p[7] == ' ' && IS_DIGIT(p[8]) &&
	    IS_DIGIT(p[9]) && IS_DIGIT(p[10]);
}

/* Test whether one first line [p, e) (no line end) is a SIP start line. */
static int
sipscan_start_line_like(const char *p, const char *e)
{
	const char *q, *te, *v;

	if (sipscan_version_like(p, e))
		return sipscan_status_like(p, e);
	return sipscan_request_like(p, e, &q, &te, &v);
}

/* Cheap test of whether bytes start like a SIP message. */
int
sipscan_is_sip(const char *buf, size_t len)
{
	const char *p = buf, *e = buf + len, *nl;
	int crlf = 0;

	if (buf == NULL)
		return 0;
	while (p < e && (*p == '\r' || *p == '\n') && crlf < 8) {
		p++;
		crlf++;
	}
	if (p == e || !IS_TOKEN(*p))
		return 0;
	/* A status line: enough of it is known without the line end. */
	if (sipscan_version_like(p, e))
		return sipscan_status_like(p, e);
	if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
		return 0;
	if (nl > p && nl[-1] == '\r')
		nl--;
	return sipscan_start_line_like(p, nl);
}

/* Find the end of the header section in [p, e): offset after the blank line, 0 if absent. */
static size_t
sipscan_header_end(const char *p, const char *e)
{
	const char *s = p, *nl;

	while (s < e && (nl = memchr(s, '\n', (size_t)(e - s))) != NULL) {
		if (nl + 1 < e && nl[1] == '\n')
			return (size_t)(nl + 2 - p);
		if (nl + 2 < e && nl[1] == '\r' && nl[2] == '\n')
			return (size_t)(nl + 3 - p);
		s = nl + 1;
	}
	return 0;
}

/*
 * Parse a Content-Length value [p, e) (may hold folded LWS): the number,
 * or -1 when it is not a non-negative decimal below 2^31.
 */
static long
sipscan_clen(const char *p, const char *e)
{
	long v = 0;
	int n = 0;

	while (p < e && IS_LWS(*p))
		p++;
	while (p < e && IS_DIGIT(*p)) {
		if (v > (0x7fffffffL - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
		p++;
		n++;
	}
	while (p < e && IS_LWS(*p))
		p++;
	return n > 0 && p == e ? v : -1;
}

/*
 * Frame a message at the start of a byte stream: length of the first
 * complete message after *skip keep-alive bytes, 0 for more, -1 for junk.
 */
long
sipscan_frame(const char *buf, size_t len, size_t max, size_t *skip)
{
	const char *p, *e = buf + len, *s, *nl, *hend, *q, *ve, *c;
	size_t hlen, lim;
	long cl = -1, v;

	*skip = 0;
	if (buf == NULL)
		return len == 0 ? 0 : -1;
	for (p = buf; p < e && (*p == '\r' || *p == '\n'); p++)
		;
	*skip = (size_t)(p - buf);
	if (p == e)
		return 0;
	if (!IS_TOKEN(*p))
		return -1;
	lim = (size_t)(e - p) < max ? (size_t)(e - p) : max;
	if ((nl = memchr(p, '\n', lim)) == NULL) {
		if ((size_t)(e - p) >= max)
			return -1;
		/* Partial first line: plausible while it is a token or "SIP/". */
		for (q = p; q < e && IS_TOKEN(*q); q++)
			;
		if (q < e && *q != ' ' && *q != '/')
			return -1;
		return 0;
	}
	if (!sipscan_start_line_like(p, nl > p && nl[-1] == '\r' ? nl - 1 : nl))
		return -1;
	if ((hlen = sipscan_header_end(p, p + lim)) == 0)
		return (size_t)(e - p) >= max ? -1 : 0;
	hend = p + hlen;
	/* Look for Content-Length / l: at each header line start. */
	for (s = nl + 1; s < hend; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(hend - s))) == NULL)
			break;
		q = s;
		if (q < nl && (*q == 'l' || *q == 'L'))
			q++;
		else if (nl - s >= 14 && sipscan_lceq(s, "content-length", 14))
			q = s + 14;
		else
			continue;
		while (q < nl && IS_WS(*q))
			q++;
		if (q == nl || *q != ':')
			continue;
		c = q;
		/* The value, with folded continuation lines. */
		ve = nl;
		while (ve + 1 < hend && IS_WS(ve[1]) &&
		    (q = memchr(ve + 1, '\n', (size_t)(hend - ve - 1))) != NULL)
			ve = q;
		if ((v = sipscan_clen(c + 1, ve)) < 0)
			return -1;
		if (cl >= 0 && v != cl)
			return -1;
		cl = v;
		nl = ve;
	}
	if (cl < 0)
		cl = 0;
	if ((size_t)cl > (size_t)(e - hend))
		return 0;
	return (long)(hlen + (size_t)cl);
}

/* Header names the scanner extracts, found by sipscan_header_fast(). */
enum sipscan_hdr {
	H_OTHER = 0,
	H_CALL_ID,
	H_CSEQ,
	H_FROM,
	H_TO,
	H_VIA,
	H_CONTACT,
	H_CONTENT_LENGTH,
	H_CONTENT_TYPE,
	H_USER_AGENT,
	H_SERVER,
	H_MAX_FORWARDS,
	H_EXPIRES,
	H_DATE,
	H_WWW_AUTHENTICATE,
	H_PROXY_AUTHENTICATE,
	H_AUTHORIZATION,
	H_PROXY_AUTHORIZATION,
};

/* Where a name-addr or addr-spec value was found by sipscan_naddr(). */
struct sipscan_na {
	struct sv_str	 uri;
	struct sv_str	 params;	/* after the URI, up to the value's end */
	const char	*end;		/* end of this value (at ',' or the end) */
	int		 bad;		/* not a name-addr or addr-spec */
	int		 quoting;	/* unbalanced quote or angle bracket */
};

/* Make a slice from two pointers. */
static struct sv_str
sipscan_sv(const char *p, const char *e)
{
	struct sv_str r = { p, (size_t)(e - p) };

	return r;
}

/* Skip linear white space (SP, HT, CR, LF) forward. */
static const char *
sipscan_skip_lws(const char *p, const char *e)
{
	while (p < e && IS_LWS(*p))
		p++;
	return p;
}

/* Trim linear white space off the end of [p, e). */
static const char *
sipscan_trim_end(const char *p, const char *e)
{
	while (e > p && IS_LWS(e[-1]))
		e--;
	return e;
}

/* Skip a quoted string starting at the opening quote; NULL when unclosed. */
static const char *
sipscan_skip_quoted(const char *p, const char *e)
{
	const char *q, *bs;

	for (p++; p < e; p = q + 1) {
		if ((q = memchr(p, '"', (size_t)(e - p))) == NULL)
			return NULL;
		if ((bs = memchr(p, '\\', (size_t)(q - p))) == NULL)
			return q + 1;
		/* A quoted-pair before the quote: walk from it. */
		for (q = bs; q < e; q++) {
			if (*q == '\\') {
				if (++q == e)
					return NULL;
			} else if (*q == '"')
				return q + 1;
		}
		return NULL;
	}
	return NULL;
}

/* Find the next top-level ',' in [p, e) (outside quotes and <>), or e. */
static const char *
sipscan_next_comma(const char *p, const char *e)
{
	const char *q;

	while (p < e) {
		while (p < e && !CC(*p, C_LIST))
			p++;
		if (p == e)
			break;
		switch (*p) {
		case ',':
			return p;
		case '"':
			if ((q = sipscan_skip_quoted(p, e)) == NULL)
				return e;
			p = q;
			break;
		case '<':
			if ((q = memchr(p, '>', (size_t)(e - p))) == NULL)
				return e;
			p = q + 1;
			break;
		default:
			p++;
		}
	}
	return e;
}

/*
 * Walk a comma-separated header value once, outside quotes and <>: count
 * its non-empty elements, find the end of the first one, and return 1 when
 * it has empty elements or parameters (",,", ";;", ";,", a separator at
 * the end), where a parameter list (lead set) may start with one ';'.
 */
static int
sipscan_elements(const char *p, const char *e, int lead, const char **first,
    int *count)
{
	const char *q;
	int last = lead ? 0 : ',', content = 0, n = 0, empty = 0;

	if (first != NULL)
		*first = e;
	while (p < e) {
		if (IS_LWS(*p)) {
			p++;
			continue;
		}
		if (*p == ',' || *p == ';') {
			if (last == ',' || last == ';')
				empty = 1;
			if (*p == ',') {
				n += content;
				content = 0;
				if (first != NULL && *first == e)
					*first = p;
			}
			last = *p++;
			continue;
		}
		last = 0;
		content = 1;
		if (!CC(*p, C_LIST)) {
			p++;
			while (p < e && !CC(*p, C_LIST | C_LWS))
				p++;
		} else if (*p == '"') {
			if ((q = sipscan_skip_quoted(p, e)) == NULL)
				break;
			p = q;
		} else if (*p == '<') {
			if ((q = memchr(p, '>', (size_t)(e - p))) == NULL)
				break;
			p = q + 1;
		} else
			p++;
	}
	if (count != NULL)
		*count = n + content;
	return empty || last != 0;
}

/*
 * Step over one parameter of a ';'-separated list at *pp: its name and its
 * value (quotes removed; NULL when it has none), or return 0 at the end
 * of the list (the end of the slice or a ',').
 */
static int
sipscan_param_next(const char **pp, const char *e, struct sv_str *name,
    struct sv_str *value)
{
	const char *p = *pp, *n, *q;

	for (;;) {
		p = sipscan_skip_lws(p, e);
		if (p == e || *p == ',')
			return 0;
		if (*p != ';')
			break;
		p++;
	}
	n = p;
	while (p < e && *p != '=' && !CC(*p, C_LIST | C_LWS))
		p++;
	*name = sipscan_sv(n, p);
	*value = SV_STR_NULL;
	p = sipscan_skip_lws(p, e);
	if (p < e && *p == '=') {
		p = sipscan_skip_lws(p + 1, e);
		if (p < e && *p == '"') {
			if ((q = sipscan_skip_quoted(p, e)) == NULL) {
				*value = sipscan_sv(p + 1, e);
				p = e;
			} else {
				*value = sipscan_sv(p + 1, q - 1);
				p = q;
			}
		} else {
			n = p;
			while (p < e && *p != ';' && *p != ',' && !IS_LWS(*p))
				p++;
			*value = sipscan_sv(n, p);
		}
	}
	/* Anything else up to the next separator belongs to this one. */
	while (p < e && *p != ';' && *p != ',')
		p++;
	*pp = p;
	return 1;
}

/*
 * Test whether line [s, le) starts with the header name lit (n lower-case
 * letters, with a '-' at dash unless dash is 0) followed by a byte that
 * is not a token character, so the name is exactly lit in some case.
 */
static inline int
sipscan_name_at(const char *s, const char *le, const char *lit, size_t n,
    size_t dash)
{
	return (size_t)(le - s) > n && !IS_TOKEN(s[n]) &&
	    (dash == 0 || s[dash] == '-') && sipscan_lceq(s, lit, n);
}

/*
 * Identify the header named at the start of line [s, le) without spanning
 * the name first: its id, with the name's end in *n, or H_OTHER (*n then
 * unset: the caller spans the name) when the name is not one the scanner
 * extracts (in any case or compact form).
 */
static enum sipscan_hdr
sipscan_header_fast(const char *s, const char *le, const char **n)
{
#define SIPSCAN_NAME(lit, dash, id) do {				\
	if (sipscan_name_at(s, le, lit, sizeof lit - 1, dash)) {	\
		*n = s + sizeof lit - 1;				\
		return id;						\
	}								\
} while (0)
	if (le - s < 2)
		return H_OTHER;
	if (!IS_TOKEN(s[1])) {		/* a compact form */
		*n = s + 1;
		switch (s[0] | 0x20) {
		case 'i': return H_CALL_ID;
		case 'f': return H_FROM;
		case 't': return H_TO;
		case 'v': return H_VIA;
		case 'm': return H_CONTACT;
		case 'l': return H_CONTENT_LENGTH;
		case 'c': return H_CONTENT_TYPE;
		}
		return H_OTHER;
	}
	switch (s[0] | 0x20) {
	case 'a':
		SIPSCAN_NAME("authorization", 0, H_AUTHORIZATION);
		break;
	case 'c':
		SIPSCAN_NAME("call-id", 4, H_CALL_ID);
		SIPSCAN_NAME("cseq", 0, H_CSEQ);
		SIPSCAN_NAME("contact", 0, H_CONTACT);
		SIPSCAN_NAME("content-length", 7, H_CONTENT_LENGTH);
		SIPSCAN_NAME("content-type", 7, H_CONTENT_TYPE);
		break;
	case 'd':
		SIPSCAN_NAME("date", 0, H_DATE);
		break;
	case 'e':
		SIPSCAN_NAME("expires", 0, H_EXPIRES);
		break;
	case 'f':
		SIPSCAN_NAME("from", 0, H_FROM);
		break;
	case 'm':
		SIPSCAN_NAME("max-forwards", 3, H_MAX_FORWARDS);
		break;
	case 'p':
		SIPSCAN_NAME("proxy-authenticate", 5, H_PROXY_AUTHENTICATE);
		SIPSCAN_NAME("proxy-authorization", 5, H_PROXY_AUTHORIZATION);
		break;
	case 's':
		SIPSCAN_NAME("server", 0, H_SERVER);
		break;
	case 't':
		SIPSCAN_NAME("to", 0, H_TO);
		break;
	case 'u':
		SIPSCAN_NAME("user-agent", 4, H_USER_AGENT);
		break;
	case 'v':
		SIPSCAN_NAME("via", 0, H_VIA);
		break;
	case 'w':
		SIPSCAN_NAME("www-authenticate", 3, H_WWW_AUTHENTICATE);
		break;
	}
#undef SIPSCAN_NAME
	return H_OTHER;
}

/* Test whether [p, e) holds a byte at or below 0x20 (SP, HT, controls). */
static int
sipscan_has_ctl(const char *p, const char *e)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t x;

	if (e - p < 8) {
		for (; p < e; p++)
			if ((unsigned char)*p <= 0x20)
				return 1;
		return 0;
	}
	/*
	 * Eight bytes at a time: (x - 0x21..) & ~x & 0x80.. is non-zero
	 * exactly when some byte of x is below 0x21; the last word overlaps.
	 */
	for (; e - p > 8; p += 8) {
		x = sipscan_load8(p);
		if (((x - ones * 0x21) & ~x & high) != 0)
			return 1;
	}
	x = sipscan_load8(e - 8);
	return ((x - ones * 0x21) & ~x & high) != 0;
}

/* Test whether [p, e) begins with a URI scheme followed by ':'. */
static inline int
sipscan_has_scheme(const char *p, const char *e)
{
	const char *q = p;

	/* "sip:" in any case, the usual one: letters folded, ':' exact. */
	if (e - p >= 4 && (sipscan_load4(p) | sipscan_load4("\x20\x20\x20")) ==
	    sipscan_load4("sip:"))
		return 1;
	if (q == e || !((*q | 0x20) >= 'a' && (*q | 0x20) <= 'z'))
		return 0;
	while (q < e && CC(*q, C_SCHEME))
		q++;
	return q < e && *q == ':';
}

/*
 * Parse one name-addr or addr-spec value (From, To, Contact) starting in
 * [p, e); stops at a top-level comma, which is the value's end.
 */
static void
sipscan_naddr(const char *p, const char *e, struct sipscan_na *na)
{
	const char *q, *r, *u;

	memset(na, 0, sizeof *na);
	p = sipscan_skip_lws(p, e);
	na->end = e;
	if (p < e && *p == '"') {
		if ((q = sipscan_skip_quoted(p, e)) == NULL) {
			na->quoting = 1;
			na->bad = 1;
			/* Salvage the URI if there is one. */
			if ((q = memchr(p, '<', (size_t)(e - p))) == NULL)
				return;
		}
		q = sipscan_skip_lws(q, e);
		if (q == e || *q != '<') {
			na->bad = 1;
			return;
		}
	} else {
		for (q = p; q < e && (IS_TOKEN(*q) || IS_LWS(*q)); q++)
			;
		if (q == e || *q != '<')
			q = p;
	}
	if (q < e && *q == '<') {
		u = q + 1;
		if ((r = memchr(u, '>', (size_t)(e - u))) == NULL) {
			na->quoting = 1;
			na->bad = 1;
			r = e;
		}
		if (u < r && (IS_LWS(*u) || IS_LWS(r[-1])))
			na->bad = 1;	/* "< sip:x >" (RFC 4475 badaspec) */
		q = sipscan_skip_lws(u, r);
		na->uri = sipscan_sv(q, sipscan_trim_end(q, r));
		if (na->uri.len == 0 || !sipscan_has_scheme(q, r))
			na->bad = 1;
		q = r < e ? r + 1 : e;
	} else {
		/* addr-spec: the URI ends at ';', ',' or white space. */
		if (p < e && *p == '*') {
			na->uri = sipscan_sv(p, p + 1);
			q = p + 1;
		} else {
			for (q = p; q < e && *q != ';' && *q != ',' &&
			    !IS_LWS(*q); q++)
				;
			na->uri = sipscan_sv(p, q);
			if (!sipscan_has_scheme(p, q))
				na->bad = 1;
			else {
				r = memchr(p, '@', (size_t)(q - p));
				r = r != NULL ? r : p;
				if (memchr(r, '?', (size_t)(q - r)) != NULL)
					na->bad = 1;	/* needs <> */
			}
		}
	}
	na->end = sipscan_next_comma(q, e);
	na->params = sipscan_sv(q, sipscan_trim_end(q, na->end));
	/* Only parameters may follow the URI. */
	r = sipscan_skip_lws(q, na->end);
	if (r < na->end && *r != ';')
		na->bad = 1;
}

/*
 * Step over one plain parameter at *pp (at its ';'): its name and value
 * (SV_STR_NULL without '=').  Returns 0 at the end of [*pp, e), -1 when the
 * parameter is empty or not made of plain bytes (the general path decides),
 * 2 when the name is hint (hn lower-case letters, in any case), which is
 * then found without a scan, and 1 for any other name.
 */
static inline int
sipscan_plain_param(const char **pp, const char *e, const char *hint,
    size_t hn, struct sv_str *name, struct sv_str *value)
{
	const char *p = *pp, *n, *v;
	int rc = 1;

	if (p == e)
		return 0;
	if (*p != ';')
		return -1;
	n = ++p;
	/* The name up to '=', then plain bytes (more '=' too) to the ';'. */
	if (hn > 0 && (size_t)(e - p) >= hn && sipscan_lceq(p, hint, hn) &&
	    ((size_t)(e - p) == hn ||
	    !(sipscan_plain[(unsigned char)p[hn]] & P_NAME))) {
		p += hn;
		rc = 2;
	} else
		p = sipscan_span_plain(p, e, P_NAME);
	*name = sipscan_sv(n, p);
	if (p < e && *p == '=') {
		v = ++p;
		p = sipscan_span_plain(p, e, 1);
		*value = sipscan_sv(v, p);
	} else
		*value = SV_STR_NULL;
	if (p == n || (p < e && *p != ';'))
		return -1;
	*pp = p;
	return rc;
}

/*
 * The common From/To shapes in one pass: ["display"] <uri> followed by
 * plain parameters.  Gives what the general path would (and no bad bits),
 * or returns 0 without touching anything when the value is not that simple.
 */
static int
sipscan_fromto_fast(const char *p, const char *e, struct sv_str *uri,
    struct sv_str *tag)
{
	const char *q, *u, *r;
	struct sv_str n, v, t = SV_STR_NULL;
	int found = 0, rc;

	if (p == e)
		return 0;
	if (*p == '"') {
		if ((q = sipscan_skip_quoted(p, e)) == NULL)
			return 0;
		q = sipscan_skip_lws(q, e);
		if (q == e || *q != '<')
			return 0;
	} else if (*p == '<')
		q = p;
	else
		return 0;
	u = q + 1;
	if ((r = memchr(u, '>', (size_t)(e - u))) == NULL || r == u ||
	    IS_LWS(*u) || IS_LWS(r[-1]) || !sipscan_has_scheme(u, r))
		return 0;
	q = r + 1;
	while ((rc = sipscan_plain_param(&q, e, "tag", 3, &n, &v)) > 0) {
		if (rc == 2 && !found) {
			t = v;
			found = 1;
		}
	}
	if (rc != 0)
		return 0;
	*uri = sipscan_sv(u, r);
	*tag = t;
	return 1;
}

/* Scan the From or To header value into its slices; returns bad bits. */
static unsigned
sipscan_fromto(const char *p, const char *e, struct sv_str *whole,
    struct sv_str *uri, struct sv_str *tag, unsigned badbit)
{
	struct sipscan_na na;
	unsigned bad = 0;

	if (whole->s != NULL)
		return badbit;		/* repeated */
	*whole = sipscan_sv(p, e);
	if (sipscan_fromto_fast(p, e, uri, tag))
		return 0;
	sipscan_naddr(p, e, &na);
	*uri = na.uri;
	if (na.bad || na.end != e)
		bad |= badbit;
	if (na.quoting)
		bad |= SIP_BAD_QUOTING;
	if (na.params.s != NULL && sipscan_elements(na.params.s,
	    na.params.s + na.params.len, 1, NULL, NULL))
		bad |= SIP_BAD_SEPARATORS;
	if (!sipscan_param(na.params, "tag", tag))
		*tag = SV_STR_NULL;
	return bad;
}

/* Scan a Contact header value: the first URI, and list checks. */
static void
sipscan_contact(struct sip_msg *m, const char *p, const char *e)
{
	struct sipscan_na na;

	if (sipscan_elements(p, e, 0, NULL, NULL))
		m->bad |= SIP_BAD_SEPARATORS;
	while (p < e) {
		sipscan_naddr(p, e, &na);
		if (na.bad)
			m->bad |= SIP_BAD_CONTACT;
		if (na.quoting)
			m->bad |= SIP_BAD_QUOTING;
		if (m->contact_uri.s == NULL && na.uri.len > 0)
			m->contact_uri = na.uri;
		if (na.end == e)
			break;
		p = na.end + 1;
	}
}

/* Store a single-valued slice, keeping the first occurrence. */
static void
sipscan_first(struct sv_str *dst, struct sv_str v)
{
	if (dst->s == NULL)
		*dst = v;
}

/* Parse a decimal port in [p, e); -1 when empty or over 65535. */
static long
sipscan_port(const char *p, const char *e)
{
	long v = 0;

	if (p == e)
		return -1;
	for (; p < e; p++) {
		if (!IS_DIGIT(*p))
			return -1;
		v = v * 10 + (*p - '0');
		if (v > 65535)
			return -1;
	}
	return v;
}

/* Scan the top Via value (sent-protocol, sent-by, params) into m. */
static void
sipscan_via_top(struct sip_msg *m, const char *p, const char *e)
{
	const char *q, *h, *he;
	struct sv_str n, v;
	long port;
	int i;

	m->via = sipscan_sv(p, e);
	/* SIP / 2.0 / transport, with LWS allowed around the slashes. */
	for (i = 0; i < 3; i++) {
		p = sipscan_skip_lws(p, e);
		for (q = p; q < e && IS_TOKEN(*q); q++)
			;
		if (q == p) {
			m->bad |= SIP_BAD_VIA;
			return;
		}
		if (i == 0 && !(q - p == 3 && sipscan_lceq(p, "sip", 3)))
			m->bad |= SIP_BAD_VIA;
		if (i == 1 && !(q - p == 3 && memcmp(p, "2.0", 3) == 0))
			m->bad |= SIP_BAD_VERSION;
		if (i == 2)
			m->via_transport = sipscan_sv(p, q);
		p = sipscan_skip_lws(q, e);
		if (i < 2) {
			if (p == e || *p != '/') {
				m->bad |= SIP_BAD_VIA;
				return;
			}
			p++;
		}
	}
	/* sent-by: host [ ":" port ] */
	if (p < e && *p == '[') {
		h = p + 1;
		if ((he = memchr(h, ']', (size_t)(e - h))) == NULL) {
			m->bad |= SIP_BAD_VIA;
			return;
		}
		q = he + 1;
	} else {
		h = p;
		for (q = p; q < e && *q != ':' && *q != ';' && !IS_LWS(*q);
		    q++)
			;
		he = q;
	}
	if (h == he) {
		m->bad |= SIP_BAD_VIA;
		return;
	}
	m->via_host = sipscan_sv(h, he);
	q = sipscan_skip_lws(q, e);
	if (q < e && *q == ':') {
		p = sipscan_skip_lws(q + 1, e);
		for (q = p; q < e && IS_DIGIT(*q); q++)
			;
		if ((port = sipscan_port(p, q)) < 0)
			m->bad |= SIP_BAD_VIA;
		else
			m->via_port = (uint16_t)port;
		q = sipscan_skip_lws(q, e);
	}
	if (q < e && *q != ';') {
		m->bad |= SIP_BAD_VIA;
		return;
	}
	while (sipscan_param_next(&q, e, &n, &v)) {
		if (n.len == 6 && sipscan_lceq(n.s, "branch", 6))
			sipscan_first(&m->via_branch, v);
		else if (n.len == 8 && sipscan_lceq(n.s, "received", 8))
			sipscan_first(&m->via_received, v);
		else if (n.len == 5 && sipscan_lceq(n.s, "rport", 5) &&
		    !m->via_has_rport) {
			m->via_has_rport = 1;
			m->via_rport = v;
		}
	}
}

/*
 * The common top Via in one pass: "SIP/2.0/transport host[:port]" followed
 * by plain parameters, a single value.  Fills what the general path would
 * (and no bad bits), or returns 0 without touching m when it is not that.
 */
static int
sipscan_via_fast(struct sip_msg *m, const char *p, const char *e)
{
	const char *t, *te, *h, *he, *q, *d;
	struct sv_str n, v, branch = SV_STR_NULL, received = SV_STR_NULL;
	struct sv_str rport = SV_STR_NULL;
	const char *hint;
	long port = 0;
	int has_rport = 0, rc;

	if (e - p < 10 || !sipscan_lceq(p, "sip", 3) ||
	    memcmp(p + 3, "/2.0/", 5) != 0)
		return 0;
	t = p + 8;
	te = sipscan_span_token(t, e);
	if (te == t || e - te < 2 || *te != ' ')
		return 0;
	h = te + 1;
	he = sipscan_span_plain(h, e, P_HOST);
	if (he == h || *h == '[' || (he < e && *he != ':' && *he != ';'))
		return 0;
	q = he;
	if (q < e && *q == ':') {
		/* The port's digits, kept above 65535 once over it. */
		for (d = ++q; q < e && IS_DIGIT(*q); q++)
			if (port <= 65535)
				port = port * 10 + (*q - '0');
		if (q == d || port > 65535 || (q < e && *q != ';'))
			return 0;
	}
	for (;;) {
		/* Guess the name from its first letters: one compare then. */
		hint = "";
		if (e - q >= 3 && (q[1] | 0x20) == 'b')
			hint = "branch";
		else if (e - q >= 3 && (q[1] | 0x20) == 'r')
			hint = (q[2] | 0x20) == 'p' ? "rport" : "received";
		if ((rc = sipscan_plain_param(&q, e, hint, strlen(hint), &n,
		    &v)) <= 0)
			break;
		if (rc == 1)
			continue;
		if (hint[0] == 'b')
			sipscan_first(&branch, v);
		else if (hint[1] == 'e')
			sipscan_first(&received, v);
		else if (!has_rport) {
			has_rport = 1;
			rport = v;
		}
	}
	if (rc != 0)
		return 0;
	m->via = sipscan_sv(p, e);
	m->via_transport = sipscan_sv(t, te);
	m->via_host = sipscan_sv(h, he);
	m->via_port = (uint16_t)port;
	m->via_branch = branch;
	m->via_received = received;
	m->via_has_rport = has_rport;
	m->via_rport = rport;
	m->via_count = 1;
	return 1;
}

/* Scan one Via header: count its values, parse the first of the first. */
static void
sipscan_via(struct sip_msg *m, const char *p, const char *e)
{
	const char *first;
	int n;

	if (m->via_count == 0 && sipscan_via_fast(m, p, e))
		return;
	if (sipscan_elements(p, e, 0, &first, &n))
		m->bad |= SIP_BAD_SEPARATORS;
	if (n == 0) {
		m->bad |= SIP_BAD_VIA;
		return;
	}
	if (m->via_count == 0) {
		p = sipscan_skip_lws(p, first);
		if (p == first) {
			/* An empty first element: take the next one. */
			p = sipscan_skip_lws(first + 1, e);
			first = sipscan_next_comma(p, e);
		}
		sipscan_via_top(m, p, sipscan_trim_end(p, first));
	}
	m->via_count += n;
}

/* Parse a CSeq value: a 32-bit number and a method token. */
static void
sipscan_cseq(struct sip_msg *m, const char *p, const char *e)
{
	const char *q;
	uint64_t v = 0;

	if (m->cseq_method.s != NULL) {
		m->bad |= SIP_BAD_CSEQ;	/* repeated */
		return;
	}
	for (q = p; q < e && IS_DIGIT(*q); q++) {
		v = v * 10 + (uint64_t)(*q - '0');
		if (v > 0xffffffffULL) {
			m->bad |= SIP_BAD_CSEQ;
			v = 0xffffffffULL + 1;	/* stays over the limit */
		}
	}
	if (q == p || v > 0xffffffffULL)
		m->bad |= SIP_BAD_CSEQ;
	else
		m->cseq = (uint32_t)v;
	if (q == e || !IS_LWS(*q)) {
		m->bad |= SIP_BAD_CSEQ;
		return;
	}
	p = sipscan_skip_lws(q, e);
	q = sipscan_span_token(p, e);
	m->cseq_method = sipscan_sv(p, q);
	if (q == p || q != e)
		m->bad |= SIP_BAD_CSEQ;
}

/* Parse an unsigned decimal value [p, e); -1 when not all digits or over max. */
static int64_t
sipscan_uint(const char *p, const char *e, uint64_t max)
{
	uint64_t v = 0;

	if (p == e)
		return -1;
	for (; p < e; p++) {
		if (!IS_DIGIT(*p))
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return -1;
	}
	return (int64_t)v;
}

/* Store one auth-param value in the slot its name selects. */
static void
sipscan_auth_param(struct sip_auth *a, const char *n, size_t nl,
    struct sv_str v)
{
	struct sv_str *dst = NULL;

	switch (nl) {
	case 2:
		if (sipscan_lceq(n, "nc", 2))
			dst = &a->nc;
		break;
	case 3:
		if (sipscan_lceq(n, "uri", 3))
			dst = &a->uri;
		else if (sipscan_lceq(n, "qop", 3))
			dst = &a->qop;
		break;
	case 5:
		if (sipscan_lceq(n, "realm", 5))
			dst = &a->realm;
		else if (sipscan_lceq(n, "nonce", 5))
			dst = &a->nonce;
		else if (sipscan_lceq(n, "stale", 5))
			dst = &a->stale;
		break;
	case 6:
		if (sipscan_lceq(n, "cnonce", 6))
			dst = &a->cnonce;
		else if (sipscan_lceq(n, "opaque", 6))
			dst = &a->opaque;
		else if (sipscan_lceq(n, "domain", 6))
			dst = &a->domain;
		break;
	case 8:
		if (sipscan_lceq(n, "username", 8))
			dst = &a->username;
		else if (sipscan_lceq(n, "response", 8))
			dst = &a->response;
		else if (sipscan_lceq(n, "userhash", 8))
			dst = &a->userhash;
		break;
	case 9:
		if (sipscan_lceq(n, "algorithm", 9))
			dst = &a->algorithm;
		break;
	}
	if (dst != NULL && dst->s == NULL)
		*dst = v;
}

/*
 * Scan an authentication header value: one or more challenges or
 * credentials, each "scheme param=value, param="value", ...".
 */
static void
sipscan_auth(struct sip_msg *m, enum sip_auth_kind kind, const char *p,
    const char *e)
{
	struct sip_auth *a;
	const char *q, *n, *ne, *vs, *ve, *last;
	int nparams;

	p = sipscan_skip_lws(p, e);
	while (p < e) {
		while (p < e && (IS_LWS(*p) || *p == ','))
			p++;
		if (p == e)
			break;
		for (q = p; q < e && IS_TOKEN(*q); q++)
			;
		if (q == p) {
			m->bad |= SIP_BAD_HEADER_LINE;
			return;
		}
		a = NULL;
		if (m->n_auth < SIP_MAX_AUTH) {
			a = &m->auth[m->n_auth++];
			memset(a, 0, sizeof *a);
			a->kind = kind;
			a->scheme = sipscan_sv(p, q);
		} else
			m->n_auth_extra++;
		last = q;
		nparams = 0;
		/* The parameters, up to the end or the next scheme. */
		for (q = sipscan_skip_lws(q, e); q < e;) {
			n = q;
			for (ne = n; ne < e && IS_TOKEN(*ne); ne++)
				;
			q = sipscan_skip_lws(ne, e);
			if (ne == n || q == e || *q != '=') {
				if (nparams > 0 && ne > n) {
					q = n;	/* another challenge begins */
					break;
				}
				/* token68 or junk: up to the next comma. */
				q = sipscan_next_comma(n, e);
				last = sipscan_trim_end(n, q);
				if (ne == n && q == n)
					q++;	/* a stray byte: move on */
				nparams++;
				goto next;
			}
			q = sipscan_skip_lws(q + 1, e);
			if (q < e && *q == '"') {
				vs = q + 1;
				if ((q = sipscan_skip_quoted(q, e)) == NULL) {
					m->bad |= SIP_BAD_QUOTING;
					ve = q = e;
				} else
					ve = q - 1;
				last = q;
			} else {
				vs = q;
				while (q < e && *q != ',' && !IS_LWS(*q))
					q++;
				ve = last = q;
			}
			if (a != NULL)
				sipscan_auth_param(a, n, (size_t)(ne - n),
				    sipscan_sv(vs, ve));
			nparams++;
			q = sipscan_skip_lws(q, e);
			if (q < e && *q != ',')
				q = sipscan_next_comma(q, e);
		next:
			if (q < e && *q == ',')
				q++;
			q = sipscan_skip_lws(q, e);
		}
		if (a != NULL)
			a->value = sipscan_sv(p, last);
		p = q;
	}
}

/* Dispatch one header (name and trimmed value) to its scanner. */
static void
sipscan_header(struct sip_msg *m, enum sipscan_hdr id, const char *p,
    const char *e, long *cl)
{
	int64_t v;

	switch (id) {
	case H_OTHER:
		break;
	case H_CALL_ID:
		if (m->call_id.s != NULL || p == e)
			m->bad |= SIP_BAD_CALL_ID;
		sipscan_first(&m->call_id, sipscan_sv(p, e));
		break;
	case H_CSEQ:
		sipscan_cseq(m, p, e);
		break;
	case H_FROM:
		m->bad |= sipscan_fromto(p, e, &m->from, &m->from_uri,
		    &m->from_tag, SIP_BAD_FROM);
		break;
	case H_TO:
		m->bad |= sipscan_fromto(p, e, &m->to, &m->to_uri,
		    &m->to_tag, SIP_BAD_TO);
		break;
	case H_VIA:
		sipscan_via(m, p, e);
		break;
	case H_CONTACT:
		sipscan_contact(m, p, e);
		break;
	case H_CONTENT_LENGTH:
		v = sipscan_clen(p, e);
		if (v < 0 || (*cl != -1 && *cl != v))
			m->bad |= SIP_BAD_CONTENT_LENGTH;
		if (*cl == -1)
			*cl = v < 0 ? -2 : v;
		break;
	case H_CONTENT_TYPE:
		sipscan_first(&m->content_type, sipscan_sv(p, e));
		break;
	case H_USER_AGENT:
		sipscan_first(&m->user_agent, sipscan_sv(p, e));
		break;
	case H_SERVER:
		sipscan_first(&m->server, sipscan_sv(p, e));
		break;
	case H_MAX_FORWARDS:
		if (sipscan_uint(p, e, 255) < 0)
			m->bad |= SIP_BAD_SCALAR;
		sipscan_first(&m->max_forwards, sipscan_sv(p, e));
		break;
	case H_EXPIRES:
		if (p < e && IS_DIGIT(*p) && sipscan_uint(p, e, 0xffffffffULL) < 0)
			m->bad |= SIP_BAD_SCALAR;
		break;
	case H_DATE:
		if (e - p < 3 || memcmp(e - 3, "GMT", 3) != 0)
			m->bad |= SIP_BAD_DATE;
		break;
	case H_WWW_AUTHENTICATE:
		sipscan_auth(m, SIP_AUTH_WWW_AUTHENTICATE, p, e);
		break;
	case H_PROXY_AUTHENTICATE:
		sipscan_auth(m, SIP_AUTH_PROXY_AUTHENTICATE, p, e);
		break;
	case H_AUTHORIZATION:
		sipscan_auth(m, SIP_AUTH_AUTHORIZATION, p, e);
		break;
	case H_PROXY_AUTHORIZATION:
		sipscan_auth(m, SIP_AUTH_PROXY_AUTHORIZATION, p, e);
		break;
	}
}

/*
 * Scan a request line [p, e) that sipscan_request_like() accepted, with
 * the method's end q, the trimmed end te and the version's start v it found.
 */
static void
sipscan_request_line(struct sip_msg *m, const char *p, const char *e,
    const char *q, const char *te, const char *v)
{
	const char *u, *ue, *at;

	m->is_request = 1;
	m->method = sipscan_sv(p, q);
	u = q + 1;
	if (u < e && IS_WS(*u)) {
		m->bad |= SIP_BAD_START_LINE;	/* RFC 4475 lwsstart */
		u = sipscan_skip_lws(u, e);
	}
	if (te != e)
		m->bad |= SIP_BAD_START_LINE;	/* RFC 4475 trws */
	if (!(te - v == 7 && sipscan_lceq(v, "sip/2.0", 7)))
		m->bad |= SIP_BAD_VERSION;
	ue = v - 1;
	if (ue > u && IS_WS(ue[-1])) {
		m->bad |= SIP_BAD_START_LINE;
		ue = sipscan_trim_end(u, ue);
	}
	m->ruri = sipscan_sv(u, ue > u ? ue : u);
	if (ue <= u) {
		m->bad |= SIP_BAD_RURI;
		return;
	}
	if (sipscan_has_ctl(u, ue))
		m->bad |= SIP_BAD_RURI;		/* RFC 4475 lwsruri */
	if (*u == '<' || !sipscan_has_scheme(u, ue))
		m->bad |= SIP_BAD_RURI;		/* RFC 4475 ltgtruri */
	else if (((ue - u > 4 && sipscan_lceq(u, "sip:", 4)) ||
	    (ue - u > 5 && sipscan_lceq(u, "sips:", 5))) &&
	    memchr(u, '?', (size_t)(ue - u)) != NULL) {
		/* No headers in a SIP Request-URI (RFC 3261 19.1.1). */
		for (at = ue; at > u && at[-1] != '@'; at--)
			;
		if (memchr(at, '?', (size_t)(ue - at)) != NULL)
			m->bad |= SIP_BAD_RURI;	/* RFC 4475 escruri */
	}
}

/* Scan a status line [p, e) that is known to start with SIP/d.d SP ddd. */
static void
sipscan_status_line(struct sip_msg *m, const char *p, const char *e)
{
	const char *q;
	int v = 0;

	if (!sipscan_lceq(p, "sip/2.0", 7))
		m->bad |= SIP_BAD_VERSION;
	for (q = p + 8; q < e && IS_DIGIT(*q); q++)
		if (q - p < 11)
			v = v * 10 + (*q - '0');
	if (q - p != 11 || v < 100 || v > 699)
		m->bad |= SIP_BAD_STATUS;
	else
		m->status = v;
	if (q < e && *q != ' ') {
		m->bad |= SIP_BAD_STATUS;
		return;
	}
	m->reason = q < e ? sipscan_sv(q + 1, e) : sipscan_sv(e, e);
}

/* Scan one message of len bytes into *m; -1 when the bytes are not SIP. */
int
sipscan_parse(const char *buf, size_t len, struct sip_msg *m)
{
	const char *p, *e, *s, *nl, *le, *next, *q, *n, *te, *v;
	const char *hend = NULL;
	enum sipscan_hdr id;
	long cl = -1;
	size_t avail;

	memset(m, 0, offsetof(struct sip_msg, auth));
	m->n_auth = m->n_auth_extra = m->n_headers = 0;
	m->content_length = -1;
	if (buf == NULL || len == 0)
		return -1;
	e = buf + len;
	for (p = buf; p < e && (*p == '\r' || *p == '\n'); p++)
		;
	if (p == e || !IS_TOKEN(*p))
		return -1;
	nl = memchr(p, '\n', (size_t)(e - p));
	le = nl != NULL ? nl : e;
	if (le > p && le[-1] == '\r')
		le--;
	if (sipscan_version_like(p, le)) {
		if (!sipscan_status_like(p, le))
			return -1;
		m->buf = p;
		m->first_line = sipscan_sv(p, le);
		sipscan_status_line(m, p, le);
	} else {
		if (!sipscan_request_like(p, le, &q, &te, &v))
			return -1;
		m->buf = p;
		m->first_line = sipscan_sv(p, le);
		sipscan_request_line(m, p, le, q, te, v);
	}

	for (s = nl != NULL ? nl + 1 : e; s < e; s = next) {
		nl = memchr(s, '\n', (size_t)(e - s));
		le = nl != NULL ? nl : e;
		next = nl != NULL ? nl + 1 : e;
		if (le > s && le[-1] == '\r')
			le--;
		if (le == s) {
			if (nl != NULL)
				hend = next;
			break;
		}
		if (IS_WS(*s)) {
			/* A continuation line with no header to continue. */
			m->bad |= SIP_BAD_HEADER_LINE;
			continue;
		}
		/* Fold continuation lines (CRLF followed by SP or HT) in. */
		while (next < e && IS_WS(*next)) {
			nl = memchr(next, '\n', (size_t)(e - next));
			le = nl != NULL ? nl : e;
			next = nl != NULL ? nl + 1 : e;
			if (le > s && le[-1] == '\r')
				le--;
		}
		if ((id = sipscan_header_fast(s, le, &n)) == H_OTHER)
			n = sipscan_span_token(s, le);
		q = n < le && *n == ':' ? n : sipscan_skip_lws(n, le);
		if (n == s || q == le || *q != ':') {
			m->bad |= SIP_BAD_HEADER_LINE;
			continue;
		}
		m->n_headers++;
		if (id != H_OTHER) {
			q++;
			if (q < le && *q == ' ')
				q++;
			q = sipscan_skip_lws(q, le);
			sipscan_header(m, id, q, sipscan_trim_end(q, le), &cl);
		}
	}

	if (m->call_id.s == NULL)
		m->bad |= SIP_BAD_CALL_ID;
	if (m->cseq_method.s == NULL)
		m->bad |= SIP_BAD_CSEQ;
	if (m->from.s == NULL)
		m->bad |= SIP_BAD_FROM;
	if (m->to.s == NULL)
		m->bad |= SIP_BAD_TO;
	if (m->via_count == 0)
		m->bad |= SIP_BAD_VIA;
	if (m->is_request && m->cseq_method.s != NULL &&
	    !sv_str_eq(m->method, m->cseq_method))
		m->bad |= SIP_BAD_CSEQ_METHOD;

	if (hend == NULL) {
		m->bad |= SIP_BAD_NO_HEADER_END;
		hend = e;
	}
	m->hdr_len = (size_t)(hend - m->buf);
	avail = (size_t)(e - hend);
	if (cl >= 0 && !(m->bad & SIP_BAD_CONTENT_LENGTH)) {
		m->content_length = cl;
		if ((size_t)cl > avail) {
			m->bad |= SIP_BAD_BODY_SHORT;
			m->body = sipscan_sv(hend, e);
		} else
			m->body = sipscan_sv(hend, hend + cl);
	} else
		m->body = sipscan_sv(hend, e);
	m->len = m->hdr_len + m->body.len;
	return 0;
}

/* Test whether [p, e) is a dotted-quad IPv4 address. */
static int
sipscan_is_ipv4(const char *p, const char *e)
{
	int dots = 0, digits = 0, v = 0;

	for (; p < e; p++) {
		if (*p == '.') {
			if (digits == 0 || ++dots > 3)
				return 0;
			digits = v = 0;
		} else if (IS_DIGIT(*p)) {
			v = v * 10 + (*p - '0');
			if (++digits > 3 || v > 255)
				return 0;
		} else
			return 0;
	}
	return dots == 3 && digits > 0;
}

/* Split a URI slice (with or without <>, display name) into its parts; 0 on success. */
int
sipscan_uri(struct sv_str uri, struct sip_uri *u)
{
	const char *p, *e, *q, *r, *at, *hp, *he;
	struct sipscan_na na;
	long port;

	memset(u, 0, sizeof *u);
	if (uri.s == NULL || uri.len == 0)
		return -1;
	p = uri.s;
	e = uri.s + uri.len;
	/* Strip a display name and angle brackets when present. */
	p = sipscan_skip_lws(p, e);
	if (p < e && !sipscan_has_scheme(p, e)) {
		sipscan_naddr(p, e, &na);
		if (na.uri.len == 0)
			return -1;
		p = na.uri.s;
		e = na.uri.s + na.uri.len;
		e = sipscan_trim_end(p, e);
		if (!sipscan_has_scheme(p, e))
			return -1;
	} else {
		/* Trimming white space cannot take the scheme's ':' away. */
		e = sipscan_trim_end(p, e);
		if (p == e)
			return -1;
	}
	q = memchr(p, ':', (size_t)(e - p));
	u->scheme = sipscan_sv(p, q);
	p = q + 1;
	if (u->scheme.len == 3 && sipscan_lceq(u->scheme.s, "tel", 3)) {
		for (q = p; q < e && *q != ';'; q++)
			;
		u->user = sipscan_sv(p, q);
		u->params = q < e ? sipscan_sv(q + 1, e) : sipscan_sv(e, e);
		return u->user.len > 0 ? 0 : -1;
	}
	if (!((u->scheme.len == 3 && sipscan_lceq(u->scheme.s, "sip", 3)) ||
	    (u->scheme.len == 4 && sipscan_lceq(u->scheme.s, "sips", 4))))
		return 0;	/* another scheme: opaque */
	/* The user part ends at the last '@' (it may hold ';' and '?'). */
	for (at = e; at > p && at[-1] != '@'; at--)
		;
	if (at > p) {
		r = memchr(p, ':', (size_t)(at - 1 - p));
		u->user = sipscan_sv(p, r != NULL ? r : at - 1);
		hp = at;
	} else
		hp = p;
	if (hp < e && *hp == '[') {
		if ((he = memchr(hp, ']', (size_t)(e - hp))) == NULL)
			return -1;
		u->host = sipscan_sv(hp + 1, he);
		u->host_is_ip = 6;
		q = he + 1;
	} else {
		for (q = hp; q < e && !CC(*q, C_HEND); q++)
			;
		u->host = sipscan_sv(hp, q);
		if (sipscan_is_ipv4(hp, q))
			u->host_is_ip = 4;
	}
	if (u->host.len == 0)
		return -1;
	if (q < e && *q == ':') {
		for (r = ++q; r < e && IS_DIGIT(*r); r++)
			;
		if ((port = sipscan_port(q, r)) < 0)
			return -1;
		u->port = (uint16_t)port;
		q = r;
	}
	if (q < e && *q == ';') {
		r = memchr(q, '?', (size_t)(e - q));
		u->params = sipscan_sv(q + 1, r != NULL ? r : e);
	} else if (q < e && *q != '?')
		return -1;
	return 0;
}

/* Find a parameter (";name=value" or ";name") in a slice; 1 when present. */
int
sipscan_param(struct sv_str params, const char *name, struct sv_str *value)
{
	const char *p, *e;
	struct sv_str n, v;
	size_t nlen;

	if (params.s == NULL || name == NULL)
		return 0;
	nlen = strlen(name);
	p = params.s;
	e = params.s + params.len;
	while (sipscan_param_next(&p, e, &n, &v)) {
		if (n.len == nlen && nlen > 0 &&
		    strncasecmp(n.s, name, nlen) == 0) {
			if (value != NULL)
				*value = v;
			return 1;
		}
	}
	return 0;
}

/* Describe the bad bits as a comma-separated list of short names. */
size_t
sipscan_bad_describe(unsigned bad, char *buf, size_t len)
{
	static const char *const names[] = {
		"start-line", "version", "status", "request-uri",
		"header-line", "call-id", "cseq", "cseq-method", "from", "to",
		"via", "content-length", "body-short", "quoting", "scalar",
		"no-header-end", "separators", "contact", "date",
	};
	size_t i, n = 0, l;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if ((bad & (1u << i)) == 0)
			continue;
		l = strlen(names[i]);
		if (n + (n > 0) + l + 1 > len)
			break;
		if (n > 0)
			buf[n++] = ',';
		memcpy(buf + n, names[i], l);
		n += l;
		buf[n] = '\0';
	}
	return n;
}
