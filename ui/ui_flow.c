/*
 * ui_flow.c: the call-flow ladder of one or more calls.
 *
 * One column per endpoint (ip:port), in order of first appearance, labelled
 * with the host name requests used to reach it and "Vapi" when it is one of
 * Vapi's addresses or host names; one line per message with an arrow from
 * sender to receiver carrying the method or status, the CSeq and, on the
 * left, the time since the previous message.  Retransmissions are marked
 * and dimmed; messages that findings point at are highlighted and flagged
 * with '!'.  Several selected calls share one ladder, merged by time and
 * told apart by a letter.  The diagnosis panel sits under the ladder, or
 * beside it on terminals 140 columns wide or more.
 */
#define NCURSES_WIDECHAR 1

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "ui.h"

#define UI_FLOW_LEFT	12	/* cells left of the ladder: call, flag, time */

/* The k-th call of the ladder, or NULL when it is no longer held. */
struct call *
ui_flow_call(struct ui *u, int k)
{
	if (k < 0 || k >= u->n_flow)
		return NULL;
	return ui_find(u, u->flow_ids[k]);
}

/* The findings of the k-th call of the ladder (the engine's, once it judged it). */
const struct diagnosis *
ui_flow_diag(struct ui *u, int k)
{
	struct call *c = ui_flow_call(u, k);

	if (c == NULL)
		return NULL;
	if (c->done && c->diag != NULL)
		return c->diag;
	return &u->flow_diag[k];
}

/* Whether call id is one of the ladder's. */
int
ui_flow_has(const struct ui *u, uint64_t id)
{
	int k;

	for (k = 0; k < u->n_flow; k++)
		if (u->flow_ids[k] == id)
			return 1;
	return 0;
}

/* Forget the ladder and its diagnoses. */
void
ui_flow_clear(struct ui *u)
{
	int k;

	for (k = 0; k < u->n_flow; k++)
		rules_diagnosis_free(&u->flow_diag[k]);
	memset(u->flow_diag, 0, sizeof u->flow_diag);
	u->n_flow = 0;
	u->n_fm = 0;
}

/* qsort comparator: ladder lines by time, then call, then message. */
static int
ui_flow_cmp(const void *a, const void *b)
{
	const struct ui_fmsg *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->call != y->call)
		return x->call - y->call;
	return x->msg - y->msg;
}

/* Rebuild the ladder's lines (and re-judge calls that gained messages). */
void
ui_flow_build(struct ui *u)
{
	struct ui_fmsg *n;
	struct call *c;
	int k, i, total = 0;

	for (k = 0; k < u->n_flow; k++)
		if ((c = ui_flow_call(u, k)) != NULL)
			total += c->n_msgs;
	if (total > u->cap_fm) {
		n = realloc(u->fm, (size_t)total * sizeof *n);
		if (n == NULL)
			return;
		u->fm = n;
		u->cap_fm = total;
	}
	u->n_fm = 0;
	for (k = 0; k < u->n_flow; k++) {
		if ((c = ui_flow_call(u, k)) == NULL)
			continue;
		if (u->flow_diag_nmsgs[k] != c->n_msgs && !(c->done &&
		    c->diag != NULL) && ui_call_in_memory(c)) {
			rules_diagnosis_free(&u->flow_diag[k]);
			memset(&u->flow_diag[k], 0, sizeof u->flow_diag[k]);
			if (rules_run(u->rules, c, c->done || u->e == NULL ?
			    c->last_ts + 3600 * (int64_t)1000000 :
			    tracker_now(u->e->trk), &u->flow_diag[k]) != 0) {
				rules_diagnosis_free(&u->flow_diag[k]);
				memset(&u->flow_diag[k], 0,
				    sizeof u->flow_diag[k]);
			}
			u->flow_diag_nmsgs[k] = c->n_msgs;
		}
		for (i = 0; i < c->n_msgs; i++) {
			u->fm[u->n_fm].call = k;
			u->fm[u->n_fm].msg = i;
			u->fm[u->n_fm].ts = c->msgs[i].ts;
			u->n_fm++;
		}
	}
	qsort(u->fm, (size_t)u->n_fm, sizeof *u->fm, ui_flow_cmp);
	if (u->fcur >= u->n_fm)
		u->fcur = u->n_fm > 0 ? u->n_fm - 1 : 0;
}

