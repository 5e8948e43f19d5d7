/*
 * ui_diag.c: the rules engine's findings in the TUI: a compact judgement
 * per call for the list (verdict, first finding, the messages findings
 * point at), the diagnosis panel under or beside the ladder, and the
 * full-screen diagnosis.
 *
 * Done calls are judged once, when the engine hands them over; calls still
 * in progress are judged only when shown, and again only when they gained
 * messages.  Full findings (explanations and fixes) are kept only for the
 * calls of the open ladder, so memory per call stays small.
 */
#define NCURSES_WIDECHAR 1

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "ui.h"

/* Free one judgement. */
static void
ui_diag_judge_free(struct ui_judge *j)
{
	free(j->title);
	free(j->ids);
	free(j->msgs);
	free(j);
}

/* Free every judgement. */
void
ui_diag_free(struct ui *u)
{
	struct ui_judge *j, *tmp;

	HASH_ITER(hh, u->judges, j, tmp) {
		HASH_DEL(u->judges, j);
		ui_diag_judge_free(j);
	}
}

/* Forget the judgement of a call id. */
void
ui_diag_forget(struct ui *u, uint64_t id)
{
	struct ui_judge *j;

	HASH_FIND(hh, u->judges, &id, sizeof id, j);
	if (j != NULL) {
		HASH_DEL(u->judges, j);
		ui_diag_judge_free(j);
	}
}

/* The capture time a call is judged at. */
static int64_t
ui_diag_when(struct ui *u, const struct call *c)
{
	if (u->e != NULL && !c->done)
		return tracker_now(u->e->trk);
	if (c->judged_at != 0)
		return c->judged_at;	/* as the engine (or the store) judged it */
	/* Done or stored: nothing more will come. */
	return c->last_ts + 3600 * (int64_t)1000000;
}

/* Fill a judgement from a diagnosis. */
static void
ui_diag_fill(struct ui_judge *j, const struct call *c, const struct diagnosis *d)
{
	int i;

	free(j->title);
	free(j->ids);
	free(j->msgs);
	j->title = NULL;
	j->ids = NULL;
	j->msgs = NULL;
	j->n = 0;
	j->n_msgs = c->n_msgs;
	j->done = c->done;
	j->verdict = d->verdict;
	j->severity = d->n > 0 ? d->f[0].severity : -1;
	if (d->n > 0 && d->f[0].title != NULL)
		j->title = strdup(d->f[0].title);
	if (d->n > 0) {
		j->ids = calloc((size_t)d->n, sizeof *j->ids);
		j->msgs = calloc((size_t)d->n, sizeof *j->msgs);
		if (j->ids == NULL || j->msgs == NULL) {
			free(j->ids);
			free(j->msgs);
			j->ids = NULL;
			j->msgs = NULL;
			return;
		}
		for (i = 0; i < d->n; i++) {
			j->ids[i] = d->f[i].id;
			j->msgs[i] = d->f[i].msg;
		}
		j->n = d->n;
	}
}

/* A new, empty judgement for a call, in the table; NULL without memory. */
static struct ui_judge *
ui_diag_new(struct ui *u, const struct call *c)
{
	struct ui_judge *j;

	if ((j = calloc(1, sizeof *j)) == NULL)
		return NULL;
	j->id = c->id;
	HASH_ADD(hh, u->judges, id, sizeof j->id, j);
	return j;
}

/*
 * The judgement of a call: the cached one when still current, else (when
 * compute is set) a fresh one; NULL when none could be made.
 */
