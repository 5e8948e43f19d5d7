/*
 * tracker.c: SIP messages grouped into calls, transactions and the
 * authentication sequence (see tracker.h for the model).
 *
 * Workload: every SIP message of the capture passes through
 * tracker_message() once, so it does one hash lookup by Call-ID (a flat
 * open-addressing table: one cache miss for the slot, one for the call), one
 * copy of the bytes (one allocation with its first line and the observer's
 * record) and a short walk over the call's few transactions, comparing key
 * length and hash before bytes.  With drop_raw (the batch report) a message
 * the observer recorded keeps no bytes at all: its record and first line
 * go to the call's arena, next to the call's other records, and a hash of
 * a response's bytes stands for them in the retransmission check.  A
 * call's own strings (Call-ID, URIs, transaction keys) come from a small
 * arena allocated with the call.  Calls wait in a FIFO in order of first
 * message; tracker_tick() hands the head over as soon as it is done, so
 * output is in order and memory is set by the calls still in progress.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <stdint.h>

#include "rules.h"
#include "sipscan.h"
#include "tracker.h"

/*
 * A chunk of a call's string arena: the call's strings, message first lines
 * and transaction keys are carved out of these, so a call costs a handful
 * of allocations instead of several per message.
 */
struct tchunk {
	struct tchunk	*next;
	size_t		 size;		/* bytes of data */
	size_t		 used;
	/* size bytes of data follow the header */
};

#define TRACKER_ARENA_FIRST	320	/* bytes allocated with the call, at least */
#define TRACKER_ARENA_FIRST_MAX	8192	/* and at most */
#define TRACKER_ARENA_CHUNK	128	/* further chunks, at least */

/*
 * Kinds of call by their first request's method, each with its own estimate
 * of the arena a call uses: an INVITE call with the rules' records takes
 * kilobytes, an OPTIONS ping a few hundred bytes.
 */
enum tracker_kind {
	TRACKER_KIND_INVITE = 0,
	TRACKER_KIND_REGISTER,
	TRACKER_KIND_OPTIONS,
	TRACKER_KIND_OTHER,
	TRACKER_KIND__MAX
};

/* The tracker's wrapper around a call: struct call must stay first. */
struct tcall {
	struct call	 c;
	uint32_t	 hash;		/* of the Call-ID */
	TAILQ_ENTRY(tcall) q;
	int		 invite_txn;	/* last initial INVITE (or request) txn, -1 none */
	int		 bye_done;	/* a BYE got its final response */
	int		 queued;	/* 1 active FIFO, 2 kept list */
	int		 dirty;		/* on the changed list */
	TAILQ_ENTRY(tcall) dq;		/* changed list (track_changes) */
	int		 nchunks;	/* chunks added to the arena */
	int		 kind;		/* enum tracker_kind */
	int		 learned;	/* its arena use is in arena_avg */
	struct tchunk	*arena;		/* newest chunk first; the last one is
					   first0, allocated with the call */
	struct tchunk	 first0;	/* must stay last: its data follows
					   the struct */
};

TAILQ_HEAD(tcall_list, tcall);

/*
 * A slot of the Call-ID table: linear probing over a flat array, so a
 * lookup costs one cache miss for the slot and one for the call it finds
 * (uthash's chains cost one per call walked).
 */
struct tslot {
	uint32_t	 hash;
	uint32_t	 len;		/* of the Call-ID */
	struct tcall	*tc;		/* NULL when empty */
};

struct tracker {
	struct tracker_config cfg;
	struct sv_stats	*st;
	tracker_done_fn	 done;
	void		*arg;
	struct tslot	*slots;		/* Call-ID table, open addressing */
	size_t		 nslots;	/* a power of two, or 0 */
	size_t		 nused;
	struct tcall_list active;	/* in order of first message */
	struct tcall_list kept;		/* done calls kept for the TUI */
	struct tcall_list changed;	/* changed since the last drain */
	size_t		 n_active, n_kept;
	uint64_t	 next_id;
	int64_t		 now;		/* latest capture time seen */
	/*
	 * Per kind of call, a moving average of the arena bytes done calls
	 * used (in 1/16 bytes): a new call's first chunk is sized by it, so
	 * that most calls take one allocation with little slack (doubling
	 * chunks left up to half of a call's arena unused).
	 */
	size_t		 arena_avg[TRACKER_KIND__MAX];
};

static unsigned	tracker_hash(const void *, size_t);

static const char *const tracker_state_names[CALL__MAX] = {
	[CALL_CALLING] = "calling",
	[CALL_EARLY] = "early",
	[CALL_ANSWERED] = "answered",
	[CALL_REJECTED] = "rejected",
	[CALL_CANCELLED] = "cancelled",
	[CALL_TIMEDOUT] = "timed-out",
};

/* Name of a call state ("answered", "rejected", ...). */
const char *
tracker_state_name(enum call_state s)
{
	if ((unsigned)s >= CALL__MAX)
		return "?";
	return tracker_state_names[s];
}

/* First line of a message (from msg->line). */
const char *
msg_first_line(const struct msg *m)
{
	return m->line != NULL ? m->line : "";
}

/* CSeq method of a message (from msg->line). */
const char *
msg_cseq_method(const struct msg *m)
{
	if (m->line == NULL)
		return "";
	return m->line + strlen(m->line) + 1;
}

/* A message's observer record and its size, or NULL when there is none. */
const unsigned char *
msg_record(const struct msg *m, size_t *len)
{
	uint16_t l;

	if (m->raw_in_line == 3 && m->line != NULL) {
		/* The record, then its size, just before the line. */
		memcpy(&l, m->line - sizeof l, sizeof l);
		if (l == 0)
			return NULL;
		*len = l;
		return (const unsigned char *)m->line - sizeof l - l;
	}
	if (m->raw_in_line != 2 || m->raw == NULL || m->line == NULL)
		return NULL;
	memcpy(&l, m->raw - sizeof l, sizeof l);
	if ((size_t)(m->raw - m->line) < (size_t)l + sizeof l)
		return NULL;
	*len = l;
	return (const unsigned char *)m->raw - sizeof l - l;
}

