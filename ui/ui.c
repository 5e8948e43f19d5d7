/*
 * ui.c: the TUI's entry points, terminal set-up and tear-down, signals, the
 * mode stack and the loop that shares the engine's poll().
 *
 * Live capture runs inside engine_run() with the keyboard as the hooks'
 * descriptor: keys are answered in the pass they arrive, the list is rebuilt
 * from the tracker at most every 100 ms when the engine's generation moved
 * (at once when calls were evicted, since their memory is gone), and the
 * screen is redrawn only when something changed.  Files are read to their
 * end first, then the same loop runs on the keyboard alone.  The terminal
 * is restored on every way out: quit, Ctrl-C, SIGTERM, a fatal signal, exit().
 */
#define NCURSES_WIDECHAR 1

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>

#include "engine.h"
#include "store.h"
#include "ui.h"

/* Signal flags: the only global mutable state of the TUI. */
static volatile sig_atomic_t ui_winch;
static volatile sig_atomic_t ui_sigquit;

const struct ui_mode *const ui_modes[UI_M__MAX] = {
	&ui_list_mode, &ui_flow_mode, &ui_msg_mode, &ui_diag_mode,
	&ui_help_mode, &ui_save_mode,
};

/* SIGWINCH handler: note that the terminal changed size. */
static void
ui_on_winch(int sig)
{
	(void)sig;
	ui_winch = 1;
}

/* SIGINT/SIGTERM/SIGHUP handler over a stored capture: ask to leave. */
static void
ui_on_quit(int sig)
{
	(void)sig;
	ui_sigquit = 1;
}

/* Fatal signal handler: give the terminal back, then die of the signal. */
static void
ui_on_fatal(int sig)
{
	if (!isendwin())
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* atexit handler: leave curses if something exits while it is active. */
static void
ui_atexit(void)
{
	if (stdscr != NULL && !isendwin())
		endwin();
}

/* Wall-clock time in microseconds. */
int64_t
ui_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Open a screen on top of the current one. */
void
ui_push(struct ui *u, int mode)
{
	if (u->depth < UI_MODES)
		u->stack[u->depth++] = mode;
	else
		u->stack[UI_MODES - 1] = mode;
	u->dirty = 1;
}

/* Close the current screen; closing the call list quits. */
void
ui_pop(struct ui *u)
{
	if (u->depth <= 1)
		u->quit = 1;
	else
		u->depth--;
	u->dirty = 1;
}

/* The current screen. */
int
ui_top(const struct ui *u)
{
	return u->depth > 0 ? u->stack[u->depth - 1] : UI_M_LIST;
}

/* Show a one-line message in the footer for a few seconds. */
void
ui_message(struct ui *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->status, sizeof u->status, fmt, ap);
	va_end(ap);
	u->status_until = ui_now() + 4000000;
	u->dirty = 1;
}

/* The counters of what is shown: the engine's, or the stored capture's. */
const struct sv_stats *
ui_stats(const struct ui *u)
{
	return u->e != NULL ? &u->e->st : &u->own_st;
}

/* The call with this id, or NULL when it is not (or no longer) held. */
struct call *
ui_find(struct ui *u, uint64_t id)
{
	struct ui_ent *e;

	HASH_FIND(hh, u->ents, &id, sizeof id, e);
	return e != NULL ? e->c : NULL;
}

/*
 * The raw bytes of message i of call c: through engine_msg_raw() (memory,
 * or the store once the memory budget moved them) when an engine holds
 * the call; a stored capture's calls (no engine) own their bytes.  NULL
 * when the bytes are gone; the pointer lasts until the next call.
 */
const char *
ui_msg_raw(struct ui *u, struct call *c, int i, size_t *len)
{
	*len = 0;
	if (c == NULL || i < 0 || i >= c->n_msgs)
		return NULL;
	if (u->e != NULL)
		return engine_msg_raw(u->e, c, i, len);
	if (c->msgs[i].raw == NULL)
		return NULL;
	*len = c->msgs[i].len;
	return c->msgs[i].raw;
}

/*
 * Whether call c still holds its bytes in memory, where the rules read
 * them (the memory budget releases a moved call's): with ui_msg_raw(),
 * the only place ui/ looks at msg->raw.
 */
int
ui_call_in_memory(const struct call *c)
{
	return c->n_msgs == 0 || c->msgs[0].raw != NULL;
}

/* tracker_drain_changed callback: note a changed call. */
static void
ui_on_changed(void *arg, struct call *c)
{
	ui_list_changed(arg, c);
}

