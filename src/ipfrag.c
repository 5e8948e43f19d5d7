/*
 * ipfrag.c: IPv4 and IPv6 fragment reassembly with bounded memory.
 *
 * Workload: SIP over UDP is rarely fragmented, but an INVITE with a large SDP
 * body or a REGISTER through an IPsec or GRE path of small MTU is, and a
 * capture can hold fragments that never complete (snap length, lost frames,
 * fuzzed files).  So the table is usually empty or holds a handful of
 * datagrams; what matters is that it never grows without bound and that
 * every way a datagram can fail is counted.
 *
 * Datagrams in progress live in a uthash table keyed by a normalised struct
 * ipfrag_key.  Each keeps its fragments as copies in a list sorted by offset;
 * uthash's application order doubles as the age order (the oldest datagram
 * is first), which eviction under memory pressure uses.  A datagram found to
 * be bad (overlap with different bytes, any overlap for IPv6 per RFC 5722,
 * conflicting ends, over 65535 bytes) is freed and replaced by a tombstone
 * that silently swallows its remaining fragments until its timeout, so one
 * bad datagram is counted once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "ipfrag.h"

#define IPFRAG_MAX_DGRAM	65535	/* RFC 791 total length; RFC 8200 4.5 */

struct ipfrag_piece {
	struct ipfrag_piece	*next;
	uint32_t		 off;
	uint32_t		 len;
	uint8_t			 data[];
};

struct ipfrag_dgram {
	struct ipfrag_key	 key;		/* normalised: padding zeroed */
	int64_t			 first_ts;	/* capture time of the first fragment */
	struct ipfrag_piece	*pieces;	/* sorted by offset */
	uint32_t		 end;		/* payload length, once the last is seen */
	uint8_t			 have_last;
	uint8_t			 dead;		/* tombstone of a dropped datagram */
	size_t			 mem;		/* bytes accounted to this datagram */
	UT_hash_handle		 hh;
};

struct ipfrag {
	struct ipfrag_dgram	*table;
	size_t			 limit;
	size_t			 held;
	int64_t			 timeout;
	struct sv_stats		*st;
	uint8_t			 out[IPFRAG_MAX_DGRAM];
};

/* Create a table holding at most mem bytes, for timeout microseconds each. */
struct ipfrag *
ipfrag_new(size_t mem, int64_t timeout, struct sv_stats *st)
{
	struct ipfrag *f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return NULL;
	f->limit = mem;
	f->timeout = timeout;
	f->st = st;
	return f;
}

/* Whether first happened more than timeout before now, without overflow. */
static int
ipfrag_older(int64_t first, int64_t now, int64_t timeout)
{
	if (first >= now)
		return 0;
	return (uint64_t)now - (uint64_t)first > (uint64_t)(timeout < 0 ? 0 : timeout);
}

/* Free every piece of a datagram and give its memory back to the table. */
static void
ipfrag_clear(struct ipfrag *f, struct ipfrag_dgram *g)
{
	struct ipfrag_piece *p, *next;

	for (p = g->pieces; p != NULL; p = next) {
		next = p->next;
		free(p);
	}
	g->pieces = NULL;
	f->held -= g->mem - sizeof *g;
	g->mem = sizeof *g;
}

/* Remove a datagram from the table, counting reason unless it is a tombstone or reason is negative. */
static void
ipfrag_remove(struct ipfrag *f, struct ipfrag_dgram *g, int reason)
{
	if (reason >= 0 && !g->dead && f->st != NULL)
		f->st->drop[reason]++;
	ipfrag_clear(f, g);
	f->held -= g->mem;
	HASH_DEL(f->table, g);
	free(g);
}

/* Free the table and every fragment held. */
void
ipfrag_free(struct ipfrag *f)
{
	struct ipfrag_dgram *g, *tmp;

	if (f == NULL)
		return;
	HASH_ITER(hh, f->table, g, tmp)
		ipfrag_remove(f, g, -1);
	free(f);
}

