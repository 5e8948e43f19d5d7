/*
 * tcpreasm.c: TCP stream reassembly and SIP framing for the capture path.
 *
 * Workload: SIP over TCP towards a trunk is mostly a few long-lived
 * connections whose segments arrive in order and carry whole messages, so
 * the common case frames straight out of the segment without copying; only
 * leftovers, out-of-order segments and WebSocket payloads are copied.  Both
 * directions of a connection share one flow, found in a uthash table keyed
 * by the ordered address pair and kept in an LRU list for eviction.  Memory
 * is bounded per direction (flow_buf), in total (mem) and by flow count
 * (max_flows); every byte given up is counted in struct sv_stats.
 *
 * Sequence numbers are compared modulo 2^32 (RFC 9293 section 3.4).  Each
 * direction runs a small state machine over its in-order bytes: classify the
 * first bytes (SIP, an HTTP upgrade to WebSocket, or neither), frame SIP by
 * Content-Length (RFC 3261 section 18.3), resynchronise on a SIP start line
 * after junk or a gap, and remove WebSocket framing (RFC 6455 section 5).
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uthash.h>

#include "sv.h"
#include "sipscan.h"
#include "tcpreasm.h"

/* Out-of-order data waits this long (capture time) for a gap to fill. */
#define TCPR_GAP_WAIT		(2 * 1000000LL)
/* Bytes to wait for a line end before deciding whether a line is SIP. */
#define TCPR_LINE_WAIT		4096
/* Bytes of a mid-stream direction searched for a SIP start line. */
#define TCPR_PROBE_MAX		(64 * 1024)
/* Payload bytes unmasked to test whether a WebSocket frame carries SIP. */
#define TCPR_WS_PROBE		256
/* Largest segment taken; a bigger one cannot be real (RFC 9293 window). */
#define TCPR_SEG_MAX		(1u << 30)
/* Out-of-order segments held per direction before the gap is given up. */
#define TCPR_OOO_MAX		1024

/* What a direction's bytes are being read as. */
enum tcpr_state {
	TCPR_NEW = 0,		/* nothing classified yet */
	TCPR_SIP,		/* framing SIP messages */
	TCPR_RESYNC,		/* looking for a SIP start line */
	TCPR_SKIP,		/* discarding the rest of an oversized message */
	TCPR_HTTP,		/* reading an HTTP header block (WS upgrade) */
	TCPR_WS,		/* expecting a WebSocket frame header */
	TCPR_WSPAY,		/* inside a WebSocket frame's payload */
	TCPR_WSSYNC,		/* looking for a WebSocket frame carrying SIP */
	TCPR_NOTSIP,		/* not SIP: ignored until a SYN or expiry */
	TCPR_CLOSED		/* FIN processed */
};

/* An out-of-order segment, copied, in a list sorted by sequence number. */
struct tcpr_seg {
	struct tcpr_seg	*next;
	uint32_t	 seq;
	size_t		 len;
	char		 data[];
};

/* One WebSocket frame header (RFC 6455 section 5.2). */
struct tcpr_wshdr {
	int		 fin;
	int		 rsv;
	int		 op;
	int		 masked;
	uint8_t		 key[4];
	uint64_t	 plen;
	size_t		 hlen;
};

/* One direction of a connection. */
struct tcpr_dir {
	enum tcpr_state	 state;
	int		 have_seq;	/* next is valid */
	int		 syn;		/* started by a SYN (isn valid) */
	int		 midstream;	/* first bytes may be mid-message (2: gap counted) */
	int		 probing;	/* RESYNC searching a mid-stream start (as midstream) */
	int		 at_bol;	/* RESYNC: current position is a line start */
	int		 fin_pending;
	uint32_t	 isn;
	uint32_t	 next;		/* next expected sequence number */
	uint32_t	 fin_seq;
	size_t		 probed;	/* bytes dropped while probing */

	char		*buf;		/* in-order bytes [off, len) not yet framed */
	size_t		 off;
	size_t		 len;
	size_t		 cap;

	struct tcpr_seg	*ooo;
	size_t		 ooo_bytes;	/* held bytes with per-segment overhead */
	size_t		 ooo_count;
	int64_t		 ooo_since;

	size_t		 skip_left;	/* TCPR_SKIP */

	char		*ws;		/* WebSocket message being assembled */
	size_t		 ws_len;
	size_t		 ws_cap;
	int		 ws_inmsg;	/* a data frame without FIN was seen */
	int		 ws_drop;	/* the message is being discarded */
	int		 ws_data;	/* current frame belongs to the message */
	int		 ws_fin;
	int		 ws_masked;
	uint8_t		 ws_key[4];
	unsigned	 ws_kpos;
	uint64_t	 ws_left;

	struct sv_meta	 meta;		/* last segment, for expiry-time delivery */
};

/* The hash key: the lower address first, padding zeroed. */
struct tcpr_key {
	uint8_t		 ip[2][16];
	uint16_t	 port[2];
	uint8_t		 af[2];
	uint8_t		 pad[2];
};

/* A connection: both directions. */
struct tcpr_flow {
	struct tcpr_key	 key;
	struct tcpr_dir	 dir[2];
	int64_t		 last;
	size_t		 held;		/* bytes counted in tcpreasm.mem */
	int		 ws;		/* upgraded to WebSocket */
	TAILQ_ENTRY(tcpr_flow) lru;
	UT_hash_handle	 hh;
};

TAILQ_HEAD(tcpr_lru, tcpr_flow);

struct tcpreasm {
	struct tcpreasm_config cfg;
	struct sv_stats	*st;
	struct sv_sink	 sink;
	struct tcpr_flow *flows;
	struct tcpr_lru	 lru;
	size_t		 nflows;
	size_t		 mem;
	size_t		 line_wait;
};

