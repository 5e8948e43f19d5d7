/*
 * decode.h: from captured frames to SIP message bytes.
 *
 * One dissector per layer, each taking (bytes, length) and bounds-checking
 * every access, as tcpdump does: link layers (Ethernet with 802.1Q/QinQ,
 * Linux SLL and SLL2, raw IP, BSD NULL/loopback, PPPoE), IPv4 and IPv6 (with
 * extension headers), tunnels (IP-in-IP, GRE, ERSPAN, GTP-U), UDP, TCP
 * (handed to tcpreasm), SCTP DATA chunks and HEP v2/v3.  IP fragments go
 * through ipfrag.  Every SIP payload found is handed to the sink; everything
 * skipped is counted in struct sv_stats by reason.  Hot path: no allocation
 * per packet except in the reassemblers.
 */
#ifndef DECODE_H
#define DECODE_H

#include "sv.h"

struct decode_config {
	size_t		 frag_mem;	/* bytes held in IP fragments, all flows */
	int64_t		 frag_timeout;	/* microseconds of capture time */
	size_t		 tcp_flow_buf;	/* bytes buffered per TCP direction */
	size_t		 tcp_mem;	/* bytes buffered in all TCP flows */
	size_t		 tcp_max_flows;
	int64_t		 tcp_timeout;	/* idle flow expiry, microseconds */
	size_t		 max_msg;	/* SIP message sanity limit, bytes */
};

/* Fill a configuration with the defaults. */
void	decode_config_default(struct decode_config *c);

struct decoder;

/* Create a decoder that counts into st and hands SIP payloads to sink. */
struct decoder	*decode_new(const struct decode_config *c, struct sv_stats *st,
		    struct sv_sink sink);
/* Free a decoder and everything it holds. */
void	decode_free(struct decoder *d);
/* Whether a pcap DLT_ link type is decoded (1) or not (0). */
int	decode_dlt_supported(int dlt);
/*
 * Decode one frame of link type dlt (a pcap DLT_ value) captured at ts,
 * frame number frame of capture source source.
 */
void	decode_frame(struct decoder *d, int dlt, int64_t ts, uint64_t frame,
	    uint8_t source, const uint8_t *pkt, size_t caplen);
/* Expire fragments and TCP flows idle since before now (capture time). */
void	decode_expire(struct decoder *d, int64_t now);
/* End of input: count whatever is still incomplete as dropped. */
void	decode_flush(struct decoder *d);

#endif