/* Turn a datagram into a tombstone after counting why it was dropped. */
static void
ipfrag_kill(struct ipfrag *f, struct ipfrag_dgram *g, enum sv_drop reason)
{
	if (!g->dead && f->st != NULL)
		f->st->drop[reason]++;
	ipfrag_clear(f, g);
	g->dead = 1;
}

/*
 * Check a new fragment against the ones held, returning 1 when its bytes are
 * already held, 0 when it may be inserted, and -1 when it overlaps with
 * different bytes (or overlaps at all for IPv6, RFC 5722).
 */
static int
ipfrag_overlap(const struct ipfrag_dgram *g, uint32_t off, const uint8_t *data,
    uint32_t len)
{
	const struct ipfrag_piece *p;
	uint32_t end = off + len, lo, hi;

	for (p = g->pieces; p != NULL && p->off < end; p = p->next) {
		if (p->off + p->len <= off)
			continue;
		if (p->off == off && p->len == len)
			return memcmp(p->data, data, len) == 0 ? 1 : -1;
		if (g->key.af == 6)
			return -1;
		lo = p->off > off ? p->off : off;
		hi = p->off + p->len < end ? p->off + p->len : end;
		if (memcmp(p->data + (lo - p->off), data + (lo - off),
		    hi - lo) != 0)
			return -1;
		if (p->off <= off && p->off + p->len >= end)
			return 1;
	}
	return 0;
}

/* Whether a datagram's pieces cover 0..end without a gap. */
static int
ipfrag_complete(const struct ipfrag_dgram *g)
{
	const struct ipfrag_piece *p;
	uint32_t covered = 0;

	if (!g->have_last)
		return 0;
	for (p = g->pieces; p != NULL; p = p->next) {
		if (p->off > covered)
			return 0;
		if (p->off + p->len > covered)
			covered = p->off + p->len;
	}
	return covered >= g->end;
}

/* Evict the oldest datagrams other than keep until need more bytes fit; 0 when they do. */
static int
ipfrag_make_room(struct ipfrag *f, struct ipfrag_dgram *keep, size_t need)
{
	struct ipfrag_dgram *g, *tmp;

	HASH_ITER(hh, f->table, g, tmp) {
		if (f->held + need <= f->limit)
			break;
		if (g != keep)
			ipfrag_remove(f, g, SV_DROP_FRAG_MEMORY);
	}
	return f->held + need <= f->limit ? 0 : -1;
}

/*
 * Add one fragment (RFC 791 section 3.2, RFC 8200 section 4.5), returning 1
 * with the whole payload in *out (owned by the table, valid until the next
 * call), 0 when held, and -1 when dropped, counted once per datagram, so the
 * rest of a datagram already dropped as bad is swallowed uncounted.
 */