/* Fill a configuration with the defaults. */
void
tracker_config_default(struct tracker_config *c)
{
	memset(c, 0, sizeof *c);
	c->max_calls = 200000;
	c->max_msgs_per_call = 10000;
	c->linger = 5 * 1000000LL;		/* Timer K (T4) */
	c->auth_linger = 32 * 1000000LL;	/* Timer B: wait for the retry */
	c->timer_b = 32 * 1000000LL;		/* 64 * T1 */
	c->idle = 3600 * 1000000LL;
}

/* Hash a key of len bytes (multiply-xorshift over 8-byte words). */
static unsigned
tracker_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	const uint64_t k = 0x9e3779b97f4a7c15ULL;
	uint64_t h = 0x243f6a8885a308d3ULL ^ (len * k), w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	if (len > 0) {
		w = 0;
		memcpy(&w, p, len);
		h = (h ^ w) * k;
	}
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	h ^= h >> 32;
	return (unsigned)h;
}

/*
 * A 64-bit hash of a message's bytes, standing for them in the
 * retransmission check once they are dropped (two multiply-xorshift lanes
 * over 16-byte blocks, then a final mix).
 */
static uint64_t
tracker_hash64(const void *key, size_t len)
{
	const unsigned char *p = key;
	const uint64_t k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xc2b2ae3d27d4eb4fULL;
	uint64_t a = 0x243f6a8885a308d3ULL ^ (len * k2);
	uint64_t b = 0x13198a2e03707344ULL, w, v;

	for (; len >= 16; p += 16, len -= 16) {
		memcpy(&w, p, 8);
		memcpy(&v, p + 8, 8);
		a = (a ^ w) * k1;
		a ^= a >> 29;
		b = (b ^ v) * k2;
		b ^= b >> 31;
	}
	if (len > 0) {
		w = v = 0;
		memcpy(&w, p, len < 8 ? len : 8);
		if (len > 8)
			memcpy(&v, p + 8, len - 8);
		a = (a ^ w) * k1;
		a ^= a >> 29;
		b = (b ^ v) * k2;
		b ^= b >> 31;
	}
	a ^= (b << 32 | b >> 32) * k1;
	a ^= a >> 32;
	a *= 0xd6e8feb86659fd93ULL;
	a ^= a >> 29;
	return a;
}

/* Carve n bytes out of a chunk list, adding a chunk of at least min bytes when full. */
static char *
tracker_chunk_alloc(struct tchunk **head, size_t n, size_t min)
{
	struct tchunk *ch = *head;
	size_t sz;
	char *p;

	if (ch == NULL || ch->size - ch->used < n) {
		sz = n > min ? n : min;
		if ((ch = malloc(sizeof *ch + sz)) == NULL)
			return NULL;
		ch->size = sz;
		ch->used = 0;
		ch->next = *head;
		*head = ch;
	}
	p = (char *)(ch + 1) + ch->used;
	ch->used += n;
	return p;
}

/*
 * Carve n bytes out of a call's string arena (NULL on failure), in chunks
 * doubling from TRACKER_ARENA_CHUNK to 32 times it for calls with thousands
 * of transactions.
 */
static char *
tracker_alloc(struct tcall *tc, size_t n)
{
	struct tchunk *head = tc->arena;
	char *p;

	p = tracker_chunk_alloc(&tc->arena, n, (size_t)TRACKER_ARENA_CHUNK <<
	    (tc->nchunks < 5 ? tc->nchunks : 5));
	if (tc->arena != head)
		tc->nchunks++;
	return p;
}

/*
 * Lay out a message without raw bytes in the call's arena: the record
 * (reclen bytes of rec, none when 0), its 16-bit size, then room for a line
 * of linelen bytes, the layout msg_record() reads for raw_in_line 3.  The
 * line's room, or NULL on failure.
 */
static char *
tracker_arena_line(struct tcall *tc, const unsigned char *rec, size_t reclen,
    size_t linelen)
{
	uint16_t rl = (uint16_t)reclen;
	char *p;

	if ((p = tracker_alloc(tc, reclen + sizeof rl + linelen)) == NULL)
		return NULL;
	if (reclen > 0)
		memcpy(p, rec, reclen);
	memcpy(p + reclen, &rl, sizeof rl);
	return p + reclen + sizeof rl;
}

/* Free a chunk list up to (not including) stop. */
static void
tracker_chunks_free(struct tchunk *ch, struct tchunk *stop)
{
	struct tchunk *next;

	for (; ch != stop; ch = next) {
		next = ch->next;
		free(ch);
	}
}

/* Copy a slice into a call's arena as a NUL-terminated string; NULL on failure. */
static char *
tracker_strdup(struct tcall *tc, struct sv_str s)
{
	char *p = tracker_alloc(tc, s.len + 1);

	if (p == NULL)
		return NULL;
	if (s.len > 0)
		memcpy(p, s.s, s.len);
	p[s.len] = '\0';
	return p;
}

