/*
 * fuzz_tcpreasm.c: libFuzzer target for TCP reassembly and stream framing.
 *
 * The input is a sequence of segment records fed to one reassembler with
 * small limits, so that eviction, gap skipping and resynchronisation are
 * all reachable; then the reassembler is flushed and freed.  The first
 * byte picks the limits (bit 0: a buffer smaller than the message limit,
 * so buffer overflow rather than the message limit is hit first); then
 * come records:
 *
 *   byte 0     bit 0 direction, bit 1 SYN, bit 2 FIN, bit 3 RST,
 *              bit 4 second client port (another flow),
 *              bits 5-6 time step (1 ms, 100 ms, 1.5 s, 70 s),
 *              bit 7 call tcpreasm_expire after the segment
 *   bytes 1-4  sequence delta, little-endian, added to where this
 *              direction's previous segment ended (0: in order)
 *   bytes 5-6  payload length, little-endian (cut to what is left)
 *   payload
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sv.h"
#include "sipscan.h"
#include "tcpreasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte of a delivered message and scan it, as the engine would. */
static void
fuzz_tcpreasm_sink(void *arg, const struct sv_meta *m, const char *buf,
    size_t len)
{
	struct sip_msg sm;
	unsigned *sum = arg;
	size_t i;

	for (i = 0; i < len; i++)
		*sum += (unsigned char)buf[i];
	if (m->transport != SV_T_TCP && m->transport != SV_T_WS)
		__builtin_trap();
	sipscan_parse(buf, len, &sm);
}

/* Feed the records in data to a reassembler with small limits. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t steps[4] = { 1000, 100000, 1500000, 70000000 };
	static const struct tcpreasm_config cfgs[2] = {
		{ 4096, 16384, 3, 60000000, 2048 },
		{ 1500, 6000, 3, 60000000, 4096 },
	};
	struct tcpreasm_config c;
	struct sv_stats st;
	struct tcpreasm *r;
	struct sv_meta m;
	uint32_t cursor[2][2] = { { 0, 0 }, { 0, 0 } }, delta, seq;
	unsigned sum = 0;
	size_t pos = 1, len;
	uint8_t b, flags;
	int dir, flow;

	if (size == 0)
		return 0;
	c = cfgs[data[0] & 1];
	memset(&st, 0, sizeof st);
	r = tcpreasm_new(&c, &st, (struct sv_sink){ fuzz_tcpreasm_sink, &sum, NULL });
	if (r == NULL)
		return 0;
	memset(&m, 0, sizeof m);
	m.ts = 1700000000LL * 1000000;
	while (size - pos >= 7) {
		b = data[pos];
		delta = (uint32_t)data[pos + 1] | (uint32_t)data[pos + 2] << 8 |
		    (uint32_t)data[pos + 3] << 16 | (uint32_t)data[pos + 4] << 24;
		len = (size_t)data[pos + 5] | (size_t)data[pos + 6] << 8;
		pos += 7;
		if (len > size - pos)
			len = size - pos;
		dir = b & 1;
		flow = (b >> 4) & 1;
		flags = TCPR_ACK;
		if (b & 0x02)
			flags = (b & 1) ? TCPR_SYN | TCPR_ACK : TCPR_SYN;
		if (b & 0x04)
			flags |= TCPR_FIN;
		if (b & 0x08)
			flags |= TCPR_RST;
		m.ts += steps[(b >> 5) & 3];
		m.frame++;
		m.transport = SV_T_TCP;
		m.src.af = m.dst.af = 4;
		memcpy(m.src.ip, dir ? "\x2c\0\0\x02" : "\x0a\0\0\x01", 4);
		memcpy(m.dst.ip, dir ? "\x0a\0\0\x01" : "\x2c\0\0\x02", 4);
		m.src.port = dir ? 5060 : (uint16_t)(40000 + flow);
		m.dst.port = dir ? (uint16_t)(40000 + flow) : 5060;
		seq = cursor[flow][dir] + delta;
		tcpreasm_segment(r, &m, seq, flags, data + pos, len);
		cursor[flow][dir] = seq + (uint32_t)len +
		    ((flags & TCPR_SYN) ? 1 : 0);
		pos += len;
		if (b & 0x80)
			tcpreasm_expire(r, m.ts);
		if (tcpreasm_flows(r) > c.max_flows)
			__builtin_trap();
	}
	tcpreasm_flush(r);
	if (tcpreasm_flows(r) != 0)
		__builtin_trap();
	tcpreasm_free(r);
	return 0;
}
