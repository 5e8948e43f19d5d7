/*
 * tcpreasm.h: per-flow TCP reassembly and SIP stream framing.
 *
 * Each direction of a flow keeps the next expected sequence number, the
 * in-order bytes not yet framed and the out-of-order segments waiting for a
 * gap to fill.  Retransmitted and overlapping bytes are taken once.  In-order
 * bytes are framed into SIP messages by Content-Length (sipscan_frame), so
 * several messages in one segment and one message over many segments both
 * come out whole; WebSocket framing (RFC 6455, masked or not) is removed
 * first on flows that upgraded to websocket.  Buffers are bounded per
 * direction and in total; a gap that does not fill in time is skipped, the
 * stream resynchronised on the next SIP start line, and the loss counted.
 */
#ifndef TCPREASM_H
#define TCPREASM_H

#include "sv.h"

/* TCP flags, as in the header. */
#define TCPR_FIN	0x01
#define TCPR_SYN	0x02
#define TCPR_RST	0x04
#define TCPR_ACK	0x10

struct tcpreasm_config {
	size_t		 flow_buf;	/* bytes buffered per direction */
	size_t		 mem;		/* bytes buffered in all flows */
	size_t		 max_flows;
	int64_t		 timeout;	/* idle flow expiry, microseconds */
	size_t		 max_msg;	/* SIP message sanity limit */
};

struct tcpreasm;

/* Create a reassembler counting into st and handing messages to sink. */
struct tcpreasm	*tcpreasm_new(const struct tcpreasm_config *c,
		    struct sv_stats *st, struct sv_sink sink);
/* Free the reassembler and every flow. */
void	 tcpreasm_free(struct tcpreasm *r);
/*
 * Take one segment.  m carries time, frame and the direction's addresses
 * (transport SV_T_TCP); seq and flags come from the TCP header.
 */
void	 tcpreasm_segment(struct tcpreasm *r, const struct sv_meta *m,
	    uint32_t seq, uint8_t flags, const uint8_t *data, size_t len);
/* Skip gaps waiting too long and drop flows idle since before now. */
void	 tcpreasm_expire(struct tcpreasm *r, int64_t now);
/* End of input: frame what can be framed, count the rest as dropped. */
void	 tcpreasm_flush(struct tcpreasm *r);
/* Flows currently held. */
size_t	 tcpreasm_flows(const struct tcpreasm *r);

#endif