/* Free a call and everything it owns (for calls built outside the tracker too). */
void
call_free(struct call *c)
{
	struct tcall *tc;
	int i;

	if (c == NULL)
		return;
	if (c->diag != NULL) {
		rules_diagnosis_free(c->diag);
		free(c->diag);
	}
	if ((tc = c->priv) != NULL) {
		/* The tracker's own: its strings live in the arena. */
		for (i = 0; i < c->n_msgs; i++) {
			if (!c->msgs[i].raw_in_line)
				free(c->msgs[i].raw);
			if (c->msgs[i].raw_in_line != 3)
				free(c->msgs[i].line);
		}
		tracker_chunks_free(tc->arena, &tc->first0);
		free(c->msgs);
		free(c->txns);
		free(c->auth);
		free(tc);
		return;
	}
	for (i = 0; i < c->n_msgs; i++) {
		if (!c->msgs[i].raw_in_line)
			free(c->msgs[i].raw);
		free(c->msgs[i].line);
	}
	for (i = 0; i < c->n_txns; i++) {
		free(c->txns[i].branch);
		free(c->txns[i].method);
	}
	free(c->msgs);
	free(c->txns);
	free(c->auth);
	free(c->call_id);
	free(c->method);
	free(c->caller);
	free(c->callee);
	free(c->ruri);
	free(c->user_agent);
	free(c);
}

