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

/* The sort in force while qsort runs (qsort takes no argument). */
struct ui_list_sort {
	struct ui	*u;
	int		 col, rev;
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

/* tracker_foreach callback: gather a call. */
static void
ui_list_collect(void *arg, struct call *c)
{
	struct ui *u = arg;
	struct call **n;

	if (u->n_all == u->cap_all) {
		n = realloc(u->all, (u->cap_all ? u->cap_all * 2 : 1024) *
		    sizeof *n);
		if (n == NULL)
			return;
		u->all = n;
		u->cap_all = u->cap_all ? u->cap_all * 2 : 1024;
	}
	u->all[u->n_all++] = c;
}

/* Compare two strings that may be NULL. */
static int
ui_list_strcmp(const char *a, const char *b)
{
	return strcasecmp(a != NULL ? a : "", b != NULL ? b : "");
}

/* Compare two calls by one column. */
static int
ui_list_cmp_col(struct ui *u, int col, struct call *x, struct call *y)
{
	struct ui_judge *jx, *jy;
	char hx[128], hy[128];
	int d;

	switch (col) {
	case UI_COL_CALLER:
		return ui_list_strcmp(ui_list_uri(x->caller),
		    ui_list_uri(y->caller));
	case UI_COL_CALLEE:
		return ui_list_strcmp(ui_list_uri(x->callee),
		    ui_list_uri(y->callee));
	case UI_COL_HOST:
		return strcasecmp(ui_list_host(x->ruri, hx, sizeof hx),
		    ui_list_host(y->ruri, hy, sizeof hy));
	case UI_COL_STATE:
		if ((d = (int)x->state - (int)y->state) != 0)
			return d;
		return x->final_code - y->final_code;
	case UI_COL_VERDICT:
	case UI_COL_FINDING:
		jx = ui_diag_judge(u, x, 0);
		jy = ui_diag_judge(u, y, 0);
		if (col == UI_COL_VERDICT)
			return (jx ? jx->verdict : RULES_IN_PROGRESS) -
			    (jy ? jy->verdict : RULES_IN_PROGRESS);
		return ui_list_strcmp(jx ? jx->title : NULL,
		    jy ? jy->title : NULL);
	case UI_COL_MSGS:
		return x->n_msgs - y->n_msgs;
	case UI_COL_ADDRS:
		if ((d = sv_addr_cmp(&x->src, &y->src)) != 0)
			return d;
		return sv_addr_cmp(&x->dst, &y->dst);
	case UI_COL_PROTO:
		return (int)x->transport - (int)y->transport;
	default:
		return x->first_ts < y->first_ts ? -1 : x->first_ts > y->first_ts;
	}
}

/* Compare two calls by the current sort column, ties by id. */
static int
ui_list_cmp(struct ui *u, struct call *x, struct call *y)
{
	int d = ui_list_cmp_col(u, u->sort_col, x, y);

	if (u->sort_rev)
		d = -d;
	if (d == 0)
		d = x->id < y->id ? -1 : x->id > y->id;
	return d;
}

/* Compare two calls by id only. */
static int
ui_list_cmp_id(struct ui *u, struct call *x, struct call *y)
{
	(void)u;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Merge-sort n calls with cmp; halves already in order are not merged, so
 * the usual case (calls arriving in order) costs about n comparisons.
 */
static void
ui_list_sort(struct ui *u, struct call **a, struct call **tmp, size_t n,
    int (*cmp)(struct ui *, struct call *, struct call *))
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	ui_list_sort(u, a, tmp, mid, cmp);
	ui_list_sort(u, a + mid, tmp, n - mid, cmp);
	if (cmp(u, a[mid - 1], a[mid]) <= 0)
		return;
	while (i < mid && j < n)
		tmp[k++] = cmp(u, a[i], a[j]) <= 0 ? a[i++] : a[j++];
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof *a);
}

/* Rebuild the rows from the calls held; the cursor follows its call id. */
void
ui_list_build(struct ui *u)
{
	int at_end = u->n_rows == 0 || u->cur + 1 >= u->n_rows;
	size_t i;

	u->n_all = 0;
	if (u->e != NULL)
		tracker_foreach(u->e->trk, ui_list_collect, u);
	else
		for (i = 0; i < u->n_own; i++)
			ui_list_collect(u, u->own[i]);
	if (u->cap_rows < u->n_all) {
		free(u->rows);
		free(u->tmp);
		u->cap_rows = u->n_all + u->n_all / 2;
		u->rows = malloc(u->cap_rows * sizeof *u->rows);
		u->tmp = malloc(u->cap_rows * sizeof *u->tmp);
		if (u->rows == NULL || u->tmp == NULL) {
			free(u->rows);
			free(u->tmp);
			u->rows = u->tmp = NULL;
			u->cap_rows = u->n_rows = 0;
			return;
		}
	}
	ui_list_sort(u, u->all, u->tmp, u->n_all, ui_list_cmp_id);
	u->max_id = u->n_all > 0 ? u->all[u->n_all - 1]->id : 0;
	u->n_rows = 0;
	for (i = 0; i < u->n_all; i++)
		if (ui_list_match(u, u->all[i]))
			u->rows[u->n_rows++] = u->all[i];
	ui_list_sort(u, u->rows, u->tmp, u->n_rows, ui_list_cmp);
	u->cur = 0;
	if (u->autoscroll && u->live && at_end && u->n_rows > 0)
		u->cur = u->n_rows - 1;
	else if (u->cur_id != 0) {
		for (i = 0; i < u->n_rows; i++)
			if (u->rows[i]->id == u->cur_id) {
				u->cur = i;
				break;
			}
		if (i == u->n_rows && u->n_rows > 0) {
			/* The call left the list: the nearest by id. */
			for (i = 0; i < u->n_rows; i++)
				if (u->rows[i]->id > u->cur_id)
					break;
			u->cur = i < u->n_rows ? i : u->n_rows - 1;
		}
	}
	u->cur_id = u->n_rows > 0 ? u->rows[u->cur]->id : 0;
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
	int w[UI_COL__MAX], col, x, y, rows, attr, cattr, color, n;
	char buf[160], title[64];
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
		c = u->rows[i];
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
	n = snprintf(buf, sizeof buf, "%s%s%s %zu/%zu calls%s%s%s%s",
	    u->filtering ? "Filter: " : u->filter_len ? "Filter: " : "",
	    u->filter, u->filtering ? "_" : "", u->n_rows, u->n_all,
	    u->failed_only ? " | failed only" : "",
	    u->n_sel ? " | selected " : "", "",
	    u->paused ? " | paused" : u->live && u->autoscroll ?
	    " | autoscroll" : "");
	if (u->n_sel && n > 0 && (size_t)n < sizeof buf)
		snprintf(buf + n, sizeof buf - (size_t)n, " %zu", u->n_sel);
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
