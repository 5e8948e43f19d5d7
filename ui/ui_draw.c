/*
 * ui_draw.c: drawing primitives shared by the screens: colours with a
 * monochrome fallback, the header and footer bars, and the one function
 * that writes captured bytes to the terminal.
 *
 * Captured bytes never reach the terminal as they are: ui_draw_bytes()
 * shows control characters in caret notation (ESC as ^[), bytes that are
 * not valid UTF-8 (or any byte >= 0x80 outside a UTF-8 locale) as \xHH, and
 * code points that are not printable or not one or two cells wide (bidi
 * overrides, zero-width characters, C1 controls) as <U+XXXX>.  Printable
 * UTF-8 goes out through the wide-character calls, so headers in any script
 * line up.
 */
#define NCURSES_WIDECHAR 1

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include "engine.h"
#include "ui.h"

/* Set up the colour pairs (when colours are on). */
void
ui_draw_init(struct ui *u)
{
	if (!u->color)
		return;
	start_color();
	use_default_colors();
	init_pair(UI_C_HEADER, COLOR_BLACK, COLOR_CYAN);
	init_pair(UI_C_OK, COLOR_GREEN, -1);
	init_pair(UI_C_FAIL, COLOR_RED, -1);
	init_pair(UI_C_WARN, COLOR_YELLOW, -1);
	init_pair(UI_C_PROGRESS, COLOR_CYAN, -1);
	init_pair(UI_C_CURSOR, COLOR_BLACK, COLOR_WHITE);
	init_pair(UI_C_MARK, COLOR_WHITE, COLOR_RED);
	init_pair(UI_C_SELECT, COLOR_MAGENTA, -1);
	init_pair(UI_C_DIM, COLOR_BLUE, -1);
	init_pair(UI_C_REQ, COLOR_YELLOW, -1);
	init_pair(UI_C_RESP, COLOR_GREEN, -1);
}

/* The attributes of a colour role, colour or monochrome. */
int
ui_draw_attr(const struct ui *u, int color)
{
	static const int mono[UI_C__MAX] = {
		[UI_C_HEADER] = A_REVERSE,
		[UI_C_OK] = A_NORMAL,
		[UI_C_FAIL] = A_BOLD,
		[UI_C_WARN] = A_UNDERLINE,
		[UI_C_PROGRESS] = A_NORMAL,
		[UI_C_CURSOR] = A_REVERSE,
		[UI_C_MARK] = A_BOLD | A_UNDERLINE,
		[UI_C_SELECT] = A_BOLD,
		[UI_C_DIM] = A_DIM,
		[UI_C_REQ] = A_NORMAL,
		[UI_C_RESP] = A_NORMAL,
	};

	if (color <= UI_C_NONE || color >= UI_C__MAX)
		return A_NORMAL;
	if (!u->color)
		return mono[color];
	if (color == UI_C_FAIL || color == UI_C_MARK)
		return (int)COLOR_PAIR(color) | A_BOLD;
	return (int)COLOR_PAIR(color);
}

/* Put an escape sequence such as "^[" or "\x1b" if it fits; the cells used or -1. */
static int
ui_draw_esc(int y, int x, int w, const char *esc, int attr)
{
	int n = (int)strlen(esc), i;

	if (n > w)
		return -1;
	for (i = 0; i < n; i++)
		mvaddch(y, x + i, (chtype)(unsigned char)esc[i] |
		    (chtype)(attr | A_DIM));
	return n;
}

/*
 * Draw len bytes of s at (y, x) in at most w cells, escaping what must not
 * reach the terminal; returns the bytes consumed and the cells used.
 */
size_t
ui_draw_bytes(struct ui *u, int y, int x, int w, const char *s, size_t len,
    int attr, int *cells)
{
	size_t i = 0, k;
	int used = 0, n;
	char esc[24];
	mbstate_t ps;
	wchar_t wc[2];
	cchar_t cc;

	while (i < len && used < w) {
		unsigned char b = (unsigned char)s[i];

		if (b == '\t') {
			mvaddch(y, x + used, ' ' | (chtype)attr);
			used++;
			i++;
			continue;
		}
		if (b < 0x20 || b == 0x7f) {
			snprintf(esc, sizeof esc, "^%c", b == 0x7f ? '?' : b + '@');
			if ((n = ui_draw_esc(y, x + used, w - used, esc, attr)) < 0)
				break;
			used += n;
			i++;
			continue;
		}
		if (b < 0x80) {
			mvaddch(y, x + used, (chtype)b | (chtype)attr);
			used++;
			i++;
			continue;
		}
		memset(&ps, 0, sizeof ps);
		k = u->utf8 ? mbrtowc(&wc[0], s + i, len - i, &ps) : (size_t)-1;
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			snprintf(esc, sizeof esc, "\\x%02x", b);
			if ((n = ui_draw_esc(y, x + used, w - used, esc, attr)) < 0)
				break;
			used += n;
			i++;
			continue;
		}
		n = iswprint((wint_t)wc[0]) ? wcwidth(wc[0]) : -1;
		if (n != 1 && n != 2) {
			snprintf(esc, sizeof esc, "<U+%04X>", (unsigned)wc[0]);
			if ((n = ui_draw_esc(y, x + used, w - used, esc, attr)) < 0)
				break;
			used += n;
			i += k;
			continue;
		}
		if (used + n > w)
			break;
		wc[1] = L'\0';
		setcchar(&cc, wc, (attr_t)attr, 0, NULL);
		mvadd_wch(y, x + used, &cc);
		used += n;
		i += k;
	}
	if (cells != NULL)
		*cells = used;
	return i;
}

