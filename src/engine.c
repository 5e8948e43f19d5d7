/*
 * engine.c: sipvet's capture state and its single poll() loop (engine.h).
 *
 * Workload: files are read as fast as the decoder and tracker go (millions
 * of packets per second); live interfaces are drained with pcap_dispatch()
 * in bounded batches so the loop stays responsive for the TUI.  Capture time
 * drives every timer: the tracker and reassemblers are ticked every 100 ms
 * of capture time, and on an idle live capture by the wall clock.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <uthash.h>

#include "engine.h"
#include "rules.h"
#include "store.h"

/* A kept done call under the memory budget. */
struct engine_kept {
	uint64_t		 id;		/* call->id, the hash key */
	struct call		*c;
	struct store		*where;		/* store holding it, NULL: none */
	int64_t			 row;		/* its row there */
	size_t			 bytes;		/* raw bytes it holds in memory */
	int			 queued;	/* raw bytes still in memory */
	TAILQ_ENTRY(engine_kept) q;
	UT_hash_handle		 hh;
};

/* Kept done calls: all of them by id, those holding raw bytes oldest first. */
struct engine_mem {
	struct engine_kept		*by_id;
	TAILQ_HEAD(, engine_kept)	 queue;
};

#define ENGINE_TICK	100000		/* us of capture time between ticks */
#define ENGINE_MEM_BUDGET (256 * 1024 * 1024)	/* default cfg.mem_budget */
#define ENGINE_BATCH	512		/* packets per pcap_dispatch */

/* Fill a configuration with the defaults. */
void
engine_config_default(struct engine_config *c)
{
	memset(c, 0, sizeof *c);
	decode_config_default(&c->dec);
	tracker_config_default(&c->trk);
	c->snaplen = 262144;
	c->promisc = 1;
	c->bufsize = 32 * 1024 * 1024;
	c->sigfd = -1;
	c->mem_budget = ENGINE_MEM_BUDGET;
}

/* Run the rules over a call, once, keeping the diagnosis with the call. */
void
engine_judge(struct engine *e, struct call *c)
{
	struct diagnosis *d;
	int i;

	if (e->cfg.rules == NULL || c->diag != NULL)
		return;
	if ((d = calloc(1, sizeof *d)) == NULL)
		return;
	c->judged_at = tracker_now(e->trk);
	if (e->rules_hist != NULL)	/* set when some rule is enabled */
		call_prefetch(c);
	if (rules_run_hist(e->cfg.rules, e->rules_hist, c, c->judged_at,
	    d) != 0) {
		free(d);
		return;
	}
	c->diag = d;
	tracker_touch(e->trk, c);
	for (i = 0; i < d->n; i++)
		if (d->f[i].severity == RULES_ERROR) {
			e->error_findings++;
			break;
		}
}

/* The budget's entry for call c, NULL when it has none. */
static struct engine_kept *
engine_mem_find(struct engine *e, const struct call *c)
{
	struct engine_kept *k;
	uint64_t id = c->id;

	if (e->mem == NULL)
		return NULL;
	HASH_FIND(hh, e->mem->by_id, &id, sizeof id, k);
	return k != NULL && k->c == c ? k : NULL;
}

/* The raw bytes of message i of call c, from memory or the store; NULL if gone. */
const char *
engine_msg_raw(struct engine *e, struct call *c, int i, size_t *len)
{
	struct engine_kept *k;
	const char *p;

	if (c == NULL || i < 0 || i >= c->n_msgs)
		return NULL;
	if (c->msgs[i].raw != NULL) {
		*len = c->msgs[i].len;
		return c->msgs[i].raw;
	}
	if ((k = engine_mem_find(e, c)) == NULL || k->where == NULL)
		return NULL;
	p = store_msg_raw(k->where, k->row, i, len);
	if (p != NULL && *len != c->msgs[i].len) {
		p = NULL;
		snprintf(e->err, sizeof e->err, "message %d of call %llu reads "
		    "back from the store with %zu bytes, not %u", i,
		    (unsigned long long)c->id, *len, c->msgs[i].len);
	} else if (p == NULL)
		snprintf(e->err, sizeof e->err, "cannot read a message back "
		    "from the store: %s", store_error(k->where));
	return p;
}

/*
 * After a failed write to s, forget the rows of kept calls written to it
 * since its last commit: they were rolled back (and will be written again).
 */
static void
engine_mem_rolled_back(struct engine *e, struct store *s)
{
	struct engine_kept *k;
	int64_t committed = store_committed_row(s);

	if (e->mem == NULL)
		return;
	TAILQ_FOREACH(k, &e->mem->queue, q)
		if (k->where == s && k->row > committed) {
			k->where = NULL;
			k->row = 0;
		}
}