/* Open the ladder of these calls. */
void
ui_flow_open(struct ui *u, const uint64_t *ids, int n)
{
	int k;

	ui_flow_clear(u);
	for (k = 0; k < n && k < UI_FLOW_CALLS; k++) {
		u->flow_ids[k] = ids[k];
		u->flow_diag_nmsgs[k] = -1;
	}
	u->n_flow = k;
	u->fcur = u->ftop = 0;
	u->diag_top = 0;
	ui_flow_build(u);
}

/* The message of a ladder line, or NULL. */
static struct msg *
ui_flow_msg(struct ui *u, int line, struct call **cp)
{
	struct call *c;

	if (line < 0 || line >= u->n_fm)
		return NULL;
	c = ui_flow_call(u, u->fm[line].call);
	if (c == NULL || u->fm[line].msg >= c->n_msgs)
		return NULL;
	if (cp != NULL)
		*cp = c;
	return &c->msgs[u->fm[line].msg];
}

/* Column of an address among the endpoints, adding it when new (-1 when full). */
static int
ui_flow_ep(struct sv_addr *eps, int *n, const struct sv_addr *a)
{
	int i;

	for (i = 0; i < *n; i++)
		if (sv_addr_cmp(&eps[i], a) == 0)
			return i;
	if (*n >= UI_FLOW_EPS)
		return *n - 1;
	eps[*n] = *a;
	return (*n)++;
}

/* The Request-URI host of a request's first line, into buf. */
static const char *
ui_flow_ruri_host(const struct msg *m, char *buf, size_t len)
{
	const char *l = msg_first_line(m), *sp;
	char uri[256];
	size_t n;

	buf[0] = '\0';
	if (l == NULL || (sp = strchr(l, ' ')) == NULL)
		return buf;
	sp++;
	n = strcspn(sp, " ");
	if (n >= sizeof uri)
		n = sizeof uri - 1;
	memcpy(uri, sp, n);
	uri[n] = '\0';
	return ui_list_host(uri, buf, len);
}

/* Label of an endpoint: the host requests named it by, and "Vapi". */
static void
ui_flow_ep_label(struct ui *u, const struct sv_addr *a, char *buf, size_t len)
{
	char host[128];
	struct sv_str hs;
	struct msg *m;
	int i, vapi = config_is_vapi_addr(u->rules, a);

	buf[0] = '\0';
	host[0] = '\0';
	for (i = 0; i < u->n_fm && host[0] == '\0'; i++) {
		m = ui_flow_msg(u, i, NULL);
		if (m == NULL || !m->is_request || sv_addr_cmp(&m->dst, a) != 0)
			continue;
		ui_flow_ruri_host(m, host, sizeof host);
	}
	if (host[0] != '\0') {
		char ip[64];

		sv_addr_format_ip(a, ip, sizeof ip);
		if (strcmp(ip, host) == 0 || (host[0] == '[' &&
		    strncmp(host + 1, ip, strlen(ip)) == 0))
			host[0] = '\0';	/* the R-URI named the address itself */
		else {
			hs.s = host;
			hs.len = strlen(host);
			if (config_is_vapi_host(u->rules, hs) != CONFIG_HOST_NONE)
				vapi = 1;
		}
	}
	snprintf(buf, len, "%s%s%s", host, host[0] && vapi ? " " : "",
	    vapi ? "(Vapi)" : "");
}

/* The arrow label of a message. */
static void
ui_flow_label(const struct msg *m, char *buf, size_t len, int full)
{
	const char *l = msg_first_line(m), *p;
	const char *cm = msg_cseq_method(m);
	char first[96];
	size_t n;

	if (l == NULL)
		l = "?";
	if (m->is_request) {
		n = strcspn(l, " ");
		p = l;
	} else {
		p = strchr(l, ' ');
		p = p != NULL ? p + 1 : l;
		n = strlen(p);
	}
	if (n >= sizeof first)
		n = sizeof first - 1;
	memcpy(first, p, n);
	first[n] = '\0';
	if (!full)
		snprintf(buf, len, "%s%s", first, m->retrans ? " [R]" : "");
	else if (m->is_request)
		snprintf(buf, len, "%s (%u)%s", first, m->cseq,
		    m->retrans ? " [retrans]" : "");
	else
		snprintf(buf, len, "%s (%u %s)%s", first, m->cseq,
		    cm != NULL ? cm : "", m->retrans ? " [retrans]" : "");
}

