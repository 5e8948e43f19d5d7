/*
 * report.c: the batch report as text or NDJSON (see report.h).
 *
 * Workload: one call line per call, up to hundreds of thousands per run;
 * output goes through stdio with a large buffer set by the caller.
 */
#include <inttypes.h>
#include <string.h>

#include "report.h"
#include "rules.h"

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t
report_utf8_len(const unsigned char *s, size_t n)
{
	size_t want, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		want = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		want = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		want = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (want > n)
		return 0;
	for (i = 1; i < want; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((want == 2 && cp < 0x80) || (want == 3 && cp < 0x800) ||
	    (want == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return want;
}

/* Write s (len bytes) as a JSON string, quotes included. */
void
report_json_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	putc('"', out);
	while (s != NULL && i < len) {
		unsigned char ch = p[i];
		if (ch == '"' || ch == '\\') {
			putc('\\', out);
			putc(ch, out);
			i++;
		} else if (ch < 0x20 || ch == 0x7f) {
			switch (ch) {
			case '\n': fputs("\\n", out); break;
			case '\r': fputs("\\r", out); break;
			case '\t': fputs("\\t", out); break;
			default: fprintf(out, "\\u%04x", ch);
			}
			i++;
		} else if (ch < 0x80) {
			putc(ch, out);
			i++;
		} else if ((n = report_utf8_len(p + i, len - i)) > 0) {
			fwrite(p + i, 1, n, out);
			i += n;
		} else {
			/* Not UTF-8: keep the byte as its Latin-1 code point. */
			fprintf(out, "\\u%04x", ch);
			i++;
		}
	}
	putc('"', out);
}

/* Write a NUL-terminated string as JSON (null for NULL). */
static void
report_json_cstr(FILE *out, const char *s)
{
	if (s == NULL)
		fputs("null", out);
	else
		report_json_string(out, s, strlen(s));
}

/* Write text with control characters escaped, so a capture cannot drive the terminal. */
static void
report_text_safe(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *q;

	while (p != NULL && *p != '\0') {
		/* A run of safe bytes in one write. */
		for (q = p; *q >= 0x20 && *q != 0x7f; q++)
			;
		if (q > p)
			fwrite(p, 1, (size_t)(q - p), out);
		if (*q == '\0')
			break;
		fprintf(out, "\\x%02x", *q);
		p = q + 1;
	}
}

/* Start a report on out, as NDJSON when json is set. */
void
report_init(struct report *r, FILE *out, int json)
{
	memset(r, 0, sizeof *r);
	r->out = out;
	r->json = json;
}

/* Write one message of a call as a JSON object. */
static void
report_json_msg(FILE *out, const struct msg *m)
{
	char t[40], a[64];

	sv_time_format(m->ts, t, sizeof t);
	fprintf(out, "{\"time\":\"%s\",\"frame\":%" PRIu64 ",\"src\":", t,
	    m->frame);
	sv_addr_format(&m->src, a, sizeof a);
	report_json_cstr(out, a);
	sv_addr_format(&m->dst, a, sizeof a);
	fputs(",\"dst\":", out);
	report_json_cstr(out, a);
	fprintf(out, ",\"transport\":\"%s\",\"first_line\":",
	    sv_transport_names[m->transport < SV_T__MAX ? m->transport : 0]);
	report_json_cstr(out, msg_first_line(m));
	if (m->is_request) {
		const char *l = msg_first_line(m), *sp = strchr(l, ' ');
		fputs(",\"method\":", out);
		report_json_string(out, l, sp != NULL ? (size_t)(sp - l) : strlen(l));
	} else
		fprintf(out, ",\"status\":%u", m->status);
	fprintf(out, ",\"cseq\":%u,\"cseq_method\":", m->cseq);
	report_json_cstr(out, msg_cseq_method(m));
	fprintf(out, ",\"retransmission\":%s,\"malformed\":%s,"
	    "\"fragmented\":%s,\"length\":%u}",
	    m->retrans ? "true" : "false", m->bad ? "true" : "false",
	    m->fragmented ? "true" : "false", m->len);
}

/* Write a call's verdict and findings as JSON members. */
static void
report_json_diag(FILE *out, const struct diagnosis *d)
{
	int i;

	if (d == NULL) {
		fputs(",\"verdict\":null,\"pbx\":null,\"findings\":[]", out);
		return;
	}
	fprintf(out, ",\"verdict\":\"%s\",\"pbx\":", rules_verdict_name(d->verdict));
	report_json_cstr(out, d->pbx);
	fputs(",\"findings\":[", out);
	for (i = 0; i < d->n; i++) {
		const struct finding *f = &d->f[i];
		fprintf(out, "%s{\"id\":", i ? "," : "");
		report_json_cstr(out, f->id);
		fprintf(out, ",\"severity\":\"%s\",\"title\":",
		    rules_severity_name(f->severity));
		report_json_cstr(out, f->title);
		fputs(",\"message\":", out);
		if (f->msg >= 0)
			fprintf(out, "%d", f->msg);
		else
			fputs("null", out);
		fputs(",\"header\":", out);
		report_json_cstr(out, f->header);
		fputs(",\"value\":", out);
		report_json_cstr(out, f->value);
		fputs(",\"explanation\":", out);
		report_json_cstr(out, f->explanation);
		fputs(",\"fix\":", out);
		report_json_cstr(out, f->fix);
		fputs("}", out);
	}
	fputs("]", out);
}

/* Report one call as an NDJSON line. */
static void
report_json_call(struct report *r, const struct call *c)
{
	FILE *out = r->out;
	char t[40], a[64];
	int i;

	fprintf(out, "{\"type\":\"call\",\"id\":%" PRIu64 ",\"call_id\":", c->id);
	report_json_cstr(out, c->call_id);
	sv_time_format(c->first_ts, t, sizeof t);
	fprintf(out, ",\"start\":\"%s\"", t);
	sv_time_format(c->last_ts, t, sizeof t);
	fprintf(out, ",\"end\":\"%s\",\"caller\":", t);
	report_json_cstr(out, c->caller);
	fputs(",\"callee\":", out);
	report_json_cstr(out, c->callee);
	fputs(",\"request_uri\":", out);
	report_json_cstr(out, c->ruri != NULL && c->ruri[0] ? c->ruri : NULL);
	fputs(",\"method\":", out);
	report_json_cstr(out, c->method);
	fprintf(out, ",\"state\":\"%s\",\"final_code\":",
	    tracker_state_name(c->state));
	if (c->final_code > 0)
		fprintf(out, "%d", c->final_code);
	else
		fputs("null", out);
	sv_addr_format(&c->src, a, sizeof a);
	fputs(",\"src\":", out);
	report_json_cstr(out, a);
	sv_addr_format(&c->dst, a, sizeof a);
	fputs(",\"dst\":", out);
	report_json_cstr(out, a);
	fprintf(out, ",\"transport\":\"%s\",\"user_agent\":",
	    sv_transport_names[c->transport < SV_T__MAX ? c->transport : 0]);
	report_json_cstr(out, c->user_agent);
	report_json_diag(out, c->diag);
	fprintf(out, ",\"message_count\":%d,\"messages_dropped\":%d,"
	    "\"messages\":[", c->n_msgs, c->truncated);
	for (i = 0; i < c->n_msgs; i++) {
		if (i > 0)
			putc(',', out);
		report_json_msg(out, &c->msgs[i]);
	}
	fputs("]}\n", out);
}

/* Write text wrapped at 78 columns, each line indented by indent spaces. */
static void
report_wrap(FILE *out, const char *s, int indent)
{
	const int width = 78;
	int col = 0, wl;
	const char *w;

	while (s != NULL && *s != '\0') {
		while (*s == ' ')
			s++;
		if (*s == '\n') {
			s++;
			if (col > 0)
				putc('\n', out);
			col = 0;
			continue;
		}
		for (w = s; *w != '\0' && *w != ' ' && *w != '\n'; w++)
			;
		wl = (int)(w - s);
		if (wl == 0)
			break;
		if (col > 0 && col + 1 + wl > width) {
			putc('\n', out);
			col = 0;
		}
		if (col == 0) {
			fprintf(out, "%*s", indent, "");
			col = indent;
		} else {
			putc(' ', out);
			col++;
		}
		for (; s < w; s++)
			putc((unsigned char)*s < 0x20 ? '?' : *s, out);
		col += wl;
	}
	if (col > 0)
		putc('\n', out);
}

/*
 * Write a call's findings: for a call that did not go well, each with its
 * evidence, explanation and fix; for a healthy one, only their titles.
 */
static void
report_text_diag(FILE *out, const struct call *c, const struct diagnosis *d)
{
	int i, full = d->verdict != RULES_OK;
	char line[1024];

	for (i = 0; i < d->n; i++) {
		const struct finding *f = &d->f[i];
		fprintf(out, "    [%s] %s: ", rules_severity_name(f->severity),
		    f->id);
		report_text_safe(out, f->title);
		putc('\n', out);
		if (!full)
			continue;
		if (f->msg >= 0 && f->msg < c->n_msgs) {
			snprintf(line, sizeof line, "evidence: message %d (%s)%s%s%s%s",
			    f->msg + 1, msg_first_line(&c->msgs[f->msg]),
			    f->header ? ", " : "", f->header ? f->header : "",
			    f->value ? ": " : "", f->value ? f->value : "");
			report_wrap(out, line, 8);
		}
		report_wrap(out, f->explanation, 8);
		if (f->fix != NULL) {
			snprintf(line, sizeof line, "fix%s%s:", d->pbx ? " for " : "",
			    d->pbx ? d->pbx : "");
			fprintf(out, "        %s\n", line);
			report_wrap(out, f->fix, 10);
		}
	}
}

/* Write an int in decimal (what printf's %d writes), without printf's cost. */
static void
report_int(FILE *out, int v)
{
	char d[16];
	size_t n = sizeof d;
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;

	do {
		d[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0 && n > 1);
	if (v < 0)
		d[--n] = '-';
	fwrite(d + n, 1, sizeof d - n, out);
}

/* Report one call as a text line (pieces written as they are: no printf). */
static void
report_text_call(struct report *r, const struct call *c)
{
	FILE *out = r->out;
	char t[40], a[64], b[64];

	sv_time_format(c->first_ts, t, sizeof t);
	sv_addr_format(&c->src, a, sizeof a);
	sv_addr_format(&c->dst, b, sizeof b);
	fputs(t, out);
	fputs("  ", out);
	report_text_safe(out, c->caller);
	fputs(" -> ", out);
	report_text_safe(out, c->callee);
	fputs("  ", out);
	report_text_safe(out, c->method);
	fputs("  ", out);
	fputs(tracker_state_name(c->state), out);
	if (c->final_code > 0) {
		putc(' ', out);
		report_int(out, c->final_code);
	}
	if (c->diag != NULL) {
		fputs("  ", out);
		fputs(rules_verdict_name(c->diag->verdict), out);
	}
	fputs("  ", out);
	report_int(out, c->n_msgs);
	fputs(c->n_msgs == 1 ? " msg  " : " msgs  ", out);
	fputs(a, out);
	fputs(" -> ", out);
	fputs(b, out);
	putc(' ', out);
	fputs(sv_transport_names[c->transport < SV_T__MAX ? c->transport : 0],
	    out);
	putc('\n', out);
	if (c->diag != NULL)
		report_text_diag(out, c, c->diag);
}

/* Count a call in the summary without printing it (--quiet). */
void
report_count(struct report *r, const struct call *c)
{
	int i, k;

	r->calls++;
	if ((unsigned)c->state < CALL__MAX)
		r->by_state[c->state]++;
	if (c->diag == NULL)
		return;
	r->judged++;
	if ((unsigned)c->diag->verdict < 4)
		r->by_verdict[c->diag->verdict]++;
	for (i = 0; i < c->diag->n; i++) {
		k = rules_find(c->diag->f[i].id);
		if (k >= 0 && k < REPORT_MAX_RULES)
			r->by_rule[k]++;
	}
}

/* Report one done call, with its diagnosis (c->diag) when it has one. */
void
report_call(struct report *r, const struct call *c)
{
	report_count(r, c);
	if (r->json)
		report_json_call(r, c);
	else
		report_text_call(r, c);
}

/* Report the counters as text or JSON. */
void
report_summary(struct report *r, const struct sv_stats *st, int complete,
    const char *why)
{
	FILE *out = r->out;
	uint64_t skipped = 0;
	int i, first = 1;

	for (i = 0; i < SV_DROP__MAX; i++)
		skipped += st->drop[i];
	if (r->json) {
		fprintf(out, "{\"type\":\"summary\",\"complete\":%s,"
		    "\"incomplete_reason\":", complete ? "true" : "false");
		report_json_cstr(out, why);
		fprintf(out, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
		    ",\"sip_messages\":%" PRIu64 ",\"sip_malformed\":%" PRIu64
		    ",\"retransmissions\":%" PRIu64 ",\"calls\":%" PRIu64
		    ",\"calls_reported\":%" PRIu64 ",\"calls_evicted\":%" PRIu64
		    ",\"calls_limit_hits\":%" PRIu64 ",\"not_sip\":%" PRIu64
		    ",\"fragments_reassembled\":%" PRIu64 ",\"tcp_flows\":%" PRIu64
		    ",\"kernel_drops\":%" PRIu64 ",\"interface_drops\":%" PRIu64
		    ",\"skipped_total\":%" PRIu64 ",\"skipped\":{",
		    st->packets, st->bytes, st->sip_messages, st->sip_malformed,
		    st->retransmissions, st->calls, r->calls, st->calls_evicted,
		    st->calls_limit_hits, st->not_sip, st->frag_reassembled,
		    st->tcp_flows, st->kernel_drops, st->iface_drops, skipped);
		for (i = 0; i < SV_DROP__MAX; i++)
			fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "",
			    sv_drop_names[i], st->drop[i]);
		fputs("},\"states\":{", out);
		for (i = 0; i < CALL__MAX; i++)
			fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "",
			    tracker_state_name(i), r->by_state[i]);
		fputs("},\"verdicts\":{", out);
		for (i = 0; i < 4; i++)
			fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "",
			    rules_verdict_name(i), r->by_verdict[i]);
		fputs("},\"findings\":{", out);
		for (i = 0, first = 1; i < rules_count() && i < REPORT_MAX_RULES; i++) {
			if (r->by_rule[i] == 0)
				continue;
			fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",",
			    rules_get(i)->id, r->by_rule[i]);
			first = 0;
		}
		fputs("}}\n", out);
		return;
	}
	fprintf(out, "\n-- summary --\n");
	fprintf(out, "capture:          %s", complete ? "complete" : "INCOMPLETE");
	if (!complete && why != NULL)
		fprintf(out, " (%s)", why);
	fprintf(out, "\npackets read:     %" PRIu64 " (%" PRIu64 " bytes)\n",
	    st->packets, st->bytes);
	fprintf(out, "SIP messages:     %" PRIu64 " (%" PRIu64 " malformed, %"
	    PRIu64 " retransmissions)\n", st->sip_messages, st->sip_malformed,
	    st->retransmissions);
	fprintf(out, "calls:            %" PRIu64 " (", st->calls);
	for (i = 0; i < CALL__MAX; i++) {
		if (r->by_state[i] == 0)
			continue;
		fprintf(out, "%s%" PRIu64 " %s", first ? "" : ", ",
		    r->by_state[i], tracker_state_name(i));
		first = 0;
	}
	fprintf(out, "%s%" PRIu64 " evicted by the calls limit)\n",
	    first ? "" : "; ", st->calls_evicted);
	fprintf(out, "not SIP:          %" PRIu64 " packets\n", st->not_sip);
	if (st->frag_reassembled || st->tcp_flows)
		fprintf(out, "reassembled:      %" PRIu64 " IP datagrams, %"
		    PRIu64 " TCP flows\n", st->frag_reassembled, st->tcp_flows);
	if (st->kernel_drops || st->iface_drops)
		fprintf(out, "kernel drops:     %" PRIu64 " (interface %" PRIu64
		    ")\n", st->kernel_drops, st->iface_drops);
	fprintf(out, "skipped:          %" PRIu64, skipped);
	first = 1;
	for (i = 0; i < SV_DROP__MAX; i++) {
		if (st->drop[i] == 0)
			continue;
		fprintf(out, "%s%s %" PRIu64, first ? " (" : ", ",
		    sv_drop_names[i], st->drop[i]);
		first = 0;
	}
	fprintf(out, "%s\n", first ? "" : ")");
	if (r->judged == 0)
		return;
	fprintf(out, "verdicts:         ");
	for (i = 0, first = 1; i < 4; i++) {
		if (r->by_verdict[i] == 0)
			continue;
		fprintf(out, "%s%" PRIu64 " %s", first ? "" : ", ",
		    r->by_verdict[i], rules_verdict_name(i));
		first = 0;
	}
	fprintf(out, "%s\n", first ? "none" : "");
	for (i = 0, first = 1; i < rules_count() && i < REPORT_MAX_RULES; i++) {
		if (r->by_rule[i] == 0)
			continue;
		fprintf(out, "%s%-26s %" PRIu64 " call%s\n",
		    first ? "findings by rule:\n  " : "  ", rules_get(i)->id,
		    r->by_rule[i], r->by_rule[i] == 1 ? "" : "s");
		first = 0;
	}
}