/* Grow an array of elements of size sz (first cap first) to hold one more; 0 on success. */
static int
tracker_grow(void **arr, int *cap, int n, size_t sz, int first)
{
	void *p;
	int ncap;

	if (n < *cap)
		return 0;
	/* By half: less slack held per call than doubling (10 -> 12, not 16). */
	ncap = *cap ? *cap + *cap / 2 : first;
	p = realloc(*arr, (size_t)ncap * sz);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Find the call with this Call-ID; NULL when none. */
static struct tcall *
tracker_lookup(const struct tracker *t, const char *id, size_t len)
{
	uint32_t h;
	size_t i, mask;
	struct tcall *tc;

	if (t->nslots == 0)
		return NULL;
	h = tracker_hash(id, len);
	mask = t->nslots - 1;
	for (i = h & mask; (tc = t->slots[i].tc) != NULL; i = (i + 1) & mask)
		if (t->slots[i].hash == h && t->slots[i].len == len &&
		    memcmp(tc->c.call_id, id, len) == 0)
			return tc;
	return NULL;
}

/* Put a call in a table of n slots (a power of two, with a free slot). */
static void
tracker_slot_put(struct tslot *slots, size_t n, struct tcall *tc)
{
	size_t i, mask = n - 1;

	for (i = tc->hash & mask; slots[i].tc != NULL; i = (i + 1) & mask)
		;
	slots[i].hash = tc->hash;
	slots[i].len = tc->c.call_id_len;
	slots[i].tc = tc;
}

/* Add a call to the Call-ID table, growing it past half full; 0 on success. */
static int
tracker_insert(struct tracker *t, struct tcall *tc)
{
	struct tslot *ns;
	size_t n, i;

	if ((t->nused + 1) * 2 > t->nslots) {
		n = t->nslots ? t->nslots * 2 : 1024;
		if ((ns = calloc(n, sizeof *ns)) == NULL)
			return -1;
		for (i = 0; i < t->nslots; i++)
			if (t->slots[i].tc != NULL)
				tracker_slot_put(ns, n, t->slots[i].tc);
		free(t->slots);
		t->slots = ns;
		t->nslots = n;
	}
	tracker_slot_put(t->slots, t->nslots, tc);
	t->nused++;
	return 0;
}

/* Take a call out of the Call-ID table (backward-shift deletion). */
static void
tracker_remove(struct tracker *t, struct tcall *tc)
{
	size_t i, j, k, mask;

	if (t->nslots == 0)
		return;
	mask = t->nslots - 1;
	for (i = tc->hash & mask; t->slots[i].tc != tc; i = (i + 1) & mask)
		if (t->slots[i].tc == NULL)
			return;
	/* Move later entries of the run back over the hole. */
	for (j = i;;) {
		t->slots[i].tc = NULL;
		for (;;) {
			j = (j + 1) & mask;
			if (t->slots[j].tc == NULL) {
				t->nused--;
				return;
			}
			k = t->slots[j].hash & mask;
			/* Stay when k lies cyclically in (i, j]. */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		t->slots[i] = t->slots[j];
		i = j;
	}
}

/* Create a tracker counting into st and handing done calls to done. */
struct tracker *
tracker_new(const struct tracker_config *c, struct sv_stats *st,
    tracker_done_fn done, void *arg)
{
	struct tracker *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	t->cfg = *c;
	if (t->cfg.max_calls == 0)
		t->cfg.max_calls = 1;
	t->st = st;
	t->done = done;
	t->arg = arg;
	TAILQ_INIT(&t->active);
	TAILQ_INIT(&t->kept);
	TAILQ_INIT(&t->changed);
	t->next_id = 1;
	return t;
}

/* Unlink a call from the hash and whichever list holds it. */
static void
tracker_unlink(struct tracker *t, struct tcall *tc)
{
	if (tc->queued == 1) {
		tracker_remove(t, tc);
		TAILQ_REMOVE(&t->active, tc, q);
		t->n_active--;
	} else if (tc->queued == 2) {
		TAILQ_REMOVE(&t->kept, tc, q);
		t->n_kept--;
	}
	tc->queued = 0;
}

/* Free a call the tracker held: off the changed list, tell on_free, free. */
static void
tracker_release(struct tracker *t, struct tcall *tc)
{
	if (tc->dirty) {
		TAILQ_REMOVE(&t->changed, tc, dq);
		tc->dirty = 0;
	}
	if (t->cfg.on_free != NULL)
		t->cfg.on_free(t->cfg.on_free_arg, &tc->c);
	call_free(&tc->c);
}

/* Mark a call changed, when the configuration tracks changes. */
void
tracker_touch(struct tracker *t, struct call *c)
{
	struct tcall *tc = c->priv;

	if (!t->cfg.track_changes || tc == NULL || tc->dirty || !tc->queued)
		return;
	tc->dirty = 1;
	TAILQ_INSERT_TAIL(&t->changed, tc, dq);
}

/* Hand every call changed since the last drain to fn, oldest change first. */
void
tracker_drain_changed(struct tracker *t, void (*fn)(void *, struct call *),
    void *arg)
{
	struct tcall *tc;

	while ((tc = TAILQ_FIRST(&t->changed)) != NULL) {
		TAILQ_REMOVE(&t->changed, tc, dq);
		tc->dirty = 0;
		fn(arg, &tc->c);
	}
}

/* Free the tracker and every call it holds. */
void
tracker_free(struct tracker *t)
{
	struct tcall *tc;

	if (t == NULL)
		return;
	while ((tc = TAILQ_FIRST(&t->active)) != NULL) {
		tracker_unlink(t, tc);
		tracker_release(t, tc);
	}
	while ((tc = TAILQ_FIRST(&t->kept)) != NULL) {
		tracker_unlink(t, tc);
		tracker_release(t, tc);
	}
	free(t->slots);
	free(t);
}

/* Calls currently held. */
size_t
tracker_held(const struct tracker *t)
{
	return t->n_active + t->n_kept;
}

/*
 * Release a call's raw bytes and records (its summary stays; msg->raw
 * becomes NULL).  Each message's line moves to the call's arena (after a
 * zero record size, as drop_raw lays it out) and its allocation is freed
 * whole: shrinking it in place would leave a hole too small for the next
 * message in the heap, and a call kept for days would pin it.
 */
void
call_release_raw(struct call *c)
{
	struct tcall *tc = c->priv;
	struct msg *m;
	char *nl;
	size_t l;
	int i;

	for (i = 0; i < c->n_msgs; i++) {
		m = &c->msgs[i];
		if (m->raw_in_line == 3)
			continue;	/* no raw bytes; the line is the arena's */
		if (m->raw_in_line) {
			l = strlen(m->line) + 1;
			l += strlen(m->line + l) + 1;
			if (tc != NULL &&
			    (nl = tracker_arena_line(tc, NULL, 0, l)) != NULL) {
				memcpy(nl, m->line, l);
				free(m->line);
				m->line = nl;
				m->raw_in_line = 3;
			} else {
				/* No room: shrink the allocation to the line. */
				if ((nl = realloc(m->line, l)) != NULL)
					m->line = nl;
				m->raw_in_line = 0;
			}
		} else
			free(m->raw);
		m->raw = NULL;
	}
}

/*
 * Ask the processor for a call's messages array and arena (its records and
 * lines) ahead of reading them all: they were written one message at a
 * time, long ago in capture terms, and are no longer cached; fetched
 * together, their misses overlap instead of coming one after another.
 */
void
call_prefetch(const struct call *c)
{
	const struct tcall *tc = c->priv;
	const struct tchunk *ch;
	const char *p, *e;

	p = (const char *)c->msgs;
	for (e = p + (size_t)c->n_msgs * sizeof *c->msgs; p < e; p += 64)
		__builtin_prefetch(p);
	if (tc == NULL)
		return;
	for (ch = tc->arena; ch != NULL; ch = ch->next) {
		p = (const char *)(ch + 1);
		for (e = p + ch->used; p < e; p += 64)
			__builtin_prefetch(p);
	}
}

/* Fold an ended call's arena use into its kind's moving average, once. */
static void
tracker_arena_learn(struct tracker *t, struct tcall *tc)
{
	const struct tchunk *ch;
	size_t used = 0, *avg = &t->arena_avg[tc->kind];

	if (tc->learned)
		return;
	tc->learned = 1;
	for (ch = tc->arena; ch != NULL; ch = ch->next)
		used += ch->used;
	if (used > TRACKER_ARENA_FIRST_MAX)
		used = TRACKER_ARENA_FIRST_MAX;
	/* avg is in 1/16 bytes; each call weighs 1/8. */
	*avg = *avg - *avg / 8 + used * 2;
}

/* Hand a call to the done callback, then keep or free it. */
static void
tracker_emit(struct tracker *t, struct tcall *tc)
{
	tracker_arena_learn(t, tc);
	tracker_unlink(t, tc);
	tc->c.done = 1;
	if (t->done != NULL)
		t->done(t->arg, &tc->c);
	if (t->cfg.keep_calls) {
		struct msg *m;

		if (!t->cfg.keep_raw)
			call_release_raw(&tc->c);
		/* Kept, perhaps for days: no slack in its messages array. */
		if (tc->c.n_msgs > 0 && tc->c.n_msgs < tc->c.cap_msgs &&
		    (m = realloc(tc->c.msgs, (size_t)tc->c.n_msgs *
		    sizeof *m)) != NULL) {
			tc->c.msgs = m;
			tc->c.cap_msgs = tc->c.n_msgs;
		}
		TAILQ_INSERT_TAIL(&t->kept, tc, q);
		tc->queued = 2;
		t->n_kept++;
		tracker_touch(t, &tc->c);
	} else
		tracker_release(t, tc);
}

/*
 * Settle a call's state at capture time now: a request with no final
 * response within Timer B (INVITE) or Timer F (others) has timed out.
 */
static void
tracker_settle(struct tracker *t, struct tcall *tc, int64_t now)
{
	struct call *c = &tc->c;
	int64_t start = c->last_ts;
	int req;

	/* Timer B runs from the INVITE's first transmission (17.1.1.2). */
	if (c->state == CALL_CALLING && tc->invite_txn >= 0 &&
	    (req = c->txns[tc->invite_txn].req) >= 0)
		start = c->msgs[req].ts;
	if ((c->state == CALL_CALLING || c->state == CALL_EARLY) &&
	    now - start > t->cfg.timer_b)
		c->state = CALL_TIMEDOUT;
}

/* Whether a call is done at capture time now (nothing more is expected). */
static int
tracker_is_done(struct tracker *t, struct tcall *tc, int64_t now)
{
	struct call *c = &tc->c;
	int64_t quiet = now - c->last_ts;

	tracker_settle(t, tc, now);
	switch (c->state) {
	case CALL_TIMEDOUT:
		return 1;
	case CALL_REJECTED:
		if (c->final_code == 401 || c->final_code == 407)
			return quiet > t->cfg.auth_linger;
		return quiet > t->cfg.linger;
	case CALL_CANCELLED:
		return quiet > t->cfg.linger;
	case CALL_ANSWERED:
		if (c->method == NULL || strcmp(c->method, "INVITE") != 0 ||
		    tc->bye_done)
			return quiet > t->cfg.linger;
		return quiet > t->cfg.idle;
	default:
		return 0;
	}
}

/* Push a call out to make room: the oldest done one, else the oldest. */
static void
tracker_evict(struct tracker *t)
{
	struct tcall *tc;
	int scanned = 0;

	t->st->calls_limit_hits++;
	if (t->n_kept > 0) {
		tc = TAILQ_FIRST(&t->kept);
		tracker_unlink(t, tc);
		tracker_release(t, tc);
		t->st->calls_evicted++;
		return;
	}
	TAILQ_FOREACH(tc, &t->active, q) {
		if (tracker_is_done(t, tc, t->now))
			break;
		if (++scanned > 1024) {
			tc = NULL;
			break;
		}
	}
	if (tc == NULL)
		tc = TAILQ_FIRST(&t->active);
	if (tc == NULL)
		return;
	t->st->calls_evicted++;
	tracker_emit(t, tc);
	if (t->cfg.keep_calls && (tc = TAILQ_FIRST(&t->kept)) != NULL) {
		tracker_unlink(t, tc);
		tracker_release(t, tc);
	}
}

/* The kind of a call whose first message has this CSeq method. */
static int
tracker_kind(struct sv_str method)
{
	if (sv_str_ieq(method, "INVITE"))
		return TRACKER_KIND_INVITE;
	if (sv_str_ieq(method, "REGISTER"))
		return TRACKER_KIND_REGISTER;
	if (sv_str_ieq(method, "OPTIONS"))
		return TRACKER_KIND_OPTIONS;
	return TRACKER_KIND_OTHER;
}

/* Create a call for the message just scanned. */
static struct tcall *
tracker_call_new(struct tracker *t, const struct sv_meta *m,
    const struct sip_msg *sm)
{
	struct tcall *tc;
	struct call *c;
	size_t first;
	int kind;

	while (tracker_held(t) >= t->cfg.max_calls && tracker_held(t) > 0)
		tracker_evict(t);
	/*
	 * The call and the first chunk of its arena in one allocation, as
	 * large as calls of its kind used lately, and an eighth more.
	 */
	kind = tracker_kind(sm->cseq_method);
	first = t->arena_avg[kind] / 16;
	first = (first + first / 8 + 63) & ~(size_t)63;
	if (first < TRACKER_ARENA_FIRST)
		first = TRACKER_ARENA_FIRST;
	if (first > TRACKER_ARENA_FIRST_MAX)
		first = TRACKER_ARENA_FIRST_MAX;
	tc = malloc(sizeof *tc + first);
	if (tc == NULL)
		return NULL;
	memset(tc, 0, sizeof *tc);
	tc->first0.size = first +
	    (sizeof *tc - (size_t)((char *)(&tc->first0 + 1) - (char *)tc));
	tc->arena = &tc->first0;
	tc->kind = kind;
	c = &tc->c;
	c->priv = tc;
	tc->invite_txn = -1;
	c->id = t->next_id++;
	c->call_id = tracker_strdup(tc, sm->call_id);
	c->method = tracker_strdup(tc, sm->is_request ? sm->method :
	    sm->cseq_method);
	c->caller = tracker_strdup(tc, sm->from_uri);
	c->callee = tracker_strdup(tc, sm->to_uri);
	c->ruri = tracker_strdup(tc, sm->is_request ? sm->ruri : SV_STR_NULL);
	c->first_ts = c->last_ts = m->ts;
	if (sm->is_request) {
		c->src = m->src;
		c->dst = m->dst;
	} else {
		c->src = m->dst;
		c->dst = m->src;
	}
	c->transport = (uint8_t)m->transport;
	c->state = CALL_CALLING;
	if (c->call_id == NULL || c->method == NULL || c->caller == NULL ||
	    c->callee == NULL || c->ruri == NULL) {
		call_free(c);
		return NULL;
	}
	c->call_id_len = (uint32_t)sm->call_id.len;
	c->method_len = (uint32_t)(sm->is_request ? sm->method.len :
	    sm->cseq_method.len);
	c->caller_len = (uint32_t)sm->from_uri.len;
	c->callee_len = (uint32_t)sm->to_uri.len;
	c->ruri_len = (uint32_t)(sm->is_request ? sm->ruri.len : 0);
	tc->hash = tracker_hash(c->call_id, sm->call_id.len);
	if (tracker_insert(t, tc) != 0) {
		call_free(c);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&t->active, tc, q);
	tc->queued = 1;
	t->n_active++;
	t->st->calls++;
	return tc;
}

/*
 * The transaction key of a message: the top-Via branch when it carries the
 * RFC 3261 magic cookie, else a key built from CSeq number, From tag and
 * sent-by (RFC 3261 17.2.3's fallback for RFC 2543 peers).
 */
static size_t
tracker_txn_key(const struct sip_msg *sm, char *buf, size_t len)
{
	struct sv_str part[5];
	char num[16];
	size_t n = 0, i, k;
	int np;

	if (sm->via_branch.len >= 7 &&
	    memcmp(sm->via_branch.s, "z9hG4bK", 7) == 0) {
		k = sm->via_branch.len < len - 1 ? sm->via_branch.len : len - 1;
		memcpy(buf, sm->via_branch.s, k);
		buf[k] = '\0';
		return k;
	}
	np = snprintf(num, sizeof num, "%u", sm->cseq);
	part[0] = (struct sv_str){ "2543", 4 };
	part[1] = (struct sv_str){ num, np > 0 ? (size_t)np : 0 };
	part[2] = sm->from_tag;
	part[3] = sm->via_host;
	part[4] = sm->via_branch;
	for (i = 0; i < 5; i++) {
		if (i > 0 && n < len - 1)
			buf[n++] = '|';
		k = part[i].len < len - 1 - n ? part[i].len : len - 1 - n;
		if (k > 0)
			memcpy(buf + n, part[i].s, k);
		n += k;
	}
	buf[n] = '\0';
	return n;
}

/*
 * A cheap hash of a transaction key, only to skip keys that differ before
 * comparing bytes: its length and last eight bytes (branches share their
 * "z9hG4bK" start, and a call has few transactions).
 */
static uint32_t
tracker_key_hash(const char *key, size_t len)
{
	uint64_t w = 0;

	if (len >= 8)
		memcpy(&w, key + len - 8, 8);
	else if (len > 0)
		memcpy(&w, key, len);
	w = (w ^ (uint64_t)len) * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(w >> 32);
}

/* Find a transaction by key (len bytes, hash h) and method; -1 when none. */
static int
tracker_txn_find(struct call *c, const char *key, size_t len, uint32_t h,
    struct sv_str method)
{
	int i;

	for (i = c->n_txns - 1; i >= 0; i--) {
		struct txn *x = &c->txns[i];
		if (x->key_hash == h && x->key_len == len &&
		    x->branch != NULL && memcmp(x->branch, key, len) == 0 &&
		    sv_str_ieq(method, x->method))
			return i;
	}
	return -1;
}

/* Add a transaction; returns its index or -1 on allocation failure. */
static int
tracker_txn_add(struct tcall *tc, const char *key, size_t len, uint32_t h,
    struct sv_str method, uint32_t cseq)
{
	struct call *c = &tc->c;
	struct txn *x;

	if (tracker_grow((void **)&c->txns, &c->cap_txns, c->n_txns,
	    sizeof *c->txns, 4) != 0)
		return -1;
	x = &c->txns[c->n_txns];
	memset(x, 0, sizeof *x);
	x->branch = tracker_strdup(tc, (struct sv_str){ key, len });
	x->method = tracker_strdup(tc, method);
	x->key_len = (uint32_t)len;
	x->key_hash = h;
	x->cseq = cseq;
	x->req = -1;
	x->final = -1;
	x->ack = -1;
	if (x->branch == NULL || x->method == NULL)
		return -1;
	return c->n_txns++;
}

/* Record one step of the authentication sequence. */
static void
tracker_auth(struct call *c, enum auth_step step, int msg, int txn, int code)
{
	struct auth_event *e;

	if (tracker_grow((void **)&c->auth, &c->cap_auth, c->n_auth,
	    sizeof *c->auth, 4) != 0)
		return;
	e = &c->auth[c->n_auth++];
	e->step = step;
	e->msg = msg;
	e->txn = txn;
	e->code = code;
}

/*
 * Whether an earlier message of the same transaction has identical bytes
 * (a response: a message stored without its bytes compares by hash, which
 * *h caches, computed at most once).
 */
static int
tracker_same_as_earlier(const struct call *c, int txn, int upto,
    const char *buf, size_t len, uint64_t *h, int *have_h)
{
	int i;

	for (i = upto - 1; i >= 0; i--) {
		const struct msg *o = &c->msgs[i];
		if (o->txn != txn || o->len != len)
			continue;
		if (o->raw != NULL) {
			if (memcmp(o->raw, buf, len) == 0)
				return 1;
			continue;
		}
		/* Requests never equal a response's bytes: no hash kept. */
		if (o->raw_in_line != 3 || o->is_request)
			continue;
		if (!*have_h) {
			*h = tracker_hash64(buf, len);
			*have_h = 1;
		}
		if (o->hash == *h)
			return 1;
	}
	return 0;
}

/* Whether a message carries credentials (Authorization or Proxy-Authorization). */
static int
tracker_has_credentials(const struct sip_msg *sm)
{
	int i;

	for (i = 0; i < sm->n_auth; i++)
		if (sm->auth[i].kind == SIP_AUTH_AUTHORIZATION ||
		    sm->auth[i].kind == SIP_AUTH_PROXY_AUTHORIZATION)
			return 1;
	return 0;
}

/* Update the call's state for a request (new transactions only). */
static void
tracker_state_request(struct tcall *tc, const struct sip_msg *sm, int txn)
{
	struct call *c = &tc->c;
	int initial = sm->to_tag.s == NULL;

	if (sv_str_ieq(sm->method, "CANCEL")) {
		if (c->state == CALL_CALLING || c->state == CALL_EARLY)
			c->state = CALL_CANCELLED;
		return;
	}
	if (sv_str_ieq(sm->method, "ACK") || !initial)
		return;
	/* An initial request of the call's own method: a new attempt. */
	if (c->method != NULL && sv_str_ieq(sm->method, c->method)) {
		tc->invite_txn = txn;
		if (c->state != CALL_ANSWERED) {
			c->state = CALL_CALLING;
			c->final_code = 0;
		}
	}
}

/* Update the call's state for a response that is not a retransmission. */
static void
tracker_state_response(struct tcall *tc, const struct sip_msg *sm, int txn)
{
	struct call *c = &tc->c;

	if (sv_str_ieq(sm->cseq_method, "BYE") && sm->status >= 200) {
		tc->bye_done = 1;
		return;
	}
	if (tc->invite_txn < 0 && c->txns[txn].req < 0 &&
	    c->method != NULL && sv_str_ieq(sm->cseq_method, c->method))
		tc->invite_txn = txn;	/* request not captured */
	if (txn != tc->invite_txn)
		return;
	if (sm->status < 200) {
		if (sm->status > 100 && c->state == CALL_CALLING)
			c->state = CALL_EARLY;
		return;
	}
	if (c->state == CALL_ANSWERED)
		return;		/* a second final (forking) keeps the answer */
	c->final_code = sm->status;
	if (sm->status < 300)
		c->state = CALL_ANSWERED;
	else if (sm->status == 487)
		c->state = CALL_CANCELLED;
	else
		c->state = CALL_REJECTED;
}

/* Take one SIP message (copied); the sink function of the decoder. */
void
tracker_message(void *arg, const struct sv_meta *m, const char *buf,
    size_t len)
{
	struct tracker *t = arg;
	struct sip_msg sm;
	struct tcall *tc;
	struct call *c;
	struct msg *ms;
	struct sv_str key_method;
	char key[512];
	unsigned char rec[TRACKER_RECORD_MAX];
	int idx, txn, retrans = 0, is_ack, have_h = 0, drop;
	size_t linelen, reclen = 0, recsz, keylen;
	uint32_t keyhash;
	uint64_t h = 0;
	uint16_t rl;
	char *raw;

	if (m->ts > t->now)
		t->now = m->ts;
	if (sipscan_parse(buf, len, &sm) != 0) {
		t->st->drop[SV_DROP_SIP_MALFORMED]++;
		return;
	}
	if (sm.call_id.len == 0) {
		/* SIP, but it cannot join a call: counted, not tracked. */
		t->st->sip_messages++;
		t->st->sip_malformed++;
		t->st->drop[SV_DROP_SIP_MALFORMED]++;
		return;
	}
	/* Keep the framed message: no keep-alive before, no bytes after. */
	buf = sm.buf;
	len = sm.len;
	t->st->sip_messages++;
	if (sm.bad)
		t->st->sip_malformed++;
	tc = tracker_lookup(t, sm.call_id.s, sm.call_id.len);
	if (tc == NULL && (tc = tracker_call_new(t, m, &sm)) == NULL)
		return;
	c = &tc->c;
	if (m->ts > c->last_ts)
		c->last_ts = m->ts;
	if (c->user_agent == NULL) {
		if (sm.user_agent.s != NULL) {
			c->user_agent = tracker_strdup(tc, sm.user_agent);
			c->user_agent_len = (uint32_t)sm.user_agent.len;
		} else if (sm.server.s != NULL) {
			c->user_agent = tracker_strdup(tc, sm.server);
			c->user_agent_len = (uint32_t)sm.server.len;
		}
	}
	if (c->n_msgs >= t->cfg.max_msgs_per_call) {
		c->truncated++;
		return;
	}

	/* Transaction: an ACK of a non-2xx final belongs to the INVITE's. */
	keylen = tracker_txn_key(&sm, key, sizeof key);
	keyhash = tracker_key_hash(key, keylen);
	key_method = sm.cseq_method;
	is_ack = sm.is_request && sv_str_ieq(sm.method, "ACK");
	if (is_ack) {
		txn = tracker_txn_find(c, key, keylen, keyhash,
		    (struct sv_str){ "INVITE", 6 });
		if (txn < 0)
			txn = tracker_txn_find(c, key, keylen, keyhash,
			    key_method);
	} else
		txn = tracker_txn_find(c, key, keylen, keyhash, key_method);
	if (txn < 0 && (txn = tracker_txn_add(tc, key, keylen, keyhash,
	    key_method, sm.cseq)) < 0)
		return;

	if (tracker_grow((void **)&c->msgs, &c->cap_msgs, c->n_msgs,
	    sizeof *c->msgs, 8) != 0)
		return;
	idx = c->n_msgs;

	if (sm.is_request) {
		struct txn *x = &c->txns[txn];
		if (is_ack &&
		    !sv_str_ieq((struct sv_str){ x->method, strlen(x->method) }, "ACK")) {
			if (x->ack >= 0)
				retrans = 1;
			else
				x->ack = idx;
		} else if (x->req >= 0)
			retrans = 1;
		else {
			x->req = idx;
			x->has_credentials = tracker_has_credentials(&sm);
		}
	} else {
		struct txn *x = &c->txns[txn];
		if (sm.status >= 200 && x->final < 0) {
			x->final = idx;
			x->final_code = sm.status;
		} else
			retrans = tracker_same_as_earlier(c, txn, idx, buf, len,
			    &h, &have_h);
	}

	/* The observer's record, then the line and (unless dropped) raw. */
	if (t->cfg.observe != NULL) {
		reclen = t->cfg.observe(t->cfg.observe_arg, &sm, c, rec,
		    sizeof rec);
		if (reclen > sizeof rec)
			reclen = 0;
	}
	recsz = reclen > 0 ? reclen + sizeof rl : 0;
	linelen = sm.first_line.len + sm.cseq_method.len + 2;
	ms = &c->msgs[idx];
	memset(ms, 0, sizeof *ms);
	drop = t->cfg.drop_raw && (t->cfg.observe == NULL || reclen > 0);
	if (drop) {
		/* In the call's arena: the record, its size, the line. */
		if ((ms->line = tracker_arena_line(tc, rec, reclen, linelen)) ==
		    NULL)
			return;
		ms->raw_in_line = 3;
		raw = NULL;
		if (!sm.is_request)
			ms->hash = have_h ? h : tracker_hash64(buf, len);
	} else {
		/* One allocation: the line, the record, the raw bytes. */
		if ((ms->line = malloc(linelen + recsz + len)) == NULL)
			return;
		raw = ms->line + linelen + recsz;
		ms->raw_in_line = 1;
		if (recsz > 0) {
			/* The record, then its size just before raw. */
			memcpy(ms->line + linelen, rec, reclen);
			rl = (uint16_t)reclen;
			memcpy(raw - sizeof rl, &rl, sizeof rl);
			ms->raw_in_line = 2;
		}
		memcpy(raw, buf, len);
	}
	if (sm.first_line.len > 0)
		memcpy(ms->line, sm.first_line.s, sm.first_line.len);
	ms->line[sm.first_line.len] = '\0';
	if (sm.cseq_method.len > 0)
		memcpy(ms->line + sm.first_line.len + 1, sm.cseq_method.s,
		    sm.cseq_method.len);
	ms->line[sm.first_line.len + 1 + sm.cseq_method.len] = '\0';
	ms->raw = raw;
	ms->len = (uint32_t)len;
	ms->ts = m->ts;
	ms->frame = m->frame;
	ms->src = m->src;
	ms->dst = m->dst;
	ms->transport = (uint8_t)m->transport;
	ms->source = m->source;
	ms->is_request = (uint8_t)sm.is_request;
	ms->retrans = (uint8_t)retrans;
	ms->fragmented = m->fragmented;
	ms->status = (uint16_t)sm.status;
	ms->cseq = sm.cseq;
	ms->bad = sm.bad;
	ms->txn = txn;
	c->n_msgs++;
	tracker_touch(t, c);

	if (retrans) {
		t->st->retransmissions++;
		return;
	}
	if (sm.is_request) {
		tracker_state_request(tc, &sm, txn);
		if (c->txns[txn].req == idx && c->txns[txn].has_credentials)
			tracker_auth(c, AUTH_ANSWER, idx, txn, 0);
	} else {
		tracker_state_response(tc, &sm, txn);
		/* Ended: learn its size now, not only once it lingered. */
		if (tc->bye_done)
			tracker_arena_learn(t, tc);
		if (sm.status >= 200 && c->txns[txn].final == idx) {
			if (c->txns[txn].has_credentials)
				tracker_auth(c, AUTH_RESULT, idx, txn, sm.status);
			if (sm.status == 401 || sm.status == 407)
				tracker_auth(c, AUTH_CHALLENGE, idx, txn, sm.status);
		}
	}
}

/*
 * Find the Call-ID in a quoted, possibly cut, message: the value of a
 * complete "Call-ID:" or "i:" line; 0 when there is none.
 */
static int
tracker_quoted_call_id(const char *buf, size_t len, struct sv_str *out)
{
	size_t i = 0, n, e;

	while (i < len) {
		/* i is at the start of a line. */
		n = 0;
		if (len - i > 8 && strncasecmp(buf + i, "call-id", 7) == 0)
			n = 7;
		else if (len - i > 2 && (buf[i] == 'i' || buf[i] == 'I'))
			n = 1;
		if (n > 0) {
			e = i + n;
			while (e < len && (buf[e] == ' ' || buf[e] == '\t'))
				e++;
			if (e < len && buf[e] == ':') {
				e++;
				while (e < len && (buf[e] == ' ' || buf[e] == '\t'))
					e++;
				out->s = buf + e;
				while (e < len && buf[e] != '\r' && buf[e] != '\n')
					e++;
				if (e >= len)
					return 0;	/* cut inside the value */
				out->len = (size_t)(buf + e - out->s);
				while (out->len > 0 && (out->s[out->len - 1] == ' ' ||
				    out->s[out->len - 1] == '\t'))
					out->len--;
				return out->len > 0;
			}
		}
		while (i < len && buf[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

/* Take an ICMP error quoting a SIP message (sv_sink.icmp): note it on its call. */
void
tracker_icmp(void *arg, const struct sv_meta *m, const char *buf, size_t len)
{
	struct tracker *t = arg;
	struct tcall *tc;
	struct call *c;
	struct sv_str cid;

	if (m->ts > t->now)
		t->now = m->ts;
	t->st->icmp_errors++;
	if (!tracker_quoted_call_id(buf, len, &cid))
		return;
	tc = tracker_lookup(t, cid.s, cid.len);
	if (tc == NULL)
		return;
	c = &tc->c;
	if (c->icmp_count++ == 0) {
		c->icmp_ts = m->ts;
		c->icmp_from = m->icmp_from;
		c->icmp_v6 = m->icmp_v6;
		c->icmp_type = m->icmp_type;
		c->icmp_code = m->icmp_code;
	}
	tracker_touch(t, c);
}

/* Advance capture time: time calls out and hand over the done ones. */
void
tracker_tick(struct tracker *t, int64_t now)
{
	struct tcall *tc;

	if (now > t->now)
		t->now = now;
	while ((tc = TAILQ_FIRST(&t->active)) != NULL &&
	    tracker_is_done(t, tc, t->now))
		tracker_emit(t, tc);
}

/* End of input: hand over every call still held, as it stands. */
void
tracker_finish(struct tracker *t)
{
	struct tcall *tc;

	while ((tc = TAILQ_FIRST(&t->active)) != NULL) {
		tracker_settle(t, tc, t->now);
		tracker_emit(t, tc);
	}
}

/* The latest capture time the tracker has seen. */
int64_t
tracker_now(const struct tracker *t)
{
	return t->now;
}

/* Call fn for every call held, active ones first, in order of first message. */
void
tracker_foreach(struct tracker *t, void (*fn)(void *, struct call *), void *arg)
{
	struct tcall *tc;

	TAILQ_FOREACH(tc, &t->kept, q)
		fn(arg, &tc->c);
	TAILQ_FOREACH(tc, &t->active, q)
		fn(arg, &tc->c);
}