/* The tracker's on_free: forget a call while the TUI runs over engine arg. */
static void
ui_on_free(void *arg, struct call *c)
{
	struct engine *e = arg;

	/* ui_main() sets on_call to ours while it runs, with the ui. */
	if (e->on_call == ui_diag_on_call && e->on_call_arg != NULL)
		ui_list_forget(e->on_call_arg, c);
}

/* Set an engine configuration up for the TUI over engine e (before engine_init). */
void
ui_engine_config(struct engine_config *ec, struct engine *e)
{
	ec->trk.keep_calls = 1;		/* the list shows done calls too */
	ec->trk.keep_raw = 1;		/* and their messages */
	ec->trk.track_changes = 1;	/* followed through the changed list */
	ec->trk.on_free = ui_on_free;
	ec->trk.on_free_arg = e;
}

/*
 * Follow the engine: take every call changed since the last time (the
 * tracker's list, so the cost is set by the changes, not the calls held),
 * then place them and rebuild the ladder until the deadline (0: none).
 * Returns 1 when work is left.
 */
static int
ui_follow(struct ui *u, int64_t deadline)
{
	int left;

	if (u->e != NULL && u->e->trk != NULL)
		tracker_drain_changed(u->e->trk, ui_on_changed, u);
	left = ui_list_work(u, deadline);
	if (u->flow_stale && u->n_flow > 0) {
		ui_flow_build(u);
		u->stale = 1;
	}
	u->flow_stale = 0;
	return left;
}

/* Follow the engine with no time limit (input ended, or a stored capture). */
void
ui_rebuild(struct ui *u)
{
	ui_follow(u, 0);
	u->dirty = 1;
}

/* Follow a terminal size change. */
static void
ui_resize(struct ui *u)
{
	struct winsize ws;

	ui_winch = 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	u->dirty = 1;
}

/* Take one key: the global keys first, then the current screen's. */
static void
ui_key(struct ui *u, int key)
{
	int top = ui_top(u);

	if (key == UI_FKEY(KEY_RESIZE)) {
		u->dirty = 1;
		return;
	}
	if (top != UI_M_SAVE && top != UI_M_HELP &&
	    !(top == UI_M_LIST && u->filtering) &&
	    (key == UI_FKEY(KEY_F(1)) || key == '?' || key == 'h')) {
		u->help_top = 0;
		ui_push(u, UI_M_HELP);
		return;
	}
	if (key == 0x0c) {		/* ^L */
		clearok(curscr, TRUE);
		u->dirty = 1;
		return;
	}
	ui_modes[top]->key(u, key);
	u->dirty = 1;
}

/* Read every key waiting (the hooks' on_fd). */
static void
ui_on_fd(void *arg)
{
	struct ui *u = arg;
	wint_t wc;
	int rc, n = 0;

	while (n++ < 256 && (rc = get_wch(&wc)) != ERR) {
		if (rc == KEY_CODE_YES)
			ui_key(u, UI_FKEY((int)wc));
		else
			ui_key(u, (int)wc);
		if (u->quit)
			break;
	}
	if (u->quit && u->e != NULL)
		engine_stop(u->e);
}

/* Update the header's rates once a second. */
static void
ui_rates(struct ui *u, int64_t now)
{
	const struct sv_stats *st = ui_stats(u);
	double dt;

	if (u->rate_at == 0) {
		u->rate_at = now;
		u->rate_pkts = st->packets;
		u->rate_sip = st->sip_messages;
		return;
	}
	if (now - u->rate_at < 1000000)
		return;
	dt = (double)(now - u->rate_at) / 1e6;
	u->pps = (double)(st->packets - u->rate_pkts) / dt;
	u->sps = (double)(st->sip_messages - u->rate_sip) / dt;
	u->rate_at = now;
	u->rate_pkts = st->packets;
	u->rate_sip = st->sip_messages;
	u->dirty = 1;
}

/*
 * After every loop pass: follow resizes, follow the engine for at most
 * UI_BUDGET while capturing live (the capture is served first; what is
 * left waits for the next pass, which then comes sooner), and redraw at
 * once after a key, every UI_REDRAW for new traffic.
 */
