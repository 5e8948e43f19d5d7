/*
 * pcapgen.c: write test and benchmark captures for sipvet.
 *
 * "pcapgen wrap" wraps whole SIP messages read from files into frames:
 * Ethernet (optionally VLAN/QinQ tagged), Linux cooked v1/v2, raw IP or BSD
 * loopback; IPv4 or IPv6; UDP or TCP with a handshake, split, coalesced,
 * reordered and retransmitted segments; IP fragments in order or reversed.
 * "pcapgen bench" writes a large, deterministic capture of interleaved
 * digest-authenticated calls to sip.vapi.ai for the benchmark.  Nothing is
 * ever sent: the addresses are only bytes in a file.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif

#define PG_SNAPLEN	262144
#define PG_MAXVLAN	8
#define PG_MAXFRAME	(PG_SNAPLEN)

/* An address with its port, as given on the command line. */
struct pg_addr {
	int		 v6;
	uint8_t		 ip[16];
	uint16_t	 port;
};

/* One message file read into memory. */
struct pg_msg {
	uint8_t		*buf;
	size_t		 len;
};

/* Everything "wrap" needs: options, output and running counters. */
struct pg_wrap {
	int		 tcp;
	int		 v6;
	int		 link;		/* DLT_ value */
	struct pg_addr	 src;
	struct pg_addr	 dst;
	uint16_t	 vlan[PG_MAXVLAN];
	int		 nvlan;
	int		 split;
	int		 coalesce;
	int		 reverse;
	int		 retrans;
	int		 nofin;
	size_t		 mtu;
	int		 frag_reverse;
	uint32_t	 isn;
	int64_t		 ts;		/* next frame time, microseconds */
	int64_t		 gap;
	uint32_t	 ipid;
	uint64_t	 frames;
	pcap_dumper_t	*dumper;
};

/* Print a message and exit with status 1. */
static void
pg_fatal(const char *fmt, ...)
{
	va_list	ap;

	fputs("pcapgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Print the usage text and exit with the given status. */
static void
pg_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: pcapgen wrap [-6] [-t udp|tcp] [--src IP:PORT] [--dst IP:PORT]\n"
	    "           [--link en10mb|sll|sll2|raw|null] [--vlan ID]... [--split N]\n"
	    "           [--coalesce] [--reverse] [--retrans] [--no-fin] [--isn N]\n"
	    "           [--mtu N] [--frag-reverse] [--ts SECONDS] [--gap USEC]\n"
	    "           OUT.pcap MSGFILE...\n"
	    "       pcapgen bench [-n MESSAGES] [--calls-in-flight K]\n"
	    "           [--rate CALLS_PER_SEC] [--seed N] [--ts SECONDS] [-v] OUT.pcap\n");
	exit(status);
}

/* Parse an unsigned number with an optional k/M/G suffix, or exit. */
static uint64_t
pg_number(const char *s, const char *what)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *s == '-' || *s == '+' || *s == ' ')
		pg_fatal("bad %s: %s", what, s);
	switch (*end) {
	case 'k': case 'K': v *= 1000; end++; break;
	case 'm': case 'M': v *= 1000000; end++; break;
	case 'g': case 'G': v *= 1000000000; end++; break;
	}
	if (*end != '\0')
		pg_fatal("bad %s: %s", what, s);
	return (v);
}

/* Parse "1.2.3.4:5060" or "[2001:db8::1]:5060" into an address, or exit. */
static void
pg_parse_addr(const char *s, struct pg_addr *a)
{
	char		 host[128];
	const char	*colon;
	size_t		 n;

	if (*s == '[') {
		colon = strstr(s, "]:");
		if (colon == NULL)
			pg_fatal("bad address (want [IPv6]:PORT): %s", s);
		n = colon - s - 1;
		colon++;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			pg_fatal("bad address (want IP:PORT): %s", s);
		n = colon - s;
	}
	if (n >= sizeof host)
		pg_fatal("address too long: %s", s);
	memcpy(host, s, n);
	host[n] = '\0';
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, host, a->ip) == 1)
		a->v6 = 0;
	else if (inet_pton(AF_INET6, host, a->ip) == 1)
		a->v6 = 1;
	else
		pg_fatal("bad IP address: %s", host);
	a->port = (uint16_t)pg_number(colon + 1, "port");
}

/* Store a 16-bit value in network byte order. */
static inline void
pg_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Store a 32-bit value in network byte order. */
static inline void
pg_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* Add bytes to a running one's-complement sum. */
static uint32_t
pg_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t	i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return (sum);
}

/* Fold a one's-complement sum into a 16-bit checksum. */
static uint16_t
pg_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

/* Compute a UDP or TCP checksum over the pseudo-header and segment. */
static uint16_t
pg_l4sum(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    const uint8_t *l4, size_t len)
{
	uint32_t	sum = 0;
	uint16_t	ck;

	if (v6) {
		sum = pg_sum(sum, src, 16);
		sum = pg_sum(sum, dst, 16);
		sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	} else {
		sum = pg_sum(sum, src, 4);
		sum = pg_sum(sum, dst, 4);
		sum += (uint32_t)len;
	}
	sum += proto;
	sum = pg_sum(sum, l4, len);
	ck = pg_fold(sum);
	if (proto == 17 && ck == 0)
		ck = 0xffff;
	return (ck);
}

