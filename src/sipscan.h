/*
 * sipscan.h: the zero-copy SIP scanner, sipvet's hot path.
 *
 * sipscan_parse() walks a message's immutable bytes once and fills a
 * struct sip_msg with slices into them: nothing is copied or allocated, so a
 * result is valid only while the bytes are.  It accepts what RFC 3261 and
 * RFC 4475 say a liberal parser accepts (compact header forms, any header
 * name case, folded lines, bare-LF line ends) and flags, rather than refuses,
 * what is malformed, so the tracker can still count and show the message.
 * Full structured parsing is libosip2's job (sipparse.c), off this path.
 */
#ifndef SIPSCAN_H
#define SIPSCAN_H

#include "sv.h"

/* Malformations found by the scanner (struct sip_msg.bad, a bitmask). */
enum sip_bad {
	SIP_BAD_START_LINE	= 1u << 0,	/* no parsable request or status line */
	SIP_BAD_VERSION		= 1u << 1,	/* not SIP/2.0 */
	SIP_BAD_STATUS		= 1u << 2,	/* status code not 3 digits 100-699 */
	SIP_BAD_RURI		= 1u << 3,	/* Request-URI missing, unbalanced or with spaces */
	SIP_BAD_HEADER_LINE	= 1u << 4,	/* a header line without a name or colon */
	SIP_BAD_CALL_ID		= 1u << 5,	/* Call-ID missing, empty or repeated */
	SIP_BAD_CSEQ		= 1u << 6,	/* CSeq missing, not a 32-bit number, or no method */
	SIP_BAD_CSEQ_METHOD	= 1u << 7,	/* request method differs from CSeq method */
	SIP_BAD_FROM		= 1u << 8,	/* From missing or unparsable */
	SIP_BAD_TO		= 1u << 9,	/* To missing or unparsable */
	SIP_BAD_VIA		= 1u << 10,	/* Via missing or unparsable */
	SIP_BAD_CONTENT_LENGTH	= 1u << 11,	/* not a number, negative, or conflicting */
	SIP_BAD_BODY_SHORT	= 1u << 12,	/* Content-Length beyond the bytes present */
	SIP_BAD_QUOTING		= 1u << 13,	/* unbalanced quotes or angle brackets */
	SIP_BAD_SCALAR		= 1u << 14,	/* Max-Forwards, Expires or similar out of range */
	SIP_BAD_NO_HEADER_END	= 1u << 15,	/* no blank line ending the headers */
	SIP_BAD_SEPARATORS	= 1u << 16,	/* empty list elements or parameters (;; ,,) */
	SIP_BAD_CONTACT		= 1u << 17,	/* Contact unparsable (addr-spec with headers) */
	SIP_BAD_DATE		= 1u << 18,	/* Date not in the GMT form RFC 3261 requires */
};

/* Kinds of authentication header the scanner extracts. */
enum sip_auth_kind {
	SIP_AUTH_WWW_AUTHENTICATE = 0,
	SIP_AUTH_PROXY_AUTHENTICATE,
	SIP_AUTH_AUTHORIZATION,
	SIP_AUTH_PROXY_AUTHORIZATION,
};

/*
 * One authentication header's parameters.  Values are slices with the
 * surrounding quotes removed (quoted-pair escapes are left as they are);
 * an absent parameter has s == NULL.
 */
struct sip_auth {
	enum sip_auth_kind kind;
	struct sv_str	 value;		/* the whole header value */
	struct sv_str	 scheme;	/* "Digest" */
	struct sv_str	 realm, nonce, username, uri, response, algorithm;
	struct sv_str	 qop, nc, cnonce, opaque, stale, domain, userhash;
};

#define SIP_MAX_AUTH	8		/* more are counted in n_auth_extra */

/* What the scanner found in one message; all slices point into buf. */
struct sip_msg {
	const char	*buf;
	size_t		 len;		/* bytes of this message (headers + body) */
	unsigned	 bad;		/* enum sip_bad bits; 0 when well-formed */