static void
ui_on_pass(void *arg)
{
	struct ui *u = arg;
	int64_t now = ui_now();
	int left;

	if (ui_winch)
		ui_resize(u);
	if (ui_sigquit)
		u->quit = 1;
	if (u->quit) {
		if (u->e != NULL)
			engine_stop(u->e);
		return;
	}
	ui_rates(u, now);
	if (u->status_until != 0 && now >= u->status_until) {
		u->status_until = 0;
		u->status[0] = '\0';
		u->dirty = 1;
	}
	left = ui_follow(u, u->live ? now + UI_BUDGET : 0);
	u->work_left = left || u->rb_active;
	if (u->hooks != NULL)
		u->hooks->pass_ms = u->work_left ? 1 : 100;
	now = ui_now();
	if (u->dirty || (u->stale && now - u->drawn_at >= UI_REDRAW)) {
		ui_draw_screen(u);
		u->dirty = 0;
		u->stale = 0;
		u->drawn_at = now;
	}
}

/* Our own loop once the engine has nothing more to read: keys and signals. */
static int
ui_loop(struct ui *u, int kbd)
{
	struct pollfd pfd[2];
	int n;

	while (!u->quit) {
		n = 0;
		pfd[n].fd = kbd;
		pfd[n++].events = POLLIN;
		if (u->e != NULL && u->e->cfg.sigfd >= 0) {
			pfd[n].fd = u->e->cfg.sigfd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, u->work_left ? 0 : 100) < 0 &&
		    errno != EINTR)
			return -1;
		if (n > 1 && pfd[1].revents != 0) {
			u->e->interrupted = 1;
			break;
		}
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
		if (pfd[0].revents & POLLIN)
			ui_on_fd(u);
		ui_on_pass(u);
	}
	return 0;
}

/* Install the signal handlers; quit_too over a stored capture (no engine pipe). */
static void
ui_signals(int quit_too)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = ui_on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	if (quit_too) {
		sa.sa_handler = ui_on_quit;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	sa.sa_handler = ui_on_fatal;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
}

/* Set up the terminal; the keyboard descriptor, or -1 when no TUI is possible. */
static int
ui_start(struct ui *u, FILE **ttyp, SCREEN **scrp)
{
	FILE *tty = NULL;
	SCREEN *scr;
	const char *nc;
	int kbd;

	setlocale(LC_ALL, "");
	u->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (getenv("TERM") == NULL || strcmp(getenv("TERM"), "dumb") == 0)
		return -1;
	if (isatty(STDIN_FILENO))
		kbd = STDIN_FILENO;
	else {
		/* "-r -" reads the capture from standard input. */
		if ((tty = fopen("/dev/tty", "r")) == NULL)
			return -1;
		kbd = fileno(tty);
	}
	ui_signals(u->e == NULL);
	scr = newterm(NULL, stdout, tty != NULL ? tty : stdin);
	if (scr == NULL) {
		if (tty != NULL)
			fclose(tty);
		return -1;
	}
	set_term(scr);
	atexit(ui_atexit);
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	nc = getenv("NO_COLOR");
	u->color = has_colors() && (nc == NULL || *nc == '\0');
	ui_draw_init(u);
	*ttyp = tty;
	*scrp = scr;
	return kbd;
}

/* Give the terminal back. */
static void
ui_stop(FILE *tty, SCREEN *scr)
{
	endwin();
	delscreen(scr);
	if (tty != NULL)
		fclose(tty);
}

/* Set up the state shared by both entry points; 0 or -1. */
static int
ui_init(struct ui *u)
{
	memset(u, 0, sizeof *u);
	if (config_init_defaults(&u->own_cfg) != 0)
		return -1;
	u->rules = &u->own_cfg;
	u->sort_col = UI_COL_TIME;
	u->autoscroll = 1;
	u->show_diag = 1;
	u->depth = 1;
	u->stack[0] = UI_M_LIST;
	u->need_rebuild = 1;
	u->dirty = 1;
	return 0;
}

/* Free the state shared by both entry points. */
static void
ui_done(struct ui *u)
{
	size_t i;

	ui_flow_clear(u);
	ui_list_free(u);
	ui_diag_free(u);
	for (i = 0; i < u->n_own; i++)
		call_free(u->own[i]);
	free(u->own);
	free(u->sel);
	free(u->fm);
	config_free(&u->own_cfg);
}

/* Describe the engine's sources for the header. */
static void
ui_source(struct ui *u)
{
	struct engine *e = u->e;
	size_t off = 0;
	int i;

	u->source[0] = '\0';
	for (i = 0; i < e->cap.n && off < sizeof u->source; i++) {
		const char *name = e->cap.src[i].name;
		const char *base = strrchr(name, '/');

		if (!e->cap.src[i].live && base != NULL)
			name = base + 1;
		off += (size_t)snprintf(u->source + off, sizeof u->source - off,
		    "%s%s %s", i ? " " : "", e->cap.src[i].live ? "-i" : "-r",
		    name);
	}
}

