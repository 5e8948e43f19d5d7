/*
 * ui_msg.c: one SIP message, raw or as libosip2 parses it.
 *
 * The raw view shows the bytes as captured, line by line (a CR before LF is
 * implied; any other control byte, escape sequences included, is shown
 * escaped by ui_draw_bytes), long lines wrapped.  Exactly the name of the
 * header a finding points at and the value it shows are highlighted (on
 * the header's line that holds the value), and the findings about the
 * message are listed above.  The bytes come from ui_msg_raw() (the
 * engine's engine_msg_raw(): memory, or the store once the memory budget
 * moved the call, which the title then says); when they are gone a line
 * says so.  A key toggles the structured view from sipparse_structured(),
 * built only when asked for, where the header's block (its line and the
 * items under it) is marked the same way: its name, and the value.
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

#define UI_MSG_SPANS	16	/* highlighted spans on one line */
#define UI_MSG_FINDINGS	64	/* findings of one message highlighted */

/* Per finding: the block of its header (a line and those under it) we are in. */
struct ui_msg_blk {
	int	 in;		/* the line is in a block of the header */
	int	 start;		/* the block starts on this line */
	size_t	 indent;	/* blanks before the block's first line */
	long	 name;		/* where the name ends on it (0: none) */
	int	 has;		/* the finding's value is in the block */
};

/*
 * The length of the name of header hdr at the start of line (the name to
 * highlight), 0 for the first line when hdr names it ("Request-URI",
 * "Request-Line", "Status-Line": no name, only a value), or -1 when the
 * line is not that header.  "SDP c=" names a body line starting "c=".
 */
static long
ui_msg_header(const char *line, size_t len, const char *hdr, int first)
{
	size_t n, i;

	if (hdr == NULL || *hdr == '\0')
		return -1;
	if (strcasecmp(hdr, "Request-URI") == 0 ||
	    strcasecmp(hdr, "Request-Line") == 0 ||
	    strcasecmp(hdr, "Status-Line") == 0)
		return first ? 0 : -1;
	if (strncasecmp(hdr, "SDP ", 4) == 0) {
		n = strlen(hdr + 4);
		return n > 0 && len >= n && memcmp(line, hdr + 4, n) == 0 ?
		    (long)n : -1;
	}
	n = strcspn(hdr, " :");
	if (n == 0 || len <= n || strncasecmp(line, hdr, n) != 0)
		return -1;
	i = n;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < len && line[i] == ':' ? (long)n : -1;
}

/* Where the NUL-terminated needle is in len bytes of line (from from), or -1. */
static long
ui_msg_find(const char *line, size_t len, size_t from, const char *needle)
{
	size_t n = needle != NULL ? strlen(needle) : 0, i;

	if (n == 0 || n > len)
		return -1;
	for (i = from; i + n <= len; i++)
		if (memcmp(line + i, needle, n) == 0)
			return (long)i;
	for (i = from; i + n <= len; i++)
		if (strncasecmp(line + i, needle, n) == 0)
			return (long)i;
	return -1;
}

/* The next line of text from *off: its start and length without CR LF. */
static const char *
ui_msg_next(const char *text, size_t len, size_t *off, size_t *ll)
{
	const char *l = text + *off;
	size_t end = *off;

	while (end < len && text[end] != '\n')
		end++;
	*ll = end - *off;
	if (*ll > 0 && l[*ll - 1] == '\r')
		(*ll)--;
	*off = end < len ? end + 1 : end;
	return l;
}

/* The blanks at the start of a line of ll bytes. */
static size_t
ui_msg_indent(const char *l, size_t ll)
{
	size_t i = 0;

	while (i < ll && (l[i] == ' ' || l[i] == '\t'))
		i++;
	return i;
}

/*
 * Whether line l (ll bytes, at indent blanks) starts a block of header hdr:
 * where the name to highlight ends (0 for the raw first line, which has no
 * name), or -1.  Raw text: ui_msg_header() on a line that does not start
 * with blanks (those continue the header above).  Structured text
 * (sipparse_structured): "Name:" on a top-level line, the "Request-URI:"
 * item under the request, "Request" or "Response" for the first line and
 * "Body" for SDP lines (the body is only summarised there).
 */
