/*
 * ui_help.c: the help screen (F1 or ?), listing every key of every screen.
 * The same list is in sipvet(1); keys follow sngrep's habits where it has
 * one (Enter opens, Esc/q back, F2 save, F7 filter, Space selects).
 */
#define NCURSES_WIDECHAR 1

#include <curses.h>
#include <stdio.h>

#include "ui.h"

static const char *const ui_help_text[] = {
	"#Everywhere",
	"F1 ?  h        this help",
	"Esc q          back (quits from the call list)",
	"Ctrl-L         redraw the screen",
	"Ctrl-C         quit",
	"F2 w           save calls to a pcap or text file",
	"",
	"#Call list",
	"Up Down j k    move;  PgUp PgDn  Home End (g G)",
	"Enter          call flow of the selected calls, or of this one",
	"Space          select or unselect this call",
	"a              select all the calls shown (again: none)",
	"x              clear the selection",
	"/ F7           filter as you type: words over caller, callee,",
	"               Call-ID, R-URI, addresses, state, verdict, finding",
	"               ids; Enter keeps it, Esc clears it",
	"f F8           only failed calls (auth-failed or failed)",
	"d              diagnosis of this call",
	"s >  <         sort by the next / previous column",
	"S r            reverse the sort",
	"A              autoscroll to the newest call (live)",
	"p              pause the list (new calls are held back)",
	"c F5           clear the list;  C  show cleared calls again",
	"",
	"#Call flow",
	"Up Down        move between messages;  PgUp PgDn Home End",
	"Enter          open the message",
	"n N            next / previous message a finding points at (!)",
	"d              show or hide the diagnosis panel",
	"D              diagnosis full screen;  [ ]  scroll the panel",
	"",
	"#Message",
	"Up Down PgUp PgDn  scroll",
	"Left Right n p the previous / next message",
	"t r            raw bytes or libosip2's structured view",
	"",
	"#Save dialog",
	"Up Down Tab    move between fields;  Left Right Space  change",
	"Enter          save;  Esc  cancel",
	"",
	"#Marks",
	"!              a finding points at this message",
	"[retrans] [R]  a retransmission",
	"highlighted    in a message: the header name and the value a",
	"               finding points at",
	"^[ \\x1b <U+..> control bytes, invalid UTF-8, invisible characters",
	"               are shown escaped, never sent to the terminal",
};

/* Draw the help screen. */
static void
ui_help_draw(struct ui *u)
{
	int n = (int)(sizeof ui_help_text / sizeof ui_help_text[0]);
	int y, i, rows = LINES - 3;

	ui_draw_header(u);
	ui_draw_fill(1, 0, COLS, A_BOLD | A_UNDERLINE);
	ui_draw_str(u, 1, 0, COLS, "sipvet keys (see sipvet(1))",
	    A_BOLD | A_UNDERLINE);
	if (u->help_top > n - rows)
		u->help_top = n - rows > 0 ? n - rows : 0;
	if (u->help_top < 0)
		u->help_top = 0;
	for (i = u->help_top, y = 2; i < n && y < LINES - 1; i++, y++) {
		if (ui_help_text[i][0] == '#')
			ui_draw_str(u, y, 0, COLS, ui_help_text[i] + 1,
			    ui_draw_attr(u, UI_C_PROGRESS) | A_BOLD);
		else
			ui_draw_str(u, y, 2, COLS - 2, ui_help_text[i], A_NORMAL);
	}
	ui_draw_footer(u, "Up/Down/PgUp/PgDn:scroll  Esc/q:back");
}

/* Keys of the help screen. */
static void
ui_help_key(struct ui *u, int key)
{
	switch (key) {
	case UI_FKEY(KEY_UP):
	case 'k':
		u->help_top--;
		break;
	case UI_FKEY(KEY_DOWN):
	case 'j':
		u->help_top++;
		break;
	case UI_FKEY(KEY_PPAGE):
		u->help_top -= LINES - 4;
		break;
	case UI_FKEY(KEY_NPAGE):
	case ' ':
		u->help_top += LINES - 4;
		break;
	case 27:
	case 'q':
	case '?':
	case UI_FKEY(KEY_F(1)):
		ui_pop(u);
		break;
	}
}

const struct ui_mode ui_help_mode = {
	"help", ui_help_draw, ui_help_key
};