/* Draw one ladder line. */
static void
ui_flow_line(struct ui *u, int line, int y, int lw, const int *xs, int nx,
    struct sv_addr *eps, int *n_ep)
{
	struct call *c = NULL;
	struct msg *m = ui_flow_msg(u, line, &c), *prev;
	int attr, la, s, d, x0, x1, i, mark, span, lx;
	const char *hdr, *val;
	char buf[160], t[32];

	if (m == NULL)
		return;
	attr = line == u->fcur ? ui_draw_attr(u, UI_C_CURSOR) : (int)A_NORMAL;
	if (line == u->fcur)
		ui_draw_fill(y, 0, UI_FLOW_LEFT + lw, attr);
	for (i = 0; i < nx; i++)
		mvaddch(y, xs[i], ACS_VLINE | (chtype)attr);
	if (u->n_flow > 1) {
		buf[0] = (char)('a' + u->fm[line].call);
		buf[1] = '\0';
		ui_draw_str(u, y, 0, 1, buf, attr | A_BOLD);
	}
	mark = ui_diag_msg_marked(u, u->fm[line].call, u->fm[line].msg, &hdr,
	    &val);
	if (mark)
		ui_draw_str(u, y, 1, 1, "!", line == u->fcur ? (int)(attr | A_BOLD) :
		    ui_draw_attr(u, mark == 1 ? UI_C_FAIL : UI_C_WARN));
	prev = ui_flow_msg(u, line - 1, NULL);
	if (prev == NULL)
		ui_draw_time(m->ts, t, sizeof t);
	else
		snprintf(t, sizeof t, m->ts - prev->ts < 10000000 ? "+%.6f" :
		    "+%.3f", (double)(m->ts - prev->ts) / 1e6);
	ui_draw_str(u, y, 2, 9, t, attr);

	s = ui_flow_ep(eps, n_ep, &m->src);
	d = ui_flow_ep(eps, n_ep, &m->dst);
	if (s >= nx)
		s = nx - 1;
	if (d >= nx)
		d = nx - 1;
	la = attr;
	if (line != u->fcur) {
		if (m->retrans)
			la = ui_draw_attr(u, UI_C_DIM);
		else if (m->is_request)
			la = ui_draw_attr(u, UI_C_REQ);
		else
			la = ui_draw_attr(u, m->status >= 300 ? UI_C_FAIL :
			    m->status >= 200 ? UI_C_OK : UI_C_NONE);
	}
	if (s == d) {
		/* To itself: a short stub to the right. */
		x0 = xs[s] + 1;
		ui_draw_str(u, y, x0, UI_FLOW_LEFT + lw - x0, "<-", la);
		ui_flow_label(m, buf, sizeof buf, 1);
		ui_draw_str(u, y, x0 + 3, UI_FLOW_LEFT + lw - x0 - 3, buf,
		    mark && line != u->fcur ? ui_draw_attr(u, UI_C_MARK) : la);
		return;
	}
	x0 = (s < d ? xs[s] : xs[d]) + 1;
	x1 = (s < d ? xs[d] : xs[s]) - 1;
	for (i = x0; i <= x1; i++)
		mvaddch(y, i, ACS_HLINE | (chtype)la);
	if (s < d)
		mvaddch(y, x1, '>' | (chtype)la);
	else
		mvaddch(y, x0, '<' | (chtype)la);
	span = x1 - x0 - 3;
	ui_flow_label(m, buf, sizeof buf, 1);
	if ((int)strlen(buf) > span)
		ui_flow_label(m, buf, sizeof buf, 0);
	if (span > 2) {
		int bl = (int)strlen(buf) < span ? (int)strlen(buf) : span;

		lx = x0 + 2 + (span - bl) / 2;
		mvaddch(y, lx - 1, ' ' | (chtype)la);
		mvaddch(y, lx + bl, ' ' | (chtype)la);
		ui_draw_str(u, y, lx, bl, buf, mark && line != u->fcur ?
		    ui_draw_attr(u, UI_C_MARK) : (int)(la | A_BOLD));
	}
}

