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
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "rules.h"
#include "store.h"

#define ENGINE_TICK	100000		/* us of capture time between ticks */
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
	if (rules_run(e->cfg.rules, c, c->judged_at, d) != 0) {
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

/* The raw bytes of message i of call c, from memory or the store; NULL if gone. */
const char *
engine_msg_raw(struct engine *e, struct call *c, int i, size_t *len)
{
	(void)e;
	if (c == NULL || i < 0 || i >= c->n_msgs || c->msgs[i].raw == NULL)
		return NULL;
	*len = c->msgs[i].len;
	return c->msgs[i].raw;
}

/* Hand a done call to the store and the front end. */
static void
engine_call_done(void *arg, struct call *c)
{
	struct engine *e = arg;

	engine_judge(e, c);
	if (e->store != NULL && store_call(e->store, c) != 0 && e->err[0] == '\0')
		snprintf(e->err, sizeof e->err, "cannot write to the database: "
		    "%s", store_error(e->store));
	if (e->on_call != NULL)
		e->on_call(e->on_call_arg, c);
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
		tc.observe = rules_observe;
		tc.observe_arg = NULL;
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
	int64_t start = engine_wallclock();
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
		capture_stats(&e->cap, &e->st);
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
	capture_close(&e->cap);
	e->dec = NULL;
	e->trk = NULL;
}