/* Write the link-layer header for an IP packet; returns its length. */
static size_t
pg_link(struct pg_wrap *w, int fromsrc, int v6, uint8_t *p)
{
	static const uint8_t	 mac_a[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t	 mac_b[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x02 };
	uint16_t		 etype = v6 ? 0x86dd : 0x0800;
	uint8_t			*typep;
	size_t			 n = 0;
	int			 i;

	switch (w->link) {
	case DLT_NULL:
		/* Host byte order family: 2 for IPv4, 24 (BSD) for IPv6. */
		p[0] = v6 ? 24 : 2;
		p[1] = p[2] = p[3] = 0;
		return (4);
	case DLT_RAW:
		return (0);
	case DLT_EN10MB:
		memcpy(p, fromsrc ? mac_b : mac_a, 6);
		memcpy(p + 6, fromsrc ? mac_a : mac_b, 6);
		typep = p + 12;
		n = 14;
		break;
	case DLT_LINUX_SLL:
		pg_be16(p, fromsrc ? 4 : 0);	/* outgoing or to us */
		pg_be16(p + 2, 1);		/* ARPHRD_ETHER */
		pg_be16(p + 4, 6);
		memcpy(p + 6, fromsrc ? mac_a : mac_b, 6);
		p[12] = p[13] = 0;
		typep = p + 14;
		n = 16;
		break;
	default:	/* DLT_LINUX_SLL2 */
		typep = p;
		p[2] = p[3] = 0;
		pg_be32(p + 4, 2);		/* interface index */
		pg_be16(p + 8, 1);		/* ARPHRD_ETHER */
		p[10] = fromsrc ? 4 : 0;
		p[11] = 6;
		memcpy(p + 12, fromsrc ? mac_a : mac_b, 6);
		p[18] = p[19] = 0;
		n = 20;
		break;
	}
	/* VLAN chain: outer TPID 0x88a8 when stacked, then TCI and next type. */
	for (i = 0; i < w->nvlan; i++) {
		pg_be16(typep, (i == 0 && w->nvlan > 1) ? 0x88a8 : 0x8100);
		pg_be16(p + n, w->vlan[i] & 0x0fff);
		typep = p + n + 2;
		n += 4;
	}
	pg_be16(typep, etype);
	return (n);
}

/* Write one frame holding an IP packet to the capture. */
static void
pg_frame(struct pg_wrap *w, int fromsrc, int v6, const uint8_t *ip, size_t len)
{
	static uint8_t		 frame[PG_MAXFRAME + 64];
	struct pcap_pkthdr	 h;
	size_t			 n;

	n = pg_link(w, fromsrc, v6, frame);
	if (n + len > PG_MAXFRAME)
		pg_fatal("frame of %zu bytes is too large", n + len);
	memcpy(frame + n, ip, len);
	memset(&h, 0, sizeof h);
	h.ts.tv_sec = w->ts / 1000000;
	h.ts.tv_usec = w->ts % 1000000;
	h.caplen = h.len = (bpf_u_int32)(n + len);
	pcap_dump((u_char *)w->dumper, &h, frame);
	w->ts += w->gap;
	w->frames++;
}

/* Send an L4 datagram as one IP packet, or as fragments over the MTU. */
static void
pg_ip(struct pg_wrap *w, int fromsrc, uint8_t proto, const uint8_t *l4,
    size_t len)
{
	static uint8_t		 pkt[70000];
	const struct pg_addr	*s = fromsrc ? &w->src : &w->dst;
	const struct pg_addr	*d = fromsrc ? &w->dst : &w->src;
	size_t			 chunk, off, nfrag, i, k, n, hl;
	uint32_t		 id = w->ipid++;
	int			 v6 = w->v6;

	hl = v6 ? 40 : 20;
	if (w->mtu == 0 || hl + len <= w->mtu) {
		chunk = len;
		nfrag = 1;
	} else {
		if (w->mtu < hl + (v6 ? 16 : 8))
			pg_fatal("--mtu %zu is too small", w->mtu);
		chunk = ((w->mtu - hl - (v6 ? 8 : 0)) / 8) * 8;
		nfrag = (len + chunk - 1) / chunk;
	}
	if (!v6 && nfrag == 1 && len + 20 > 65535)
		pg_fatal("IPv4 datagram of %zu bytes is too large", len + 20);
	if (v6 && nfrag == 1 && len > 65535)
		pg_fatal("IPv6 payload of %zu bytes is too large", len);
	for (k = 0; k < nfrag; k++) {
		i = w->frag_reverse ? nfrag - 1 - k : k;
		off = i * chunk;
		n = len - off < chunk ? len - off : chunk;
		if (v6) {
			pkt[0] = 0x60;
			pkt[1] = pkt[2] = pkt[3] = 0;
			pkt[6] = nfrag > 1 ? 44 : proto;
			pkt[7] = 64;
			memcpy(pkt + 8, s->ip, 16);
			memcpy(pkt + 24, d->ip, 16);
			hl = 40;
			if (nfrag > 1) {
				pkt[40] = proto;
				pkt[41] = 0;
				pg_be16(pkt + 42, (uint16_t)(off | (i + 1 < nfrag)));
				pg_be32(pkt + 44, id);
				hl = 48;
			}
			pg_be16(pkt + 4, (uint16_t)(hl - 40 + n));
		} else {
			pkt[0] = 0x45;
			pkt[1] = 0;
			pg_be16(pkt + 2, (uint16_t)(20 + n));
			pg_be16(pkt + 4, (uint16_t)id);
			pg_be16(pkt + 6, (uint16_t)((off / 8) |
			    (i + 1 < nfrag ? 0x2000 : 0)));
			pkt[8] = 64;
			pkt[9] = proto;
			pkt[10] = pkt[11] = 0;
			memcpy(pkt + 12, s->ip, 4);
			memcpy(pkt + 16, d->ip, 4);
			pg_be16(pkt + 10, pg_fold(pg_sum(0, pkt, 20)));
			hl = 20;
		}
		memcpy(pkt + hl, l4 + off, n);
		pg_frame(w, fromsrc, v6, pkt, hl + n);
	}
}

/* Send one UDP datagram from the source to the destination. */
static void
pg_udp(struct pg_wrap *w, const uint8_t *data, size_t len)
{
	static uint8_t	l4[70000];

	if (len + 8 > 65535 - (w->v6 ? 0 : 20))
		pg_fatal("message of %zu bytes does not fit a UDP datagram", len);
	pg_be16(l4, w->src.port);
	pg_be16(l4 + 2, w->dst.port);
	pg_be16(l4 + 4, (uint16_t)(len + 8));
	l4[6] = l4[7] = 0;
	memcpy(l4 + 8, data, len);
	pg_be16(l4 + 6, pg_l4sum(w->v6, w->src.ip, w->dst.ip, 17, l4, len + 8));
	pg_ip(w, 1, 17, l4, len + 8);
	if (w->retrans)
		pg_ip(w, 1, 17, l4, len + 8);
}

/* Send one TCP segment in either direction. */
static void
pg_tcp(struct pg_wrap *w, int fromsrc, uint32_t seq, uint32_t ack,
    uint8_t flags, const uint8_t *data, size_t len)
{
	static uint8_t		 l4[70000];
	const struct pg_addr	*s = fromsrc ? &w->src : &w->dst;
	const struct pg_addr	*d = fromsrc ? &w->dst : &w->src;

	pg_be16(l4, s->port);
	pg_be16(l4 + 2, d->port);
	pg_be32(l4 + 4, seq);
	pg_be32(l4 + 8, ack);
	l4[12] = 5 << 4;
	l4[13] = flags;
	pg_be16(l4 + 14, 65535);
	l4[16] = l4[17] = l4[18] = l4[19] = 0;
	if (len > 0)
		memcpy(l4 + 20, data, len);
	pg_be16(l4 + 16, pg_l4sum(w->v6, s->ip, d->ip, 6, l4, len + 20));
	pg_ip(w, fromsrc, 6, l4, len + 20);
}

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_PSH	0x08
#define TH_ACK	0x10

/* Send one stream unit (a message, or all of them) as split segments. */
static void
pg_tcp_unit(struct pg_wrap *w, uint32_t *seq, uint32_t ack, const uint8_t *buf,
    size_t len)
{
	size_t	 maxseg, nseg, base, extra, k, i, off, n;
	int	 copy;

	if (len == 0)
		return;
	maxseg = 65535 - 40 - (w->v6 ? 0 : 20);
	nseg = w->split > 0 ? (size_t)w->split : 1;
	if (nseg > len)
		nseg = len;
	if ((len + nseg - 1) / nseg > maxseg)
		nseg = (len + maxseg - 1) / maxseg;
	base = len / nseg;
	extra = len % nseg;
	for (k = 0; k < nseg; k++) {
		i = w->reverse ? nseg - 1 - k : k;
		/* Segment i starts after i segments, the first extra one byte longer. */
		off = i * base + (i < extra ? i : extra);
		n = base + (i < extra ? 1 : 0);
		for (copy = 0; copy <= w->retrans; copy++)
			pg_tcp(w, 1, *seq + (uint32_t)off, ack, TH_PSH | TH_ACK,
			    buf + off, n);
	}
	*seq += (uint32_t)len;
}

/* Write a TCP connection carrying all the messages. */
static void
pg_wrap_tcp(struct pg_wrap *w, struct pg_msg *msgs, int nmsg)
{
	uint32_t	 seq = w->isn, sseq = 0x2a5a0000u, ack;
	uint8_t		*all;
	size_t		 total = 0, off = 0;
	int		 i;

	pg_tcp(w, 1, seq, 0, TH_SYN, NULL, 0);
	pg_tcp(w, 0, sseq, seq + 1, TH_SYN | TH_ACK, NULL, 0);
	seq++;
	ack = sseq + 1;
	pg_tcp(w, 1, seq, ack, TH_ACK, NULL, 0);
	if (w->coalesce) {
		for (i = 0; i < nmsg; i++)
			total += msgs[i].len;
		if ((all = malloc(total + 1)) == NULL)
			pg_fatal("out of memory");
		for (i = 0; i < nmsg; i++) {
			memcpy(all + off, msgs[i].buf, msgs[i].len);
			off += msgs[i].len;
		}
		pg_tcp_unit(w, &seq, ack, all, total);
		free(all);
	} else {
		for (i = 0; i < nmsg; i++)
			pg_tcp_unit(w, &seq, ack, msgs[i].buf, msgs[i].len);
	}
	if (!w->nofin) {
		pg_tcp(w, 1, seq, ack, TH_FIN | TH_ACK, NULL, 0);
		pg_tcp(w, 0, ack, seq + 1, TH_FIN | TH_ACK, NULL, 0);
		pg_tcp(w, 1, seq + 1, ack + 1, TH_ACK, NULL, 0);
	}
}

/* Read a whole file into memory, or exit. */
static void
pg_read_file(const char *path, struct pg_msg *m)
{
	FILE	*f;
	size_t	 cap = 65536, n;

	if ((f = fopen(path, "rb")) == NULL)
		pg_fatal("%s: %s", path, strerror(errno));
	if ((m->buf = malloc(cap)) == NULL)
		pg_fatal("out of memory");
	m->len = 0;
	while ((n = fread(m->buf + m->len, 1, cap - m->len, f)) > 0) {
		m->len += n;
		if (m->len == cap) {
			cap *= 2;
			if ((m->buf = realloc(m->buf, cap)) == NULL)
				pg_fatal("out of memory");
		}
	}
	if (ferror(f))
		pg_fatal("%s: read error", path);
	fclose(f);
}

/* Map a --link name to its DLT value, or exit. */
static int
pg_link_name(const char *s)
{
	if (strcmp(s, "en10mb") == 0 || strcmp(s, "ether") == 0)
		return (DLT_EN10MB);
	if (strcmp(s, "sll") == 0)
		return (DLT_LINUX_SLL);
	if (strcmp(s, "sll2") == 0)
		return (DLT_LINUX_SLL2);
	if (strcmp(s, "raw") == 0)
		return (DLT_RAW);
	if (strcmp(s, "null") == 0)
		return (DLT_NULL);
	pg_fatal("unknown link type: %s", s);
	return (-1);
}

enum {
	OPT_SRC = 256, OPT_DST, OPT_LINK, OPT_VLAN, OPT_SPLIT, OPT_COALESCE,
	OPT_REVERSE, OPT_RETRANS, OPT_MTU, OPT_FRAGREV, OPT_TS, OPT_GAP,
	OPT_ISN, OPT_NOFIN, OPT_CIF, OPT_RATE, OPT_SEED
};

/* Parse a time in seconds (fractions allowed) into microseconds, or exit. */
static int64_t
pg_seconds(const char *s)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 4e9)
		pg_fatal("bad time: %s", s);
	return ((int64_t)(v * 1e6 + 0.5));
}