/* Count a done call's raw bytes against the budget (row: where --db put it). */
static void
engine_mem_add(struct engine *e, struct call *c, int64_t row)
{
	struct engine_kept *k;
	int i;

	if ((k = calloc(1, sizeof *k)) == NULL)
		return;		/* it stays in memory, unaccounted */
	k->id = c->id;
	k->c = c;
	if (row > 0) {
		k->where = e->store;
		k->row = row;
	}
	for (i = 0; i < c->n_msgs; i++)
		if (c->msgs[i].raw != NULL)
			k->bytes += c->msgs[i].len;
	k->queued = 1;
	TAILQ_INSERT_TAIL(&e->mem->queue, k, q);
	HASH_ADD(hh, e->mem->by_id, id, sizeof k->id, k);
	e->mem_held += k->bytes;
}

/* Take k's raw bytes out of the budget's queue. */
static void
engine_mem_dequeue(struct engine *e, struct engine_kept *k)
{
	if (!k->queued)
		return;
	TAILQ_REMOVE(&e->mem->queue, k, q);
	k->queued = 0;
	e->mem_held -= k->bytes;
}

/* The store moved calls go to: --db's, or a temporary one made now. */
static struct store *
engine_mem_store(struct engine *e)
{
	char err[512];

	if (e->store != NULL)
		return e->store;
	if (e->tmp_store == NULL &&
	    (e->tmp_store = store_open_temp(err, sizeof err)) == NULL) {
		snprintf(e->err, sizeof e->err, "memory budget: %.480s", err);
		return NULL;
	}
	return e->tmp_store;
}

/* Write k's call to the store unless it is there; 0 on success. */
static int
engine_mem_write(struct engine *e, struct engine_kept *k)
{
	struct store *s;

	if (k->where != NULL)
		return 0;
	if ((s = engine_mem_store(e)) == NULL)
		return -1;
	if (store_call(s, k->c) != 0) {
		snprintf(e->err, sizeof e->err, "memory budget: cannot move a "
		    "call to the store: %s", store_error(s));
		engine_mem_rolled_back(e, s);
		return -1;
	}
	k->where = s;
	k->row = store_last_call_row(s);
	return 0;
}

/*
 * Whether k's call may lose its raw bytes: the rules have judged it (they
 * read raw bytes), or there are no rules.
 */
static int
engine_mem_judged(struct engine *e, struct engine_kept *k)
{
	engine_judge(e, k->c);
	return e->cfg.rules == NULL || k->c->diag != NULL;
}

/*
 * Past the budget, move the oldest kept calls to the store and release
 * their raw bytes, down to 7/8 of it so this runs now and then: write them
 * (those not written yet), commit, then release only what is committed.
 * A call that cannot be moved stays in memory, counted in mem_kept_over.
 */
static void
engine_mem_enforce(struct engine *e)
{
	struct engine_kept *k, *next;
	struct store *s;
	size_t budget = e->cfg.mem_budget, need, got = 0;

	if (e->mem == NULL || e->mem_held <= budget)
		return;
	need = e->mem_held - (budget - budget / 8);
	for (k = TAILQ_FIRST(&e->mem->queue); k != NULL && got < need;
	    k = next) {
		next = TAILQ_NEXT(k, q);
		if (!engine_mem_judged(e, k)) {
			engine_mem_dequeue(e, k);
			e->mem_kept_over++;
			continue;
		}
		if (engine_mem_write(e, k) != 0)
			break;
		got += k->bytes;
	}
	if ((s = e->store != NULL ? e->store : e->tmp_store) == NULL)
		return;
	if (store_commit(s) != 0) {
		snprintf(e->err, sizeof e->err, "memory budget: cannot commit "
		    "to the store: %s", store_error(s));
		engine_mem_rolled_back(e, s);
	}
	got = 0;
	for (k = TAILQ_FIRST(&e->mem->queue); k != NULL && got < need;
	    k = next) {
		next = TAILQ_NEXT(k, q);
		if (k->where == NULL || k->row > store_committed_row(k->where))
			break;	/* not safely stored: keep the rest */
		got += k->bytes;
		e->mem_moved_calls++;
		e->mem_moved_bytes += k->bytes;
		engine_mem_dequeue(e, k);
		call_release_raw(k->c);
	}
}

/* The tracker frees call c: forget its entry, then tell the front end. */
static void
engine_call_freed(void *arg, struct call *c)
{
	struct engine *e = arg;
	struct engine_kept *k;

	if ((k = engine_mem_find(e, c)) != NULL) {
		engine_mem_dequeue(e, k);
		HASH_DEL(e->mem->by_id, k);
		free(k);
	}
	if (e->cfg.trk.on_free != NULL)
		e->cfg.trk.on_free(e->cfg.trk.on_free_arg, c);
}

