/*
 * decode.c: from captured frames to SIP message bytes.
 *
 * Workload: every frame of every capture source passes through here, most
 * of them RTP or other traffic that is not SIP, so the common path (Ethernet,
 * IPv4, UDP, a glance at the first payload bytes) does a few bounds checks
 * and no allocation.  Rarer paths (tunnels, fragments, HEP with zlib) may
 * cost more but stay bounded: tunnel recursion has a depth limit, inflate
 * output is capped at 64 KB into a buffer allocated once.
 *
 * One dissector per layer, each taking (struct decode_pkt, bytes, length)
 * and checking the length before every read, tcpdump style: a dissector
 * that runs short jumps to its one "trunc" label, which counts
 * SV_DROP_TRUNCATED.  Every frame ends in exactly one of: one or more SIP
 * payloads handed on (to the sink, or to tcpreasm for TCP), a drop counted
 * by reason, or st->not_sip for clean traffic that carries no SIP.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>
#include <uthash.h>
#include <zlib.h>

#include "decode.h"
#include "ipfrag.h"
#include "sipscan.h"
#include "tcpreasm.h"

#define DECODE_MAX_DEPTH	8	/* tunnels and VLAN tags inside a frame */
#define DECODE_MAX_VLAN		8
#define DECODE_INFLATE_MAX	65536	/* bound on a HEP compressed payload */
#define DECODE_SCTP_MAX		256	/* SCTP user messages being reassembled */

#define DECODE_LINKTYPE_RAW	101
#define DECODE_LINKTYPE_IPV4	228
#define DECODE_LINKTYPE_IPV6	229
#define DECODE_LINKTYPE_SLL2	276

#define DECODE_ETH_IPV4		0x0800
#define DECODE_ETH_IPV6		0x86dd
#define DECODE_ETH_VLAN		0x8100
#define DECODE_ETH_QINQ		0x88a8
#define DECODE_ETH_QINQ_OLD	0x9100
#define DECODE_ETH_PPPOE_SES	0x8864
#define DECODE_ETH_MPLS		0x8847
#define DECODE_ETH_TEB		0x6558
#define DECODE_ETH_ERSPAN2	0x88be
#define DECODE_ETH_ERSPAN3	0x22eb
#define DECODE_ETH_PPP		0x880b

#define DECODE_PPP_IPV4		0x0021
#define DECODE_PPP_IPV6		0x0057

#define DECODE_PORT_GTPU	2152
#define DECODE_PORT_VXLAN	4789

/* Which SCTP stream a fragmented user message belongs to. */
struct decode_sctp_key {
	uint8_t			 af;
	uint8_t			 pad;
	uint16_t		 sid;
	uint16_t		 sport;
	uint16_t		 dport;
	uint8_t			 src[16];
	uint8_t			 dst[16];
};

/* One SCTP user message being put together from DATA chunks (RFC 9260 6.9). */
struct decode_sctp_msg {
	struct decode_sctp_key	 key;
	uint32_t		 next_tsn;	/* fragments have consecutive TSNs */
	int64_t			 ts;		/* capture time of the first chunk */
	uint8_t			*buf;
	size_t			 len;
	UT_hash_handle		 hh;
};

struct decoder {
	struct decode_config	 cfg;
	struct decode_sctp_msg	*sctp;		/* uthash, oldest first */
	struct sv_stats		*st;
	struct sv_sink		 sink;
	struct ipfrag		*frag;
	struct tcpreasm		*tcp;
	z_stream		 zs;
	int			 zs_ready;
	uint8_t			*zbuf;		/* DECODE_INFLATE_MAX bytes */
};

/* The state of one frame as it is peeled, layer by layer. */
struct decode_pkt {
	struct decoder		*d;
	struct sv_meta		 m;
	int			 depth;
};

/* Read a big-endian 16-bit value; the caller has checked the length. */
static inline uint16_t
decode_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* Read a big-endian 32-bit value; the caller has checked the length. */
static inline uint32_t
decode_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

/* Read a little-endian 32-bit value; the caller has checked the length. */
static inline uint32_t
decode_le32(const uint8_t *p)
{
	return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) |
	    ((uint32_t)p[1] << 8) | p[0];
}

/* Count one skipped packet by reason. */
static void
decode_drop(struct decode_pkt *k, enum sv_drop why)
{
	k->d->st->drop[why]++;
}

/* Count one clean packet that carried no SIP. */
static void
decode_not_sip(struct decode_pkt *k)
{
	k->d->st->not_sip++;
}

/* Fill a configuration with the defaults. */
void
decode_config_default(struct decode_config *c)
{
	memset(c, 0, sizeof *c);
	c->frag_mem = 16u << 20;
	c->frag_timeout = 30 * INT64_C(1000000);
	c->tcp_flow_buf = 1024u << 10;
	c->tcp_mem = 64u << 20;
	c->tcp_max_flows = 65536;
	c->tcp_timeout = 300 * INT64_C(1000000);
	c->max_msg = 256u << 10;
}

/* Create a decoder that counts into st and hands SIP payloads to sink. */
struct decoder *
decode_new(const struct decode_config *c, struct sv_stats *st,
    struct sv_sink sink)
{
	struct decoder *d;
	struct tcpreasm_config tc;