/* The "wrap" subcommand: wrap message files into a capture. */
static int
pg_cmd_wrap(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "src", required_argument, NULL, OPT_SRC },
		{ "dst", required_argument, NULL, OPT_DST },
		{ "link", required_argument, NULL, OPT_LINK },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{ "split", required_argument, NULL, OPT_SPLIT },
		{ "coalesce", no_argument, NULL, OPT_COALESCE },
		{ "reverse", no_argument, NULL, OPT_REVERSE },
		{ "retrans", no_argument, NULL, OPT_RETRANS },
		{ "no-fin", no_argument, NULL, OPT_NOFIN },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "frag-reverse", no_argument, NULL, OPT_FRAGREV },
		{ "ts", required_argument, NULL, OPT_TS },
		{ "gap", required_argument, NULL, OPT_GAP },
		{ "isn", required_argument, NULL, OPT_ISN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct pg_wrap	 w;
	struct pg_msg	*msgs;
	const char	*src = NULL, *dst = NULL, *out;
	pcap_t		*p;
	int		 ch, i, nmsg, stream = 0;
	uint64_t	 v;

	memset(&w, 0, sizeof w);
	w.link = DLT_EN10MB;
	w.ts = 1700000000LL * 1000000;
	w.gap = 1000;
	w.isn = 0x10000000u;
	w.ipid = 0x1000;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "6t:h", longopts, NULL)) != -1) {
		switch (ch) {
		case '6':
			w.v6 = 1;
			break;
		case 't':
			if (strcmp(optarg, "udp") == 0)
				w.tcp = 0;
			else if (strcmp(optarg, "tcp") == 0)
				w.tcp = 1;
			else
				pg_fatal("-t wants udp or tcp");
			break;
		case OPT_SRC: src = optarg; break;
		case OPT_DST: dst = optarg; break;
		case OPT_LINK: w.link = pg_link_name(optarg); break;
		case OPT_VLAN:
			if (w.nvlan == PG_MAXVLAN)
				pg_fatal("too many --vlan");
			v = pg_number(optarg, "VLAN id");
			if (v > 4095)
				pg_fatal("VLAN id over 4095: %s", optarg);
			w.vlan[w.nvlan++] = (uint16_t)v;
			break;
		case OPT_SPLIT:
			v = pg_number(optarg, "--split");
			if (v < 1 || v > 1000000)
				pg_fatal("bad --split: %s", optarg);
			w.split = (int)v;
			stream = 1;
			break;
		case OPT_COALESCE: w.coalesce = 1; stream = 1; break;
		case OPT_REVERSE: w.reverse = 1; stream = 1; break;
		case OPT_RETRANS: w.retrans = 1; break;
		case OPT_NOFIN: w.nofin = 1; stream = 1; break;
		case OPT_MTU: w.mtu = pg_number(optarg, "--mtu"); break;
		case OPT_FRAGREV: w.frag_reverse = 1; break;
		case OPT_TS: w.ts = pg_seconds(optarg); break;
		case OPT_GAP: w.gap = (int64_t)pg_number(optarg, "--gap"); break;
		case OPT_ISN:
			v = pg_number(optarg, "--isn");
			if (v > UINT32_MAX)
				pg_fatal("--isn over 2^32-1: %s", optarg);
			w.isn = (uint32_t)v;
			stream = 1;
			break;
		case 'h': pg_usage(0); break;
		default: pg_usage(1);
		}
	}
	if (argc - optind < 2)
		pg_usage(1);
	if (stream && !w.tcp)
		pg_fatal("--split, --coalesce, --reverse, --isn and --no-fin need -t tcp");
	if (w.nvlan > 0 && (w.link == DLT_RAW || w.link == DLT_NULL))
		pg_fatal("--vlan needs --link en10mb, sll or sll2");
	pg_parse_addr(src ? src : (w.v6 ? "[2001:db8::1]:5060" : "192.0.2.1:5060"),
	    &w.src);
	pg_parse_addr(dst ? dst : (w.v6 ? "[2001:db8::2]:5060" : "192.0.2.2:5060"),
	    &w.dst);
	if (w.src.v6 != w.dst.v6)
		pg_fatal("--src and --dst are of different address families");
	if (src != NULL || dst != NULL)
		w.v6 = w.src.v6;
	if (w.src.v6 != w.v6)
		pg_fatal("-6 given with IPv4 addresses");

	out = argv[optind++];
	nmsg = argc - optind;
	if ((msgs = calloc(nmsg, sizeof *msgs)) == NULL)
		pg_fatal("out of memory");
	for (i = 0; i < nmsg; i++)
		pg_read_file(argv[optind + i], &msgs[i]);

	p = pcap_open_dead_with_tstamp_precision(w.link, PG_SNAPLEN,
	    PCAP_TSTAMP_PRECISION_MICRO);
	if (p == NULL)
		pg_fatal("pcap_open_dead failed");
	if ((w.dumper = pcap_dump_open(p, out)) == NULL)
		pg_fatal("%s: %s", out, pcap_geterr(p));
	if (w.tcp)
		pg_wrap_tcp(&w, msgs, nmsg);
	else
		for (i = 0; i < nmsg; i++)
			pg_udp(&w, msgs[i].buf, msgs[i].len);
	if (pcap_dump_flush(w.dumper) != 0)
		pg_fatal("%s: write error", out);
	pcap_dump_close(w.dumper);
	pcap_close(p);
	for (i = 0; i < nmsg; i++)
		free(msgs[i].buf);
	free(msgs);
	return (0);
}