int
ipfrag_add(struct ipfrag *f, int64_t ts, const struct ipfrag_key *k,
    uint32_t offset, int more, const uint8_t *data, size_t len,
    const uint8_t **out, size_t *outlen)
{
	struct ipfrag_key key;
	struct ipfrag_dgram *g;
	struct ipfrag_piece *p, **pp;
	const struct ipfrag_piece *q;
	size_t need;
	uint32_t end;
	int r;

	*out = NULL;
	*outlen = 0;
	memset(&key, 0, sizeof key);
	key.af = k->af;
	key.proto = k->proto;
	key.id = k->id;
	memcpy(key.src, k->src, sizeof key.src);
	memcpy(key.dst, k->dst, sizeof key.dst);

	HASH_FIND(hh, f->table, &key, sizeof key, g);
	if (g != NULL && ipfrag_older(g->first_ts, ts, f->timeout)) {
		ipfrag_remove(f, g, SV_DROP_FRAG_TIMEOUT);
		g = NULL;
	}

	/* An atomic fragment (RFC 6946) is a datagram of its own. */
	if (offset == 0 && !more && g == NULL) {
		if (len > IPFRAG_MAX_DGRAM) {
			if (f->st != NULL)
				f->st->drop[SV_DROP_FRAG_BAD]++;
			return -1;
		}
		*out = data;
		*outlen = len;
		return 1;
	}

	if (g == NULL) {
		need = sizeof *g;
		if (f->held + need > f->limit &&
		    ipfrag_make_room(f, NULL, need) != 0) {
			if (f->st != NULL)
				f->st->drop[SV_DROP_FRAG_MEMORY]++;
			return -1;
		}
		if ((g = calloc(1, sizeof *g)) == NULL) {
			if (f->st != NULL)
				f->st->drop[SV_DROP_FRAG_MEMORY]++;
			return -1;
		}
		g->key = key;
		g->first_ts = ts;
		g->mem = sizeof *g;
		f->held += g->mem;
		HASH_ADD(hh, f->table, key, sizeof g->key, g);
	}
	if (g->dead)
		return -1;

	end = offset + (uint32_t)len;
	if (len > IPFRAG_MAX_DGRAM || offset > IPFRAG_MAX_DGRAM ||
	    end > IPFRAG_MAX_DGRAM) {
		ipfrag_kill(f, g, SV_DROP_FRAG_BAD);
		return -1;
	}
	/* The last fragment fixes the length; nothing may pass it (RFC 8200 4.5). */
	if (!more) {
		if (g->have_last && g->end != end) {
			ipfrag_kill(f, g, SV_DROP_FRAG_BAD);
			return -1;
		}
		for (q = g->pieces; q != NULL; q = q->next) {
			if (q->off + q->len > end) {
				ipfrag_kill(f, g, SV_DROP_FRAG_BAD);
				return -1;
			}
		}
		g->have_last = 1;
		g->end = end;
	} else if (g->have_last && end > g->end) {
		ipfrag_kill(f, g, SV_DROP_FRAG_BAD);
		return -1;
	}

	if ((r = ipfrag_overlap(g, offset, data, (uint32_t)len)) < 0) {
		ipfrag_kill(f, g, SV_DROP_FRAG_BAD);
		return -1;
	}
	if (r == 0 && len > 0) {
		need = sizeof *p + len;
		if (f->held + need > f->limit &&
		    ipfrag_make_room(f, g, need) != 0) {
			ipfrag_remove(f, g, SV_DROP_FRAG_MEMORY);
			return -1;
		}
		if ((p = malloc(need)) == NULL) {
			ipfrag_remove(f, g, SV_DROP_FRAG_MEMORY);
			return -1;
		}
		p->off = offset;
		p->len = (uint32_t)len;
		memcpy(p->data, data, len);
		for (pp = &g->pieces; *pp != NULL && (*pp)->off <= offset;
		    pp = &(*pp)->next)
			;
		p->next = *pp;
		*pp = p;
		g->mem += need;
		f->held += need;
	}

	if (!ipfrag_complete(g))
		return 0;
	for (q = g->pieces; q != NULL; q = q->next) {
		end = q->off + q->len;
		if (end > g->end)
			end = g->end;
		if (q->off < end)
			memcpy(f->out + q->off, q->data, end - q->off);
	}
	*out = f->out;
	*outlen = g->end;
	ipfrag_remove(f, g, -1);
	return 1;
}

/* Drop datagrams whose first fragment is older than now - timeout. */
void
ipfrag_expire(struct ipfrag *f, int64_t now)
{
	struct ipfrag_dgram *g, *tmp;

	HASH_ITER(hh, f->table, g, tmp) {
		if (ipfrag_older(g->first_ts, now, f->timeout))
			ipfrag_remove(f, g, SV_DROP_FRAG_TIMEOUT);
	}
}

/* Drop every datagram still held, counting each as timed out. */
void
ipfrag_flush(struct ipfrag *f)
{
	struct ipfrag_dgram *g, *tmp;

	HASH_ITER(hh, f->table, g, tmp)
		ipfrag_remove(f, g, SV_DROP_FRAG_TIMEOUT);
}

/* Datagrams currently held, tombstones included. */
size_t
ipfrag_count(const struct ipfrag *f)
{
	return HASH_COUNT(f->table);
}

/* Bytes currently held. */
size_t
ipfrag_held(const struct ipfrag *f)
{
	return f->held;
}