	int		 is_request;
	struct sv_str	 method;	/* requests */
	struct sv_str	 ruri;		/* requests */
	int		 status;	/* responses: 100-699 */
	struct sv_str	 reason;	/* responses */
	struct sv_str	 first_line;	/* without its line end */

	struct sv_str	 call_id;
	uint32_t	 cseq;
	struct sv_str	 cseq_method;

	struct sv_str	 from, from_uri, from_tag;	/* from: the whole value */
	struct sv_str	 to, to_uri, to_tag;

	/* Top Via only (the first value of the first Via header). */
	struct sv_str	 via;
	struct sv_str	 via_transport;	/* "UDP", "TCP", ... */
	struct sv_str	 via_host;	/* sent-by host, no brackets for IPv6 */
	uint16_t	 via_port;	/* 0 when absent */
	struct sv_str	 via_branch, via_received, via_rport;
	int		 via_has_rport;	/* rport present, with or without value */
	int		 via_count;	/* Via values seen in all Via headers */

	struct sv_str	 contact_uri;	/* first Contact's URI ("*" allowed) */
	struct sv_str	 user_agent;
	struct sv_str	 server;
	struct sv_str	 max_forwards;
	struct sv_str	 content_type;

	long		 content_length; /* -1 when absent */
	size_t		 hdr_len;	/* offset of the body */
	struct sv_str	 body;		/* as framed: Content-Length bytes when given */

	struct sip_auth	 auth[SIP_MAX_AUTH];
	int		 n_auth;
	int		 n_auth_extra;
	int		 n_headers;
};

/* The parts of a SIP URI (sip:user:password@host:port;params?headers). */
struct sip_uri {
	struct sv_str	 scheme;	/* "sip", "sips", "tel", ... */
	struct sv_str	 user;		/* may contain ';' (RFC 4475 semiuri) */
	struct sv_str	 host;		/* IPv6 without brackets */
	uint16_t	 port;		/* 0 when absent */
	struct sv_str	 params;	/* after the first ';' following the host */
	int		 host_is_ip;	/* 4 or 6 when the host is an IP literal */
};

/*
 * Scan one message of len bytes at buf into *m.  Returns 0 when it is a
 * SIP message (possibly with m->bad set), -1 when it is not SIP at all.
 * For datagrams, m->len is the framed length (trailing bytes are ignored,
 * RFC 4475 3.1.1.8).  Never reads outside [buf, buf+len).
 */
int	sipscan_parse(const char *buf, size_t len, struct sip_msg *m);

/*
 * Cheap test of whether bytes start like a SIP message (request line
 * ending in SIP/2.0, or a status line).  Used to recognise SIP on any port.
 */
int	sipscan_is_sip(const char *buf, size_t len);

/*
 * Frame a message at the start of a byte stream (TCP, TLS plaintext, WS):
 * returns the length of the first complete message (headers, blank line,
 * Content-Length body; a missing Content-Length counts as 0), 0 when more
 * bytes are needed, or -1 when the bytes do not start a SIP message (the
 * caller skips to resynchronise).  Leading CRLF keep-alives are reported
 * through *skip (bytes to drop before the message).  max bounds the header
 * size searched; past it the result is -1.
 */
long	sipscan_frame(const char *buf, size_t len, size_t max, size_t *skip);

/* Split a URI slice (with or without <>, display name) into its parts; 0 on success. */
int	sipscan_uri(struct sv_str uri, struct sip_uri *u);

/* Find a parameter (";name=value" or ";name") in a slice; 1 when present. */
int	sipscan_param(struct sv_str params, const char *name, struct sv_str *value);

/* Describe the bad bits as a comma-separated list of short names. */
size_t	sipscan_bad_describe(unsigned bad, char *buf, size_t len);

#endif