/* ---- bench ---------------------------------------------------------- */

#define BENCH_VAPI_IP	0x2ce5e4baU	/* 44.229.228.186 */
#define BENCH_PBX_NET	0xc6336400U	/* 198.51.100.0/24 */
#define BENCH_OUTBUF	(8 << 20)

/* A buffered, append-only byte writer. */
struct bw {
	char	*p;
};

/* One scheduled message: capture time and (call index * 10 + step). */
struct bev {
	int64_t		 t;
	uint64_t	 key;
};

/* A binary min-heap of scheduled messages. */
struct bheap {
	struct bev	*v;
	size_t		 n;
	size_t		 cap;
};

/* Everything a call's messages are made of, derived from its index. */
struct bcall {
	uint64_t	 idx;
	uint32_t	 pbx;		/* PBX IPv4, host order */
	uint32_t	 cseq;
	uint32_t	 vcseq;		/* Vapi's own CSeq for its BYE */
	uint64_t	 cid;
	uint32_t	 ftag, ttag1, ttag2;
	uint64_t	 br[5];
	uint64_t	 caller, callee;
	uint64_t	 nonce[2], resp[2], cnonce;
	uint32_t	 sess;
	uint16_t	 rtp_pbx, rtp_vapi;
	int		 ua;
	int		 vapi_bye;
	int64_t		 t[10];
};