/* Draw the ladder screen. */
static void
ui_flow_draw(struct ui *u)
{
	struct sv_addr eps[UI_FLOW_EPS];
	int xs[UI_FLOW_EPS], n_ep = 0, nx, i, lw, sw, rows, y, ytop, pw = 0;
	int ph = 0, color;
	struct call *c = ui_flow_call(u, 0), *mc = NULL;
	struct msg *m;
	char buf[512], a[64], b[64];

	ui_draw_header(u);
	/* Title. */
	if (u->n_flow > 1)
		snprintf(buf, sizeof buf, "Call flow of %d calls (a-%c)",
		    u->n_flow, 'a' + u->n_flow - 1);
	else if (c != NULL)
		snprintf(buf, sizeof buf, "Call flow  %s  %s -> %s  %s  %s",
		    c->call_id, c->caller ? c->caller : "",
		    c->callee ? c->callee : "", tracker_state_name(c->state),
		    ui_diag_verdict(ui_diag_judge(u, c, 0), c, &color));
	else
		snprintf(buf, sizeof buf, "Call flow  (the call is no longer "
		    "held)");
	ui_draw_fill(1, 0, COLS, A_BOLD);
	ui_draw_str(u, 1, 0, COLS, buf, A_BOLD);

	/* Geometry: the panel under the ladder, or beside it when wide. */
	lw = COLS - UI_FLOW_LEFT;
	if (u->show_diag && COLS >= 140) {
		pw = COLS * 2 / 5;
		lw = COLS - UI_FLOW_LEFT - pw - 1;
	} else if (u->show_diag)
		ph = (LINES - 6) * 2 / 5 > 5 ? (LINES - 6) * 2 / 5 : 5;
	ytop = 4;
	rows = LINES - 2 - ytop - (ph > 0 ? ph + 1 : 0);
	if (ph > 0 && rows > u->n_fm + 1) {
		/* A short ladder leaves its spare rows to the panel. */
		ph += rows - (u->n_fm + 1);
		rows = u->n_fm + 1;
	}
	if (rows < 1)
		rows = 1;

	/* Endpoints in order of first appearance. */
	for (i = 0; i < u->n_fm; i++)
		if ((m = ui_flow_msg(u, i, NULL)) != NULL) {
			ui_flow_ep(eps, &n_ep, &m->src);
			ui_flow_ep(eps, &n_ep, &m->dst);
		}
	nx = n_ep > 0 ? n_ep : 1;
	if (nx > 1 && lw / nx < 10)
		nx = lw / 10 > 1 ? lw / 10 : 2;
	sw = lw / nx;
	for (i = 0; i < nx; i++) {
		xs[i] = UI_FLOW_LEFT + sw * i + sw / 2;
		if (i >= n_ep)
			continue;
		sv_addr_format(&eps[i], buf, sizeof buf);
		if (i == nx - 1 && n_ep > nx)
			snprintf(buf, sizeof buf, "+%d more", n_ep - nx + 1);
		ui_draw_str(u, 2, xs[i] - (int)strlen(buf) / 2 < UI_FLOW_LEFT +
		    sw * i ? UI_FLOW_LEFT + sw * i : xs[i] - (int)strlen(buf) / 2,
		    sw - 1, buf, A_BOLD);
		ui_flow_ep_label(u, &eps[i], buf, sizeof buf);
		ui_draw_str(u, 3, xs[i] - (int)strlen(buf) / 2 < UI_FLOW_LEFT +
		    sw * i ? UI_FLOW_LEFT + sw * i : xs[i] - (int)strlen(buf) / 2,
		    sw - 1, buf, ui_draw_attr(u, UI_C_PROGRESS));
	}

	/* The lines. */
	if (u->fcur < u->ftop)
		u->ftop = u->fcur;
	if (u->fcur >= u->ftop + rows)
		u->ftop = u->fcur - rows + 1;
	if (u->ftop < 0)
		u->ftop = 0;
	for (y = ytop; y < ytop + rows; y++) {
		for (i = 0; i < nx; i++)
			mvaddch(y, xs[i], ACS_VLINE);
		if (u->ftop + y - ytop < u->n_fm)
			ui_flow_line(u, u->ftop + y - ytop, y, lw, xs, nx, eps,
			    &n_ep);
	}

	/* The diagnosis panel. */
	if (ph > 0) {
		mvhline(ytop + rows, 0, ACS_HLINE, COLS);
		ui_draw_str(u, ytop + rows, 2, COLS - 4, " Diagnosis ([ ] scroll,"
		    " d hide, D full screen) ", A_BOLD);
		ui_diag_panel(u, ytop + rows + 1, 1, COLS - 2, ph, u->diag_top);
	} else if (pw > 0) {
		mvvline(2, COLS - pw - 1, ACS_VLINE, LINES - 3);
		ui_draw_str(u, 2, COLS - pw, pw, "Diagnosis", A_BOLD);
		ui_diag_panel(u, 3, COLS - pw, pw, LINES - 5, u->diag_top);
	}

	/* The cursor message in one line. */
	if ((m = ui_flow_msg(u, u->fcur, &mc)) != NULL) {
		sv_addr_format(&m->src, a, sizeof a);
		sv_addr_format(&m->dst, b, sizeof b);
		snprintf(buf, sizeof buf, "#%d %s -> %s %s %uB CSeq %u %s%s%s",
		    u->fm[u->fcur].msg + 1, a, b, m->transport < SV_T__MAX ?
		    sv_transport_names[m->transport] : "?", m->len, m->cseq,
		    msg_cseq_method(m) ? msg_cseq_method(m) : "",
		    m->retrans ? " retransmission" : "",
		    m->fragmented ? " fragmented" : "");
		ui_draw_fill(LINES - 2, 0, COLS, A_UNDERLINE);
		ui_draw_str(u, LINES - 2, 0, COLS, buf, A_UNDERLINE);
	}
	ui_draw_footer(u, "Enter:message d:diag n/N:finding Up/Dn:move "
	    "F2:save Esc/q:back ?:help");
}

