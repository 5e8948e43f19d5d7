/*
 * report.h: the batch report, as text for people or NDJSON for scripts.
 *
 * One line per call as calls are done (in order of first message), then a
 * summary of the counters.  JSON field names are stable and documented in
 * sipvet(1); every string is escaped to valid JSON (control characters and
 * bytes that are not UTF-8 become \u escapes).
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>

#include "sv.h"
#include "tracker.h"

struct diagnosis;

#define REPORT_MAX_RULES	64

struct report {
	FILE		*out;
	int		 json;
	uint64_t	 calls;
	uint64_t	 by_state[CALL__MAX];
	uint64_t	 by_verdict[4];		/* enum rules_verdict */
	uint64_t	 by_rule[REPORT_MAX_RULES];	/* findings per rule */
	uint64_t	 judged;		/* calls with a diagnosis */
};

/* Start a report on out, as NDJSON when json is set. */
void	 report_init(struct report *r, FILE *out, int json);
/* Report one done call, with its diagnosis (c->diag) when it has one. */
void	 report_call(struct report *r, const struct call *c);
/* Count a call in the summary without printing it (--quiet). */
void	 report_count(struct report *r, const struct call *c);
/*
 * Report the counters; complete says whether the input ended normally,
 * why (when not NULL) says what cut it short.
 */
void	 report_summary(struct report *r, const struct sv_stats *st,
	    int complete, const char *why);
/* Write s (len bytes) as a JSON string, quotes included. */
void	 report_json_string(FILE *out, const char *s, size_t len);

#endif