static uint64_t bench_seed = 0x5eed5151c0ffeeULL;

/* Mix a 64-bit value (splitmix64 finaliser). */
static inline uint64_t
bench_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (x ^ (x >> 31));
}

/* Append bytes. */
static inline void
bw_put(struct bw *b, const char *s, size_t n)
{
	memcpy(b->p, s, n);
	b->p += n;
}

#define BW_LIT(b, s)	bw_put((b), (s), sizeof(s) - 1)

/* Append an unsigned decimal number. */
static inline void
bw_u(struct bw *b, uint64_t v)
{
	char	tmp[24];
	int	n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*b->p++ = tmp[--n];
}

/* Append a number as exactly the given count of lowercase hex digits. */
static inline void
bw_hex(struct bw *b, uint64_t v, int digits)
{
	static const char	hx[] = "0123456789abcdef";
	int			i;

	for (i = digits - 1; i >= 0; i--) {
		b->p[i] = hx[v & 15];
		v >>= 4;
	}
	b->p += digits;
}

/* Append a dotted IPv4 address given in host order. */
static inline void
bw_ip(struct bw *b, uint32_t ip)
{
	bw_u(b, ip >> 24);
	*b->p++ = '.';
	bw_u(b, (ip >> 16) & 0xff);
	*b->p++ = '.';
	bw_u(b, (ip >> 8) & 0xff);
	*b->p++ = '.';
	bw_u(b, ip & 0xff);
}

/* Push a scheduled message onto the heap. */
static void
bheap_push(struct bheap *h, int64_t t, uint64_t key)
{
	size_t		i, parent;
	struct bev	e = { t, key };

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 65536;
		if ((h->v = realloc(h->v, h->cap * sizeof *h->v)) == NULL)
			pg_fatal("out of memory");
	}
	i = h->n++;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (h->v[parent].t < t ||
		    (h->v[parent].t == t && h->v[parent].key < key))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = e;
}

/* Remove the earliest scheduled message from the heap. */
static struct bev
bheap_pop(struct bheap *h)
{
	struct bev	top = h->v[0], last = h->v[--h->n];
	size_t		i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && (h->v[c + 1].t < h->v[c].t ||
		    (h->v[c + 1].t == h->v[c].t && h->v[c + 1].key < h->v[c].key)))
			c++;
		if (last.t < h->v[c].t ||
		    (last.t == h->v[c].t && last.key < h->v[c].key))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	h->v[i] = last;
	return (top);
}

/* Derive every field of a call from its index and the seed. */
static void
bench_call(struct bcall *c, uint64_t idx, int64_t start, int64_t setup)
{
	static const double	 frac[8] = {
		0.0, 0.04, 0.05, 0.12, 0.14, 0.30, 0.94, 0.97
	};
	uint64_t		 r[24];
	int			 i;

	r[0] = bench_mix(bench_seed ^ (idx * 0xd1b54a32d192ed03ULL));
	for (i = 1; i < 24; i++)
		r[i] = bench_mix(r[i - 1]);
	c->idx = idx;
	c->pbx = BENCH_PBX_NET | (uint32_t)(1 + r[0] % 254);
	c->cseq = 1 + (uint32_t)(r[1] % 9000);
	c->vcseq = 1 + (uint32_t)(r[1] >> 32) % 30000;
	c->cid = r[2];
	c->ftag = (uint32_t)r[3];
	c->ttag1 = (uint32_t)(r[3] >> 32);
	c->ttag2 = (uint32_t)r[4];
	for (i = 0; i < 5; i++)
		c->br[i] = r[5 + i];
	c->caller = 2000000000ULL + r[10] % 8000000000ULL;
	c->callee = 2000000000ULL + r[11] % 8000000000ULL;
	c->nonce[0] = r[12];
	c->nonce[1] = r[13];
	c->resp[0] = r[14];
	c->resp[1] = r[15];
	c->cnonce = r[16];
	c->sess = (uint32_t)r[17] & 0x7fffffff;
	c->rtp_pbx = 10000 + 2 * (uint16_t)(r[18] % 10000);
	c->rtp_vapi = 20000 + 2 * (uint16_t)((r[18] >> 32) % 10000);
	c->ua = (int)(r[19] % 4);
	c->vapi_bye = (int)(r[19] >> 40) & 1;
	/* Set-up spreads over "setup" us; BYE 2-3 s after the 200 OK. */
	for (i = 0; i < 8; i++)
		c->t[i] = start + (int64_t)(frac[i] * setup) +
		    (i ? (int64_t)((r[20] >> (i * 6)) % 997) : 0);
	for (i = 1; i < 8; i++)
		if (c->t[i] <= c->t[i - 1])
			c->t[i] = c->t[i - 1] + 1;
	c->t[8] = c->t[7] + 2000000 + (int64_t)(r[21] % 1000000);
	c->t[9] = c->t[8] + 8000 + (int64_t)(r[22] % 20000);
}

/* Append the PBX's "sip:+1NNN@198.51.100.x" URI of the caller. */
static void
bench_pbx_uri(struct bw *b, const struct bcall *c, int port)
{
	BW_LIT(b, "sip:+1");
	bw_u(b, c->caller);
	*b->p++ = '@';
	bw_ip(b, c->pbx);
	if (port)
		BW_LIT(b, ":5060");
}

/* Append the Vapi "sip:+1NNN@sip.vapi.ai" URI of the called number. */
static void
bench_vapi_uri(struct bw *b, const struct bcall *c)
{
	BW_LIT(b, "sip:+1");
	bw_u(b, c->callee);
	BW_LIT(b, "@sip.vapi.ai");
}

/* Append a Via header line sent by the PBX or by Vapi. */
static void
bench_via(struct bw *b, const struct bcall *c, int vapi, uint64_t branch,
    int response)
{
	if (vapi) {
		BW_LIT(b, "Via: SIP/2.0/UDP 44.229.228.186:5060;branch=z9hG4bK");
		bw_hex(b, branch, 16);
		BW_LIT(b, "\r\n");
		return;
	}
	BW_LIT(b, "Via: SIP/2.0/UDP ");
	bw_ip(b, c->pbx);
	if (response) {
		BW_LIT(b, ":5060;rport=5060;received=");
		bw_ip(b, c->pbx);
		BW_LIT(b, ";branch=z9hG4bK");
	} else
		BW_LIT(b, ":5060;rport;branch=z9hG4bK");
	bw_hex(b, branch, 16);
	BW_LIT(b, "\r\n");
}