/* Hand a done call to the store and the front end. */
static void
engine_call_done(void *arg, struct call *c)
{
	struct engine *e = arg;
	int64_t row = 0;

	engine_judge(e, c);
	if (e->store != NULL) {
		if (store_call(e->store, c) == 0)
			row = store_last_call_row(e->store);
		else {
			if (e->err[0] == '\0')
				snprintf(e->err, sizeof e->err, "cannot write "
				    "to the database: %s",
				    store_error(e->store));
			engine_mem_rolled_back(e, e->store);
		}
	}
	if (e->mem != NULL)
		engine_mem_add(e, c, row);
	if (e->on_call != NULL)
		e->on_call(e->on_call_arg, c);
	engine_mem_enforce(e);
	e->generation++;
}

/* Set up an engine (no sources yet); 0 or -1 on allocation failure. */
int
engine_init(struct engine *e, const struct engine_config *c)
{
	struct sv_sink sink = { NULL, NULL, NULL };
	struct tracker_config tc = c->trk;

	memset(e, 0, sizeof *e);
	e->cfg = *c;
	capture_init(&e->cap);
	if (c->rules != NULL && rules_enabled(c->rules)) {
		/* Keep the tracker's scan for the rules: no second scan. */
		tc.observe = tc.drop_raw ? rules_observe_copy : rules_observe;
		tc.observe_arg = e->rules_hist = rules_history_new();
	}
	if (c->mem_budget > 0 && c->trk.keep_calls && c->trk.keep_raw) {
		/* Count kept calls' raw bytes; forget them when freed. */
		if ((e->mem = calloc(1, sizeof *e->mem)) == NULL)
			return -1;
		TAILQ_INIT(&e->mem->queue);
		tc.on_free = engine_call_freed;
		tc.on_free_arg = e;
	}
	e->trk = tracker_new(&tc, &e->st, engine_call_done, e);
	if (e->trk == NULL)
		return -1;
	sink.message = tracker_message;
	sink.icmp = tracker_icmp;
	sink.arg = e->trk;
	e->dec = decode_new(&c->dec, &e->st, sink);
	if (e->dec == NULL) {
		tracker_free(e->trk);
		e->trk = NULL;
		return -1;
	}
	return 0;
}

/* Add a capture file; 0 or -1 with e->err. */
int
engine_add_file(struct engine *e, const char *path)
{
	return capture_open_file(&e->cap, path, e->cfg.filter, e->err,
	    sizeof e->err);
}

/* Add a live interface; 0 or -1 with e->err. */
int
engine_add_iface(struct engine *e, const char *iface)
{
	return capture_open_live(&e->cap, iface, e->cfg.filter,
	    e->cfg.snaplen, e->cfg.promisc, e->cfg.bufsize, e->err,
	    sizeof e->err);
}

/* Advance timers to capture time now. */
static void
engine_tick(struct engine *e, int64_t now)
{
	tracker_tick(e->trk, now);
	decode_expire(e->dec, now);
	e->last_tick = now;
}

/* Take one captured frame from source src (also used by tests). */
void
engine_packet(struct engine *e, int src, int dlt, int64_t ts,
    const uint8_t *pkt, size_t caplen)
{
	uint64_t frame = src >= 0 && src < e->cap.n ? e->cap.src[src].frame :
	    e->st.packets + 1;

	e->st.packets++;
	e->st.bytes += caplen;
	decode_frame(e->dec, dlt, ts, frame, (uint8_t)(src < 0 ? 0 : src), pkt,
	    caplen);
	if (ts - e->last_tick >= ENGINE_TICK || ts < e->last_tick)
		engine_tick(e, ts);
	e->generation++;
	if (e->cfg.max_packets != 0 && e->st.packets >= e->cfg.max_packets)
		e->stop = 1;
}

/* Per-dispatch context: the engine and the source index. */
struct engine_live {
	struct engine	*e;
	int		 src;
};

/* pcap_dispatch callback: one live packet into the engine. */
static void
engine_live_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *d)
{
	struct engine_live *l = (struct engine_live *)(void *)arg;
	struct capture_source *s = &l->e->cap.src[l->src];
	int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;

	s->frame++;
	engine_packet(l->e, l->src, s->dlt, ts, d, h->caplen);
}