static size_t	tcpreasm_consume(struct tcpreasm *, struct tcpr_flow *,
		    struct tcpr_dir *, const struct sv_meta *, const char *,
		    size_t);
static void	tcpreasm_inorder(struct tcpreasm *, struct tcpr_flow *,
		    struct tcpr_dir *, const struct sv_meta *, const char *,
		    size_t);

/* Create a reassembler counting into st and handing messages to sink. */
struct tcpreasm *
tcpreasm_new(const struct tcpreasm_config *c, struct sv_stats *st,
    struct sv_sink sink)
{
	struct tcpreasm *r;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	r->cfg = *c;
	if (r->cfg.flow_buf == 0)
		r->cfg.flow_buf = 1024 * 1024;
	if (r->cfg.mem == 0)
		r->cfg.mem = 256 * 1024 * 1024;
	if (r->cfg.max_flows == 0)
		r->cfg.max_flows = 65536;
	if (r->cfg.timeout <= 0)
		r->cfg.timeout = 300 * 1000000LL;
	if (r->cfg.max_msg == 0)
		r->cfg.max_msg = 65536;
	r->line_wait = TCPR_LINE_WAIT;
	if (r->line_wait > r->cfg.flow_buf / 2)
		r->line_wait = r->cfg.flow_buf / 2;
	if (r->line_wait > r->cfg.max_msg)
		r->line_wait = r->cfg.max_msg;
	r->st = st;
	r->sink = sink;
	TAILQ_INIT(&r->lru);
	return r;
}

/* Free a direction's buffers and held segments, leaving it zeroed. */
static void
tcpreasm_dir_clear(struct tcpr_dir *d)
{
	struct tcpr_seg *s;

	while ((s = d->ooo) != NULL) {
		d->ooo = s->next;
		free(s);
	}
	free(d->buf);
	free(d->ws);
	memset(d, 0, sizeof *d);
}

/* Recount the bytes a flow holds and adjust the reassembler's total. */
static void
tcpreasm_account(struct tcpreasm *r, struct tcpr_flow *f)
{
	size_t held = 0;
	int i;

	for (i = 0; i < 2; i++)
		held += f->dir[i].cap + f->dir[i].ooo_bytes + f->dir[i].ws_cap;
	r->mem = r->mem - f->held + held;
	f->held = held;
}

/* Unlink and free one flow without counting anything. */
static void
tcpreasm_flow_del(struct tcpreasm *r, struct tcpr_flow *f)
{
	HASH_DEL(r->flows, f);
	TAILQ_REMOVE(&r->lru, f, lru);
	r->nflows--;
	r->mem -= f->held;
	tcpreasm_dir_clear(&f->dir[0]);
	tcpreasm_dir_clear(&f->dir[1]);
	free(f);
}

/* Free the reassembler and every flow. */
void
tcpreasm_free(struct tcpreasm *r)
{
	struct tcpr_flow *f;

	if (r == NULL)
		return;
	while ((f = TAILQ_FIRST(&r->lru)) != NULL)
		tcpreasm_flow_del(r, f);
	free(r);
}

/* Flows currently held. */
size_t
tcpreasm_flows(const struct tcpreasm *r)
{
	return r->nflows;
}

/* Build the flow key for a segment and say which direction it travels. */
static void
tcpreasm_key(const struct sv_meta *m, struct tcpr_key *k, int *dir)
{
	const struct sv_addr *a[2];
	size_t n;
	int i;

	memset(k, 0, sizeof *k);
	*dir = sv_addr_cmp(&m->src, &m->dst) <= 0 ? 0 : 1;
	a[0] = *dir == 0 ? &m->src : &m->dst;
	a[1] = *dir == 0 ? &m->dst : &m->src;
	for (i = 0; i < 2; i++) {
		n = a[i]->af == 6 ? 16 : 4;
		memcpy(k->ip[i], a[i]->ip, n);
		k->port[i] = a[i]->port;
		k->af[i] = a[i]->af;
	}
}

/* Hand one message to the sink with the transport it travelled on. */
static void
tcpreasm_emit(struct tcpreasm *r, const struct sv_meta *m, const char *p,
    size_t len, int ws)
{
	struct sv_meta mm = *m;
	int tls = m->transport == SV_T_TLS || m->transport == SV_T_WSS;

	if (ws)
		mm.transport = tls ? SV_T_WSS : SV_T_WS;
	else
		mm.transport = tls ? SV_T_TLS : SV_T_TCP;
	if (r->sink.message != NULL)
		r->sink.message(r->sink.arg, &mm, p, len);
}

/* Say whether bytes are only CR and LF (keep-alives, RFC 5626 section 3.5.1). */
static int
tcpreasm_blank(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != '\r' && p[i] != '\n')
			return 0;
	}
	return 1;
}

/*
 * Give up the bytes buffered in a direction and choose how to find the next
 * message: a SIP start line (at_bol says the next byte starts a line), a
 * WebSocket frame carrying SIP, or nothing when the stream was plain HTTP.
 */
static void
tcpreasm_lose(struct tcpr_dir *d, int at_bol)
{
	d->off = d->len = 0;
	d->ws_len = 0;
	d->ws_inmsg = d->ws_drop = 0;
	switch (d->state) {
	case TCPR_NEW:
		/* The loss is counted: finding a start later is no new gap. */
		d->midstream = 2;
		break;
	case TCPR_SIP:
	case TCPR_RESYNC:
	case TCPR_SKIP:
		d->state = TCPR_RESYNC;
		d->at_bol = at_bol;
		break;
	case TCPR_WS:
	case TCPR_WSPAY:
	case TCPR_WSSYNC:
		d->state = TCPR_WSSYNC;
		break;
	case TCPR_HTTP:
		d->state = TCPR_NOTSIP;
		break;
	case TCPR_NOTSIP:
	case TCPR_CLOSED:
		break;
	}
}