/* Append the PBX-side From (or To, when vapi sent the request) header. */
static void
bench_pbx_party(struct bw *b, const struct bcall *c, const char *name)
{
	b->p = stpcpy(b->p, name);
	BW_LIT(b, ": \"+1");
	bw_u(b, c->caller);
	BW_LIT(b, "\" <");
	bench_pbx_uri(b, c, 0);
	BW_LIT(b, ">;tag=");
	bw_hex(b, c->ftag, 8);
	BW_LIT(b, "\r\n");
}

/* Append the Vapi-side To (or From) header, with a tag when nonzero. */
static void
bench_vapi_party(struct bw *b, const struct bcall *c, const char *name,
    uint32_t tag)
{
	b->p = stpcpy(b->p, name);
	BW_LIT(b, ": <");
	bench_vapi_uri(b, c);
	*b->p++ = '>';
	if (tag != 0) {
		BW_LIT(b, ";tag=");
		bw_hex(b, tag, 8);
	}
	BW_LIT(b, "\r\n");
}

/* Append Call-ID and CSeq header lines. */
static void
bench_cid_cseq(struct bw *b, const struct bcall *c, uint32_t cseq,
    const char *method)
{
	BW_LIT(b, "Call-ID: ");
	bw_hex(b, c->cid, 16);
	/* An odd multiplier is a bijection mod 2^48: Call-IDs stay distinct. */
	bw_hex(b, ((c->idx + 1) * 0x9e3779b97f4bULL) & 0xffffffffffffULL, 12);
	*b->p++ = '@';
	bw_ip(b, c->pbx);
	BW_LIT(b, "\r\nCSeq: ");
	bw_u(b, cseq);
	*b->p++ = ' ';
	b->p = stpcpy(b->p, method);
	BW_LIT(b, "\r\n");
}

/* Append a Content-Length header, the blank line and the body. */
static void
bench_body(struct bw *b, const char *body, size_t len)
{
	if (len > 0)
		BW_LIT(b, "Content-Type: application/sdp\r\n");
	BW_LIT(b, "Content-Length: ");
	bw_u(b, len);
	BW_LIT(b, "\r\n\r\n");
	if (len > 0)
		bw_put(b, body, len);
}

/* Write the SDP offer (PBX) or answer (Vapi) into buf; returns its length. */
static size_t
bench_sdp(char *buf, const struct bcall *c, int vapi)
{
	struct bw	 b = { buf };
	uint32_t	 ip = vapi ? BENCH_VAPI_IP : c->pbx;

	BW_LIT(&b, "v=0\r\no=");
	b.p = stpcpy(b.p, vapi ? "vapi" : "-");
	*b.p++ = ' ';
	bw_u(&b, c->sess + vapi);
	*b.p++ = ' ';
	bw_u(&b, c->sess + vapi);
	BW_LIT(&b, " IN IP4 ");
	bw_ip(&b, ip);
	BW_LIT(&b, "\r\ns=");
	b.p = stpcpy(b.p, vapi ? "Vapi" : "Asterisk");
	BW_LIT(&b, "\r\nc=IN IP4 ");
	bw_ip(&b, ip);
	BW_LIT(&b, "\r\nt=0 0\r\nm=audio ");
	bw_u(&b, vapi ? c->rtp_vapi : c->rtp_pbx);
	if (vapi)
		BW_LIT(&b, " RTP/AVP 0 101\r\n"
		    "a=rtpmap:0 PCMU/8000\r\n"
		    "a=rtpmap:101 telephone-event/8000\r\n"
		    "a=fmtp:101 0-16\r\n"
		    "a=ptime:20\r\na=sendrecv\r\n");
	else
		BW_LIT(&b, " RTP/AVP 0 8 101\r\n"
		    "a=rtpmap:0 PCMU/8000\r\n"
		    "a=rtpmap:8 PCMA/8000\r\n"
		    "a=rtpmap:101 telephone-event/8000\r\n"
		    "a=fmtp:101 0-16\r\n"
		    "a=ptime:20\r\na=maxptime:150\r\na=sendrecv\r\n");
	return (b.p - buf);
}

/* Append the PBX's INVITE, with the Authorization header when auth is set. */
static void
bench_invite(struct bw *b, const struct bcall *c, int auth)
{
	static const char *const ua[4] = {
		"Asterisk PBX 20.5.2",
		"FPBX-16.0.40.7(18.20.1)",
		"FreeSWITCH-mod_sofia/1.10.11-release~64bit",
		"3CXPhoneSystem 18.0.9.20 (20)"
	};
	char		 sdp[512];
	size_t		 n = bench_sdp(sdp, c, 0);

	BW_LIT(b, "INVITE ");
	bench_vapi_uri(b, c);
	BW_LIT(b, " SIP/2.0\r\n");
	bench_via(b, c, 0, c->br[auth ? 1 : 0], 0);
	BW_LIT(b, "Max-Forwards: 70\r\n");
	bench_pbx_party(b, c, "From");
	bench_vapi_party(b, c, "To", 0);
	BW_LIT(b, "Contact: <");
	bench_pbx_uri(b, c, 1);
	BW_LIT(b, ">\r\n");
	bench_cid_cseq(b, c, c->cseq + auth, "INVITE");
	if (auth) {
		BW_LIT(b, "Authorization: Digest username=\"+1");
		bw_u(b, c->callee);
		BW_LIT(b, "\", realm=\"sip.vapi.ai\", nonce=\"");
		bw_hex(b, c->nonce[0], 16);
		bw_hex(b, c->nonce[1], 16);
		BW_LIT(b, "\", uri=\"");
		bench_vapi_uri(b, c);
		BW_LIT(b, "\", response=\"");
		bw_hex(b, c->resp[0], 16);
		bw_hex(b, c->resp[1], 16);
		BW_LIT(b, "\", algorithm=MD5, cnonce=\"");
		bw_hex(b, c->cnonce, 16);
		BW_LIT(b, "\", qop=auth, nc=00000001\r\n");
	}
	BW_LIT(b, "User-Agent: ");
	b->p = stpcpy(b->p, ua[c->ua]);
	BW_LIT(b, "\r\nAllow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, "
	    "SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE\r\n"
	    "Supported: replaces, timer\r\n"
	    "Session-Expires: 1800\r\nMin-SE: 90\r\n");
	bench_body(b, sdp, n);
}