/* Wall-clock time in microseconds. */
static int64_t
engine_wallclock(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Drain the signal pipe and stop. */
static void
engine_signal(struct engine *e)
{
	char buf[64];

	while (read(e->cfg.sigfd, buf, sizeof buf) > 0)
		;
	e->interrupted = 1;
	e->stop = 1;
}

/* Read the files to their end (or until stopped); 0, or -1 if one failed. */
static int
engine_run_files(struct engine *e, const struct engine_hooks *h)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct pollfd pfd;
	int idx, rc, failed = 0;
	uint64_t n = 0;
	char err[512];

	while (!e->stop) {
		rc = capture_next(&e->cap, &idx, &hdr, &data, err, sizeof err);
		if (rc < 0) {
			failed = 1;
			snprintf(e->err, sizeof e->err, "%s", err);
			continue;	/* the other files go on */
		}
		if (rc == 0)
			break;
		engine_packet(e, idx, e->cap.src[idx].dlt,
		    (int64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec, data,
		    hdr->caplen);
		if ((++n & 4095) == 0) {
			/* Look at signals and the front end now and then. */
			if (e->cfg.sigfd >= 0) {
				pfd.fd = e->cfg.sigfd;
				pfd.events = POLLIN;
				if (poll(&pfd, 1, 0) > 0)
					engine_signal(e);
			}
			if (h != NULL && h->on_pass != NULL)
				h->on_pass(h->arg);
		}
	}
	if (failed)
		e->input_failed = 1;
	return failed ? -1 : 0;
}

/* Poll live sources, the signal pipe and the front end until stopped. */
static int
engine_run_live(struct engine *e, const struct engine_hooks *h)
{
	struct pollfd pfd[CAPTURE_MAX_SOURCES + 2];
	int map[CAPTURE_MAX_SOURCES + 2];
	int64_t start = engine_wallclock(), stats_at = 0, now;
	int i, n, wait;

	while (!e->stop) {
		n = 0;
		for (i = 0; i < e->cap.n; i++) {
			if (e->cap.src[i].fd < 0)
				continue;
			pfd[n].fd = e->cap.src[i].fd;
			pfd[n].events = POLLIN;
			map[n++] = i;
		}
		if (e->cfg.sigfd >= 0) {
			pfd[n].fd = e->cfg.sigfd;
			pfd[n].events = POLLIN;
			map[n++] = -1;
		}
		if (h != NULL && h->fd >= 0) {
			pfd[n].fd = h->fd;
			pfd[n].events = POLLIN;
			map[n++] = -2;
		}
		wait = h != NULL && h->pass_ms > 0 ? h->pass_ms : 100;
		if (poll(pfd, (nfds_t)n, wait) < 0 && errno != EINTR) {
			snprintf(e->err, sizeof e->err, "poll: %s",
			    strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (map[i] == -1)
				engine_signal(e);
			else if (map[i] == -2) {
				if (h->on_fd != NULL)
					h->on_fd(h->arg);
			} else {
				struct engine_live l = { e, map[i] };
				if (pcap_dispatch(e->cap.src[map[i]].p,
				    ENGINE_BATCH, engine_live_packet,
				    (u_char *)&l) < 0) {
					snprintf(e->err, sizeof e->err,
					    "%s: capture failed: %s",
					    e->cap.src[map[i]].name,
					    pcap_geterr(e->cap.src[map[i]].p));
					e->input_failed = 1;
					e->stop = 1;
				}
			}
		}
		/* Quiet capture: let the wall clock time calls out. */
		if (engine_wallclock() - e->last_tick >= 1000000 &&
		    e->st.packets > 0)
			engine_tick(e, engine_wallclock());
		/*
		 * Kernel counters ten times a second: pcap_stats() reads sysfs
		 * files on Linux, too dear for every pass.
		 */
		if ((now = engine_wallclock()) - stats_at >= 100000) {
			capture_stats(&e->cap, &e->st);
			stats_at = now;
		}
		if (h != NULL && h->on_pass != NULL)
			h->on_pass(h->arg);
		if (e->cfg.duration > 0 &&
		    engine_wallclock() - start >= e->cfg.duration)
			e->stop = 1;
	}
	return e->input_failed ? -1 : 0;
}

/* Run the loop until the input ends or engine_stop(); 0, or -1 if a source failed. */
int
engine_run(struct engine *e, const struct engine_hooks *h)
{
	if (capture_is_live(&e->cap))
		return engine_run_live(e, h);
	return engine_run_files(e, h);
}

/* Ask the loop to return after the current pass. */
void
engine_stop(struct engine *e)
{
	e->stop = 1;
}

/* End of input: flush reassemblers, hand over every call, read kernel stats. */
void
engine_finish(struct engine *e)
{
	if (e->finished)
		return;
	e->finished = 1;
	capture_stats(&e->cap, &e->st);
	decode_flush(e->dec);
	tracker_finish(e->trk);
	e->generation++;
}

/* Free everything the engine holds (calls engine_finish first if needed). */
void
engine_free(struct engine *e)
{
	if (e->trk != NULL && e->dec != NULL)
		engine_finish(e);
	decode_free(e->dec);
	tracker_free(e->trk);
	rules_history_free(e->rules_hist);
	e->rules_hist = NULL;
	free(e->mem);		/* its entries went with their calls */
	e->mem = NULL;
	store_close(e->tmp_store);
	e->tmp_store = NULL;
	capture_close(&e->cap);
	e->dec = NULL;
	e->trk = NULL;
}