	if ((d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	if (c != NULL)
		d->cfg = *c;
	else
		decode_config_default(&d->cfg);
	d->st = st;
	d->sink = sink;
	memset(&tc, 0, sizeof tc);
	tc.flow_buf = d->cfg.tcp_flow_buf;
	tc.mem = d->cfg.tcp_mem;
	tc.max_flows = d->cfg.tcp_max_flows;
	tc.timeout = d->cfg.tcp_timeout;
	tc.max_msg = d->cfg.max_msg;
	d->frag = ipfrag_new(d->cfg.frag_mem, d->cfg.frag_timeout, st);
	d->tcp = tcpreasm_new(&tc, st, sink);
	if (d->frag == NULL || d->tcp == NULL) {
		decode_free(d);
		return NULL;
	}
	return d;
}

/* Forget one SCTP message in progress. */
static void
decode_sctp_del(struct decoder *d, struct decode_sctp_msg *q)
{
	HASH_DEL(d->sctp, q);
	free(q->buf);
	free(q);
}

/*
 * Forget SCTP messages in progress whose first chunk is older than before
 * (all of them when all is set), counting each as SV_DROP_TUNNEL when count.
 */
static void
decode_sctp_purge(struct decoder *d, int64_t before, int count)
{
	struct decode_sctp_msg *q, *tmp;

	HASH_ITER(hh, d->sctp, q, tmp) {
		if (count && q->ts >= before)
			continue;
		if (count)
			d->st->drop[SV_DROP_TUNNEL]++;
		decode_sctp_del(d, q);
	}
}

/* Free a decoder and everything it holds. */
void
decode_free(struct decoder *d)
{
	if (d == NULL)
		return;
	if (d->frag != NULL)
		ipfrag_free(d->frag);
	if (d->tcp != NULL)
		tcpreasm_free(d->tcp);
	decode_sctp_purge(d, 0, 0);
	if (d->zs_ready)
		inflateEnd(&d->zs);
	free(d->zbuf);
	free(d);
}

/* Whether a pcap DLT_ link type is decoded (1) or not (0). */
int
decode_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DECODE_LINKTYPE_SLL2:
	case DLT_RAW:
	case DECODE_LINKTYPE_RAW:
	case DECODE_LINKTYPE_IPV4:
	case DECODE_LINKTYPE_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_PPP:
	case DLT_PPP_SERIAL:
		return 1;
	}
	return 0;
}

static void	decode_ether(struct decode_pkt *, const uint8_t *, size_t);
static void	decode_ethertype(struct decode_pkt *, uint16_t, const uint8_t *,
		    size_t);
static void	decode_ip(struct decode_pkt *, const uint8_t *, size_t);
static void	decode_ipproto(struct decode_pkt *, uint8_t, const uint8_t *,
		    size_t);

/* Hand one SIP payload to the sink, enforcing the message size limit. */
static void
decode_deliver(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	struct decoder *d = k->d;

	if (d->cfg.max_msg != 0 && len > d->cfg.max_msg) {
		decode_drop(k, SV_DROP_SIP_TOO_LARGE);
		return;
	}
	if (d->sink.message != NULL)
		d->sink.message(d->sink.arg, &k->m, (const char *)p, len);
}

/* Enter one more tunnel or tag level; 0 when the depth limit allows it. */
static int
decode_enter(struct decode_pkt *k)
{
	if (++k->depth > DECODE_MAX_DEPTH) {
		decode_drop(k, SV_DROP_TUNNEL);
		return -1;
	}
	return 0;
}

