/*
 * fuzz_rules.c: libFuzzer target for the tracker and the rules engine
 * together.  An input is a sequence of SIP messages separated by a line
 * "%%" (the byte after it picks the direction); every message goes through
 * the tracker with the rules' observer, as in the engine, and every call
 * is judged when done.  A known credential is configured so the digest
 * checks run too.  Checks that findings point inside their call, and that
 * a tracker that drops the raw bytes (the batch report's, with the rules'
 * copying observer) judges every call exactly as one that keeps them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "rules.h"
#include "tracker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one run judged: its configuration and each call's outcome, as text. */
struct fuzz_rules_run {
	struct config	*cfg;
	char		 out[16384];
	size_t		 len;
};

/* Append printf-style text to a run's outcome (silently cut when full). */
static void __attribute__((format(printf, 2, 3)))
fuzz_rules_put(struct fuzz_rules_run *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len >= sizeof r->out - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->out + r->len, sizeof r->out - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n < sizeof r->out - r->len ? (size_t)n :
		    sizeof r->out - r->len - 1;
}

/* Judge a done call, check its findings, note them, free the diagnosis. */
static void
fuzz_rules_done(void *arg, struct call *c)
{
	struct fuzz_rules_run *r = arg;
	struct diagnosis d;
	int i;

	memset(&d, 0, sizeof d);
	if (rules_run(r->cfg, c, c->last_ts + 64 * 1000000LL, &d) != 0)
		return;
	fuzz_rules_put(r, "call %s verdict %d\n", c->call_id, d.verdict);
	for (i = 0; i < d.n; i++) {
		if (d.f[i].msg < -1 || d.f[i].msg >= c->n_msgs)
			abort();
		fuzz_rules_put(r, " %s msg %d %s [%s]\n", d.f[i].id,
		    d.f[i].msg, d.f[i].header ? d.f[i].header : "-",
		    d.f[i].value ? d.f[i].value : "-");
	}
	rules_diagnosis_free(&d);
}

/* Feed one message at time ts, from the PBX or from Vapi. */
static void
fuzz_rules_feed(struct tracker *t, int64_t ts, int from_pbx, const char *buf,
    size_t len)
{
	struct sv_meta m;
	char *copy;

	memset(&m, 0, sizeof m);
	m.ts = ts;
	m.frame = (uint64_t)ts;
	m.transport = (from_pbx & 2) ? SV_T_TCP : SV_T_UDP;
	m.src.af = m.dst.af = 4;
	m.src.ip[0] = 10; m.src.ip[3] = 5; m.src.port = 5060;
	m.dst.ip[0] = 44; m.dst.ip[3] = 1; m.dst.port = 5060;
	if (!(from_pbx & 1)) {
		struct sv_addr a = m.src;
		m.src = m.dst;
		m.dst = a;
	}
	/* Exactly len bytes, so ASan sees any read past the end. */
	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		return;
	if (len > 0)
		memcpy(copy, buf, len);
	tracker_message(t, &m, copy, len);
	free(copy);
}

/* Run the input's messages through a tracker and the rules, noting the outcome. */
static void
fuzz_rules_once(const uint8_t *data, size_t size, struct fuzz_rules_run *r,
    int drop_raw)
{
	struct tracker_config tc;
	struct sv_stats st;
	struct tracker *t;
	const char *p = (const char *)data, *end = p + size, *sep;
	int64_t ts = 1000000;
	int dir = 1, n = 0;

	memset(&st, 0, sizeof st);
	tracker_config_default(&tc);
	tc.observe = drop_raw ? rules_observe_copy : rules_observe;
	tc.drop_raw = drop_raw;
	tc.max_calls = 16;
	tc.max_msgs_per_call = 64;
	if ((t = tracker_new(&tc, &st, fuzz_rules_done, r)) == NULL)
		return;
	while (p < end && n++ < 64) {
		sep = memmem(p, (size_t)(end - p), "\n%%", 3);
		fuzz_rules_feed(t, ts, dir, p, sep != NULL ?
		    (size_t)(sep + 1 - p) : (size_t)(end - p));
		if (sep == NULL)
			break;
		p = sep + 3;
		dir = p < end ? (unsigned char)*p++ : 1;
		ts += (dir & 4) ? 40 * 1000000LL : 100000;
		tracker_tick(t, ts);
	}
	tracker_finish(t);
	tracker_free(t);
}

/* Run the input with and without raw bytes kept; the outcomes must agree. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_rules_run kept, dropped;
	struct config cfg;

	if (config_init_defaults(&cfg) != 0)
		return 0;
	(void)config_add_credential(&cfg, "1000", NULL, "secret");
	kept.cfg = dropped.cfg = &cfg;
	kept.len = dropped.len = 0;
	fuzz_rules_once(data, size, &kept, 0);
	fuzz_rules_once(data, size, &dropped, 1);
	if (kept.len != dropped.len ||
	    memcmp(kept.out, dropped.out, kept.len) != 0) {
		fprintf(stderr, "fuzz_rules: kept raw bytes:\n%.*s\n"
		    "dropped raw bytes:\n%.*s\n", (int)kept.len, kept.out,
		    (int)dropped.len, dropped.out);
		abort();
	}
	config_free(&cfg);
	return 0;
}