/* Append a response from Vapi to one of the PBX's INVITEs. */
static void
bench_invite_resp(struct bw *b, const struct bcall *c, int step)
{
	char	 sdp[512];
	size_t	 n;

	switch (step) {
	case 1: BW_LIT(b, "SIP/2.0 401 Unauthorized\r\n"); break;
	case 4: BW_LIT(b, "SIP/2.0 100 Trying\r\n"); break;
	case 5: BW_LIT(b, "SIP/2.0 180 Ringing\r\n"); break;
	default: BW_LIT(b, "SIP/2.0 200 OK\r\n"); break;
	}
	bench_via(b, c, 0, c->br[step == 1 ? 0 : 1], 1);
	bench_pbx_party(b, c, "From");
	bench_vapi_party(b, c, "To", step == 1 ? c->ttag1 :
	    step == 4 ? 0 : c->ttag2);
	bench_cid_cseq(b, c, c->cseq + (step == 1 ? 0 : 1), "INVITE");
	if (step == 1) {
		BW_LIT(b, "WWW-Authenticate: Digest realm=\"sip.vapi.ai\", "
		    "nonce=\"");
		bw_hex(b, c->nonce[0], 16);
		bw_hex(b, c->nonce[1], 16);
		BW_LIT(b, "\", qop=\"auth\", algorithm=MD5\r\n");
	}
	if (step == 5 || step == 6)
		BW_LIT(b, "Contact: <sip:44.229.228.186:5060;transport=udp>\r\n");
	if (step == 6)
		BW_LIT(b, "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, "
		    "NOTIFY, INFO\r\nSupported: timer\r\n"
		    "Session-Expires: 1800;refresher=uac\r\n");
	BW_LIT(b, "Server: Vapi SIP Gateway\r\n");
	if (step == 6) {
		n = bench_sdp(sdp, c, 1);
		bench_body(b, sdp, n);
	} else
		bench_body(b, NULL, 0);
}

/* Append an ACK: for the 401 (step 2) or for the 200 OK (step 7). */
static void
bench_ack(struct bw *b, const struct bcall *c, int step)
{
	BW_LIT(b, "ACK ");
	if (step == 2)
		bench_vapi_uri(b, c);
	else
		BW_LIT(b, "sip:44.229.228.186:5060;transport=udp");
	BW_LIT(b, " SIP/2.0\r\n");
	bench_via(b, c, 0, c->br[step == 2 ? 0 : 2], 0);
	BW_LIT(b, "Max-Forwards: 70\r\n");
	bench_pbx_party(b, c, "From");
	bench_vapi_party(b, c, "To", step == 2 ? c->ttag1 : c->ttag2);
	bench_cid_cseq(b, c, c->cseq + (step == 2 ? 0 : 1), "ACK");
	bench_body(b, NULL, 0);
}

/* Append the BYE (step 8) or its 200 OK (step 9), from either side. */
static void
bench_bye(struct bw *b, const struct bcall *c, int step)
{
	int	resp = step == 9;

	if (resp)
		BW_LIT(b, "SIP/2.0 200 OK\r\n");
	else if (c->vapi_bye) {
		BW_LIT(b, "BYE ");
		bench_pbx_uri(b, c, 1);
		BW_LIT(b, " SIP/2.0\r\n");
	} else
		BW_LIT(b, "BYE sip:44.229.228.186:5060;transport=udp SIP/2.0\r\n");
	bench_via(b, c, c->vapi_bye, c->br[3], resp);
	if (!resp)
		BW_LIT(b, "Max-Forwards: 70\r\n");
	if (c->vapi_bye) {
		bench_vapi_party(b, c, "From", c->ttag2);
		bench_pbx_party(b, c, "To");
		bench_cid_cseq(b, c, c->vcseq, "BYE");
	} else {
		bench_pbx_party(b, c, "From");
		bench_vapi_party(b, c, "To", c->ttag2);
		bench_cid_cseq(b, c, c->cseq + 2, "BYE");
	}
	if (!resp && !c->vapi_bye)
		BW_LIT(b, "Reason: Q.850;cause=16;text=\"Normal Clearing\"\r\n");
	bench_body(b, NULL, 0);
}

/* Append one framed message (pcap record, Ethernet, IPv4, UDP, SIP). */
static void
bench_frame(struct bw *b, const struct bcall *c, int step, int64_t t,
    uint16_t ipid)
{
	uint8_t		*rec = (uint8_t *)b->p, *eth, *ip, *udp;
	uint32_t	 sip, dip, caplen;
	size_t		 plen;
	int		 fromvapi;

	fromvapi = step == 1 || step == 4 || step == 5 || step == 6 ||
	    (step == 8 && c->vapi_bye) || (step == 9 && !c->vapi_bye);
	eth = rec + 16;
	ip = eth + 14;
	udp = ip + 20;
	b->p = (char *)udp + 8;
	switch (step) {
	case 0: case 3: bench_invite(b, c, step == 3); break;
	case 2: case 7: bench_ack(b, c, step); break;
	case 8: case 9: bench_bye(b, c, step); break;
	default: bench_invite_resp(b, c, step); break;
	}
	plen = (uint8_t *)b->p - (udp + 8);
	caplen = (uint32_t)(14 + 20 + 8 + plen);
	/* pcap record header, in this host's byte order like the file header. */
	{
		uint32_t	hdr[4];

		hdr[0] = (uint32_t)(t / 1000000);
		hdr[1] = (uint32_t)(t % 1000000);
		hdr[2] = caplen;
		hdr[3] = caplen;
		memcpy(rec, hdr, 16);
	}
	sip = fromvapi ? BENCH_VAPI_IP : c->pbx;
	dip = fromvapi ? c->pbx : BENCH_VAPI_IP;
	/* Ethernet: the PBX's MAC carries its host number. */
	if (fromvapi) {
		memcpy(eth, "\x02\x42\xc6\x33\x64", 5);
		eth[5] = c->pbx & 0xff;
		memcpy(eth + 6, "\x00\x1b\x21\x3a\x4c\x01", 6);
	} else {
		memcpy(eth, "\x00\x1b\x21\x3a\x4c\x01", 6);
		memcpy(eth + 6, "\x02\x42\xc6\x33\x64", 5);
		eth[11] = c->pbx & 0xff;
	}
	eth[12] = 0x08;
	eth[13] = 0x00;
	ip[0] = 0x45;
	ip[1] = 0;
	pg_be16(ip + 2, (uint16_t)(20 + 8 + plen));
	pg_be16(ip + 4, ipid);
	ip[6] = 0x40;	/* DF */
	ip[7] = 0;
	ip[8] = fromvapi ? 52 : 62;
	ip[9] = 17;
	ip[10] = ip[11] = 0;
	pg_be32(ip + 12, sip);
	pg_be32(ip + 16, dip);
	pg_be16(ip + 10, pg_fold(pg_sum(0, ip, 20)));
	pg_be16(udp, 5060);
	pg_be16(udp + 2, 5060);
	pg_be16(udp + 4, (uint16_t)(8 + plen));
	udp[6] = udp[7] = 0;
}