static long
ui_msg_block(const char *l, size_t ll, size_t indent, const char *hdr,
    int first, int structured)
{
	const char *name = hdr;
	size_t n;

	if (hdr == NULL || *hdr == '\0')
		return -1;
	if (!structured)
		return indent == 0 ? ui_msg_header(l, ll, hdr, first) : -1;
	if (strcasecmp(hdr, "Request-Line") == 0)
		name = "Request";
	else if (strcasecmp(hdr, "Status-Line") == 0)
		name = "Response";
	else if (strncasecmp(hdr, "SDP ", 4) == 0)
		name = "Body";
	if ((indent > 0) != (strcasecmp(name, "Request-URI") == 0))
		return -1;
	n = strcspn(name, " :");
	if (n == 0 || ll - indent <= n ||
	    strncasecmp(l + indent, name, n) != 0 || l[indent + n] != ':')
		return -1;
	return (long)(indent + n);
}

/*
 * Whether value is in the block that line l starts (after its name, from
 * from) or on the lines after it (text from off) indented deeper than it.
 */
static int
ui_msg_block_has(const char *text, size_t len, size_t off, const char *l,
    size_t ll, size_t from, size_t indent, const char *value)
{
	if (ui_msg_find(l, ll, from, value) >= 0)
		return 1;
	while (off < len) {
		l = ui_msg_next(text, len, &off, &ll);
		if (ll == 0 || ui_msg_indent(l, ll) <= indent)
			return 0;
		if (ui_msg_find(l, ll, 0, value) >= 0)
			return 1;
	}
	return 0;
}

/*
 * Follow the blocks of the findings' headers to line l (ll bytes; the
 * text goes on at off): which finding's header the line belongs to, and
 * whether it starts the block.
 */
static void
ui_msg_track(const struct diagnosis *d, int mi, const char *text,
    size_t len, size_t off, const char *l, size_t ll, int first,
    int structured, struct ui_msg_blk *b)
{
	const struct finding *f;
	size_t ind = ui_msg_indent(l, ll);
	long name;
	int i;

	for (i = 0; i < d->n && i < UI_MSG_FINDINGS; i++) {
		f = &d->f[i];
		b[i].start = 0;
		if (f->msg != mi || f->header == NULL)
			continue;
		if (b[i].in && (ll == 0 || ind <= b[i].indent))
			b[i].in = 0;
		if ((name = ui_msg_block(l, ll, ind, f->header, first,
		    structured)) < 0)
			continue;
		b[i].in = b[i].start = 1;
		b[i].indent = ind;
		b[i].name = name;
		b[i].has = ui_msg_block_has(text, len, off, l, ll,
		    (size_t)name, ind, f->value);
	}
}

/*
 * The spans (pairs of byte offsets) of line l to highlight for the
 * findings about message mi: the header's name where its block starts,
 * and the value the finding shows wherever it is in the block.  A block
 * without the value is marked only when no block of that header has it
 * (found); the raw first line is marked whole then.
 */
static int
ui_msg_spans(const struct diagnosis *d, int mi, const char *l, size_t ll,
    const struct ui_msg_blk *b, const int *found, size_t *sp)
{
	const struct finding *f;
	size_t ind = ui_msg_indent(l, ll);
	long v;
	int i, n = 0;

	for (i = 0; i < d->n && i < UI_MSG_FINDINGS &&
	    n + 2 <= UI_MSG_SPANS; i++) {
		f = &d->f[i];
		if (f->msg != mi)
			continue;
		if (f->header == NULL) {
			/* A value with no header: wherever it is. */
			if ((v = ui_msg_find(l, ll, 0, f->value)) >= 0) {
				sp[n++] = (size_t)v;
				sp[n++] = (size_t)v + strlen(f->value);
			}
			continue;
		}
		if (!b[i].in || (!b[i].has && found[i]))
			continue;
		if (b[i].start && (b[i].name > 0 || !b[i].has)) {
			/* The name; the whole first line when no value. */
			sp[n++] = b[i].name > 0 ? ind : 0;
			sp[n++] = b[i].name > 0 ? (size_t)b[i].name : ll;
		}
		if (b[i].has && n + 2 <= UI_MSG_SPANS && (v = ui_msg_find(l,
		    ll, b[i].start ? (size_t)b[i].name : 0, f->value)) >= 0) {
			sp[n++] = (size_t)v;
			sp[n++] = (size_t)v + strlen(f->value);
		}
	}
	return n;
}

/*
 * Draw one line (ll bytes) from row y, wrapped with continuation rows
 * indented, only rows miny..maxy-1 visible, the spans in sp (n offsets)
 * in the mark attribute; the rows it takes.  Bytes go through
 * ui_draw_bytes(), so control bytes stay escaped inside a highlight too.
 */
