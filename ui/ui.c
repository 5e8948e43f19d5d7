/*
 * ui.c: placeholder for the ncurses TUI (issue 4): until it lands, sipvet
 * prints the batch report on a terminal too.
 */
#include <stdio.h>

#include "ui.h"

/* Run the TUI over a capture engine; not written yet, so fall back. */
int
ui_main(struct engine *e)
{
	(void)e;
	return UI_FALLBACK;
}

/* Run the TUI over a stored capture; not written yet. */
int
ui_main_db(const char *path)
{
	fprintf(stderr, "sipvet: the TUI is not built yet; use sipvet -N --db "
	    "%s\n", path);
	return -1;
}
