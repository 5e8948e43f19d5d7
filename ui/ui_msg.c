/*
 * ui_msg.c: one SIP message, raw or as libosip2 parses it.
 *
 * The raw view shows the bytes as captured, line by line (a CR before LF is
 * implied; any other control byte, escape sequences included, is shown
 * escaped by ui_draw_bytes), long lines wrapped.  The line holding the
 * header a finding points at, or its value, is highlighted and the findings
 * about the message are listed above it.  A key toggles the structured view
 * from sipparse_structured(), which is built only when asked for.
 */
#define NCURSES_WIDECHAR 1

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "sipparse.h"
#include "ui.h"

/* Whether a line is the header named hdr (or the request line for "Request-URI"). */
static int
ui_msg_is_header(const char *line, size_t len, const char *hdr, int first)
{
	size_t n;

	if (hdr == NULL || *hdr == '\0')
		return 0;
	if (first && (strcasecmp(hdr, "Request-URI") == 0 ||
	    strcasecmp(hdr, "Request-Line") == 0 ||
	    strcasecmp(hdr, "Status-Line") == 0))
		return 1;
	n = strcspn(hdr, " :");
	if (n == 0 || len <= n || strncasecmp(line, hdr, n) != 0)
		return 0;
	while (n < len && (line[n] == ' ' || line[n] == '\t'))
		n++;
	return n < len && line[n] == ':';
}

/* Whether len bytes of line contain the NUL-terminated needle. */
static int
ui_msg_contains(const char *line, size_t len, const char *needle)
{
	size_t n = needle != NULL ? strlen(needle) : 0, i;

	if (n == 0 || n > len)
		return 0;
	for (i = 0; i + n <= len; i++)
		if (memcmp(line + i, needle, n) == 0)
			return 1;
	return 0;
}

/* Draw text (len bytes) line by line from row y, scrolled by *top; the rows it takes. */
static int
ui_msg_text(struct ui *u, const char *text, size_t len, int y, int maxy,
    int top, int k, int mi)
{
	const struct diagnosis *d = &u->flow_diag[k];
	size_t off = 0, end, ll;
	int row = 0, first = 1, i, mark, attr, used;
	char *line;

	while (off < len) {
		end = off;
		while (end < len && text[end] != '\n')
			end++;
		ll = end - off;
		if (ll > 0 && text[off + ll - 1] == '\r')
			ll--;
		mark = 0;
		for (i = 0; i < d->n && !mark; i++) {
			if (d->f[i].msg != mi)
				continue;
			if (ui_msg_is_header(text + off, ll, d->f[i].header,
			    first) || (d->f[i].header == NULL &&
			    ui_msg_contains(text + off, ll, d->f[i].value)))
				mark = 1;
		}
		attr = mark ? ui_draw_attr(u, UI_C_MARK) : (int)A_NORMAL;
		if ((line = malloc(ll + 1)) == NULL)
			return row;
		memcpy(line, text + off, ll);
		line[ll] = '\0';
		/* Keep NULs visible: ui_draw_wrap stops at the first one. */
		for (i = 0; (size_t)i < ll; i++)
			if (line[i] == '\0')
				line[i] = '\x01';
		used = ui_draw_wrap(u, y + row - top, 0, COLS, y, maxy, "  ",
		    line, attr);
		free(line);
		row += used;
		first = 0;
		off = end < len ? end + 1 : end;
	}
	return row;
}