/* Run the TUI over a capture engine; 0, -1 on error, UI_FALLBACK if unavailable. */
int
ui_main(struct engine *e)
{
	struct engine_hooks h;
	struct ui *u;
	FILE *tty;
	SCREEN *scr;
	int kbd, rc = 0;

	if ((u = malloc(sizeof *u)) == NULL || ui_init(u) != 0) {
		free(u);
		return UI_FALLBACK;
	}
	u->e = e;
	if (e->cfg.rules != NULL)
		u->rules = e->cfg.rules;	/* --config, --credentials... */
	u->live = capture_is_live(&e->cap);
	ui_source(u);
	if ((kbd = ui_start(u, &tty, &scr)) < 0) {
		ui_done(u);
		free(u);
		return UI_FALLBACK;
	}
	e->on_call = ui_diag_on_call;
	e->on_call_arg = u;
	memset(&h, 0, sizeof h);
	h.fd = u->live ? kbd : -1;
	h.on_fd = ui_on_fd;
	h.on_pass = ui_on_pass;
	h.pass_ms = 100;
	h.arg = u;
	u->hooks = &h;
	ui_draw_screen(u);
	if (engine_run(e, &h) != 0)
		ui_message(u, "capture stopped: %s", e->err);
	if (!u->quit && !e->interrupted) {
		if (!u->live)
			engine_finish(e);
		else if (e->err[0] == '\0')
			ui_message(u, "capture ended");
		u->live = 0;
		ui_rebuild(u);
		ui_on_pass(u);
		if (ui_loop(u, kbd) != 0)
			rc = -1;
	}
	ui_stop(tty, scr);
	u->hooks = NULL;
	e->on_call = NULL;
	e->on_call_arg = NULL;
	if (e->input_failed)
		fprintf(stderr, "sipvet: %s\n", e->err);
	ui_done(u);
	free(u);
	return rc;
}

/* store_read callback: keep a stored call. */
static void
ui_db_call(void *arg, struct call *c)
{
	struct ui *u = arg;
	struct call **n;

	if (u->n_own == u->cap_own) {
		n = realloc(u->own, (u->cap_own ? u->cap_own * 2 : 256) *
		    sizeof *n);
		if (n == NULL) {
			call_free(c);
			return;
		}
		u->own = n;
		u->cap_own = u->cap_own ? u->cap_own * 2 : 256;
	}
	u->own[u->n_own++] = c;
	ui_diag_on_call(u, c);
	ui_list_changed(u, c);
}

/* Run the TUI over a stored capture; 0, or -1 on error. */
int
ui_main_db(const char *path, const struct config *cfg)
{
	struct store *s;
	struct ui *u;
	FILE *tty;
	SCREEN *scr;
	char err[512];
	int complete = 0, kbd;
	const char *base = strrchr(path, '/');

	if ((u = malloc(sizeof *u)) == NULL || ui_init(u) != 0) {
		free(u);
		fprintf(stderr, "sipvet: out of memory\n");
		return -1;
	}
	if (cfg != NULL)
		u->rules = cfg;
	if ((s = store_open(path, 0, err, sizeof err)) == NULL) {
		fprintf(stderr, "sipvet: %s\n", err);
		ui_done(u);
		free(u);
		return -1;
	}
	if (store_read(s, ui_db_call, u, &u->own_st, &complete) != 0) {
		fprintf(stderr, "sipvet: %s: cannot read the stored capture: "
		    "%s\n", path, store_error(s));
		store_close(s);
		ui_done(u);
		free(u);
		return -1;
	}
	store_close(s);
	snprintf(u->source, sizeof u->source, "--db %s%s",
	    base != NULL ? base + 1 : path, complete ? "" : " (incomplete)");
	if ((kbd = ui_start(u, &tty, &scr)) < 0) {
		fprintf(stderr, "sipvet: cannot open the terminal; use sipvet "
		    "-N --db %s\n", path);
		ui_done(u);
		free(u);
		return -1;
	}
	ui_rebuild(u);
	ui_on_pass(u);
	ui_loop(u, kbd);
	ui_stop(tty, scr);
	ui_done(u);
	free(u);
	return 0;
}