/* Append bytes to a direction's buffer; 0 when that would pass flow_buf. */
static int
tcpreasm_append(struct tcpreasm *r, struct tcpr_dir *d, const char *p,
    size_t n)
{
	size_t want;
	char *nb;

	if (d->len - d->off + n > r->cfg.flow_buf)
		return 0;
	if (d->cap - d->len < n && d->off > 0) {
		memmove(d->buf, d->buf + d->off, d->len - d->off);
		d->len -= d->off;
		d->off = 0;
	}
	if (d->cap - d->len < n) {
		want = d->cap < 1024 ? 1024 : d->cap;
		while (want - d->len < n)
			want *= 2;
		if (want > r->cfg.flow_buf && r->cfg.flow_buf >= d->len + n)
			want = r->cfg.flow_buf;
		if ((nb = realloc(d->buf, want)) == NULL)
			return 0;
		d->buf = nb;
		d->cap = want;
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
	return 1;
}

/* Keep the unframed tail of a segment for the next one, within flow_buf. */
static void
tcpreasm_keep(struct tcpreasm *r, struct tcpr_flow *f, struct tcpr_dir *d,
    const struct sv_meta *m, const char *p, size_t n)
{
	size_t used;

	if (n == 0 || d->state == TCPR_NOTSIP || d->state == TCPR_CLOSED)
		return;
	if (tcpreasm_append(r, d, p, n))
		return;
	/* Over the limit: drop it and search what remains for a start. */
	r->st->drop[SV_DROP_TCP_MEMORY]++;
	tcpreasm_lose(d, 0);
	used = tcpreasm_consume(r, f, d, m, p, n);
	if (n - used > 0 && !tcpreasm_append(r, d, p + used, n - used))
		d->off = d->len = 0;
}

/* Frame in-order bytes: straight from the segment when nothing is buffered. */
static void
tcpreasm_feed(struct tcpreasm *r, struct tcpr_flow *f, struct tcpr_dir *d,
    const struct sv_meta *m, const char *p, size_t n)
{
	size_t used;

	if (n == 0 || d->state == TCPR_NOTSIP || d->state == TCPR_CLOSED)
		return;
	if (d->off == d->len) {
		d->off = d->len = 0;
		used = tcpreasm_consume(r, f, d, m, p, n);
		tcpreasm_keep(r, f, d, m, p + used, n - used);
		return;
	}
	if (!tcpreasm_append(r, d, p, n)) {
		r->st->drop[SV_DROP_TCP_MEMORY]++;
		tcpreasm_lose(d, 0);
		used = tcpreasm_consume(r, f, d, m, p, n);
		tcpreasm_keep(r, f, d, m, p + used, n - used);
		return;
	}
	used = tcpreasm_consume(r, f, d, m, d->buf + d->off, d->len - d->off);
	d->off += used;
	if (d->off >= d->len) {
		d->off = d->len = 0;
		if (d->cap > 65536) {
			free(d->buf);
			d->buf = NULL;
			d->cap = 0;
		}
	}
}

/* Match a prefix: 1 when p starts with s, -1 when p is a shorter prefix of s. */
static int
tcpreasm_prefix(const char *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (len < n)
		return memcmp(p, s, len) == 0 ? -1 : 0;
	return memcmp(p, s, n) == 0;
}

/*
 * Parse a WebSocket frame header (RFC 6455 section 5.2): 1 when whole,
 * -1 when more bytes are needed, 0 when invalid (64-bit length with its
 * most significant bit set, section 5.2 "Payload length").
 */
static int
tcpreasm_ws_hdr(const char *p, size_t len, struct tcpr_wshdr *h)
{
	const uint8_t *u = (const uint8_t *)p;
	size_t i;

	if (len < 2)
		return -1;
	h->fin = (u[0] & 0x80) != 0;
	h->rsv = u[0] & 0x70;
	h->op = u[0] & 0x0f;
	h->masked = (u[1] & 0x80) != 0;
	h->plen = u[1] & 0x7f;
	h->hlen = 2;
	if (h->plen == 126) {
		if (len < 4)
			return -1;
		h->plen = (uint64_t)u[2] << 8 | u[3];
		h->hlen = 4;
	} else if (h->plen == 127) {
		if (len < 10)
			return -1;
		h->plen = 0;
		for (i = 2; i < 10; i++)
			h->plen = h->plen << 8 | u[i];
		if (h->plen >> 63)
			return 0;
		h->hlen = 10;
	}
	if (h->masked) {
		if (len < h->hlen + 4)
			return -1;
		memcpy(h->key, u + h->hlen, 4);
		h->hlen += 4;
	}
	return 1;
}

/* Test whether a WebSocket data frame starts here carrying SIP; -1: need more. */
static int
tcpreasm_ws_probe(const char *p, size_t len)
{
	struct tcpr_wshdr h;
	char tmp[TCPR_WS_PROBE];
	size_t k, i;
	int rc;

	if (len > 0 && ((p[0] & 0x70) != 0 || ((p[0] & 0x0f) != 1 &&
	    (p[0] & 0x0f) != 2)))
		return 0;
	if ((rc = tcpreasm_ws_hdr(p, len, &h)) != 1)
		return rc;
	k = h.plen < sizeof tmp ? (size_t)h.plen : sizeof tmp;
	if (k == 0)
		return 0;
	if (len - h.hlen < k)
		k = len - h.hlen;
	for (i = 0; i < k; i++)
		tmp[i] = h.masked ? p[h.hlen + i] ^ h.key[i & 3] : p[h.hlen + i];
	/* Every SIP start line begins with a letter (RFC 3261 section 7.1). */
	if (k > 0 && !((tmp[0] >= 'A' && tmp[0] <= 'Z') ||
	    (tmp[0] >= 'a' && tmp[0] <= 'z')))
		return 0;
	if (k < h.plen && k < sizeof tmp && memchr(tmp, '\n', k) == NULL)
		return -1;
	return sipscan_is_sip(tmp, k) ? 1 : 0;
}

/* Mark a direction as carrying no SIP and count the segment. */
static int
tcpreasm_notsip(struct tcpreasm *r, struct tcpr_dir *d, size_t n, size_t *pos)
{
	d->state = TCPR_NOTSIP;
	r->st->not_sip++;
	*pos = n;
	return 0;
}

/* TCPR_NEW: decide whether the first bytes are SIP, HTTP or WebSocket. */
static int
tcpreasm_st_new(struct tcpreasm *r, struct tcpr_flow *f, struct tcpr_dir *d,
    const char *p, size_t n, size_t *pos)
{
	const char *s = p + *pos;
	size_t len = n - *pos;
	int a, b;

	/* CRLF keep-alives may come before the first message. */
	if (*s == '\r' || *s == '\n') {
		while (*pos < n && (p[*pos] == '\r' || p[*pos] == '\n'))
			(*pos)++;
		return 1;
	}
	a = tcpreasm_prefix(s, len, "GET ");
	b = tcpreasm_prefix(s, len, "HTTP/");
	if (a == 1 || b == 1) {
		d->state = TCPR_HTTP;
		return 1;
	}
	if (a == -1 || b == -1)
		return 0;
	if (f->ws) {
		d->state = d->midstream ? TCPR_WSSYNC : TCPR_WS;
		return 1;
	}
	if (d->midstream) {
		/* A capture started after an upgrade sees bare frames. */
		a = tcpreasm_ws_probe(s, len);
		if (a == 1) {
			f->ws = 1;
			d->state = TCPR_WS;
			return 1;
		}
		if (a == -1 && len < r->line_wait)
			return 0;
	}
	/* A start line begins with a letter (RFC 3261 section 7.1): decide early. */
	if (((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) &&
	    memchr(s, '\n', len) == NULL && len < r->line_wait)
		return 0;
	if (sipscan_is_sip(s, len)) {
		d->state = TCPR_SIP;
		return 1;
	}
	if (d->midstream) {
		d->state = TCPR_RESYNC;
		d->probing = d->midstream;
		d->probed = 0;
		d->at_bol = 0;
		return 1;
	}
	return tcpreasm_notsip(r, d, n, pos);
}

/* Handle a message that will not fit max_msg: skip it by its length if known. */
static int
tcpreasm_too_large(struct tcpreasm *r, struct tcpr_dir *d, const char *s,
    size_t len, size_t n, size_t *pos)
{
	struct sip_msg sm;
	uint64_t total;

	r->st->drop[SV_DROP_SIP_TOO_LARGE]++;
	memset(&sm, 0, sizeof sm);
	if (sipscan_parse(s, len, &sm) == 0 && sm.content_length >= 0 &&
	    !(sm.bad & SIP_BAD_NO_HEADER_END) && sm.buf >= s &&
	    sm.hdr_len > 0 && sm.hdr_len <= len) {
		total = (uint64_t)(sm.buf - s) + (uint64_t)sm.hdr_len +
		    (uint64_t)sm.content_length;
		if (total > len) {
			d->skip_left = (size_t)(total - len);
			d->state = TCPR_SKIP;
			*pos = n;
			return 0;
		}
	}
	d->state = TCPR_RESYNC;
	d->at_bol = 0;
	return 1;
}

/* TCPR_SIP: frame one message by Content-Length (RFC 3261 section 18.3). */
static int
tcpreasm_st_sip(struct tcpreasm *r, struct tcpr_dir *d,
    const struct sv_meta *m, const char *p, size_t n, size_t *pos)
{
	const char *s = p + *pos;
	size_t len = n - *pos, skip = 0;
	long fl;

	fl = sipscan_frame(s, len, r->cfg.max_msg, &skip);
	if (skip > len)
		fl = -1;
	if (fl > 0 && (size_t)fl <= len - skip) {
		*pos += skip;
		if ((size_t)fl > r->cfg.max_msg)
			r->st->drop[SV_DROP_SIP_TOO_LARGE]++;
		else
			tcpreasm_emit(r, m, s + skip, (size_t)fl, 0);
		*pos += (size_t)fl;
		return 1;
	}
	if (fl == 0) {
		if (skip > 0) {
			*pos += skip;
			return 1;
		}
		if (len > r->cfg.max_msg)
			return tcpreasm_too_large(r, d, s, len, n, pos);
		return 0;
	}
	/* Not a SIP message: count one resync (RFC 3261 section 18.3 lost framing). */
	if (len > r->cfg.max_msg && sipscan_is_sip(s, len))
		r->st->drop[SV_DROP_SIP_TOO_LARGE]++;
	else
		r->st->drop[SV_DROP_TCP_JUNK]++;
	d->state = TCPR_RESYNC;
	d->at_bol = 0;
	return 1;
}

/* Note bytes dropped while probing a mid-stream start; 1 when giving up. */
static int
tcpreasm_probe_drop(struct tcpr_dir *d, size_t k)
{
	if (!d->probing)
		return 0;
	d->probed += k;
	return d->probed > TCPR_PROBE_MAX;
}

/* TCPR_RESYNC: skip to the next line that starts like a SIP message. */
static int
tcpreasm_st_resync(struct tcpreasm *r, struct tcpr_dir *d, const char *p,
    size_t n, size_t *pos)
{
	const char *s = p + *pos, *nl;
	size_t len = n - *pos, i = 0;

	if (!d->at_bol) {
		if ((nl = memchr(s, '\n', len)) == NULL) {
			*pos = n;
			if (tcpreasm_probe_drop(d, len))
				return tcpreasm_notsip(r, d, n, pos);
			return 0;
		}
		i = (size_t)(nl - s) + 1;
		d->at_bol = 1;
	}
	for (;;) {
		if (i == len) {
			*pos += i;
			if (tcpreasm_probe_drop(d, i))
				return tcpreasm_notsip(r, d, n, pos);
			return 0;
		}
		nl = memchr(s + i, '\n', len - i);
		if (nl == NULL && len - i < r->line_wait) {
			*pos += i;
			if (tcpreasm_probe_drop(d, i))
				return tcpreasm_notsip(r, d, n, pos);
			return 0;
		}
		if (s[i] != '\r' && s[i] != '\n' &&
		    sipscan_is_sip(s + i, len - i)) {
			*pos += i;
			if (d->probing == 1 && d->probed + i > 0)
				r->st->drop[SV_DROP_TCP_GAP]++;
			d->probing = 0;
			d->state = TCPR_SIP;
			return 1;
		}
		if (nl == NULL) {
			*pos = n;
			d->at_bol = 0;
			if (tcpreasm_probe_drop(d, len))
				return tcpreasm_notsip(r, d, n, pos);
			return 0;
		}
		i = (size_t)(nl - s) + 1;
	}
}

/* TCPR_SKIP: discard the rest of an oversized message. */
static int
tcpreasm_st_skip(struct tcpr_dir *d, size_t n, size_t *pos)
{
	size_t k = n - *pos;

	if (k > d->skip_left)
		k = d->skip_left;
	*pos += k;
	d->skip_left -= k;
	if (d->skip_left == 0)
		d->state = TCPR_SIP;
	return 1;
}

/* Say whether an HTTP header block upgrades to WebSocket (RFC 6455 section 4). */
static int
tcpreasm_http_ws(const char *p, size_t len)
{
	const char *line = p, *end = p + len, *nl, *v;
	size_t ll, i;

	if (len >= 12 && (memcmp(p, "HTTP/1.1 101", 12) == 0 ||
	    memcmp(p, "HTTP/1.0 101", 12) == 0))
		return 1;
	if (len < 4 || memcmp(p, "GET ", 4) != 0)
		return 0;
	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		ll = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);
		if (ll >= 8 && strncasecmp(line, "upgrade:", 8) == 0) {
			v = line + 8;
			for (i = 0; i + 9 <= ll - 8; i++) {
				if (strncasecmp(v + i, "websocket", 9) == 0)
					return 1;
			}
		}
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	return 0;
}

/* Length of an HTTP header block up to its blank line, or 0 if incomplete. */
static size_t
tcpreasm_http_end(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* TCPR_HTTP: read the upgrade request or 101 response, then go to WS. */
static int
tcpreasm_st_http(struct tcpreasm *r, struct tcpr_flow *f, struct tcpr_dir *d,
    const char *p, size_t n, size_t *pos)
{
	const char *s = p + *pos;
	size_t len = n - *pos, end;

	if ((end = tcpreasm_http_end(s, len)) == 0) {
		if (len > r->cfg.max_msg)
			return tcpreasm_notsip(r, d, n, pos);
		return 0;
	}
	if (!tcpreasm_http_ws(s, end))
		return tcpreasm_notsip(r, d, n, pos);
	f->ws = 1;
	d->state = TCPR_WS;
	*pos += end;
	return 1;
}

/* Deliver an assembled WebSocket message if it is SIP (RFC 7118 section 5). */
static void
tcpreasm_ws_deliver(struct tcpreasm *r, const struct sv_meta *m,
    const char *p, size_t len)
{
	while (len > 0 && (*p == '\r' || *p == '\n')) {
		p++;
		len--;
	}
	if (len == 0)
		return;
	if (!sipscan_is_sip(p, len)) {
		r->st->not_sip++;
		return;
	}
	tcpreasm_emit(r, m, p, len, 1);
}

/* A WebSocket frame's payload is complete: finish the message on FIN. */
static void
tcpreasm_ws_end(struct tcpreasm *r, struct tcpr_dir *d,
    const struct sv_meta *m)
{
	d->state = TCPR_WS;
	if (!d->ws_data || !d->ws_fin)
		return;
	if (!d->ws_drop)
		tcpreasm_ws_deliver(r, m, d->ws, d->ws_len);
	d->ws_len = 0;
	d->ws_inmsg = d->ws_drop = 0;
	if (d->ws_cap > 65536) {
		free(d->ws);
		d->ws = NULL;
		d->ws_cap = 0;
	}
}

/* TCPR_WS: read a frame header and choose what to do with its payload. */
static int
tcpreasm_st_ws(struct tcpreasm *r, struct tcpr_dir *d,
    const struct sv_meta *m, const char *p, size_t n, size_t *pos)
{
	const char *s = p + *pos;
	size_t len = n - *pos;
	struct tcpr_wshdr h;
	int rc;

	if ((rc = tcpreasm_ws_hdr(s, len, &h)) == -1)
		return 0;
	if (rc == 0) {
		/* Not a frame: look for the next one (the buffer is in use). */
		r->st->drop[SV_DROP_TUNNEL]++;
		d->ws_len = 0;
		d->ws_inmsg = d->ws_drop = 0;
		d->state = TCPR_WSSYNC;
		(*pos)++;
		return 1;
	}
	/* Zero copy: a whole unmasked single-frame message (section 5.4). */
	if (!h.masked && h.fin && h.rsv == 0 && (h.op == 1 || h.op == 2) &&
	    !d->ws_inmsg && h.plen <= len - h.hlen &&
	    h.plen <= r->cfg.max_msg) {
		tcpreasm_ws_deliver(r, m, s + h.hlen, (size_t)h.plen);
		*pos += h.hlen + (size_t)h.plen;
		return 1;
	}
	d->ws_data = 0;
	if (h.rsv != 0 || (h.op > 2 && h.op < 8) || h.op > 10) {
		/* Extensions (RSV bits) were not negotiated by us: section 5.2. */
		r->st->drop[SV_DROP_TUNNEL]++;
	} else if (h.op == 1 || h.op == 2) {
		if (d->ws_inmsg)
			r->st->drop[SV_DROP_TUNNEL]++;
		d->ws_inmsg = 1;
		d->ws_drop = 0;
		d->ws_len = 0;
		d->ws_data = 1;
	} else if (h.op == 0) {
		if (d->ws_inmsg)
			d->ws_data = 1;
		else
			r->st->drop[SV_DROP_TUNNEL]++;
	}
	if (d->ws_data && !d->ws_drop &&
	    h.plen > r->cfg.max_msg - d->ws_len) {
		r->st->drop[SV_DROP_SIP_TOO_LARGE]++;
		d->ws_drop = 1;
		d->ws_len = 0;
	}
	d->ws_fin = h.fin;
	d->ws_masked = h.masked;
	memcpy(d->ws_key, h.key, sizeof d->ws_key);
	d->ws_kpos = 0;
	d->ws_left = h.plen;
	*pos += h.hlen;
	if (h.plen == 0)
		tcpreasm_ws_end(r, d, m);
	else
		d->state = TCPR_WSPAY;
	return 1;
}

/* TCPR_WSPAY: unmask payload bytes into the message (RFC 6455 section 5.3). */
static int
tcpreasm_st_wspay(struct tcpreasm *r, struct tcpr_dir *d,
    const struct sv_meta *m, const char *p, size_t n, size_t *pos)
{
	const char *s = p + *pos;
	size_t k = n - *pos, i, want;
	char *nb;

	if (k > d->ws_left)
		k = (size_t)d->ws_left;
	if (d->ws_data && !d->ws_drop) {
		if (d->ws_cap - d->ws_len < k) {
			want = d->ws_cap < 1024 ? 1024 : d->ws_cap;
			while (want - d->ws_len < k)
				want *= 2;
			if ((nb = realloc(d->ws, want)) == NULL) {
				r->st->drop[SV_DROP_TCP_MEMORY]++;
				d->ws_drop = 1;
				d->ws_len = 0;
			} else {
				d->ws = nb;
				d->ws_cap = want;
			}
		}
		if (!d->ws_drop) {
			for (i = 0; i < k; i++) {
				d->ws[d->ws_len + i] = d->ws_masked ?
				    s[i] ^ d->ws_key[(d->ws_kpos + i) & 3] :
				    s[i];
			}
			d->ws_len += k;
		}
	}
	d->ws_kpos = (unsigned)((d->ws_kpos + k) & 3);
	d->ws_left -= k;
	*pos += k;
	if (d->ws_left == 0)
		tcpreasm_ws_end(r, d, m);
	return 1;
}

/* TCPR_WSSYNC: after a gap, find a WebSocket frame whose payload is SIP. */
static int
tcpreasm_st_wssync(struct tcpr_dir *d, const char *p, size_t n, size_t *pos)
{
	size_t i;
	int rc;

	for (i = *pos; i < n; i++) {
		rc = tcpreasm_ws_probe(p + i, n - i);
		if (rc == -1) {
			*pos = i;
			return 0;
		}
		if (rc == 1) {
			*pos = i;
			d->state = TCPR_WS;
			return 1;
		}
	}
	*pos = n;
	return 0;
}

/*
 * Run a direction's state machine over in-order bytes; returns how many
 * were used.  The rest must be kept and offered again with more bytes.
 */
static size_t
tcpreasm_consume(struct tcpreasm *r, struct tcpr_flow *f, struct tcpr_dir *d,
    const struct sv_meta *m, const char *p, size_t n)
{
	size_t pos = 0;
	int more = 1;

	while (more && pos < n) {
		switch (d->state) {
		case TCPR_NEW:
			more = tcpreasm_st_new(r, f, d, p, n, &pos);
			break;
		case TCPR_SIP:
			more = tcpreasm_st_sip(r, d, m, p, n, &pos);
			break;
		case TCPR_RESYNC:
			more = tcpreasm_st_resync(r, d, p, n, &pos);
			break;
		case TCPR_SKIP:
			more = tcpreasm_st_skip(d, n, &pos);
			break;
		case TCPR_HTTP:
			more = tcpreasm_st_http(r, f, d, p, n, &pos);
			break;
		case TCPR_WS:
			more = tcpreasm_st_ws(r, d, m, p, n, &pos);
			break;
		case TCPR_WSPAY:
			more = tcpreasm_st_wspay(r, d, m, p, n, &pos);
			break;
		case TCPR_WSSYNC:
			more = tcpreasm_st_wssync(d, p, n, &pos);
			break;
		case TCPR_NOTSIP:
		case TCPR_CLOSED:
			pos = n;
			more = 0;
			break;
		}
	}
	return pos;
}

/* Release held segments that are now in order (RFC 9293 section 3.10.7.4). */
static void
tcpreasm_drain(struct tcpreasm *r, struct tcpr_flow *f, struct tcpr_dir *d,
    const struct sv_meta *m)
{
	struct tcpr_seg *s;
	int64_t off;
	int moved = 0;

	while ((s = d->ooo) != NULL) {
		off = (int32_t)(s->seq - d->next);
		if (off > 0)
			break;
		d->ooo = s->next;
		d->ooo_bytes -= sizeof *s + s->len;
		d->ooo_count--;
		if ((uint64_t)-off < s->len)
			tcpreasm_inorder(r, f, d, m, s->data + (size_t)-off,
			    s->len - (size_t)-off);
		free(s);
		moved = 1;
	}
	if (d->ooo == NULL)
		d->ooo_since = 0;
	else if (moved)
		d->ooo_since = m->ts;
}

/* Take bytes that start at the next expected sequence number. */
static void
tcpreasm_inorder(struct tcpreasm *r, struct tcpr_flow *f, struct tcpr_dir *d,
    const struct sv_meta *m, const char *p, size_t n)
{
	d->next += (uint32_t)n;
	tcpreasm_feed(r, f, d, m, p, n);
}

/* Give up on a gap: count it, drop the partial data, go on after it. */
static void
tcpreasm_gap(struct tcpreasm *r, struct tcpr_flow *f, struct tcpr_dir *d,
    const struct sv_meta *m)
{
	if (d->ooo == NULL)
		return;
	r->st->drop[SV_DROP_TCP_GAP]++;
	tcpreasm_lose(d, 1);
	d->next = d->ooo->seq;
	tcpreasm_drain(r, f, d, m);
}

/* Hold a copy of a segment that arrived ahead of a gap. */
static void
tcpreasm_hold(struct tcpreasm *r, struct tcpr_flow *f, struct tcpr_dir *d,
    const struct sv_meta *m, uint32_t seq, const char *p, size_t n)
{
	struct tcpr_seg **sp, *s;

	if (n > r->cfg.flow_buf) {
		r->st->drop[SV_DROP_TCP_MEMORY]++;
		return;
	}
	for (sp = &d->ooo; *sp != NULL; sp = &(*sp)->next) {
		if ((*sp)->seq == seq && (*sp)->len >= n)
			return;
		if ((int32_t)((*sp)->seq - seq) > 0)
			break;
	}
	if ((s = malloc(sizeof *s + n)) == NULL) {
		r->st->drop[SV_DROP_TCP_MEMORY]++;
		return;
	}
	s->seq = seq;
	s->len = n;
	memcpy(s->data, p, n);
	s->next = *sp;
	*sp = s;
	if (d->ooo_count == 0)
		d->ooo_since = m->ts;
	d->ooo_bytes += sizeof *s + n;
	d->ooo_count++;
	if (d->ooo_bytes > r->cfg.flow_buf || d->ooo_count > TCPR_OOO_MAX)
		tcpreasm_gap(r, f, d, m);
}

/* Count what a closing direction leaves unframed (a cut message or frame). */
static void
tcpreasm_leftover(struct tcpreasm *r, struct tcpr_dir *d)
{
	int partial = d->len > d->off &&
	    !tcpreasm_blank(d->buf + d->off, d->len - d->off);

	switch (d->state) {
	case TCPR_NEW:
	case TCPR_SIP:
	case TCPR_HTTP:
		if (partial)
			r->st->drop[SV_DROP_TCP_JUNK]++;
		break;
	case TCPR_WS:
	case TCPR_WSPAY:
		if (partial || (d->ws_inmsg && !d->ws_drop))
			r->st->drop[SV_DROP_TCP_JUNK]++;
		break;
	default:
		break;
	}
}

/* Frame what a direction still can, count the rest, and close it. */
static void
tcpreasm_dir_finish(struct tcpreasm *r, struct tcpr_flow *f,
    struct tcpr_dir *d, const struct sv_meta *m)
{
	while (d->ooo != NULL)
		tcpreasm_gap(r, f, d, m);
	tcpreasm_leftover(r, d);
	tcpreasm_dir_clear(d);
	d->state = TCPR_CLOSED;
}

/* Close a direction whose FIN is in order and whose data is all in. */
static void
tcpreasm_check_fin(struct tcpreasm *r, struct tcpr_flow *f,
    struct tcpr_dir *d, const struct sv_meta *m)
{
	uint32_t next;

	if (!d->fin_pending)
		return;
	if (d->state != TCPR_NOTSIP && (d->ooo != NULL || d->fin_seq != d->next))
		return;
	next = d->next;
	tcpreasm_dir_finish(r, f, d, m);
	d->have_seq = 1;
	d->next = next;
}

/* Evict least recently used flows while over the flow or memory limit. */
static void
tcpreasm_evict(struct tcpreasm *r, size_t flows)
{
	struct tcpr_flow *f;

	while ((r->nflows > flows || r->mem > r->cfg.mem) &&
	    (f = TAILQ_FIRST(&r->lru)) != NULL) {
		r->st->drop[SV_DROP_TCP_MEMORY]++;
		tcpreasm_flow_del(r, f);
	}
}

/* Find a segment's flow, creating it (and evicting for room) if asked. */
static struct tcpr_flow *
tcpreasm_flow_get(struct tcpreasm *r, const struct tcpr_key *k, int create)
{
	struct tcpr_flow *f;

	HASH_FIND(hh, r->flows, k, sizeof *k, f);
	if (f != NULL || !create)
		return f;
	tcpreasm_evict(r, r->cfg.max_flows - 1);
	if ((f = calloc(1, sizeof *f)) == NULL) {
		r->st->drop[SV_DROP_TCP_MEMORY]++;
		return NULL;
	}
	f->key = *k;
	HASH_ADD(hh, r->flows, key, sizeof f->key, f);
	TAILQ_INSERT_TAIL(&r->lru, f, lru);
	r->nflows++;
	r->st->tcp_flows++;
	return f;
}

/* A SYN starts (or restarts) a direction at ISN + 1 (RFC 9293 section 3.4). */
static void
tcpreasm_syn(struct tcpreasm *r, struct tcpr_flow *f, struct tcpr_dir *d,
    const struct sv_meta *m, uint32_t seq, uint8_t flags)
{
	if (d->syn && d->isn == seq)
		return;
	if (d->have_seq || d->state != TCPR_NEW)
		tcpreasm_dir_finish(r, f, d, m);
	tcpreasm_dir_clear(d);
	if (!(flags & TCPR_ACK))
		f->ws = 0;
	d->syn = 1;
	d->isn = seq;
	d->have_seq = 1;
	d->next = seq + 1;
	d->meta = *m;
}

/* Take one segment's payload at its sequence number. */
static void
tcpreasm_data(struct tcpreasm *r, struct tcpr_flow *f, struct tcpr_dir *d,
    const struct sv_meta *m, uint32_t seq, const char *p, size_t n)
{
	int64_t off;

	if (n == 0 || d->state == TCPR_CLOSED)
		return;
	if (d->state == TCPR_NOTSIP) {
		r->st->not_sip++;
		return;
	}
	if (!d->have_seq) {
		d->have_seq = 1;
		d->midstream = 1;
		d->next = seq;
	}
	off = (int32_t)(seq - d->next);
	if (off < 0) {
		/* Retransmitted, or overlapping: keep only the new bytes. */
		if ((uint64_t)-off >= n)
			return;
		p += (size_t)-off;
		n -= (size_t)-off;
		seq = d->next;
		off = 0;
	}
	if (off > 0) {
		tcpreasm_hold(r, f, d, m, seq, p, n);
		return;
	}
	tcpreasm_inorder(r, f, d, m, p, n);
	tcpreasm_drain(r, f, d, m);
}

/*
 * Take one segment.  m carries time, frame and the direction's addresses
 * (transport SV_T_TCP); seq and flags come from the TCP header.
 */
void
tcpreasm_segment(struct tcpreasm *r, const struct sv_meta *m, uint32_t seq,
    uint8_t flags, const uint8_t *data, size_t len)
{
	struct tcpr_key k;
	struct tcpr_flow *f;
	struct tcpr_dir *d;
	int di;

	if (len > TCPR_SEG_MAX)
		len = 0;
	tcpreasm_key(m, &k, &di);
	f = tcpreasm_flow_get(r, &k, !(flags & TCPR_RST) &&
	    (len > 0 || (flags & TCPR_SYN)));
	if (f == NULL)
		return;
	f->last = m->ts;
	TAILQ_REMOVE(&r->lru, f, lru);
	TAILQ_INSERT_TAIL(&r->lru, f, lru);
	d = &f->dir[di];
	d->meta = *m;

	if (flags & TCPR_RST) {
		/* RFC 9293 section 3.10.7.4: the connection is gone. */
		tcpreasm_dir_finish(r, f, &f->dir[0], &f->dir[0].meta);
		tcpreasm_dir_finish(r, f, &f->dir[1], &f->dir[1].meta);
		tcpreasm_flow_del(r, f);
		return;
	}
	if (flags & TCPR_SYN) {
		tcpreasm_syn(r, f, d, m, seq, flags);
		seq++;
	}
	tcpreasm_data(r, f, d, m, seq, (const char *)data, len);
	if (d->ooo != NULL && m->ts - d->ooo_since > TCPR_GAP_WAIT)
		tcpreasm_gap(r, f, d, m);
	if ((flags & TCPR_FIN) && d->state != TCPR_CLOSED) {
		d->fin_pending = 1;
		d->fin_seq = seq + (uint32_t)len;
		if (!d->have_seq) {
			d->have_seq = 1;
			d->next = d->fin_seq;
		}
	}
	tcpreasm_check_fin(r, f, d, m);
	if (f->dir[0].state == TCPR_CLOSED && f->dir[1].state == TCPR_CLOSED) {
		tcpreasm_flow_del(r, f);
		return;
	}
	tcpreasm_account(r, f);
	tcpreasm_evict(r, r->cfg.max_flows);
}

/* Skip gaps waiting too long and drop flows idle since before now. */
void
tcpreasm_expire(struct tcpreasm *r, int64_t now)
{
	struct tcpr_flow *f, *tmp;
	struct tcpr_dir *d;
	int i;

	HASH_ITER(hh, r->flows, f, tmp) {
		if (now - f->last > r->cfg.timeout) {
			for (i = 0; i < 2; i++) {
				d = &f->dir[i];
				if (d->state != TCPR_CLOSED)
					tcpreasm_dir_finish(r, f, d, &d->meta);
			}
			tcpreasm_flow_del(r, f);
			continue;
		}
		for (i = 0; i < 2; i++) {
			d = &f->dir[i];
			if (d->ooo != NULL && now - d->ooo_since > TCPR_GAP_WAIT)
				tcpreasm_gap(r, f, d, &d->meta);
			tcpreasm_check_fin(r, f, d, &d->meta);
		}
		if (f->dir[0].state == TCPR_CLOSED &&
		    f->dir[1].state == TCPR_CLOSED) {
			tcpreasm_flow_del(r, f);
			continue;
		}
		tcpreasm_account(r, f);
	}
}

/* End of input: frame what can be framed, count the rest as dropped. */
void
tcpreasm_flush(struct tcpreasm *r)
{
	struct tcpr_flow *f;
	struct tcpr_dir *d;
	int i;

	while ((f = TAILQ_FIRST(&r->lru)) != NULL) {
		for (i = 0; i < 2; i++) {
			d = &f->dir[i];
			if (d->state != TCPR_CLOSED)
				tcpreasm_dir_finish(r, f, d, &d->meta);
		}
		tcpreasm_flow_del(r, f);
	}
}