/* Move the ladder's cursor to the next (dir 1) or previous (-1) flagged message. */
static void
ui_flow_next_mark(struct ui *u, int dir)
{
	const char *h, *v;
	int i;

	for (i = u->fcur + dir; i >= 0 && i < u->n_fm; i += dir)
		if (ui_diag_msg_marked(u, u->fm[i].call, u->fm[i].msg, &h, &v)) {
			u->fcur = i;
			return;
		}
	ui_message(u, "no more messages with findings");
}

/* Keys of the ladder. */
static void
ui_flow_key(struct ui *u, int key)
{
	int page = LINES - 8 > 1 ? LINES - 8 : 1;

	if (ui_draw_scroll(key, &u->fcur, page))
		key = 0;	/* handled */
	switch (key) {
	case UI_FKEY(KEY_END):
	case 'G':
		u->fcur = u->n_fm - 1;
		break;
	case '\r':
	case '\n':
	case UI_FKEY(KEY_ENTER):
		if (ui_flow_msg(u, u->fcur, NULL) != NULL) {
			u->mtop = 0;
			ui_push(u, UI_M_MSG);
		}
		break;
	case 'd':
		u->show_diag = !u->show_diag;
		break;
	case 'D':
		u->diag_top = 0;
		ui_push(u, UI_M_DIAG);
		break;
	case '[':
		if (u->diag_top > 0)
			u->diag_top--;
		break;
	case ']':
		u->diag_top++;
		break;
	case 'n':
		ui_flow_next_mark(u, 1);
		break;
	case 'N':
		ui_flow_next_mark(u, -1);
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
	if (u->fcur >= u->n_fm)
		u->fcur = u->n_fm - 1;
	if (u->fcur < 0)
		u->fcur = 0;
}

const struct ui_mode ui_flow_mode = {
	"flow", ui_flow_draw, ui_flow_key
};