struct ui_judge *
ui_diag_judge(struct ui *u, struct call *c, int compute)
{
	struct ui_judge *j;
	struct diagnosis d;

	HASH_FIND(hh, u->judges, &c->id, sizeof c->id, j);
	if (j != NULL && j->n_msgs == c->n_msgs && j->done == c->done)
		return j;
	memset(&d, 0, sizeof d);
	if (c->done && c->diag != NULL) {
		/* The engine judged the done call: copy, run nothing. */
		if (j == NULL && (j = ui_diag_new(u, c)) == NULL)
			return NULL;
		ui_diag_fill(j, c, c->diag);
		return j;
	}
	if (!compute)
		return j;
	if (!ui_call_in_memory(c))
		return j;	/* bytes released: the rules cannot run */
	if (rules_run(u->rules, c, ui_diag_when(u, c), &d) != 0) {
		rules_diagnosis_free(&d);
		return j;
	}
	if (j == NULL && (j = ui_diag_new(u, c)) == NULL) {
		rules_diagnosis_free(&d);
		return NULL;
	}
	ui_diag_fill(j, c, &d);
	rules_diagnosis_free(&d);
	return j;
}

/* The engine's on_call: judge a call as it is done. */
void
ui_diag_on_call(void *arg, struct call *c)
{
	ui_diag_judge(arg, c, 1);
}

/* The verdict word of a call for the list, and its colour. */
const char *
ui_diag_verdict(const struct ui_judge *j, const struct call *c, int *color)
{
	if (j == NULL) {
		*color = UI_C_PROGRESS;
		return c->done ? "?" : "in progress";
	}
	switch (j->verdict) {
	case RULES_OK:
		if (j->severity == RULES_ERROR || j->severity == RULES_WARNING) {
			*color = UI_C_WARN;
			return "warning";
		}
		*color = UI_C_OK;
		return "ok";
	case RULES_AUTH_FAILED:
		*color = UI_C_FAIL;
		return "auth-failed";
	case RULES_FAILED:
		*color = UI_C_FAIL;
		return "failed";
	default:
		*color = UI_C_PROGRESS;
		return "in progress";
	}
}

/*
 * Whether findings of the ladder's call number k point at its message msg:
 * 0 none, else 1 + the most severe one's severity, with its header and value.
 */
int
ui_diag_msg_marked(struct ui *u, int k, int msg, const char **hdr,
    const char **val)
{
	const struct diagnosis *d;
	int i, best = -1;

	*hdr = NULL;
	*val = NULL;
	if (k < 0 || k >= u->n_flow || (d = ui_flow_diag(u, k)) == NULL)
		return 0;
	for (i = 0; i < d->n; i++) {
		if (d->f[i].msg != msg)
			continue;
		if (best < 0 || d->f[i].severity < d->f[best].severity)
			best = i;
	}
	if (best < 0)
		return 0;
	*hdr = d->f[best].header;
	*val = d->f[best].value;
	return 1 + d->f[best].severity;
}

/* Colour role of a severity. */
static int
ui_diag_sev_color(int sev)
{
	return sev == RULES_ERROR ? UI_C_FAIL : sev == RULES_WARNING ?
	    UI_C_WARN : UI_C_NONE;
}

/*
 * Draw the findings of the ladder's calls in a w x h box at (y, x),
 * skipping the first skip lines; returns the lines the whole text takes.
 */
