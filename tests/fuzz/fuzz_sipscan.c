/*
 * fuzz_sipscan.c: libFuzzer target for the SIP scanner.  Each input is
 * scanned as a datagram (sipscan_parse), framed as a stream (sipscan_frame)
 * and its URIs split (sipscan_uri); the input is copied into a buffer of
 * exactly its size so any read past the end is caught by AddressSanitizer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Split a slice as a URI and look up a parameter in its params. */
static void
fuzz_uri(struct sv_str s)
{
	struct sip_uri u;
	struct sv_str v;

	if (sipscan_uri(s, &u) == 0)
		(void)sipscan_param(u.params, "transport", &v);
}

/* Run every scanner entry point over one input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_msg m;
	char *buf, desc[256];
	size_t skip, off;
	long r;
	int n;

	buf = calloc(1, size > 0 ? size : 1);
	if (buf == NULL)
		return 0;
	if (size > 0)
		memcpy(buf, data, size);
	(void)sipscan_is_sip(buf, size);
	if (sipscan_parse(buf, size, &m) == 0) {
		if (m.len > size || m.hdr_len > m.len ||
		    (m.body.s != NULL && m.body.s + m.body.len > buf + size))
			abort();
		fuzz_uri(m.ruri);
		fuzz_uri(m.from);
		fuzz_uri(m.from_uri);
		fuzz_uri(m.to);
		fuzz_uri(m.to_uri);
		fuzz_uri(m.contact_uri);
		(void)sipscan_param(m.via, "branch", NULL);
		sipscan_bad_describe(m.bad, desc, sizeof desc);
		sipscan_bad_describe(m.bad, desc, 5);
	}
	/* Frame the input as a stream, as many messages as it holds. */
	for (off = 0, n = 0; off < size && n < 64; n++) {
		r = sipscan_frame(buf + off, size - off, 4096, &skip);
		if (r < 0 || skip > size - off ||
		    (size_t)r > size - off - skip)
			break;
		if (r == 0) {
			if (skip == 0)
				break;
			off += skip;
			continue;
		}
		off += skip + (size_t)r;
	}
	free(buf);
	return 0;
}
