/*
 * fuzz_decode.c: libFuzzer target for the frame decoder.
 *
 * Input format: the first byte picks a link type from a table of the
 * supported DLTs; the rest is a sequence of frames, each prefixed by a
 * 16-bit big-endian length (a short final frame takes what is left).  All
 * frames go through one decoder, so fragments, SCTP messages and TCP flows
 * can build up across frames; then the decoder is expired, flushed and
 * freed.  ICMP errors quoting SIP go to the same sink.  Expects small
 * inputs (a few frames).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include "decode.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fuzz_decode_dlts[] = {
	DLT_EN10MB, DLT_LINUX_SLL, 276, DLT_RAW, 101, 228, 229, DLT_NULL,
	DLT_LOOP, DLT_PPP, DLT_PPP_SERIAL
};

/* A sink that touches every byte so sanitizers see bad ranges. */
static void
fuzz_decode_sink(void *arg, const struct sv_meta *m, const char *buf,
    size_t len)
{
	unsigned *sum = arg;
	size_t i;

	for (i = 0; i < len; i++)
		*sum += (unsigned char)buf[i];
	*sum += m->src.port;
}

/* Run one input: a DLT selector, then length-prefixed frames. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decode_config c;
	struct sv_stats st;
	struct decoder *d;
	unsigned sum = 0;
	struct sv_sink sink = { fuzz_decode_sink, &sum, fuzz_decode_sink };
	size_t off = 1, n;
	uint64_t frame = 0;
	uint8_t *copy;
	int dlt;

	if (size < 1)
		return 0;
	dlt = fuzz_decode_dlts[data[0] % (sizeof fuzz_decode_dlts /
	    sizeof fuzz_decode_dlts[0])];
	memset(&st, 0, sizeof st);
	decode_config_default(&c);
	c.frag_mem = 1 << 20;
	c.tcp_mem = 1 << 20;
	c.tcp_max_flows = 64;
	if ((d = decode_new(&c, &st, sink)) == NULL)
		return 0;
	while (off < size) {
		if (size - off >= 2) {
			n = ((size_t)data[off] << 8) | data[off + 1];
			off += 2;
			if (n > size - off)
				n = size - off;
		} else
			n = size - off;
		/* An exact-size copy so reads past the frame are caught. */
		if ((copy = malloc(n ? n : 1)) == NULL)
			break;
		memcpy(copy, data + off, n);
		frame++;
		decode_frame(d, dlt, (int64_t)frame * 1000000, frame, 0, copy,
		    n);
		free(copy);
		off += n;
		if (frame % 4 == 0)
			decode_expire(d, (int64_t)frame * 1000000);
	}
	decode_flush(d);
	decode_free(d);
	return (int)(sum & 0);
}