int
ui_diag_panel(struct ui *u, int y, int x, int w, int h, int skip)
{
	const struct diagnosis *d;
	const struct finding *f;
	struct call *c;
	char buf[1024];
	int k, i, line = 0, maxy = y + h, color;

#define UI_DIAG_LINE(text, attr, indent) do {				\
	line += ui_draw_wrap(u, y + line - skip, x, w, y, maxy,		\
	    indent, text, attr);					\
} while (0)

	for (k = 0; k < u->n_flow; k++) {
		if ((c = ui_flow_call(u, k)) == NULL ||
		    (d = ui_flow_diag(u, k)) == NULL)
			continue;
		ui_diag_verdict(ui_diag_judge(u, c, 0), c, &color);
		if (u->n_flow > 1)
			snprintf(buf, sizeof buf, "Call %c (%s): %s%s%s",
			    'a' + k, c->call_id, rules_verdict_name(d->verdict),
			    d->pbx != NULL ? "   PBX: " : "",
			    d->pbx != NULL ? d->pbx : "");
		else
			snprintf(buf, sizeof buf, "Verdict: %s%s%s",
			    rules_verdict_name(d->verdict),
			    d->pbx != NULL ? "   PBX: " : "",
			    d->pbx != NULL ? d->pbx : "");
		UI_DIAG_LINE(buf, ui_draw_attr(u, color) | A_BOLD, "  ");
		if (d->n == 0)
			UI_DIAG_LINE(c->done ? "No findings." :
			    "No findings yet (the call is in progress).",
			    A_NORMAL, "  ");
		for (i = 0; i < d->n; i++) {
			f = &d->f[i];
			snprintf(buf, sizeof buf, "[%s] %s: %s",
			    rules_severity_name(f->severity), f->id,
			    f->title != NULL ? f->title : "");
			UI_DIAG_LINE(buf, ui_draw_attr(u,
			    ui_diag_sev_color(f->severity)) | A_BOLD, "    ");
			if (f->msg >= 0 || f->header != NULL) {
				snprintf(buf, sizeof buf, "  Evidence: %s%.0d%s%s%s%s",
				    f->msg >= 0 ? "message " : "",
				    f->msg >= 0 ? f->msg + 1 : 0,
				    f->msg >= 0 && f->header != NULL ? ", " : "",
				    f->header != NULL ? f->header : "",
				    f->header != NULL && f->value != NULL ?
				    ": " : "", f->value != NULL ? f->value : "");
				UI_DIAG_LINE(buf, A_NORMAL, "            ");
			}
			if (f->fix != NULL) {
				snprintf(buf, sizeof buf, "  Fix: %s", f->fix);
				UI_DIAG_LINE(buf, ui_draw_attr(u, UI_C_OK) |
				    A_BOLD, "       ");
			}
			if (f->explanation != NULL) {
				snprintf(buf, sizeof buf, "  Why: %s",
				    f->explanation);
				UI_DIAG_LINE(buf, A_NORMAL, "       ");
			}
		}
		line++;
	}
#undef UI_DIAG_LINE
	return line;
}

/* Draw the full-screen diagnosis of the calls of the ladder. */
static void
ui_diag_draw(struct ui *u)
{
	struct call *c = ui_flow_call(u, 0);
	char buf[512];
	int h = LINES - 3, total;

	ui_draw_header(u);
	snprintf(buf, sizeof buf, "Diagnosis  %s  %s -> %s",
	    c != NULL ? c->call_id : "(call no longer held)",
	    c != NULL && c->caller ? c->caller : "",
	    c != NULL && c->callee ? c->callee : "");
	ui_draw_fill(1, 0, COLS, A_BOLD | A_UNDERLINE);
	ui_draw_str(u, 1, 0, COLS, buf, A_BOLD | A_UNDERLINE);
	if (u->diag_top < 0)
		u->diag_top = 0;
	total = ui_diag_panel(u, 2, 1, COLS - 2, h, u->diag_top);
	if (u->diag_top > 0 && u->diag_top >= total)
		u->diag_top = total > 0 ? total - 1 : 0;
	ui_draw_footer(u, "Up/Down/PgUp/PgDn:scroll  Enter:call flow  "
	    "F2:save  Esc/q:back  ?:help");
}

/* Keys of the full-screen diagnosis. */
static void
ui_diag_key(struct ui *u, int key)
{
	int page = LINES - 4 > 1 ? LINES - 4 : 1;

	if (ui_draw_scroll(key, &u->diag_top, page))
		key = 0;	/* handled */
	switch (key) {
	case ' ':
		u->diag_top += page;
		break;
	case '\r':
	case '\n':
	case UI_FKEY(KEY_ENTER):
		ui_pop(u);
		ui_push(u, UI_M_FLOW);
		break;
	case 'w':
	case UI_FKEY(KEY_F(2)):
		ui_save_open(u);
		break;
	case 27:
	case 'q':
		ui_pop(u);
		if (ui_top(u) == UI_M_LIST)
			ui_flow_clear(u);
		break;
	}
	if (u->diag_top < 0)
		u->diag_top = 0;
}

const struct ui_mode ui_diag_mode = {
	"diagnosis", ui_diag_draw, ui_diag_key
};
