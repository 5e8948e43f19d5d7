/*
 * engine.h: the one struct that holds sipvet's capture state, passed
 * explicitly (no global state), and its single-threaded poll() loop.
 *
 * engine_run() reads the files to their end, or polls the live interfaces,
 * an optional extra descriptor (the TUI's keyboard) and the signal pipe
 * until told to stop; every packet goes decoder -> tracker, and each done
 * call goes to the store and then to the on_call callback (the report or
 * the TUI).
 */
#ifndef ENGINE_H
#define ENGINE_H

#include "capture.h"
#include "decode.h"
#include "sv.h"
#include "tracker.h"

struct store;
struct config;
struct engine_mem;
struct rules_history;

struct engine_config {
	struct decode_config	 dec;
	struct tracker_config	 trk;
	const char		*filter;	/* BPF, NULL for none */
	int			 snaplen;
	int			 promisc;
	int			 bufsize;	/* kernel buffer, bytes */
	uint64_t		 max_packets;	/* stop after this many, 0 = no limit */
	int64_t			 duration;	/* live: stop after this many us, 0 = no limit */
	int			 sigfd;		/* read end of the signal pipe, -1 none */
	const struct config	*rules;		/* judge done calls with these, NULL: don't */
	/*
	 * Raw bytes of kept done calls held in memory (trk.keep_calls and
	 * keep_raw), 0 for no limit; past it the oldest go to the store.
	 */
	size_t			 mem_budget;
};

/* Hooks for a front end that shares the loop (the TUI). */
struct engine_hooks {
	int		 fd;		/* extra descriptor to poll, -1 none */
	void		(*on_fd)(void *arg);	/* fd is readable */
	void		(*on_pass)(void *arg);	/* after every loop pass */
	int		 pass_ms;	/* longest wait between passes */
	void		*arg;
};

struct engine {
	struct engine_config	 cfg;
	struct sv_stats		 st;
	struct capture		 cap;
	struct decoder		*dec;
	struct tracker		*trk;
	struct store		*store;		/* NULL without --db */
	void			(*on_call)(void *arg, struct call *c);
	void			*on_call_arg;
	int64_t			 last_tick;	/* capture time of the last tick */
	int			 stop;		/* set to leave engine_run */
	int			 interrupted;	/* stopped by a signal */
	int			 input_failed;	/* a source failed mid-way */
	int			 finished;	/* engine_finish ran */
	uint64_t		 generation;	/* moves whenever state changed */
	uint64_t		 error_findings;	/* calls with an error finding */
	/* The memory budget (cfg.mem_budget): what it holds and moved. */
	struct engine_mem	*mem;		/* kept calls, oldest first */
	struct store		*tmp_store;	/* temporary store, NULL until needed */
	size_t			 mem_held;	/* raw bytes of kept calls in memory */
	uint64_t		 mem_moved_calls;	/* calls moved to the store */
	uint64_t		 mem_moved_bytes;	/* raw bytes moved */
	uint64_t		 mem_kept_over;	/* calls that could not be moved */
	struct rules_history	*rules_hist;	/* the rules' record of other calls */
	char			 err[512];	/* the last input error */
};

/* Fill a configuration with the defaults. */
void	 engine_config_default(struct engine_config *c);
/* Set up an engine (no sources yet); 0 or -1 on allocation failure. */
int	 engine_init(struct engine *e, const struct engine_config *c);
/* Add a capture file; 0 or -1 with e->err. */
int	 engine_add_file(struct engine *e, const char *path);
/* Add a live interface; 0 or -1 with e->err. */
int	 engine_add_iface(struct engine *e, const char *iface);
/* Run the loop until the input ends or engine_stop(); 0, or -1 if a source failed (e->err). */
int	 engine_run(struct engine *e, const struct engine_hooks *h);
/* Ask the loop to return after the current pass. */
void	 engine_stop(struct engine *e);
/* End of input: flush reassemblers, hand over every call, read kernel stats. */
void	 engine_finish(struct engine *e);
/* Free everything the engine holds (calls engine_finish first if needed). */
void	 engine_free(struct engine *e);
/* Run the rules over a call once (done calls are judged automatically). */
void	 engine_judge(struct engine *e, struct call *c);
/*
 * The raw bytes of message i of call c and their length: from memory, or
 * read back from the store when the memory budget released them.  The
 * pointer stays valid until the next call; NULL when the bytes are gone.
 */
const char *engine_msg_raw(struct engine *e, struct call *c, int i,
	    size_t *len);
/* Take one captured frame from source src (also used by tests). */
void	 engine_packet(struct engine *e, int src, int dlt, int64_t ts,
	    const uint8_t *pkt, size_t caplen);

#endif
