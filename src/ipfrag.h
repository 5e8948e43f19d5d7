/*
 * ipfrag.h: IPv4 and IPv6 fragment reassembly with bounded memory.
 *
 * Fragments are keyed by (family, source, destination, identification,
 * protocol) and held until the datagram is whole, its timeout in capture time
 * passes, or the table's memory limit forces the oldest out.  Overlaps,
 * datagrams over 65535 bytes and inconsistent last fragments are dropped and
 * counted (RFC 791, RFC 8200 4.5, RFC 5722).
 */
#ifndef IPFRAG_H
#define IPFRAG_H

#include "sv.h"

struct ipfrag_key {
	uint8_t		 af;		/* 4 or 6 */
	uint8_t		 proto;		/* upper-layer protocol of the datagram */
	uint32_t	 id;		/* IPv4: 16 bits; IPv6: 32 bits */
	uint8_t		 src[16];
	uint8_t		 dst[16];
};

struct ipfrag;

/* Create a table holding at most mem bytes, for timeout microseconds each. */
struct ipfrag	*ipfrag_new(size_t mem, int64_t timeout, struct sv_stats *st);
/* Free the table and every fragment held. */
void	 ipfrag_free(struct ipfrag *f);
/*
 * Add one fragment: offset in bytes of data within the datagram's payload,
 * more set when more fragments follow.  Returns 1 with *out and *outlen set
 * to the reassembled payload (valid until the next call) when the datagram
 * is complete, 0 when the fragment is held, -1 when it was dropped (counted).
 */
int	 ipfrag_add(struct ipfrag *f, int64_t ts, const struct ipfrag_key *k,
	    uint32_t offset, int more, const uint8_t *data, size_t len,
	    const uint8_t **out, size_t *outlen);
/* Drop datagrams whose first fragment is older than now - timeout. */
void	 ipfrag_expire(struct ipfrag *f, int64_t now);
/* Drop every datagram still held, counting each as SV_DROP_FRAG_TIMEOUT. */
void	 ipfrag_flush(struct ipfrag *f);
/* Datagrams currently held (including tombstones of dropped ones). */
size_t	 ipfrag_count(const struct ipfrag *f);
/* Bytes currently held. */
size_t	 ipfrag_held(const struct ipfrag *f);

#endif
