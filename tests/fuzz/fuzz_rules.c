/*
 * fuzz_rules.c: libFuzzer target for the tracker and the rules engine
 * together.  An input is a sequence of SIP messages separated by a line
 * "%%" (the byte after it picks the direction); every message goes through
 * the tracker with the rules' observer, as in the engine, and every call
 * is judged when done.  A known credential is configured so the digest
 * checks run too.  Checks that findings point inside their call.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "rules.h"
#include "tracker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Judge a done call, check its findings, free the diagnosis. */
static void
fuzz_rules_done(void *arg, struct call *c)
{
	const struct config *cfg = arg;
	struct diagnosis d;
	int i;

	memset(&d, 0, sizeof d);
	if (rules_run(cfg, c, c->last_ts + 64 * 1000000LL, &d) != 0)
		return;
	for (i = 0; i < d.n; i++)
		if (d.f[i].msg < -1 || d.f[i].msg >= c->n_msgs)
			abort();
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

/* Split the input into messages and run them through tracker and rules. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct tracker_config tc;
	struct sv_stats st;
	struct tracker *t;
	const char *p = (const char *)data, *end = p + size, *sep;
	int64_t ts = 1000000;
	int dir = 1, n = 0;

	if (config_init_defaults(&cfg) != 0)
		return 0;
	(void)config_add_credential(&cfg, "1000", NULL, "secret");
	memset(&st, 0, sizeof st);
	tracker_config_default(&tc);
	tc.observe = rules_observe;
	tc.max_calls = 16;
	tc.max_msgs_per_call = 64;
	if ((t = tracker_new(&tc, &st, fuzz_rules_done, &cfg)) == NULL) {
		config_free(&cfg);
		return 0;
	}
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
	config_free(&cfg);
	return 0;
}
