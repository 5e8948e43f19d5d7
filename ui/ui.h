/*
 * ui.h: the ncurses TUI, the only part of sipvet that includes curses.
 * It shares the engine's poll() loop through struct engine_hooks and reads
 * the engine's calls; it never changes engine state but through its API.
 *
 * One struct ui holds all of the TUI's state and is passed explicitly; the
 * only globals are the signal flags in ui.c.  Screens are modes (tmux's
 * window_mode): a table of draw and key functions, kept on a small stack so
 * Esc or q goes back.  Calls are referred to by their stable id (call->id):
 * the TUI keeps one entry per call held, follows the tracker's list of
 * changed calls (never walking every call while following the engine) and
 * forgets a call when the tracker frees it; the cursor, the selection and
 * the open ladder follow the ids.
 */
#ifndef UI_H
#define UI_H

#include <stddef.h>
#include <stdint.h>

#include <uthash.h>

#include "rules.h"	/* and through it the engine's config.h */

struct engine;
struct engine_config;
struct engine_hooks;
struct call;

#define UI_FALLBACK	1	/* no TUI here: print the batch report instead */

/* Run the TUI over a capture engine; 0, -1 on error, UI_FALLBACK if unavailable. */
int	 ui_main(struct engine *e);
/* Run the TUI over a stored capture; 0, or -1 on error. */
int	 ui_main_db(const char *path, const struct config *cfg);
/* Set an engine configuration up for the TUI over engine e (before engine_init). */
void	 ui_engine_config(struct engine_config *ec, struct engine *e);

/* ---- shared between the ui_*.c modules -------------------------------- */

#define UI_FILTER_MAX	128
#define UI_PATH_MAX	512
#define UI_FLOW_CALLS	16	/* calls shown in one ladder */
#define UI_FLOW_EPS	12	/* endpoint columns in one ladder */
#define UI_MODES	8	/* depth of the mode stack */
#define UI_FKEY(k)	((k) + 0x110000)	/* a curses KEY_ code as a key */
#define UI_BUDGET	4000	/* us of list work per pass while capturing live */
#define UI_REDRAW	100000	/* us between redraws for new traffic */

/* Colour pairs (attributes only when colours are off). */
enum ui_color {
	UI_C_NONE = 0,
	UI_C_HEADER,		/* header and title bars */
	UI_C_OK,		/* verdict ok, 2xx */
	UI_C_FAIL,		/* auth-failed / failed, errors */
	UI_C_WARN,		/* warnings */
	UI_C_PROGRESS,		/* in progress */
	UI_C_CURSOR,		/* the cursor row */
	UI_C_MARK,		/* finding highlight */
	UI_C_SELECT,		/* selected calls */
	UI_C_DIM,		/* retransmissions */
	UI_C_REQ,		/* request arrows */
	UI_C_RESP,		/* response arrows */
	UI_C__MAX
};

/* Modes, each a screen. */
enum ui_mode_id {
	UI_M_LIST = 0,
	UI_M_FLOW,
	UI_M_MSG,
	UI_M_DIAG,
	UI_M_HELP,
	UI_M_SAVE,
	UI_M__MAX
};

struct ui;

/* A screen: how it draws and how it takes a key (tmux's window_mode). */
struct ui_mode {
	const char	*name;
	void		(*draw)(struct ui *u);
	void		(*key)(struct ui *u, int key);
};

/* The rules' judgement of one call, kept compact (one per call id). */
struct ui_judge {
	uint64_t	 id;
	int		 n_msgs;	/* messages when judged */
	int		 done;		/* done when judged */
	int		 verdict;	/* enum rules_verdict */
	int		 severity;	/* of the first finding, -1 none */
	char		*title;		/* first finding's title, or NULL */
	int		 n;		/* findings */
	const char	**ids;		/* their rule ids (static strings) */
	int		*msgs;		/* the message each points at, -1 */
	UT_hash_handle	 hh;
};

/*
 * One call held, by id: its call while the tracker holds it, whether it is
 * a row of the list, and the sort key it was placed by (so it can be found
 * again by binary search after the call changed).
 */
struct ui_ent {
	uint64_t	 id;
	struct call	*c;		/* NULL once freed (during a rebuild) */
	int		 shown;		/* in rows */
	int		 in_new;	/* in the rows a rebuild is making */
	int		 pending;	/* on the pending queue */
	int64_t		 knum;		/* sort key: numbers */
	const char	*kstr;		/* sort key: strings (into the call, or kown) */
	size_t		 klen;
	char		*kown;		/* owned copy of a string key */
	UT_hash_handle	 hh;
};

/* One ladder line: a message of one of the calls shown. */
struct ui_fmsg {
	int		 call;		/* index in flow_ids */
	int		 msg;		/* index in that call's msgs */
	int64_t		 ts;
};

