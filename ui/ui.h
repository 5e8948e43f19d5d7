/*
 * ui.h: the ncurses TUI, the only part of sipvet that includes curses.
 * It shares the engine's poll() loop through struct engine_hooks and reads
 * the engine's calls; it never changes engine state but through its API.
 */
#ifndef UI_H
#define UI_H

struct engine;

#define UI_FALLBACK	1	/* no TUI here: print the batch report instead */

/* Run the TUI over a capture engine; 0, -1 on error, UI_FALLBACK if unavailable. */
int	 ui_main(struct engine *e);
/* Run the TUI over a stored capture; 0, or -1 on error. */
int	 ui_main_db(const char *path);

#endif
