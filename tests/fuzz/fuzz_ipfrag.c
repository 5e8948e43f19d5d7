/*
 * fuzz_ipfrag.c: libFuzzer target for IP fragment reassembly.
 *
 * Input format: a sequence of 8-byte fragment descriptors, each followed by
 * its data: byte 0 selects the family (bit 0: IPv6) and the key (bits 1-2:
 * one of four identifications), byte 1 holds flags (bit 0: more fragments,
 * bit 1: expire before adding, bit 2: jump the clock forward 40 s), bytes
 * 2-3 the offset in 8-byte units, bytes 4-5 the data length, bytes 6-7 a
 * data fill seed (data comes from the input when present, the seed
 * otherwise, so overlaps with different bytes are easy to reach).  A small
 * memory limit makes eviction likely.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipfrag.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one input as a series of fragments against one table. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_stats st;
	struct ipfrag *f;
	struct ipfrag_key k;
	const uint8_t *out;
	uint8_t *buf;
	size_t off = 0, len, outlen, i, take;
	uint32_t fo;
	int64_t ts = 0;
	unsigned sum = 0;
	int r;

	memset(&st, 0, sizeof st);
	if ((f = ipfrag_new(32768, 30 * INT64_C(1000000), &st)) == NULL)
		return 0;
	while (size - off >= 8) {
		const uint8_t *d = data + off;

		off += 8;
		memset(&k, 0, sizeof k);
		k.af = (d[0] & 1) ? 6 : 4;
		k.proto = 17;
		k.id = (uint32_t)((d[0] >> 1) & 3) * 0x10001u;
		k.src[0] = 10;
		k.dst[0] = 11;
		fo = (((uint32_t)d[2] << 8) | d[3]) * 8;
		len = ((size_t)d[4] << 8) | d[5];
		if (d[1] & 4)
			ts += 40 * INT64_C(1000000);
		else
			ts += 1000;
		if (d[1] & 2)
			ipfrag_expire(f, ts);
		if ((buf = malloc(len ? len : 1)) == NULL)
			break;
		take = size - off < len ? size - off : len;
		memcpy(buf, data + off, take);
		for (i = take; i < len; i++)
			buf[i] = (uint8_t)(d[6] + i * d[7]);
		off += take;
		r = ipfrag_add(f, ts, &k, fo, d[1] & 1, buf, len, &out,
		    &outlen);
		if (r == 1) {
			for (i = 0; i < outlen; i++)
				sum += out[i];
		}
		free(buf);
		(void)ipfrag_held(f);
	}
	ipfrag_flush(f);
	if (ipfrag_held(f) != 0 || ipfrag_count(f) != 0)
		abort();
	ipfrag_free(f);
	return (int)(sum & 0);
}