/* List columns. */
enum ui_col {
	UI_COL_TIME = 0,
	UI_COL_CALLER,
	UI_COL_CALLEE,
	UI_COL_HOST,
	UI_COL_STATE,
	UI_COL_VERDICT,
	UI_COL_FINDING,
	UI_COL_MSGS,
	UI_COL_ADDRS,
	UI_COL_PROTO,
	UI_COL__MAX
};

struct ui {
	struct engine	*e;		/* NULL over a stored capture */
	struct config	 own_cfg;	/* defaults, when nobody gave one */
	const struct config *rules;	/* the rules' configuration in use */
	char		 source[256];	/* what the header says we read */
	int		 live;

	/* Calls read from a store (owned). */
	struct call	**own;
	size_t		 n_own, cap_own;
	struct sv_stats	 own_st;

	/* Every call held (by id), and the list's rows in display order. */
	struct ui_ent	*ents;		/* uthash head */
	struct ui_ent	**rowbuf;	/* rows live at rowbuf[row_off...] */
	struct ui_ent	**rows;
	size_t		 n_rows, cap_rows, row_off;
	uint64_t	*pend;		/* ids changed, not yet placed */
	size_t		 n_pend, cap_pend, pend_head;
	int		 need_rebuild;	/* the view changed: rebuild the rows */
	int		 rb_active;	/* a rebuild is scanning */
	struct ui_ent	*rb_next;	/* its next entry */
	struct ui_ent	**nrows;	/* the rows it is making */
	size_t		 n_nrows, cap_nrows;
	int		 stale;		/* the data changed since the last draw */
	int		 flow_stale;	/* a ladder call changed or was freed */
	struct engine_hooks *hooks;	/* the engine loop's hooks (pass_ms) */
	int		 work_left;	/* following the engine is not done */

	/* The list's view. */
	size_t		 cur, top;
	uint64_t	 cur_id;
	int		 sort_col, sort_rev;
	char		 filter[UI_FILTER_MAX];
	size_t		 filter_len;
	int		 filtering;	/* typing into the filter */
	int		 failed_only;
	int		 autoscroll;
	int		 paused;
	uint64_t	 cleared_id;	/* calls up to this id are hidden */
	uint64_t	 paused_id;	/* paused: calls past this id are hidden */
	uint64_t	 max_id;	/* highest id held */
	uint64_t	*sel;		/* selected ids, sorted */
	size_t		 n_sel, cap_sel;

	/* Judgements by call id. */
	struct ui_judge	*judges;

	/* The ladder. */
	uint64_t	 flow_ids[UI_FLOW_CALLS];
	int		 n_flow;
	struct ui_fmsg	*fm;
	int		 n_fm, cap_fm;
	int		 fcur, ftop;
	int		 show_diag;
	struct diagnosis flow_diag[UI_FLOW_CALLS];
	int		 flow_diag_nmsgs[UI_FLOW_CALLS];
	int		 diag_top;

	/* The message view. */
	int		 mtop;
	int		 structured;

	/* The save dialog. */
	int		 save_field;	/* 0 which, 1 format, 2 path */
	int		 save_which;	/* 0 selected, 1 filtered, 2 all */
	int		 save_fmt;	/* 0 pcap, 1 text */
	char		 save_path[UI_PATH_MAX];
	size_t		 save_len;

	/* Modes. */
	int		 stack[UI_MODES];
	int		 depth;

	/* Rates for the header. */
	int64_t		 rate_at;
	uint64_t	 rate_pkts, rate_sip;
	double		 pps, sps;

	/* Screen. */
	int		 color;
	int		 utf8;
	int		 dirty;
	int64_t		 drawn_at;
	int		 quit;
	char		 status[256];
	int64_t		 status_until;
	int		 help_top;
};

