/*
 * ui_list.c: the call list, sipvet's main screen.
 *
 * One row per call held (the tracker's done-and-kept calls, then the active
 * ones, or the calls of a stored capture), filtered as the user types and
 * sorted by any column.  The cursor and the selection are kept by call id,
 * so they stay on the same calls while the list grows or is re-sorted.
 * Columns are laid out by priority: at 80 columns the essentials, wider
 * terminals get addresses, the Request-URI host and the transport too.
 */
#define NCURSES_WIDECHAR 1

#include <curses.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "ui.h"

/* A column of the list: title, widths and priority (0 = shown first). */
struct ui_list_col {
	const char	*title;
	int		 minw, maxw;
	int		 prio;
	int		 right;
};

static const struct ui_list_col ui_list_cols[UI_COL__MAX] = {
	[UI_COL_TIME] = { "Start", 8, 8, 0, 0 },
	[UI_COL_CALLER] = { "From", 10, 32, 1, 0 },
	[UI_COL_CALLEE] = { "To", 10, 32, 2, 0 },
	[UI_COL_HOST] = { "R-URI host", 10, 26, 6, 0 },
	[UI_COL_STATE] = { "State", 12, 12, 3, 0 },
	[UI_COL_VERDICT] = { "Auth", 11, 11, 4, 0 },
	[UI_COL_FINDING] = { "Finding", 12, 60, 5, 0 },
	[UI_COL_MSGS] = { "Msgs", 4, 5, 8, 1 },
	[UI_COL_ADDRS] = { "Source -> Destination", 21, 48, 7, 0 },
	[UI_COL_PROTO] = { "Proto", 5, 5, 9, 0 },
};