/* Draw a NUL-terminated string in at most w cells; the cells used. */
int
ui_draw_str(struct ui *u, int y, int x, int w, const char *s, int attr)
{
	int cells = 0;

	if (s == NULL || w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	ui_draw_bytes(u, y, x, w, s, strlen(s), attr, &cells);
	return cells;
}

/* Fill w cells from (y, x) with blanks in attr. */
void
ui_draw_fill(int y, int x, int w, int attr)
{
	int i;

	if (y < 0 || y >= LINES)
		return;
	for (i = 0; i < w && x + i < COLS; i++)
		mvaddch(y, x + i, ' ' | (chtype)attr);
}

/* Format a capture time as HH:MM:SS (UTC). */
const char *
ui_draw_time(int64_t ts, char *buf, size_t len)
{
	time_t t = (time_t)(ts / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

/* A byte count in a few characters: "940K", "1.5M", "256M", "2.0G". */
static const char *
ui_draw_size(uint64_t n, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	double v = (double)n / 1024;
	int i = 0;

	while (v >= 1024 && units[i + 1] != '\0') {
		v /= 1024;
		i++;
	}
	if (v < 9.95 && v != (double)(uint64_t)v)
		snprintf(buf, len, "%.1f%c", v, units[i]);
	else
		snprintf(buf, len, "%.0f%c", v, units[i]);
	return buf;
}

/*
 * The memory budget for the header ("mem 913K/1M 132 moved", and the
 * calls that could not be moved), or "" while nothing was moved and the
 * raw bytes held are under 3/4 of the budget.
 */
static void
ui_draw_mem(const struct ui *u, char *buf, size_t len)
{
	const struct engine *e = u->e;
	char held[16], budget[16];
	int n;

	buf[0] = '\0';
	if (e == NULL || e->mem == NULL || e->cfg.mem_budget == 0)
		return;
	if (e->mem_moved_calls == 0 && e->mem_kept_over == 0 &&
	    e->mem_held < e->cfg.mem_budget / 4 * 3)
		return;
	n = snprintf(buf, len, "mem %s/%s %llu moved",
	    ui_draw_size(e->mem_held, held, sizeof held),
	    ui_draw_size(e->cfg.mem_budget, budget, sizeof budget),
	    (unsigned long long)e->mem_moved_calls);
	if (e->mem_kept_over > 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " %llu over",
		    (unsigned long long)e->mem_kept_over);
}

/*
 * Draw the header bar: source, rates and counters, and the memory budget
 * once it matters.  When it is wider than the screen, counters at zero
 * go first, then the source is cut short, so the figures stay readable.
 */
void
ui_draw_header(struct ui *u)
{
	const struct sv_stats *st = ui_stats(u);
	int attr = ui_draw_attr(u, UI_C_HEADER), i, n = 0, x, drop[3];
	uint64_t skipped = 0, zero[3];
	char part[8][96], tail[512], src[300];
	size_t k, tl = 0, room, sl;

	for (k = 0; k < SV_DROP__MAX; k++)
		skipped += st->drop[k];
	if (u->live || (u->e != NULL && !u->e->finished))
		snprintf(part[n++], sizeof part[0], "%.0f pkt/s %.0f SIP/s",
		    u->pps, u->sps);
	else
		snprintf(part[n++], sizeof part[0], "%llu pkts %llu SIP",
		    (unsigned long long)st->packets,
		    (unsigned long long)st->sip_messages);
	snprintf(part[n++], sizeof part[0], "calls %llu",
	    (unsigned long long)st->calls);
	zero[0] = st->kernel_drops + st->iface_drops;
	zero[1] = st->calls_evicted;
	zero[2] = skipped;
	snprintf(part[n++], sizeof part[0], "drops %llu",
	    (unsigned long long)zero[0]);
	snprintf(part[n++], sizeof part[0], "evicted %llu",
	    (unsigned long long)zero[1]);
	snprintf(part[n++], sizeof part[0], "skipped %llu",
	    (unsigned long long)zero[2]);
	ui_draw_mem(u, part[n], sizeof part[0]);
	if (part[n][0] != '\0')
		n++;
	if (u->paused && (u->live || (u->e != NULL && !u->e->finished)))
		snprintf(part[n++], sizeof part[0], "PAUSED");
	for (i = 0; i < 3; i++)
		drop[i] = 0;
	snprintf(src, sizeof src, "sipvet %s", u->source);
	/* Leave out zero counters (skipped first) while it is too wide. */
	for (i = 2; i >= -1; i--) {
		tl = 0;
		tail[0] = '\0';
		for (k = 0; k < (size_t)n; k++)
			if (k < 2 || k > 4 || !drop[k - 2])
				tl += (size_t)snprintf(tail + tl, sizeof tail - tl,
				    " | %s", part[k]);
		if (i < 0 || strlen(src) + tl <= (size_t)COLS)
			break;
		if (zero[i] == 0)
			drop[i] = 1;
	}
	/* Then cut the source short, keeping its start. */
	room = (size_t)COLS > tl + 12 ? (size_t)COLS - tl : 12;
	if ((sl = strlen(src)) > room) {
		sl = room - 1;
		while (sl > 0 && ((unsigned char)src[sl] & 0xc0) == 0x80)
			sl--;	/* not inside a UTF-8 character */
		src[sl] = '~';
		src[sl + 1] = '\0';
	}
	ui_draw_fill(0, 0, COLS, attr);
	x = ui_draw_str(u, 0, 0, COLS, src, attr);
	ui_draw_str(u, 0, x, COLS - x, tail, attr);
}

/* Move *pos by a scrolling key (Up/k, Down/j, PgUp, PgDn, Home/g); 1 if it was one. */
int
ui_draw_scroll(int key, int *pos, int page)
{
	switch (key) {
	case UI_FKEY(KEY_UP):
	case 'k':
		(*pos)--;
		return 1;
	case UI_FKEY(KEY_DOWN):
	case 'j':
		(*pos)++;
		return 1;
	case UI_FKEY(KEY_PPAGE):
		*pos -= page;
		return 1;
	case UI_FKEY(KEY_NPAGE):
		*pos += page;
		return 1;
	case UI_FKEY(KEY_HOME):
	case 'g':
		*pos = 0;
		return 1;
	}
	return 0;
}

/* Draw the footer: a pending message, else the screen's keys. */
void
ui_draw_footer(struct ui *u, const char *keys)
{
	int attr = ui_draw_attr(u, UI_C_HEADER);

	ui_draw_fill(LINES - 1, 0, COLS, attr);
	ui_draw_str(u, LINES - 1, 0, COLS, u->status[0] != '\0' ? u->status :
	    keys, attr);
}

/*
 * Draw s wrapped to w cells, its first line at row y (continuation lines
 * start with indent), drawing only the rows from miny to before maxy;
 * returns the lines the whole text takes.
 */
int
ui_draw_wrap(struct ui *u, int y, int x, int w, int miny, int maxy,
    const char *indent, const char *s, int attr)
{
	size_t len = s != NULL ? strlen(s) : 0, off = 0, used, nl;
	int lines = 0, iw = indent != NULL ? (int)strlen(indent) : 0;
	int cw, row, vis;

	if (w <= iw + 4)
		iw = 0;
	do {
		row = y + lines;
		vis = row >= miny && row < maxy;
		cw = lines > 0 ? w - iw : w;
		nl = off;
		while (nl < len && s[nl] != '\n')
			nl++;
		if (vis && lines > 0 && iw > 0)
			ui_draw_str(u, row, x, iw, indent, attr);
		/* Measure (row LINES is drawn nowhere), break at a space. */
		used = ui_draw_bytes(u, LINES, 0, cw, s + off, nl - off, attr,
		    NULL);
		if (off + used < nl) {
			size_t sp = used;

			while (sp > 0 && s[off + sp - 1] != ' ')
				sp--;
			if (sp > used / 2)
				used = sp;
		}
		if (used == 0 && off < nl)
			used = 1;
		if (vis)
			ui_draw_bytes(u, row, x + (lines > 0 ? iw : 0), cw,
			    s + off, used, attr, NULL);
		off += used;
		if (off < len && s[off] == '\n')
			off++;
		lines++;
	} while (off < len);
	return lines;
}

/* Redraw the whole screen for the current mode. */
void
ui_draw_screen(struct ui *u)
{
	int top = ui_top(u);

	erase();
	if (LINES < 10 || COLS < 40) {
		ui_draw_str(u, 0, 0, COLS, "sipvet: the terminal is too small "
		    "(80x24 or more wanted)", A_BOLD);
		refresh();
		return;
	}
	/* Dialogs draw over the screen below them. */
	if (top == UI_M_SAVE && u->depth > 1)
		ui_modes[u->stack[u->depth - 2]]->draw(u);
	ui_modes[top]->draw(u);
	refresh();
}