/* ui.c */
extern const struct ui_mode *const ui_modes[UI_M__MAX];
/* Wall-clock time in microseconds. */
int64_t	 ui_now(void);
/* Open a screen on top of the current one. */
void	 ui_push(struct ui *u, int mode);
/* Close the current screen; closing the call list quits. */
void	 ui_pop(struct ui *u);
/* The current screen. */
int	 ui_top(const struct ui *u);
/* Show a one-line message in the footer for a few seconds. */
void	 ui_message(struct ui *u, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The counters of what is shown: the engine's, or the stored capture's. */
const struct sv_stats *ui_stats(const struct ui *u);
/* The call with this id, or NULL when it is not (or no longer) held. */
struct call *ui_find(struct ui *u, uint64_t id);
/* Follow the engine: take every changed call, place what the budget allows. */
void	 ui_rebuild(struct ui *u);
/* The raw bytes of message i of call c (the engine's, or a stored call's); NULL if gone. */
const char *ui_msg_raw(struct ui *u, struct call *c, int i, size_t *len);
/* Whether a call's bytes are in memory (not released to the store). */
int	 ui_call_in_memory(const struct call *c);

/* ui_draw.c */
/* Set up the colour pairs (when colours are on). */
void	 ui_draw_init(struct ui *u);
/* The attributes of a colour role, colour or monochrome. */
int	 ui_draw_attr(const struct ui *u, int color);
/* Draw len bytes escaped in at most w cells; the bytes consumed (cells in *cells). */
size_t	 ui_draw_bytes(struct ui *u, int y, int x, int w, const char *s,
	    size_t len, int attr, int *cells);
/* Draw a NUL-terminated string escaped in at most w cells; the cells used. */
int	 ui_draw_str(struct ui *u, int y, int x, int w, const char *s, int attr);
/* Fill w cells from (y, x) with blanks in attr. */
void	 ui_draw_fill(int y, int x, int w, int attr);
/* Draw the header bar: source, rates and counters. */
void	 ui_draw_header(struct ui *u);
/* Draw the footer: a pending message, else the screen's keys. */
void	 ui_draw_footer(struct ui *u, const char *keys);
/* Move *pos by a scrolling key (Up/k, Down/j, PgUp, PgDn, Home/g); 1 if it was one. */
int	 ui_draw_scroll(int key, int *pos, int page);
/* Draw s word-wrapped from row y, only rows miny..maxy-1; the lines it takes. */
int	 ui_draw_wrap(struct ui *u, int y, int x, int w, int miny, int maxy,
	    const char *indent, const char *s, int attr);
/* Redraw the whole screen for the current mode. */
void	 ui_draw_screen(struct ui *u);
/* Format a capture time as HH:MM:SS (UTC). */
const char *ui_draw_time(int64_t ts, char *buf, size_t len);

/* ui_list.c */
extern const struct ui_mode ui_list_mode;
/* Note a call new or changed (from the tracker's list, or a stored call). */
void	 ui_list_changed(struct ui *u, struct call *c);
/* Forget a call the tracker is about to free (no pointer to it survives). */
void	 ui_list_forget(struct ui *u, struct call *c);
/* Place changed calls and advance a rebuild until the deadline (0: none); 1 if work is left. */
int	 ui_list_work(struct ui *u, int64_t deadline);
/* Free the entries and the rows. */
void	 ui_list_free(struct ui *u);
/* The calls held. */
size_t	 ui_list_held(const struct ui *u);
/* The call of row i. */
struct call *ui_list_row(const struct ui *u, size_t i);
/* Whether a call id is selected. */
int	 ui_list_selected(const struct ui *u, uint64_t id);
/* Host part of a SIP URI, into buf. */
const char *ui_list_host(const char *uri, char *buf, size_t len);
/* Whether a call failed (by the rules when judged, else by its state). */
int	 ui_list_failed(struct ui *u, struct call *c);

/* ui_flow.c */
extern const struct ui_mode ui_flow_mode;
/* Open the ladder of these calls. */
void	 ui_flow_open(struct ui *u, const uint64_t *ids, int n);
/* Rebuild the ladder's lines (and re-judge calls that gained messages). */
void	 ui_flow_build(struct ui *u);
/* Forget the ladder and its diagnoses. */
void	 ui_flow_clear(struct ui *u);
/* The k-th call of the ladder, or NULL when it is no longer held. */
struct call *ui_flow_call(struct ui *u, int k);
/* The findings of the k-th call of the ladder (the engine's, once it judged it). */
const struct diagnosis *ui_flow_diag(struct ui *u, int k);
/* Whether call id is one of the ladder's. */
int	 ui_flow_has(const struct ui *u, uint64_t id);

/* ui_msg.c */
extern const struct ui_mode ui_msg_mode;

/* ui_diag.c */
extern const struct ui_mode ui_diag_mode;
/* A call's judgement: cached when current, else fresh when compute is set. */
struct ui_judge *ui_diag_judge(struct ui *u, struct call *c, int compute);
/* Free every judgement. */
void	 ui_diag_free(struct ui *u);
/* Forget the judgement of a call id. */
void	 ui_diag_forget(struct ui *u, uint64_t id);
/* The engine's on_call: judge a call as it is done. */
void	 ui_diag_on_call(void *arg, struct call *c);
/* The verdict word of a call for the list, and its colour. */
const char *ui_diag_verdict(const struct ui_judge *j, const struct call *c,
	    int *color);
/* Draw the ladder calls' findings in a box; the lines the text takes. */
int	 ui_diag_panel(struct ui *u, int y, int x, int w, int h, int skip);
/* Whether findings point at a ladder message: 0, or 1 + severity. */
int	 ui_diag_msg_marked(struct ui *u, int call, int msg, const char **hdr,
	    const char **val);

/* ui_save.c */
extern const struct ui_mode ui_save_mode;
/* Open the save dialog with sensible defaults. */
void	 ui_save_open(struct ui *u);
/* Write calls to a pcap of rebuilt frames; 0 or -1 with err. */
int	 ui_save_pcap(struct ui *u, struct call **calls, size_t n,
	    const char *path, char *err, size_t errlen, size_t *written);
/* Write calls, findings and messages to a text file; 0 or -1 with err. */
int	 ui_save_text(struct ui *u, struct call **calls, size_t n,
	    const char *path, char *err, size_t errlen);

/* ui_help.c */
extern const struct ui_mode ui_help_mode;

#endif