/* PPP (RFC 1661 section 2, RFC 1662 address/control), one- or two-byte protocol. */
static void
decode_ppp(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	uint16_t proto;

	if (len >= 2 && p[0] == 0xff && p[1] == 0x03) {
		p += 2;
		len -= 2;
	}
	if (len < 1)
		goto trunc;
	if (p[0] & 1) {
		proto = p[0];
		p++;
		len--;
	} else {
		if (len < 2)
			goto trunc;
		proto = decode_be16(p);
		p += 2;
		len -= 2;
	}
	switch (proto) {
	case DECODE_PPP_IPV4:
	case DECODE_PPP_IPV6:
		decode_ip(k, p, len);
		return;
	}
	decode_not_sip(k);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/* PPPoE session stage (RFC 2516 section 4): 6-byte header, then PPP protocol. */
static void
decode_pppoe(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	size_t plen;

	if (len < 8)
		goto trunc;
	if (p[0] != 0x11 || p[1] != 0x00) {
		decode_drop(k, SV_DROP_LINK);
		return;
	}
	plen = decode_be16(p + 4);
	if (plen < 2 || plen > len - 6)
		goto trunc;
	switch (decode_be16(p + 6)) {
	case DECODE_PPP_IPV4:
	case DECODE_PPP_IPV6:
		decode_ip(k, p + 8, plen - 2);
		return;
	}
	decode_not_sip(k);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/* MPLS label stack (RFC 3032): labels until bottom-of-stack, then IP by version. */
static void
decode_mpls(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	int n;

	for (n = 0; n < DECODE_MAX_VLAN; n++) {
		if (len < 4)
			goto trunc;
		p += 4;
		len -= 4;
		if (p[-2] & 0x01) {
			if (len < 1)
				goto trunc;
			if ((p[0] >> 4) == 4 || (p[0] >> 4) == 6)
				decode_ip(k, p, len);
			else
				decode_not_sip(k);
			return;
		}
	}
	decode_drop(k, SV_DROP_LINK);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/* Dispatch on an ethertype, peeling 802.1Q/802.1ad tags and PPPoE. */
static void
decode_ethertype(struct decode_pkt *k, uint16_t type, const uint8_t *p,
    size_t len)
{
	int tags = 0;

	while (type == DECODE_ETH_VLAN || type == DECODE_ETH_QINQ ||
	    type == DECODE_ETH_QINQ_OLD) {
		/* IEEE 802.1Q: 2 bytes TCI, 2 bytes inner type. */
		if (++tags > DECODE_MAX_VLAN) {
			decode_drop(k, SV_DROP_LINK);
			return;
		}
		if (len < 4)
			goto trunc;
		type = decode_be16(p + 2);
		p += 4;
		len -= 4;
	}
	switch (type) {
	case DECODE_ETH_IPV4:
	case DECODE_ETH_IPV6:
		decode_ip(k, p, len);
		return;
	case DECODE_ETH_PPPOE_SES:
		decode_pppoe(k, p, len);
		return;
	case DECODE_ETH_MPLS:
		decode_mpls(k, p, len);
		return;
	}
	/* ARP, LLDP, 802.3 lengths and the like: clean, but not SIP. */
	decode_not_sip(k);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/* Ethernet II (IEEE 802.3 clause 3): 14-byte header. */
static void
decode_ether(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	if (len < 14) {
		decode_drop(k, SV_DROP_TRUNCATED);
		return;
	}
	decode_ethertype(k, decode_be16(p + 12), p + 14, len - 14);
}

/* Linux cooked capture v1: 16 bytes, protocol at offset 14. */
static void
decode_sll(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	if (len < 16) {
		decode_drop(k, SV_DROP_TRUNCATED);
		return;
	}
	decode_ethertype(k, decode_be16(p + 14), p + 16, len - 16);
}

/* Linux cooked capture v2: 20 bytes, protocol at offset 0. */
static void
decode_sll2(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	if (len < 20) {
		decode_drop(k, SV_DROP_TRUNCATED);
		return;
	}
	decode_ethertype(k, decode_be16(p), p + 20, len - 20);
}

/*
 * BSD loopback: a 4-byte address family (AF_INET 2, AF_INET6 24, 28 or 30
 * by OS) in the capturing host's order for DLT_NULL, either accepted, and in
 * network order for DLT_LOOP.
 */
static void
decode_null(struct decode_pkt *k, const uint8_t *p, size_t len, int loop)
{
	uint32_t af;

	if (len < 4) {
		decode_drop(k, SV_DROP_TRUNCATED);
		return;
	}
	af = loop ? decode_be32(p) : decode_le32(p);
	if (!loop && (af & 0xffff) == 0)
		af = decode_be32(p);
	switch (af) {
	case 2:
	case 24:
	case 28:
	case 30:
		decode_ip(k, p + 4, len - 4);
		return;
	}
	decode_drop(k, SV_DROP_LINK);
}

/* Set an address from 4 or 16 bytes of IP. */
static void
decode_addr(struct sv_addr *a, int af, const uint8_t *ip)
{
	a->af = (uint8_t)af;
	a->port = 0;
	memset(a->ip, 0, sizeof a->ip);
	memcpy(a->ip, ip, af == 4 ? 4 : 16);
}

/* Deliver a UDP or SCTP payload if it looks like SIP; 1 when it did. */
static int
decode_try_sip(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	if (len == 0 || !sipscan_is_sip((const char *)p, len))
		return 0;
	decode_deliver(k, p, len);
	return 1;
}

/* Inflate a HEP compressed payload into the decoder's buffer; its length or -1. */
static long
decode_inflate(struct decoder *d, const uint8_t *p, size_t len)
{
	int r;

	if (len > UINT32_MAX)
		return -1;
	if (d->zbuf == NULL && (d->zbuf = malloc(DECODE_INFLATE_MAX)) == NULL)
		return -1;
	if (!d->zs_ready) {
		memset(&d->zs, 0, sizeof d->zs);
		/* 15 + 32: zlib or gzip wrapper, detected from the header. */
		if (inflateInit2(&d->zs, 15 + 32) != Z_OK)
			return -1;
		d->zs_ready = 1;
	} else if (inflateReset(&d->zs) != Z_OK)
		return -1;
	d->zs.next_in = (Bytef *)(uintptr_t)p;
	d->zs.avail_in = (uInt)len;
	d->zs.next_out = d->zbuf;
	d->zs.avail_out = DECODE_INFLATE_MAX;
	r = inflate(&d->zs, Z_FINISH);
	if (r != Z_STREAM_END)
		return -1;
	return (long)(DECODE_INFLATE_MAX - d->zs.avail_out);
}

/* Map an IP protocol number carried in HEP to a SIP transport. */
static enum sv_transport
decode_hep_transport(unsigned proto)
{
	switch (proto) {
	case 6:
		return SV_T_TCP;
	case 132:
		return SV_T_SCTP;
	default:
		return SV_T_UDP;
	}
}

/*
 * HEP version 3 (EEP, SIPCAPTURE): "HEP3", a 16-bit total length, then
 * chunks of (vendor 16, type 16, length 16 including these 6 bytes); returns
 * 1 when the packet was HEP3 and has been counted, 0 when it is not HEP3.
 */
static int
decode_hep3(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	struct decode_pkt in;
	const uint8_t *pay = NULL, *zpay = NULL;
	size_t total, off, clen, paylen = 0, zlen = 0;
	uint16_t vendor, type;
	int64_t sec = -1, usec = 0;
	int ptype = -1, proto = -1;
	long n;

	if (len < 6 || memcmp(p, "HEP3", 4) != 0)
		return 0;
	total = decode_be16(p + 4);
	if (total < 6 || total > len)
		goto trunc;
	in = *k;
	memset(&in.m.src, 0, sizeof in.m.src);
	memset(&in.m.dst, 0, sizeof in.m.dst);
	for (off = 6; off < total; off += clen) {
		if (total - off < 6)
			goto trunc;
		vendor = decode_be16(p + off);
		type = decode_be16(p + off + 2);
		clen = decode_be16(p + off + 4);
		if (clen < 6 || clen > total - off)
			goto trunc;
		if (vendor != 0)
			continue;
		const uint8_t *v = p + off + 6;
		size_t vl = clen - 6;
		switch (type) {
		case 2:		/* IP protocol id */
			if (vl >= 1)
				proto = v[0];
			break;
		case 3:		/* IPv4 source, destination */
		case 4:
			if (vl >= 4)
				decode_addr(type == 3 ? &in.m.src : &in.m.dst,
				    4, v);
			break;
		case 5:		/* IPv6 source, destination */
		case 6:
			if (vl >= 16)
				decode_addr(type == 5 ? &in.m.src : &in.m.dst,
				    6, v);
			break;
		case 7:		/* ports, filled in below */
		case 8:
			break;
		case 9:
			if (vl >= 4)
				sec = decode_be32(v);
			break;
		case 10:
			if (vl >= 4)
				usec = decode_be32(v);
			break;
		case 11:	/* protocol type: 1 is SIP */
			if (vl >= 1)
				ptype = v[0];
			break;
		case 15:
			pay = v;
			paylen = vl;
			break;
		case 16:
			zpay = v;
			zlen = vl;
			break;
		}
	}
	/* Ports after addresses, whose setting clears them. */
	for (off = 6; off + 6 <= total; off += clen) {
		clen = decode_be16(p + off + 4);
		if (clen < 6)
			break;
		if (decode_be16(p + off) == 0 && clen >= 8) {
			type = decode_be16(p + off + 2);
			if (type == 7)
				in.m.src.port = decode_be16(p + off + 6);
			else if (type == 8)
				in.m.dst.port = decode_be16(p + off + 6);
		}
	}
	if (ptype >= 0 && ptype != 1) {
		decode_not_sip(k);
		return 1;
	}
	if (sec >= 0)
		in.m.ts = sec * 1000000 + usec;
	in.m.transport = decode_hep_transport(proto >= 0 ? (unsigned)proto : 17);
	if (pay == NULL && zpay != NULL) {
		if ((n = decode_inflate(k->d, zpay, zlen)) < 0) {
			decode_drop(k, SV_DROP_TUNNEL);
			return 1;
		}
		pay = k->d->zbuf;
		paylen = (size_t)n;
	}
	if (pay == NULL || !decode_try_sip(&in, pay, paylen))
		decode_not_sip(k);
	return 1;
trunc:
	decode_drop(k, SV_DROP_TUNNEL);
	return 1;
}

/*
 * HEP versions 1 and 2 (Kamailio/OpenSIPS sipcapture: version, header
 * length, family 2 or 10, protocol, ports, addresses, and for version 2
 * seconds and microseconds in the sender's byte order, little-endian in
 * practice, and a capture id); returns 1 when the packet was HEP and has
 * been counted, 0 when it does not look like HEP.
 */
static int
decode_hep12(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	struct decode_pkt in;
	size_t hl, alen;
	int af;

	if (len < 8 || (p[0] != 1 && p[0] != 2))
		return 0;
	if (p[2] == 2) {
		af = 4;
		alen = 4;
	} else if (p[2] == 10) {
		af = 6;
		alen = 16;
	} else
		return 0;
	if (p[1] != 8 + 2 * alen || (p[3] != 6 && p[3] != 17 && p[3] != 132))
		return 0;
	hl = p[1];
	if (len < hl)
		goto trunc;
	in = *k;
	decode_addr(&in.m.src, af, p + 8);
	decode_addr(&in.m.dst, af, p + 8 + alen);
	in.m.src.port = decode_be16(p + 4);
	in.m.dst.port = decode_be16(p + 6);
	in.m.transport = decode_hep_transport(p[3]);
	if (p[0] == 2) {
		/* struct hep_timehdr: 4 + 4 + 2, padded to 12 by compilers. */
		if (len < hl + 10)
			goto trunc;
		in.m.ts = (int64_t)decode_le32(p + hl) * 1000000 +
		    decode_le32(p + hl + 4);
		if (len >= hl + 12 &&
		    decode_try_sip(&in, p + hl + 12, len - hl - 12))
			return 1;
		if (decode_try_sip(&in, p + hl + 10, len - hl - 10))
			return 1;
	} else if (decode_try_sip(&in, p + hl, len - hl))
		return 1;
	decode_not_sip(k);
	return 1;
trunc:
	decode_drop(k, SV_DROP_TUNNEL);
	return 1;
}

/*
 * GTP-U (3GPP TS 29.281 section 5: 8-byte header, 4 more when E, S or PN is
 * set, then extension headers of 4n bytes with the next type in their last
 * byte, and an IP packet in a G-PDU, type 0xff); returns 1 when handled, 0
 * when the bytes are not GTP-U version 1.
 */
static int
decode_gtpu(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	size_t off, glen, elen;
	uint8_t next;

	if (len < 8 || (p[0] & 0xf0) != 0x30)
		return 0;
	glen = decode_be16(p + 2);
	if (glen > len - 8)
		goto trunc;
	len = 8 + glen;
	if (p[1] != 0xff) {
		decode_not_sip(k);	/* echo, error indication, end marker */
		return 1;
	}
	off = 8;
	if (p[0] & 0x07) {
		if (len < 12)
			goto trunc;
		next = (p[0] & 0x04) ? p[11] : 0;
		off = 12;
		while (next != 0) {
			if (len - off < 1)
				goto trunc;
			elen = (size_t)p[off] * 4;
			if (elen == 0 || elen > len - off) {
				decode_drop(k, SV_DROP_TUNNEL);
				return 1;
			}
			next = p[off + elen - 1];
			off += elen;
		}
	}
	if (len - off < 1)
		goto trunc;
	if (decode_enter(k) != 0)
		return 1;
	decode_ip(k, p + off, len - off);
	return 1;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
	return 1;
}

/* UDP (RFC 768): GTP-U and VXLAN by port, SIP on any port, then HEP. */
static void
decode_udp(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	size_t ulen;
	uint16_t sport, dport;

	if (len < 8)
		goto trunc;
	sport = decode_be16(p);
	dport = decode_be16(p + 2);
	ulen = decode_be16(p + 4);
	if (ulen != 0) {		/* 0: jumbogram (RFC 2675) or offload */
		if (ulen < 8) {
			decode_drop(k, SV_DROP_IP_BAD);
			return;
		}
		if (ulen > len)
			goto trunc;
		len = ulen;
	}
	p += 8;
	len -= 8;
	k->m.src.port = sport;
	k->m.dst.port = dport;
	k->m.transport = SV_T_UDP;

	if ((sport == DECODE_PORT_GTPU || dport == DECODE_PORT_GTPU) &&
	    decode_gtpu(k, p, len))
		return;
	if (decode_try_sip(k, p, len))
		return;
	/* VXLAN (RFC 7348 section 5): 8 bytes with the I flag, then Ethernet. */
	if (dport == DECODE_PORT_VXLAN && len >= 8 && (p[0] & 0x08)) {
		if (decode_enter(k) == 0)
			decode_ether(k, p + 8, len - 8);
		return;
	}
	if (decode_hep3(k, p, len) || decode_hep12(k, p, len))
		return;
	decode_not_sip(k);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/* TCP (RFC 9293 section 3.1): every segment goes to the reassembler. */
static void
decode_tcp(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	size_t hl;

	if (len < 20)
		goto trunc;
	hl = (size_t)(p[12] >> 4) * 4;
	if (hl < 20) {
		decode_drop(k, SV_DROP_IP_BAD);
		return;
	}
	if (hl > len)
		goto trunc;
	k->m.src.port = decode_be16(p);
	k->m.dst.port = decode_be16(p + 2);
	k->m.transport = SV_T_TCP;
	tcpreasm_segment(k->d->tcp, &k->m, decode_be32(p + 4),
	    p[13] & (TCPR_FIN | TCPR_SYN | TCPR_RST | TCPR_ACK), p + hl,
	    len - hl);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/*
 * Add one fragment of an SCTP user message (B starts it, later chunks carry
 * consecutive TSNs, E ends it: RFC 9260 sections 3.3.1 and 6.9), returning 1
 * when a message was delivered, 0 when held, -1 when the chunk was dropped.
 */
static int
decode_sctp_frag(struct decode_pkt *k, uint8_t flags, uint32_t tsn,
    uint16_t sid, const uint8_t *p, size_t len)
{
	struct decoder *d = k->d;
	struct decode_sctp_key key;
	struct decode_sctp_msg *q;
	size_t max = d->cfg.max_msg ? d->cfg.max_msg : DECODE_INFLATE_MAX;
	uint8_t *nb;
	int r = 0;

	memset(&key, 0, sizeof key);
	key.af = k->m.src.af;
	key.sid = sid;
	key.sport = k->m.src.port;
	key.dport = k->m.dst.port;
	memcpy(key.src, k->m.src.ip, 16);
	memcpy(key.dst, k->m.dst.ip, 16);
	HASH_FIND(hh, d->sctp, &key, sizeof key, q);
	if (flags & 0x02) {
		if (q != NULL) {
			d->st->drop[SV_DROP_TUNNEL]++;
			decode_sctp_del(d, q);
		}
		if (HASH_COUNT(d->sctp) >= DECODE_SCTP_MAX) {
			d->st->drop[SV_DROP_TUNNEL]++;
			decode_sctp_del(d, d->sctp);
		}
		if ((q = calloc(1, sizeof *q)) == NULL)
			return -1;
		q->key = key;
		q->ts = k->m.ts;
		q->next_tsn = tsn;
		HASH_ADD(hh, d->sctp, key, sizeof q->key, q);
	} else if (q == NULL || q->next_tsn != tsn) {
		if (q != NULL)
			decode_sctp_del(d, q);
		decode_drop(k, SV_DROP_TUNNEL);
		return -1;
	}
	if (len > max - q->len) {
		decode_sctp_del(d, q);
		decode_drop(k, SV_DROP_SIP_TOO_LARGE);
		return -1;
	}
	if (len > 0) {
		if ((nb = realloc(q->buf, q->len + len)) == NULL) {
			decode_sctp_del(d, q);
			decode_drop(k, SV_DROP_TUNNEL);
			return -1;
		}
		q->buf = nb;
		memcpy(q->buf + q->len, p, len);
		q->len += len;
	}
	q->next_tsn = tsn + 1;
	if (flags & 0x01) {
		r = decode_try_sip(k, q->buf, q->len) ? 1 : 0;
		if (r == 0)
			decode_not_sip(k);
		decode_sctp_del(d, q);
	}
	return r;
}

/*
 * SCTP (RFC 9260 section 3: common header, chunks padded to 4 bytes), whose
 * DATA user data (section 3.3.1) that looks like SIP is delivered, after
 * reassembly when fragmented, and I-DATA (RFC 8260) only when whole.
 */
static void
decode_sctp(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	size_t off, clen, hl, step;
	uint8_t flags;
	int found = 0, other = 0;

	if (len < 12)
		goto trunc;
	k->m.src.port = decode_be16(p);
	k->m.dst.port = decode_be16(p + 2);
	k->m.transport = SV_T_SCTP;
	for (off = 12; len - off >= 4; off += step) {
		clen = decode_be16(p + off + 2);
		if (clen < 4) {
			decode_drop(k, SV_DROP_TUNNEL);
			return;
		}
		if (clen > len - off) {
			if (!found)
				goto trunc;
			return;
		}
		/* Chunks are padded to 4 bytes; the last one's pad may be cut. */
		step = (clen + 3) & ~(size_t)3;
		if (step > len - off)
			step = len - off;
		if (p[off] != 0 && p[off] != 64) {
			other = 1;
			continue;
		}
		hl = p[off] == 0 ? 16 : 20;
		if (clen < hl) {
			decode_drop(k, SV_DROP_TUNNEL);
			return;
		}
		flags = p[off + 1] & 0x03;
		if (flags == 0x03) {
			if (decode_try_sip(k, p + off + hl, clen - hl))
				found = 1;
			else
				other = 1;
		} else if (p[off] == 0) {
			if (decode_sctp_frag(k, flags, decode_be32(p + off + 4),
			    decode_be16(p + off + 8), p + off + hl,
			    clen - hl) != 0)
				found = 1;	/* delivered or counted */
		} else {
			decode_drop(k, SV_DROP_TUNNEL);
			found = 1;
		}
	}
	if (!found && other)
		decode_not_sip(k);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/* GRE (RFC 2784, RFC 2890 keys and sequence numbers; version 1, RFC 2637). */
static void
decode_gre(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	uint16_t flags, proto;
	size_t hl = 4;
	int seq;

	if (len < 4)
		goto trunc;
	flags = decode_be16(p);
	proto = decode_be16(p + 2);
	if ((flags & 0x0007) > 1 || (flags & 0x4000)) {
		/* Unknown version, or RFC 1701 source routing. */
		decode_drop(k, SV_DROP_TUNNEL);
		return;
	}
	if (flags & 0x8000)		/* C: checksum and reserved1 */
		hl += 4;
	if (flags & 0x2000)		/* K: key (call id in version 1) */
		hl += 4;
	seq = (flags & 0x1000) != 0;
	if (seq)			/* S: sequence number */
		hl += 4;
	if ((flags & 0x0007) == 1 && (flags & 0x0080))	/* A: ack */
		hl += 4;
	if (len < hl)
		goto trunc;
	p += hl;
	len -= hl;
	if (decode_enter(k) != 0)
		return;
	switch (proto) {
	case DECODE_ETH_IPV4:
	case DECODE_ETH_IPV6:
		decode_ip(k, p, len);
		return;
	case DECODE_ETH_TEB:
		decode_ether(k, p, len);
		return;
	case DECODE_ETH_ERSPAN2:
		/* ERSPAN type II has an 8-byte header, type I none; S tells. */
		if (seq) {
			if (len < 8)
				goto trunc;
			p += 8;
			len -= 8;
		}
		decode_ether(k, p, len);
		return;
	case DECODE_ETH_ERSPAN3:
		/* ERSPAN type III: 12 bytes, 8 more when O is set. */
		if (len < 12)
			goto trunc;
		hl = (p[11] & 0x01) ? 20 : 12;
		if (len < hl)
			goto trunc;
		decode_ether(k, p + hl, len - hl);
		return;
	case DECODE_ETH_PPP:
		decode_ppp(k, p, len);
		return;
	case DECODE_ETH_MPLS:
		decode_mpls(k, p, len);
		return;
	}
	decode_not_sip(k);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/*
 * ICMP (RFC 792) and ICMPv6 (RFC 4443) errors: destination unreachable and
 * time exceeded quoting an IPv4 or IPv6 packet that carried UDP.  The quoted
 * packet's addresses and ports become m.src/m.dst, the error's sender
 * m.icmp_from, and the quoted UDP payload (usually cut short) goes to the
 * sink's icmp hook when it starts like SIP.  Anything else carries no SIP.
 */
static void
decode_icmp(struct decode_pkt *k, int v6, const uint8_t *p, size_t len)
{
	const uint8_t	*q;
	size_t		 qlen, hl;
	uint8_t		 type, code;
	int		 proto;

	if (len < 8)
		goto trunc;
	type = p[0];
	code = p[1];
	if (v6 ? type != 1 && type != 3 : type != 3 && type != 11) {
		/* Echo and the rest: not a protocol SIP travels in. */
		decode_drop(k, SV_DROP_PROTO);
		return;
	}
	q = p + 8;
	qlen = len - 8;
	k->m.icmp_from = k->m.src;
	k->m.icmp_v6 = (uint8_t)v6;
	k->m.icmp_type = type;
	k->m.icmp_code = code;
	if (qlen >= 1 && (q[0] >> 4) == 4) {
		if (qlen < 20)
			goto trunc;
		hl = (size_t)(q[0] & 0x0f) * 4;
		if (hl < 20) {
			decode_drop(k, SV_DROP_IP_BAD);
			return;
		}
		if (hl > qlen)
			goto trunc;
		/* Only a first fragment quotes the UDP header. */
		proto = (decode_be16(q + 6) & 0x1fff) == 0 ? q[9] : -1;
		decode_addr(&k->m.src, 4, q + 12);
		decode_addr(&k->m.dst, 4, q + 16);
	} else if (qlen >= 1 && (q[0] >> 4) == 6) {
		if (qlen < 40)
			goto trunc;
		hl = 40;
		proto = q[6];
		decode_addr(&k->m.src, 6, q + 8);
		decode_addr(&k->m.dst, 6, q + 24);
	} else {
		decode_drop(k, SV_DROP_IP_BAD);
		return;
	}
	if (proto != 17) {
		decode_not_sip(k);
		return;
	}
	q += hl;
	qlen -= hl;
	if (qlen < 8)
		goto trunc;
	k->m.src.port = decode_be16(q);
	k->m.dst.port = decode_be16(q + 2);
	k->m.transport = SV_T_UDP;
	q += 8;
	qlen -= 8;
	if (qlen == 0 || k->d->sink.icmp == NULL ||
	    !sipscan_is_sip((const char *)q, qlen)) {
		decode_not_sip(k);
		return;
	}
	k->d->sink.icmp(k->d->sink.arg, &k->m, (const char *)q, qlen);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/* Dispatch an IP payload by protocol number. */
static void
decode_ipproto(struct decode_pkt *k, uint8_t proto, const uint8_t *p,
    size_t len)
{
	switch (proto) {
	case 17:
		decode_udp(k, p, len);
		return;
	case 6:
		decode_tcp(k, p, len);
		return;
	case 132:
		decode_sctp(k, p, len);
		return;
	case 4:		/* IP in IP (RFC 2003) */
	case 41:	/* IPv6 in IP (RFC 4213) */
		if (decode_enter(k) == 0)
			decode_ip(k, p, len);
		return;
	case 47:
		decode_gre(k, p, len);
		return;
	case 59:	/* IPv6 No Next Header */
		decode_not_sip(k);
		return;
	case 1:
		decode_icmp(k, 0, p, len);
		return;
	case 58:
		decode_icmp(k, 1, p, len);
		return;
	}
	decode_drop(k, SV_DROP_PROTO);
}

/* Pass a fragment to ipfrag and go on with the datagram if it completed. */
static void
decode_frag(struct decode_pkt *k, const struct ipfrag_key *key, uint32_t off,
    int more, const uint8_t *p, size_t len)
{
	const uint8_t *out;
	size_t outlen;

	if (ipfrag_add(k->d->frag, k->m.ts, key, off, more, p, len, &out,
	    &outlen) != 1)
		return;
	if (off != 0 || more) {
		k->d->st->frag_reassembled++;
		k->m.fragmented = 1;
	}
	decode_ipproto(k, key->proto, out, outlen);
}

/* IPv4 (RFC 791 section 3.1). */
static void
decode_ipv4(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	struct ipfrag_key key;
	size_t hl, tl;
	uint16_t fo;

	if (len < 20)
		goto trunc;
	hl = (size_t)(p[0] & 0x0f) * 4;
	tl = decode_be16(p + 2);
	if (hl < 20) {
		decode_drop(k, SV_DROP_IP_BAD);
		return;
	}
	if (tl == 0)			/* segmentation offload: trust caplen */
		tl = len;
	if (tl < hl) {
		decode_drop(k, SV_DROP_IP_BAD);
		return;
	}
	if (tl > len || hl > len)
		goto trunc;
	decode_addr(&k->m.src, 4, p + 12);
	decode_addr(&k->m.dst, 4, p + 16);
	fo = decode_be16(p + 6);
	if (fo & 0x3fff) {		/* MF set or offset non-zero */
		memset(&key, 0, sizeof key);
		key.af = 4;
		key.proto = p[9];
		key.id = decode_be16(p + 4);
		memcpy(key.src, p + 12, 4);
		memcpy(key.dst, p + 16, 4);
		decode_frag(k, &key, (uint32_t)(fo & 0x1fff) * 8,
		    (fo & 0x2000) != 0, p + hl, tl - hl);
		return;
	}
	decode_ipproto(k, p[9], p + hl, tl - hl);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/*
 * Walk IPv6 extension headers (RFC 8200 section 4) from next header nh over
 * p; fragments go through ipfrag, and the reassembled payload resumes the
 * walk with the fragment header's next header.
 */
static void
decode_ipv6_ext(struct decode_pkt *k, uint8_t nh, const uint8_t *p, size_t len,
    const uint8_t *src, const uint8_t *dst)
{
	struct ipfrag_key key;
	const uint8_t *out;
	size_t hl, outlen;
	uint16_t fo;
	int n, r;

	for (n = 0; n < 16; n++) {
		switch (nh) {
		case 0:		/* hop-by-hop options */
		case 43:	/* routing */
		case 60:	/* destination options */
			if (len < 2)
				goto trunc;
			hl = ((size_t)p[1] + 1) * 8;
			break;
		case 51:	/* AH (RFC 4302 section 2.2) */
			if (len < 2)
				goto trunc;
			hl = ((size_t)p[1] + 2) * 4;
			break;
		case 44:	/* fragment (RFC 8200 section 4.5) */
			if (len < 8)
				goto trunc;
			fo = decode_be16(p + 2);
			if ((fo & 0xfff9) == 0) {
				/* Atomic fragment (RFC 6946): no reassembly. */
				nh = p[0];
				p += 8;
				len -= 8;
				continue;
			}
			memset(&key, 0, sizeof key);
			key.af = 6;
			key.proto = p[0];
			key.id = decode_be32(p + 4);
			memcpy(key.src, src, 16);
			memcpy(key.dst, dst, 16);
			r = ipfrag_add(k->d->frag, k->m.ts, &key,
			    (uint32_t)(fo & 0xfff8), (fo & 0x0001) != 0,
			    p + 8, len - 8, &out, &outlen);
			if (r != 1)
				return;
			k->d->st->frag_reassembled++;
			k->m.fragmented = 1;
			nh = key.proto;
			p = out;
			len = outlen;
			continue;
		case 50:	/* ESP: encrypted, opaque */
			decode_drop(k, SV_DROP_PROTO);
			return;
		default:
			decode_ipproto(k, nh, p, len);
			return;
		}
		if (hl > len)
			goto trunc;
		nh = p[0];
		p += hl;
		len -= hl;
	}
	decode_drop(k, SV_DROP_IP_BAD);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/* IPv6 (RFC 8200 section 3). */
static void
decode_ipv6(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	size_t plen;

	if (len < 40)
		goto trunc;
	plen = decode_be16(p + 4);
	if (plen == 0)			/* jumbo payload (RFC 2675) or offload */
		plen = len - 40;
	if (plen > len - 40)
		goto trunc;
	decode_addr(&k->m.src, 6, p + 8);
	decode_addr(&k->m.dst, 6, p + 24);
	decode_ipv6_ext(k, p[6], p + 40, plen, p + 8, p + 24);
	return;
trunc:
	decode_drop(k, SV_DROP_TRUNCATED);
}

/* An IP packet of either version, chosen by the version nibble. */
static void
decode_ip(struct decode_pkt *k, const uint8_t *p, size_t len)
{
	if (len < 1) {
		decode_drop(k, SV_DROP_TRUNCATED);
		return;
	}
	switch (p[0] >> 4) {
	case 4:
		decode_ipv4(k, p, len);
		return;
	case 6:
		decode_ipv6(k, p, len);
		return;
	}
	decode_drop(k, SV_DROP_IP_BAD);
}

/*
 * Decode one frame of link type dlt (a pcap DLT_ value) captured at ts,
 * frame number frame of capture source source.
 */
void
decode_frame(struct decoder *d, int dlt, int64_t ts, uint64_t frame,
    uint8_t source, const uint8_t *pkt, size_t caplen)
{
	struct decode_pkt k;

	k.d = d;
	memset(&k.m, 0, sizeof k.m);
	k.m.ts = ts;
	k.m.frame = frame;
	k.m.source = source;
	k.depth = 0;
	if (pkt == NULL)
		caplen = 0;

	switch (dlt) {
	case DLT_EN10MB:
		decode_ether(&k, pkt, caplen);
		return;
	case DLT_LINUX_SLL:
		decode_sll(&k, pkt, caplen);
		return;
	case DECODE_LINKTYPE_SLL2:
		decode_sll2(&k, pkt, caplen);
		return;
	case DLT_NULL:
		decode_null(&k, pkt, caplen, 0);
		return;
	case DLT_LOOP:
		decode_null(&k, pkt, caplen, 1);
		return;
	case DLT_PPP:
	case DLT_PPP_SERIAL:
		decode_ppp(&k, pkt, caplen);
		return;
	}
	if (decode_dlt_supported(dlt)) {
		/* The raw IP family: the version nibble decides. */
		decode_ip(&k, pkt, caplen);
		return;
	}
	d->st->drop[SV_DROP_LINK]++;
}

/* Expire fragments and TCP flows idle since before now (capture time). */
void
decode_expire(struct decoder *d, int64_t now)
{
	ipfrag_expire(d->frag, now);
	tcpreasm_expire(d->tcp, now);
	if (now > INT64_MIN + d->cfg.frag_timeout)
		decode_sctp_purge(d, now - d->cfg.frag_timeout, 1);
}

/* End of input: count whatever is still incomplete as dropped. */
void
decode_flush(struct decoder *d)
{
	tcpreasm_flush(d->tcp);
	ipfrag_flush(d->frag);
	decode_sctp_purge(d, INT64_MAX, 1);
}