/* Whether a call id is selected. */
int
ui_list_selected(const struct ui *u, uint64_t id)
{
	size_t lo = 0, hi = u->n_sel, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (u->sel[mid] == id)
			return 1;
		if (u->sel[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Select or unselect a call id, keeping the set sorted. */
static void
ui_list_select(struct ui *u, uint64_t id, int on)
{
	size_t i;
	uint64_t *n;

	for (i = 0; i < u->n_sel && u->sel[i] < id; i++)
		;
	if (i < u->n_sel && u->sel[i] == id) {
		if (!on) {
			memmove(&u->sel[i], &u->sel[i + 1], (u->n_sel - i - 1) *
			    sizeof *u->sel);
			u->n_sel--;
		}
		return;
	}
	if (!on)
		return;
	if (u->n_sel == u->cap_sel) {
		n = realloc(u->sel, (u->cap_sel ? u->cap_sel * 2 : 16) *
		    sizeof *n);
		if (n == NULL)
			return;
		u->sel = n;
		u->cap_sel = u->cap_sel ? u->cap_sel * 2 : 16;
	}
	memmove(&u->sel[i + 1], &u->sel[i], (u->n_sel - i) * sizeof *u->sel);
	u->sel[i] = id;
	u->n_sel++;
}

/* Host part of a SIP URI ("sip:user@host:port;x" gives "host"). */
const char *
ui_list_host(const char *uri, char *buf, size_t len)
{
	const char *p, *at, *end;
	size_t n;

	buf[0] = '\0';
	if (uri == NULL)
		return buf;
	p = strchr(uri, ':');
	p = p != NULL ? p + 1 : uri;
	if ((at = strchr(p, '@')) != NULL)
		p = at + 1;
	end = p;
	if (*end == '[') {
		while (*end != '\0' && *end != ']')
			end++;
		if (*end == ']')
			end++;
	} else
		while (*end != '\0' && strchr(":;?>", *end) == NULL)
			end++;
	n = (size_t)(end - p) < len - 1 ? (size_t)(end - p) : len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

/* A URI without its "sip:" scheme, for narrow columns. */
static const char *
ui_list_uri(const char *uri)
{
	if (uri == NULL)
		return "";
	if (strncasecmp(uri, "sip:", 4) == 0)
		return uri + 4;
	if (strncasecmp(uri, "sips:", 5) == 0)
		return uri + 5;
	return uri;
}

/* Whether a call failed (by the rules when judged, else by its state). */
int
ui_list_failed(struct ui *u, struct call *c)
{
	struct ui_judge *j = ui_diag_judge(u, c, 0);

	if (j != NULL && j->n_msgs == c->n_msgs)
		return j->verdict == RULES_AUTH_FAILED ||
		    j->verdict == RULES_FAILED;
	return c->state == CALL_REJECTED || c->state == CALL_TIMEDOUT;
}

/* Whether a call matches one word of the filter (case-insensitive). */
static int
ui_list_word(struct ui *u, struct call *c, const char *w)
{
	struct ui_judge *j;
	char a[64];
	int i;

	if ((c->caller && strcasestr(c->caller, w)) ||
	    (c->callee && strcasestr(c->callee, w)) ||
	    (c->call_id && strcasestr(c->call_id, w)) ||
	    (c->ruri && strcasestr(c->ruri, w)) ||
	    (c->user_agent && strcasestr(c->user_agent, w)) ||
	    strcasestr(tracker_state_name(c->state), w))
		return 1;
	sv_addr_format(&c->src, a, sizeof a);
	if (strcasestr(a, w))
		return 1;
	sv_addr_format(&c->dst, a, sizeof a);
	if (strcasestr(a, w))
		return 1;
	if ((j = ui_diag_judge(u, c, 0)) != NULL) {
		if (strcasestr(rules_verdict_name(j->verdict), w))
			return 1;
		for (i = 0; i < j->n; i++)
			if (strcasestr(j->ids[i], w))
				return 1;
		if (j->title != NULL && strcasestr(j->title, w))
			return 1;
	}
	return 0;
}

/* Whether a call passes the filter, the failed-only switch, clear and pause. */
static int
ui_list_match(struct ui *u, struct call *c)
{
	char buf[UI_FILTER_MAX], *w, *save = NULL;

	if (c->id <= u->cleared_id)
		return 0;
	if (u->paused && c->id > u->paused_id)
		return 0;
	if (u->failed_only && !ui_list_failed(u, c))
		return 0;
	if (u->filter_len == 0)
		return 1;
	memcpy(buf, u->filter, u->filter_len + 1);
	for (w = strtok_r(buf, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		if (!ui_list_word(u, c, w))
			return 0;
	return 1;
}

/* The calls held. */
size_t
ui_list_held(const struct ui *u)
{
	return HASH_COUNT(u->ents);
}

/* The call of row i. */
struct call *
ui_list_row(const struct ui *u, size_t i)
{
	return u->rows[i]->c;
}

/* Compare two string keys case-insensitively, the shorter first on a tie. */
static int
ui_list_kcmp(const char *a, size_t al, const char *b, size_t bl)
{
	size_t i, n = al < bl ? al : bl;
	int d;

	for (i = 0; i < n; i++)
		if ((d = tolower((unsigned char)a[i]) -
		    tolower((unsigned char)b[i])) != 0)
			return d;
	return al < bl ? -1 : al > bl;
}

/* Compare two entries by their sort keys, ties by id (a strict order). */
static int
ui_list_cmp(struct ui *u, const struct ui_ent *x, const struct ui_ent *y)
{
	int d;

	switch (u->sort_col) {
	case UI_COL_CALLER:
	case UI_COL_CALLEE:
	case UI_COL_HOST:
	case UI_COL_FINDING:
		d = ui_list_kcmp(x->kstr, x->klen, y->kstr, y->klen);
		break;
	case UI_COL_ADDRS:
		if ((d = sv_addr_cmp(&x->c->src, &y->c->src)) == 0)
			d = sv_addr_cmp(&x->c->dst, &y->c->dst);
		break;
	default:
		d = x->knum < y->knum ? -1 : x->knum > y->knum;
		break;
	}
	if (u->sort_rev)
		d = -d;
	if (d == 0)
		d = x->id < y->id ? -1 : x->id > y->id;
	return d;
}

/* Compute an entry's sort key for the current column from its call now. */
static void
ui_list_sortkey(struct ui *u, struct ui_ent *e)
{
	struct call *c = e->c;
	struct ui_judge *j;
	const char *s, *p, *end;

	free(e->kown);
	e->kown = NULL;
	e->kstr = "";
	e->klen = 0;
	e->knum = 0;
	switch (u->sort_col) {
	case UI_COL_CALLER:
	case UI_COL_CALLEE:
		s = ui_list_uri(u->sort_col == UI_COL_CALLER ? c->caller :
		    c->callee);
		e->kstr = s;
		e->klen = strlen(s);
		break;
	case UI_COL_HOST:
		/* The host of the Request-URI, as ui_list_host() finds it. */
		if (c->ruri == NULL)
			break;
		p = strchr(c->ruri, ':');
		p = p != NULL ? p + 1 : c->ruri;
		if ((s = strchr(p, '@')) != NULL)
			p = s + 1;
		end = p;
		if (*end == '[') {
			while (*end != '\0' && *end != ']')
				end++;
			if (*end == ']')
				end++;
		} else
			while (*end != '\0' && strchr(":;?>", *end) == NULL)
				end++;
		e->kstr = p;
		e->klen = (size_t)(end - p);
		break;
	case UI_COL_STATE:
		e->knum = (int64_t)c->state << 16 | (c->final_code & 0xffff);
		break;
	case UI_COL_VERDICT:
		j = ui_diag_judge(u, c, 0);
		e->knum = j != NULL ? j->verdict : RULES_IN_PROGRESS;
		break;
	case UI_COL_FINDING:
		j = ui_diag_judge(u, c, 0);
		if (j != NULL && j->title != NULL &&
		    (e->kown = strdup(j->title)) != NULL) {
			e->kstr = e->kown;
			e->klen = strlen(e->kown);
		}
		break;
	case UI_COL_MSGS:
		e->knum = c->n_msgs;
		break;
	case UI_COL_PROTO:
		e->knum = c->transport;
		break;
	default:
		e->knum = c->first_ts;
		break;
	}
}

/* The row index where entry e is, or would go (binary search by its key). */
static size_t
ui_list_bsearch(struct ui *u, const struct ui_ent *e)
{
	size_t lo = 0, hi = u->n_rows, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ui_list_cmp(u, u->rows[mid], e) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Make room for one more row; 0 or -1. */
static int
ui_list_grow(struct ui *u)
{
	struct ui_ent **n;
	size_t cap, off;

	if (u->row_off + u->n_rows < u->cap_rows)
		return 0;
	if (u->row_off > 0 && u->row_off >= u->cap_rows / 4) {
		/* Much room at the front (old calls went): slide down. */
		memmove(u->rowbuf, u->rows, u->n_rows * sizeof *u->rows);
		u->row_off = 0;
		u->rows = u->rowbuf;
		return 0;
	}
	cap = u->cap_rows < 1024 ? 1024 : u->cap_rows * 2;
	if ((n = malloc(cap * sizeof *n)) == NULL)
		return -1;
	off = (cap - u->n_rows) / 16;
	if (u->n_rows > 0)
		memcpy(n + off, u->rows, u->n_rows * sizeof *n);
	free(u->rowbuf);
	u->rowbuf = n;
	u->cap_rows = cap;
	u->row_off = off;
	u->rows = n + off;
	return 0;
}

/* Insert an entry as a row at its place (moving the shorter side). */
static void
ui_list_insert(struct ui *u, struct ui_ent *e)
{
	size_t i;

	if (ui_list_grow(u) != 0)
		return;
	i = ui_list_bsearch(u, e);
	if (u->row_off > 0 && i < u->n_rows / 2) {
		memmove(u->rows - 1, u->rows, i * sizeof *u->rows);
		u->rows--;
		u->row_off--;
	} else
		memmove(u->rows + i + 1, u->rows + i, (u->n_rows - i) *
		    sizeof *u->rows);
	u->rows[i] = e;
	u->n_rows++;
	e->shown = 1;
	if (i <= u->cur && u->n_rows > 1)
		u->cur++;
}

/* Remove an entry from the rows (found by the key it was placed by). */
static void
ui_list_remove(struct ui *u, struct ui_ent *e)
{
	size_t i = ui_list_bsearch(u, e);

	if (!e->shown)
		return;
	e->shown = 0;
	if (i >= u->n_rows || u->rows[i] != e) {
		/* Cannot happen while keys are kept; stay safe anyway. */
		for (i = 0; i < u->n_rows && u->rows[i] != e; i++)
			;
		if (i == u->n_rows)
			return;
	}
	if (i < u->n_rows / 2) {
		memmove(u->rows + 1, u->rows, i * sizeof *u->rows);
		u->rows++;
		u->row_off++;
	} else
		memmove(u->rows + i, u->rows + i + 1, (u->n_rows - i - 1) *
		    sizeof *u->rows);
	u->n_rows--;
	if (i < u->cur)
		u->cur--;
}

/* Queue an entry's id to be placed; 0 or -1. */
static int
ui_list_queue(struct ui *u, struct ui_ent *e)
{
	uint64_t *n;
	size_t cap;

	if (e->pending)
		return 0;
	if (u->pend_head > 0 && u->pend_head == u->n_pend)
		u->pend_head = u->n_pend = 0;
	if (u->n_pend == u->cap_pend) {
		if (u->pend_head > 0) {
			memmove(u->pend, u->pend + u->pend_head,
			    (u->n_pend - u->pend_head) * sizeof *u->pend);
			u->n_pend -= u->pend_head;
			u->pend_head = 0;
		} else {
			cap = u->cap_pend ? u->cap_pend * 2 : 1024;
			if ((n = realloc(u->pend, cap * sizeof *n)) == NULL)
				return -1;
			u->pend = n;
			u->cap_pend = cap;
		}
	}
	u->pend[u->n_pend++] = e->id;
	e->pending = 1;
	return 0;
}

/* Note a call new or changed (from the tracker's list, or a stored call). */
void
ui_list_changed(struct ui *u, struct call *c)
{
	struct ui_ent *e;

	HASH_FIND(hh, u->ents, &c->id, sizeof c->id, e);
	if (e == NULL) {
		if ((e = calloc(1, sizeof *e)) == NULL)
			return;
		e->id = c->id;
		e->c = c;
		HASH_ADD(hh, u->ents, id, sizeof e->id, e);
		if (c->id > u->max_id)
			u->max_id = c->id;
	}
	if (ui_flow_has(u, c->id))
		u->flow_stale = 1;
	if (ui_list_queue(u, e) != 0)
		u->need_rebuild = 1;	/* lost track: start over */
}

/* Free one entry. */
static void
ui_list_ent_free(struct ui_ent *e)
{
	free(e->kown);
	free(e);
}

/* Forget a call the tracker is about to free (no pointer to it survives). */
void
ui_list_forget(struct ui *u, struct call *c)
{
	struct ui_ent *e;

	ui_diag_forget(u, c->id);
	if (ui_flow_has(u, c->id))
		u->flow_stale = 1;
	HASH_FIND(hh, u->ents, &c->id, sizeof c->id, e);
	if (e == NULL)
		return;
	if (u->rb_next == e)
		u->rb_next = e->hh.next;
	HASH_DEL(u->ents, e);
	if (e->shown) {
		ui_list_remove(u, e);
		u->stale = 1;
	}
	if (e->in_new) {
		/* In the rows a rebuild is making: dropped when it ends. */
		e->c = NULL;
		return;
	}
	ui_list_ent_free(e);
}

/* Place one changed entry: re-test the filter, move it if its key moved. */
static void
ui_list_place(struct ui *u, struct ui_ent *e)
{
	struct ui_ent k;
	int match = ui_list_match(u, e->c);

	if (!e->shown && !match)
		return;
	u->stale = 1;
	if (e->shown && match) {
		k = *e;
		k.kown = NULL;
		ui_list_sortkey(u, &k);
		if (ui_list_cmp(u, &k, e) == 0) {
			free(k.kown);
			return;		/* same place: nothing to move */
		}
		free(k.kown);
	}
	if (e->shown)
		ui_list_remove(u, e);
	if (match) {
		ui_list_sortkey(u, e);
		ui_list_insert(u, e);
	}
}

/*
 * Merge-sort n entries; halves already in order are not merged, so the
 * usual case (calls arriving in order) costs about n comparisons.
 */
static void
ui_list_sort(struct ui *u, struct ui_ent **a, struct ui_ent **tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	ui_list_sort(u, a, tmp, mid);
	ui_list_sort(u, a + mid, tmp, n - mid);
	if (ui_list_cmp(u, a[mid - 1], a[mid]) <= 0)
		return;
	while (i < mid && j < n)
		tmp[k++] = ui_list_cmp(u, a[i], a[j]) <= 0 ? a[i++] : a[j++];
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof *a);
}

/* A rebuild scanned every entry: sort its rows and put them in place. */
static void
ui_list_swap(struct ui *u)
{
	struct ui_ent **tmp, *e;
	size_t i, k;

	for (i = k = 0; i < u->n_nrows; i++) {
		e = u->nrows[i];
		e->in_new = 0;
		if (e->c == NULL)
			ui_list_ent_free(e);	/* freed while scanning */
		else
			u->nrows[k++] = e;
	}
	u->n_nrows = k;
	for (i = 0; i < u->n_rows; i++)
		u->rows[i]->shown = 0;
	for (i = 0; i < u->n_nrows; i++) {
		u->nrows[i]->shown = 1;
		ui_list_sortkey(u, u->nrows[i]);
	}
	if ((tmp = malloc((k ? k : 1) * sizeof *tmp)) != NULL) {
		ui_list_sort(u, u->nrows, tmp, k);
		free(tmp);
	}
	free(u->rowbuf);
	u->rowbuf = u->rows = u->nrows;
	u->cap_rows = u->cap_nrows;
	u->row_off = 0;
	u->n_rows = k;
	u->nrows = NULL;
	u->n_nrows = u->cap_nrows = 0;
	u->rb_active = 0;
	u->stale = 1;
}

/* Scan entries into the new rows until the deadline; 1 when the scan ended. */
static int
ui_list_scan(struct ui *u, int64_t deadline)
{
	struct ui_ent **n, *e;
	size_t cap;
	int k = 0;

	while ((e = u->rb_next) != NULL) {
		if (deadline != 0 && (++k & 63) == 0 && ui_now() >= deadline)
			return 0;
		u->rb_next = e->hh.next;
		if (!ui_list_match(u, e->c))
			continue;
		if (u->n_nrows == u->cap_nrows) {
			cap = u->cap_nrows ? u->cap_nrows * 2 : 1024;
			if ((n = realloc(u->nrows, cap * sizeof *n)) == NULL)
				continue;
			u->nrows = n;
			u->cap_nrows = cap;
		}
		u->nrows[u->n_nrows++] = e;
		e->in_new = 1;
	}
	return 1;
}

/* Put the cursor back on its call, or at the end when autoscrolling. */
static void
ui_list_cursor(struct ui *u, int at_end)
{
	struct ui_ent *e;
	size_t i;

	if (u->n_rows == 0) {
		u->cur = 0;
		u->cur_id = 0;
		return;
	}
	if (u->autoscroll && u->live && !u->paused && at_end)
		u->cur = u->n_rows - 1;
	else if (u->cur_id != 0) {
		HASH_FIND(hh, u->ents, &u->cur_id, sizeof u->cur_id, e);
		if (e != NULL && e->shown) {
			i = ui_list_bsearch(u, e);
			if (i < u->n_rows && u->rows[i] == e)
				u->cur = i;
		}
	}
	if (u->cur >= u->n_rows)
		u->cur = u->n_rows - 1;
	u->cur_id = u->rows[u->cur]->id;
}

/*
 * Place changed calls and advance a rebuild of the rows (after the filter,
 * the sort or a switch changed) until the deadline, 0 for none; returns 1
 * when work is left for the next pass.
 */
int
ui_list_work(struct ui *u, int64_t deadline)
{
	struct ui_ent *e;
	int at_end = u->n_rows == 0 || u->cur + 1 >= u->n_rows, k = 0;
	uint64_t id;

	if (u->need_rebuild) {
		/* Start over; a running rebuild is dropped. */
		size_t i;

		for (i = 0; i < u->n_nrows; i++) {
			u->nrows[i]->in_new = 0;
			if (u->nrows[i]->c == NULL)
				ui_list_ent_free(u->nrows[i]);
		}
		u->n_nrows = 0;
		u->need_rebuild = 0;
		u->rb_active = 1;
		u->rb_next = u->ents;
	}
	if (u->rb_active) {
		if (!ui_list_scan(u, deadline))
			return 1;
		ui_list_swap(u);
	}
	while (u->pend_head < u->n_pend) {
		if (deadline != 0 && (++k & 15) == 0 && ui_now() >= deadline)
			break;
		id = u->pend[u->pend_head++];
		HASH_FIND(hh, u->ents, &id, sizeof id, e);
		if (e == NULL)
			continue;	/* freed since */
		e->pending = 0;
		ui_list_place(u, e);
	}
	if (u->pend_head == u->n_pend)
		u->pend_head = u->n_pend = 0;
	ui_list_cursor(u, at_end);
	return u->pend_head < u->n_pend;
}

/* Free the entries and the rows. */
void
ui_list_free(struct ui *u)
{
	struct ui_ent *e, *tmp;
	size_t i;

	for (i = 0; i < u->n_nrows; i++)
		if (u->nrows[i]->c == NULL)
			ui_list_ent_free(u->nrows[i]);
	HASH_ITER(hh, u->ents, e, tmp) {
		HASH_DEL(u->ents, e);
		ui_list_ent_free(e);
	}
	free(u->nrows);
	free(u->rowbuf);
	free(u->pend);
	u->nrows = u->rowbuf = u->rows = NULL;
	u->n_rows = u->n_nrows = u->n_pend = 0;
}

/* Lay the columns out for the width; fills w[] (0 = hidden). */
static void
ui_list_layout(int width, int *w)
{
	int order[UI_COL__MAX], i, j, k, used = 2, spare, grow;

	for (i = 0; i < UI_COL__MAX; i++) {
		order[ui_list_cols[i].prio] = i;
		w[i] = 0;
	}
	for (k = 0; k < UI_COL__MAX; k++) {
		i = order[k];
		if (used + ui_list_cols[i].minw + 1 > width)
			break;
		w[i] = ui_list_cols[i].minw;
		used += w[i] + 1;
	}
	spare = width - used;
	while (spare > 0) {
		grow = 0;
		for (k = 0; k < UI_COL__MAX && spare > 0; k++) {
			j = order[k];
			if (w[j] == 0 || w[j] >= ui_list_cols[j].maxw)
				continue;
			w[j]++;
			spare--;
			grow = 1;
			/* The finding says the most: it grows twice as fast. */
			if (j == UI_COL_FINDING && spare > 0 &&
			    w[j] < ui_list_cols[j].maxw) {
				w[j]++;
				spare--;
			}
		}
		if (!grow)
			break;
	}
}

/* The text and colour of one cell. */
static const char *
ui_list_cell(struct ui *u, struct call *c, int col, char *buf, size_t len,
    int *color)
{
	struct ui_judge *j;
	char a[64], b[64];

	*color = UI_C_NONE;
	switch (col) {
	case UI_COL_TIME:
		return ui_draw_time(c->first_ts, buf, len);
	case UI_COL_CALLER:
		return ui_list_uri(c->caller);
	case UI_COL_CALLEE:
		return ui_list_uri(c->callee);
	case UI_COL_HOST:
		return ui_list_host(c->ruri, buf, len);
	case UI_COL_STATE:
		if (c->state == CALL_ANSWERED)
			*color = UI_C_OK;
		else if (c->state == CALL_REJECTED || c->state == CALL_TIMEDOUT)
			*color = UI_C_FAIL;
		else if (c->state == CALL_CALLING || c->state == CALL_EARLY)
			*color = UI_C_PROGRESS;
		if (c->final_code > 0)
			snprintf(buf, len, "%s %d", tracker_state_name(c->state),
			    c->final_code);
		else
			snprintf(buf, len, "%s", tracker_state_name(c->state));
		return buf;
	case UI_COL_VERDICT:
		j = ui_diag_judge(u, c, 1);
		return ui_diag_verdict(j, c, color);
	case UI_COL_FINDING:
		j = ui_diag_judge(u, c, 1);
		if (j == NULL || j->title == NULL)
			return "";
		*color = j->severity == RULES_ERROR ? UI_C_FAIL :
		    j->severity == RULES_WARNING ? UI_C_WARN : UI_C_NONE;
		return j->title;
	case UI_COL_MSGS:
		snprintf(buf, len, "%4d", c->n_msgs);
		return buf;
	case UI_COL_ADDRS:
		sv_addr_format(&c->src, a, sizeof a);
		sv_addr_format(&c->dst, b, sizeof b);
		snprintf(buf, len, "%s -> %s", a, b);
		return buf;
	case UI_COL_PROTO:
		return c->transport < SV_T__MAX ?
		    sv_transport_names[c->transport] : "?";
	}
	return "";
}

/* Draw the call list. */
static void
ui_list_draw(struct ui *u)
{
	int w[UI_COL__MAX], col, x, y, rows, attr, cattr, color;
	char buf[300], title[64], sel[40];
	struct call *c;
	size_t i;

	ui_draw_header(u);
	ui_list_layout(COLS, w);
	attr = ui_draw_attr(u, UI_C_HEADER) | A_BOLD;
	ui_draw_fill(1, 0, COLS, A_BOLD | A_UNDERLINE);
	for (col = 0, x = 2; col < UI_COL__MAX; col++) {
		if (w[col] == 0)
			continue;
		snprintf(title, sizeof title, "%s%s", ui_list_cols[col].title,
		    col == u->sort_col ? (u->sort_rev ? "v" : "^") : "");
		ui_draw_str(u, 1, x, w[col], title, A_BOLD | A_UNDERLINE);
		x += w[col] + 1;
	}
	(void)attr;
	rows = LINES - 4;
	if (u->cur < u->top)
		u->top = u->cur;
	if (u->cur >= u->top + (size_t)rows)
		u->top = u->cur - (size_t)rows + 1;
	if (u->top + (size_t)rows > u->n_rows)
		u->top = u->n_rows > (size_t)rows ? u->n_rows - (size_t)rows : 0;
	for (i = u->top, y = 2; i < u->n_rows && y < 2 + rows; i++, y++) {
		c = u->rows[i]->c;
		attr = A_NORMAL;
		if (ui_list_selected(u, c->id))
			attr = ui_draw_attr(u, UI_C_SELECT);
		if (i == u->cur)
			attr = ui_draw_attr(u, UI_C_CURSOR);
		ui_draw_fill(y, 0, COLS, attr);
		if (ui_list_selected(u, c->id))
			ui_draw_str(u, y, 0, 1, "*", attr | A_BOLD);
		for (col = 0, x = 2; col < UI_COL__MAX; col++) {
			if (w[col] == 0)
				continue;
			ui_list_cell(u, c, col, buf, sizeof buf, &color);
			cattr = attr;
			if (i != u->cur && color != UI_C_NONE)
				cattr = ui_draw_attr(u, color);
			else if (i == u->cur && (color == UI_C_FAIL))
				cattr = attr | A_BOLD;
			ui_draw_str(u, y, x, w[col], ui_list_cell(u, c, col, buf,
			    sizeof buf, &color), cattr);
			x += w[col] + 1;
		}
	}
	/* The status line: filter, counts, switches. */
	y = LINES - 2;
	ui_draw_fill(y, 0, COLS, A_NORMAL);
	snprintf(sel, sizeof sel, " | %zu selected", u->n_sel);
	snprintf(buf, sizeof buf, "%s%s%s %zu/%zu calls%s%s%s%s",
	    u->filtering ? "Filter: " : u->filter_len ? "Filter: " : "",
	    u->filter, u->filtering ? "_" : "", u->n_rows, ui_list_held(u),
	    u->failed_only ? " | failed only" : "", u->n_sel ? sel : "",
	    u->rb_active || u->need_rebuild ? " | updating" : "",
	    u->paused ? " | paused" : u->live && u->autoscroll ?
	    " | autoscroll" : "");
	ui_draw_str(u, y, 0, COLS, buf, u->filtering ? A_BOLD : A_NORMAL);
	ui_draw_footer(u, u->filtering ?
	    "Type to filter  Enter:keep  Esc:clear  ^U:erase" :
	    "Enter:flow Spc:select /:filter f:failed d:diag F2:save s:sort "
	    "?:help q:quit");
}

/* Move the cursor to row i (clamped) and remember its call id. */
static void
ui_list_move(struct ui *u, long i)
{
	if (u->n_rows == 0) {
		u->cur = 0;
		u->cur_id = 0;
		return;
	}
	if (i < 0)
		i = 0;
	if ((size_t)i >= u->n_rows)
		i = (long)u->n_rows - 1;
	u->cur = (size_t)i;
	u->cur_id = u->rows[u->cur]->id;
}

/* Keys while typing into the filter. */
static void
ui_list_filter_key(struct ui *u, int key)
{
	char mb[MB_LEN_MAX + 1];
	int n;

	if (key == 27) {
		u->filter_len = 0;
		u->filter[0] = '\0';
		u->filtering = 0;
	} else if (key == '\r' || key == '\n' || key == UI_FKEY(KEY_ENTER))
		u->filtering = 0;
	else if (key == UI_FKEY(KEY_BACKSPACE) || key == 127 || key == 8) {
		/* Remove a whole UTF-8 sequence. */
		while (u->filter_len > 0 &&
		    ((unsigned char)u->filter[--u->filter_len] & 0xc0) == 0x80)
			;
		u->filter[u->filter_len] = '\0';
	} else if (key == 0x15) {
		u->filter_len = 0;
		u->filter[0] = '\0';
	} else if (key == UI_FKEY(KEY_UP) || key == UI_FKEY(KEY_DOWN)) {
		u->filtering = 0;
		ui_list_mode.key(u, key);
		return;
	} else if (key >= 0x20 && key < 0x110000 && key != 0x7f) {
		n = wctomb(mb, (wchar_t)key);
		if (n > 0 && u->filter_len + (size_t)n < sizeof u->filter) {
			memcpy(u->filter + u->filter_len, mb, (size_t)n);
			u->filter_len += (size_t)n;
			u->filter[u->filter_len] = '\0';
		}
	}
	u->need_rebuild = 1;
}

/* Open the ladder for the selected calls, or the one under the cursor. */
static void
ui_list_open(struct ui *u)
{
	uint64_t ids[UI_FLOW_CALLS];
	size_t i;
	int n = 0;

	for (i = 0; i < u->n_sel && n < UI_FLOW_CALLS; i++)
		if (ui_find(u, u->sel[i]) != NULL)
			ids[n++] = u->sel[i];
	if (n == 0 && u->n_rows > 0)
		ids[n++] = u->rows[u->cur]->id;
	if (n == 0)
		return;
	if (u->n_sel > UI_FLOW_CALLS)
		ui_message(u, "showing the first %d selected calls",
		    UI_FLOW_CALLS);
	ui_flow_open(u, ids, n);
	ui_push(u, UI_M_FLOW);
}

/* Keys of the call list. */
static void
ui_list_key(struct ui *u, int key)
{
	long page = LINES - 4 > 1 ? LINES - 4 : 1;
	size_t i;
	int all;

	if (u->filtering) {
		ui_list_filter_key(u, key);
		return;
	}
	switch (key) {
	case UI_FKEY(KEY_UP):
	case 'k':
		ui_list_move(u, (long)u->cur - 1);
		break;
	case UI_FKEY(KEY_DOWN):
	case 'j':
		ui_list_move(u, (long)u->cur + 1);
		break;
	case UI_FKEY(KEY_PPAGE):
	case 0x02:
		ui_list_move(u, (long)u->cur - page);
		break;
	case UI_FKEY(KEY_NPAGE):
	case 0x06:
		ui_list_move(u, (long)u->cur + page);
		break;
	case UI_FKEY(KEY_HOME):
	case 'g':
		ui_list_move(u, 0);
		break;
	case UI_FKEY(KEY_END):
	case 'G':
		ui_list_move(u, (long)u->n_rows - 1);
		break;
	case '\r':
	case '\n':
	case UI_FKEY(KEY_ENTER):
		ui_list_open(u);
		break;
	case ' ':
		if (u->n_rows == 0)
			break;
		ui_list_select(u, u->rows[u->cur]->id,
		    !ui_list_selected(u, u->rows[u->cur]->id));
		ui_list_move(u, (long)u->cur + 1);
		break;
	case 'a':
		for (i = 0, all = 1; i < u->n_rows && all; i++)
			all = ui_list_selected(u, u->rows[i]->id);
		for (i = 0; i < u->n_rows; i++)
			ui_list_select(u, u->rows[i]->id, !all);
		break;
	case 'x':
		u->n_sel = 0;
		break;
	case '/':
	case UI_FKEY(KEY_F(7)):
		u->filtering = 1;
		break;
	case 'f':
	case UI_FKEY(KEY_F(8)):
		u->failed_only = !u->failed_only;
		u->need_rebuild = 1;
		ui_message(u, "failed calls only: %s", u->failed_only ? "on" :
		    "off");
		break;
	case 'A':
		u->autoscroll = !u->autoscroll;
		ui_message(u, "autoscroll: %s", u->autoscroll ? "on" : "off");
		break;
	case 'p':
		u->paused = !u->paused;
		u->paused_id = u->max_id;
		u->need_rebuild = 1;
		ui_message(u, "list %s", u->paused ? "paused" : "resumed");
		break;
	case 'c':
	case UI_FKEY(KEY_F(5)):
		u->cleared_id = u->max_id;
		u->n_sel = 0;
		u->need_rebuild = 1;
		ui_message(u, "list cleared (the calls stay in the capture)");
		break;
	case 'C':
		u->cleared_id = 0;
		u->need_rebuild = 1;
		break;
	case 's':
	case '>':
		u->sort_col = (u->sort_col + 1) % UI_COL__MAX;
		u->need_rebuild = 1;
		ui_message(u, "sorted by %s", ui_list_cols[u->sort_col].title);
		break;
	case '<':
		u->sort_col = (u->sort_col + UI_COL__MAX - 1) % UI_COL__MAX;
		u->need_rebuild = 1;
		ui_message(u, "sorted by %s", ui_list_cols[u->sort_col].title);
		break;
	case 'S':
	case 'r':
		u->sort_rev = !u->sort_rev;
		u->need_rebuild = 1;
		break;
	case 'd':
		if (u->n_rows == 0)
			break;
		ui_flow_open(u, &u->rows[u->cur]->id, 1);
		u->diag_top = 0;
		ui_push(u, UI_M_DIAG);
		break;
	case 'w':
	case UI_FKEY(KEY_F(2)):
		ui_save_open(u);
		break;
	case 27:
		if (u->filter_len > 0) {
			u->filter_len = 0;
			u->filter[0] = '\0';
			u->need_rebuild = 1;
			break;
		}
		ui_pop(u);
		break;
	case 'q':
	case UI_FKEY(KEY_F(10)):
		ui_pop(u);
		break;
	}
}

const struct ui_mode ui_list_mode = {
	"list", ui_list_draw, ui_list_key
};