static int
ui_msg_line(struct ui *u, int y, int miny, int maxy, const char *l,
    size_t ll, const size_t *sp, int n)
{
	size_t off = 0, end, k;
	int rows = 0, x, row, cells, attr, mark = ui_draw_attr(u, UI_C_MARK);
	int i, x0;

	do {
		row = y + rows;
		if (row < miny || row >= maxy)
			row = LINES;	/* measured, drawn nowhere */
		x = x0 = rows > 0 ? 2 : 0;
		while (off < ll && x < COLS) {
			end = ll;
			attr = A_NORMAL;
			for (i = 0; i + 1 < n; i += 2) {
				if (off >= sp[i] && off < sp[i + 1]) {
					attr = mark;
					if (sp[i + 1] < end)
						end = sp[i + 1];
				} else if (sp[i] > off && sp[i] < end)
					end = sp[i];
			}
			k = ui_draw_bytes(u, row, x, COLS - x, l + off, end - off,
			    attr, &cells);
			off += k;
			x += cells;
			if (k == 0 || off < end)
				break;	/* the row is full */
		}
		if (x == x0 && off < ll)
			off++;	/* a cell too narrow for one character */
		rows++;
	} while (off < ll && rows < 10000);
	return rows;
}

/*
 * Draw text (len bytes, raw or structured) line by line from row y,
 * scrolled by top, the findings about message mi highlighted; the rows
 * it takes.
 */
static int
ui_msg_text(struct ui *u, const char *text, size_t len, int structured,
    int y, int maxy, int top, const struct diagnosis *d, int mi)
{
	struct ui_msg_blk b[UI_MSG_FINDINGS];
	size_t off = 0, ll, sp[UI_MSG_SPANS];
	int found[UI_MSG_FINDINGS], row = 0, first = 1, i, n;
	const char *l;

	/* Which findings' values sit in a block of their header. */
	memset(b, 0, sizeof b);
	memset(found, 0, sizeof found);
	while (off < len) {
		l = ui_msg_next(text, len, &off, &ll);
		ui_msg_track(d, mi, text, len, off, l, ll, first, structured,
		    b);
		for (i = 0; i < d->n && i < UI_MSG_FINDINGS; i++)
			if (b[i].start && b[i].has)
				found[i] = 1;
		first = 0;
	}
	memset(b, 0, sizeof b);
	off = 0;
	first = 1;
	while (off < len) {
		l = ui_msg_next(text, len, &off, &ll);
		ui_msg_track(d, mi, text, len, off, l, ll, first, structured,
		    b);
		n = ui_msg_spans(d, mi, l, ll, b, found, sp);
		row += ui_msg_line(u, y + row - top, y, maxy, l, ll, sp, n);
		first = 0;
	}
	return row;
}

/* Draw the message view. */
static void
ui_msg_draw(struct ui *u)
{
	static const struct diagnosis none;
	struct call *c;
	struct msg *m;
	char buf[512], a[64], b[64], t[40], *st = NULL;
	int k, mi, y, i, total;
	const struct diagnosis *d;
	const char *raw;
	size_t len;

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
	if ((d = ui_flow_diag(u, k)) == NULL)
		d = &none;
	sv_addr_format(&m->src, a, sizeof a);
	sv_addr_format(&m->dst, b, sizeof b);
	sv_time_format(m->ts, t, sizeof t);
	snprintf(buf, sizeof buf, "Message %d/%d%s  %s -> %s  %s  %s  %u "
	    "bytes  frame %llu%s%s", mi + 1, c->n_msgs,
	    u->e != NULL && !ui_call_in_memory(c) ? " (from store)" : "", a, b,
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
	if ((raw = ui_msg_raw(u, c, mi, &len)) == NULL) {
		ui_draw_str(u, y, 0, COLS, "(bytes not kept: this message's "
		    "bytes are no longer held)", A_BOLD);
		total = 0;
	} else if (u->structured) {
		if (sipparse_structured(raw, len, &st) != 0) {
			ui_draw_str(u, y++, 0, COLS, "libosip2 refuses this "
			    "message:", A_BOLD);
		}
		total = st != NULL ? ui_msg_text(u, st, strlen(st), 1, y,
		    LINES - 1, u->mtop, d, mi) : 0;
		free(st);
	} else
		total = ui_msg_text(u, raw, len, 0, y, LINES - 1, u->mtop, d,
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

	if (ui_draw_scroll(key, &u->mtop, page))
		key = 0;	/* handled */
	switch (key) {
	case ' ':
		u->mtop += page;
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