/* Draw the message view. */
static void
ui_msg_draw(struct ui *u)
{
	struct call *c;
	struct msg *m;
	char buf[512], a[64], b[64], t[40], *st = NULL;
	int k, mi, y, i, total;
	const struct diagnosis *d;

	ui_draw_header(u);
	if (u->fcur < 0 || u->fcur >= u->n_fm ||
	    (c = ui_flow_call(u, u->fm[u->fcur].call)) == NULL ||
	    u->fm[u->fcur].msg >= c->n_msgs) {
		ui_draw_str(u, 2, 0, COLS, "The call is no longer held.", 0);
		ui_draw_footer(u, "Esc/q:back");
		return;
	}
	k = u->fm[u->fcur].call;
	mi = u->fm[u->fcur].msg;
	m = &c->msgs[mi];
	d = &u->flow_diag[k];
	sv_addr_format(&m->src, a, sizeof a);
	sv_addr_format(&m->dst, b, sizeof b);
	sv_time_format(m->ts, t, sizeof t);
	snprintf(buf, sizeof buf, "Message %d/%d  %s -> %s  %s  %s  %u bytes"
	    "  frame %llu%s%s", mi + 1, c->n_msgs, a, b,
	    m->transport < SV_T__MAX ? sv_transport_names[m->transport] : "?",
	    t, m->len, (unsigned long long)m->frame,
	    m->retrans ? "  retransmission" : "",
	    u->structured ? "  [structured]" : "  [raw]");
	ui_draw_fill(1, 0, COLS, A_BOLD | A_UNDERLINE);
	ui_draw_str(u, 1, 0, COLS, buf, A_BOLD | A_UNDERLINE);
	y = 2;
	for (i = 0; i < d->n && y < LINES - 6; i++) {
		if (d->f[i].msg != mi)
			continue;
		snprintf(buf, sizeof buf, "! %s: %s%s%s%s%s", d->f[i].id,
		    d->f[i].title != NULL ? d->f[i].title : "",
		    d->f[i].header != NULL ? "  [" : "",
		    d->f[i].header != NULL ? d->f[i].header : "",
		    d->f[i].header != NULL ? "]" : "",
		    d->f[i].severity == RULES_ERROR ? "" : "");
		ui_draw_str(u, y++, 0, COLS, buf, ui_draw_attr(u,
		    d->f[i].severity == RULES_ERROR ? UI_C_FAIL : UI_C_WARN));
	}
	if (m->raw == NULL) {
		ui_draw_str(u, y, 0, COLS, "(the message's bytes are no longer "
		    "held)", A_BOLD);
		total = 0;
	} else if (u->structured) {
		if (sipparse_structured(m->raw, m->len, &st) != 0) {
			ui_draw_str(u, y++, 0, COLS, "libosip2 refuses this "
			    "message:", A_BOLD);
		}
		total = st != NULL ? ui_msg_text(u, st, strlen(st), y, LINES - 1,
		    u->mtop, k, mi) : 0;
		free(st);
	} else
		total = ui_msg_text(u, m->raw, m->len, y, LINES - 1, u->mtop, k,
		    mi);
	if (u->mtop > 0 && u->mtop >= total)
		u->mtop = total > 0 ? total - 1 : 0;
	ui_draw_footer(u, "Up/Dn:scroll Left/Right:prev/next t:raw/parsed "
	    "F2:save Esc/q:back ?:help");
}

/* Keys of the message view. */
static void
ui_msg_key(struct ui *u, int key)
{
	int page = LINES - 4 > 1 ? LINES - 4 : 1;

	switch (key) {
	case UI_FKEY(KEY_UP):
	case 'k':
		u->mtop--;
		break;
	case UI_FKEY(KEY_DOWN):
	case 'j':
		u->mtop++;
		break;
	case UI_FKEY(KEY_PPAGE):
		u->mtop -= page;
		break;
	case UI_FKEY(KEY_NPAGE):
	case ' ':
		u->mtop += page;
		break;
	case UI_FKEY(KEY_HOME):
	case 'g':
		u->mtop = 0;
		break;
	case UI_FKEY(KEY_LEFT):
	case 'p':
		if (u->fcur > 0) {
			u->fcur--;
			u->mtop = 0;
		}
		break;
	case UI_FKEY(KEY_RIGHT):
	case 'n':
		if (u->fcur + 1 < u->n_fm) {
			u->fcur++;
			u->mtop = 0;
		}
		break;
	case 't':
	case 'r':
		u->structured = !u->structured;
		u->mtop = 0;
		break;
	case 'w':
	case UI_FKEY(KEY_F(2)):
		ui_save_open(u);
		break;
	case 27:
	case 'q':
	case '\r':
	case '\n':
		ui_pop(u);
		break;
	}
	if (u->mtop < 0)
		u->mtop = 0;
}

const struct ui_mode ui_msg_mode = {
	"message", ui_msg_draw, ui_msg_key
};
