/*
 * sv.h: types shared by every module of the sipvet engine.
 *
 * Slices (struct sv_str) point into immutable message bytes and are never
 * NUL-terminated; addresses carry their family and port; times are capture
 * times in microseconds since the Unix epoch.  Nothing here allocates.
 */
#ifndef SV_H
#define SV_H

#include <stddef.h>
#include <stdint.h>

/* A slice of bytes owned by somebody else (Kamailio's str). */
struct sv_str {
	const char	*s;
	size_t		 len;
};

#define SV_STR_NULL ((struct sv_str){ NULL, 0 })

/* An IPv4 or IPv6 address with a transport port. */
struct sv_addr {
	uint8_t		 af;		/* 4, 6, or 0 when unknown */
	uint16_t	 port;		/* host byte order */
	uint8_t		 ip[16];	/* IPv4 in the first 4 bytes */
};

/* Transports a SIP message can arrive on. */
enum sv_transport {
	SV_T_UNKNOWN = 0,
	SV_T_UDP,
	SV_T_TCP,
	SV_T_TLS,
	SV_T_SCTP,
	SV_T_WS,
	SV_T_WSS,
	SV_T__MAX
};

/*
 * Reasons a packet, or part of one, was skipped.  Every skip is counted in
 * struct sv_stats and shown in the report; add a name to sv_drop_names in
 * util.c when adding one here.
 */
enum sv_drop {
	SV_DROP_TRUNCATED = 0,	/* frame shorter than its headers say */
	SV_DROP_LINK,		/* link-layer header unusable or unknown ethertype */
	SV_DROP_IP_BAD,		/* bad IP version, header length or checksum-free sanity */
	SV_DROP_PROTO,		/* IP protocol we do not carry SIP on */
	SV_DROP_FRAG_TIMEOUT,	/* fragments never completed in time */
	SV_DROP_FRAG_MEMORY,	/* fragment table over its memory limit */
	SV_DROP_FRAG_BAD,	/* overlapping, oversized or inconsistent fragments */
	SV_DROP_TCP_GAP,	/* bytes lost in a TCP stream (segment never seen) */
	SV_DROP_TCP_MEMORY,	/* TCP flow buffer or flow table over its limit */
	SV_DROP_TCP_JUNK,	/* stream bytes that were not a SIP message */
	SV_DROP_SIP_MALFORMED,	/* looked like SIP, failed the scanner's checks */
	SV_DROP_SIP_TOO_LARGE,	/* over the configured message size limit */
	SV_DROP_TUNNEL,		/* GRE/GTP/HEP/WebSocket/SCTP framing unusable */
	SV_DROP__MAX
};

/* Counters every module adds to; owned by struct engine. */
struct sv_stats {
	uint64_t	 packets;	/* frames read from all sources */
	uint64_t	 bytes;		/* bytes of those frames as captured */
	uint64_t	 not_sip;	/* well-formed packets that carried no SIP */
	uint64_t	 sip_messages;	/* SIP messages handed to the tracker */
	uint64_t	 sip_malformed;	/* of those, flagged malformed by the scanner */
	uint64_t	 retransmissions;
	uint64_t	 calls;		/* calls created */
	uint64_t	 calls_evicted;	/* calls pushed out by the calls limit */
	uint64_t	 calls_limit_hits;
	uint64_t	 frag_reassembled;
	uint64_t	 tcp_flows;
	uint64_t	 icmp_errors;	/* ICMP unreachable quoting SIP */
	uint64_t	 kernel_drops;	/* pcap_stats ps_drop, live capture */
	uint64_t	 iface_drops;	/* pcap_stats ps_ifdrop */
	uint64_t	 drop[SV_DROP__MAX];
};

/* What the capture layer knows of a packet that carried a SIP payload. */
struct sv_meta {
	int64_t		 ts;		/* capture time, microseconds */
	uint64_t	 frame;		/* 1-based frame number in its source */
	struct sv_addr	 src;
	struct sv_addr	 dst;
	enum sv_transport transport;
	uint8_t		 fragmented;	/* carried in IP fragments */
	uint8_t		 source;	/* index of the capture source */
	/* ICMP errors (sv_sink.icmp): who sent it, its type and code. */
	struct sv_addr	 icmp_from;
	uint8_t		 icmp_v6;	/* ICMPv6 rather than ICMP */
	uint8_t		 icmp_type, icmp_code;
};

/*
 * Where decoded SIP message bytes go: the engine installs one of these.
 * The bytes are valid only during the call; the receiver copies them.
 */
struct sv_sink {
	void		(*message)(void *arg, const struct sv_meta *m,
			    const char *buf, size_t len);
	void		*arg;
	/*
	 * Optional: an ICMP error (destination unreachable) quoting a packet
	 * that carried SIP; m->src and m->dst are the quoted packet's, buf its
	 * quoted payload (often cut short).
	 */
	void		(*icmp)(void *arg, const struct sv_meta *m,
			    const char *buf, size_t len);
};

extern const char *const sv_drop_names[SV_DROP__MAX];
extern const char *const sv_transport_names[SV_T__MAX];

/* Format an address as "1.2.3.4:5060" or "[2001:db8::1]:5060". */
size_t	sv_addr_format(const struct sv_addr *a, char *buf, size_t len);
/* Format only the IP part of an address. */
size_t	sv_addr_format_ip(const struct sv_addr *a, char *buf, size_t len);
/* Compare two addresses (family, ip, port); 0 when equal. */
int	sv_addr_cmp(const struct sv_addr *a, const struct sv_addr *b);
/* Compare a slice to a C string, case-insensitively; 1 when equal. */
int	sv_str_ieq(struct sv_str a, const char *b);
/* Compare two slices byte for byte; 1 when equal. */
int	sv_str_eq(struct sv_str a, struct sv_str b);
/* Format a capture time as "2026-11-25T09:00:01.123456Z" (UTC). */
size_t	sv_time_format(int64_t ts, char *buf, size_t len);

#endif