/* The "bench" subcommand: write interleaved authenticated calls. */
static int
pg_cmd_bench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "calls-in-flight", required_argument, NULL, OPT_CIF },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "ts", required_argument, NULL, OPT_TS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct bheap	 heap = { NULL, 0, 0 };
	struct bcall	 c;
	struct bev	 e;
	struct bw	 b;
	FILE		*f;
	char		*obuf, *limit;
	const char	*out;
	uint64_t	 nmsg = 1000000, ncalls, i, written = 0, bytes = 0;
	uint64_t	 cif = 1000, rate = 2000, last_idx = UINT64_MAX;
	size_t		 peak = 0;
	int64_t		 t0 = 1700000000LL * 1000000, start, setup;
	uint32_t	 fh[6];
	uint16_t	 vers[2];
	uint16_t	 ipid = 1;
	int		 ch, verbose = 0, rem;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "n:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n': nmsg = pg_number(optarg, "-n"); break;
		case 'v': verbose = 1; break;
		case OPT_CIF: cif = pg_number(optarg, "--calls-in-flight"); break;
		case OPT_RATE: rate = pg_number(optarg, "--rate"); break;
		case OPT_SEED: bench_seed = pg_number(optarg, "--seed"); break;
		case OPT_TS: t0 = pg_seconds(optarg); break;
		case 'h': pg_usage(0); break;
		default: pg_usage(1);
		}
	}
	if (argc - optind != 1)
		pg_usage(1);
	if (cif == 0 || rate == 0)
		pg_fatal("--calls-in-flight and --rate must be positive");
	out = argv[optind];
	if (strcmp(out, "-") == 0)
		f = stdout;
	else if ((f = fopen(out, "wb")) == NULL)
		pg_fatal("%s: %s", out, strerror(errno));
	setvbuf(f, NULL, _IONBF, 0);
	if ((obuf = malloc(BENCH_OUTBUF)) == NULL)
		pg_fatal("out of memory");
	limit = obuf + BENCH_OUTBUF - 8192;

	/* Classic microsecond pcap header in host byte order. */
	fh[0] = 0xa1b2c3d4;
	vers[0] = 2;
	vers[1] = 4;
	memcpy(&fh[1], vers, 4);
	fh[2] = 0;
	fh[3] = 0;
	fh[4] = PG_SNAPLEN;
	fh[5] = 1;	/* LINKTYPE_ETHERNET */
	b.p = obuf;
	memcpy(b.p, fh, sizeof fh);
	b.p += sizeof fh;

	/* Calls start at "rate"; set-up lasts cif/rate so cif are in set-up. */
	setup = (int64_t)(cif * 1000000 / rate);
	if (setup < 100)
		setup = 100;
	ncalls = (nmsg + 9) / 10;
	rem = (int)(nmsg % 10);
	for (i = 0; i <= ncalls; i++) {
		start = t0 + (int64_t)(i * 1000000 / rate);
		while (heap.n > 0 && (i == ncalls || heap.v[0].t < start)) {
			e = bheap_pop(&heap);
			if (e.key / 10 != last_idx) {
				last_idx = e.key / 10;
				bench_call(&c, last_idx, t0 + (int64_t)(last_idx *
				    1000000 / rate), setup);
			}
			bench_frame(&b, &c, (int)(e.key % 10), e.t, ipid++);
			written++;
			if (b.p >= limit) {
				if (fwrite(obuf, 1, b.p - obuf, f) !=
				    (size_t)(b.p - obuf))
					pg_fatal("%s: %s", out, strerror(errno));
				bytes += b.p - obuf;
				b.p = obuf;
			}
		}
		if (i == ncalls)
			break;
		bench_call(&c, i, start, setup);
		last_idx = i;
		for (ch = 0; ch < 10; ch++) {
			if (i == ncalls - 1 && rem != 0 && ch >= rem)
				break;
			bheap_push(&heap, c.t[ch], i * 10 + ch);
		}
		if (heap.n > peak)
			peak = heap.n;
	}
	if (fwrite(obuf, 1, b.p - obuf, f) != (size_t)(b.p - obuf) ||
	    fflush(f) != 0)
		pg_fatal("%s: %s", out, strerror(errno));
	bytes += b.p - obuf;
	if (f != stdout && fclose(f) != 0)
		pg_fatal("%s: %s", out, strerror(errno));
	if (verbose)
		fprintf(stderr, "pcapgen: %" PRIu64 " messages, %" PRIu64
		    " calls, %" PRIu64 " bytes, peak %zu scheduled\n",
		    written, ncalls, bytes, peak);
	free(heap.v);
	free(obuf);
	return (0);
}

/* Dispatch to a subcommand. */
int
main(int argc, char **argv)
{
	if (argc < 2)
		pg_usage(1);
	if (strcmp(argv[1], "wrap") == 0)
		return (pg_cmd_wrap(argc - 1, argv + 1));
	if (strcmp(argv[1], "bench") == 0)
		return (pg_cmd_bench(argc - 1, argv + 1));
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		pg_usage(0);
	pg_usage(1);
	return (1);
}
