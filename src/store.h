/*
 * store.h: SQLite storage of captured calls, messages and statistics.
 *
 * Schema (documented in sipvet(1), DATABASE, and man/store-schema.txt):
 * captures, calls, messages, transactions, auth_events, stats, findings,
 * credentials; indexes on calls.call_id, calls.first_us and messages.ts_us,
 * built when a capture ends; a call's messages are consecutive rows from
 * calls.msg_first.  WAL journal, writes batched in transactions of whole
 * calls.  A capture row is marked complete only when its input ended
 * normally, so an interrupted capture reads back as incomplete.  Files are
 * created 0600 (they will hold credentials too).
 */
#ifndef STORE_H
#define STORE_H

#include "sv.h"

struct call;
struct store;

/*
 * Open (create when create is set) the store at path.  On failure returns
 * NULL with a one-line reason in err.
 */
struct store	*store_open(const char *path, int create, char *err, size_t errlen);
/*
 * Open a private store in a new file under $TMPDIR (or /tmp), mode 0600,
 * unlinked at once so it disappears with the process; a capture is begun
 * in it.  Used for raw bytes moved out of memory.  NULL with err on failure.
 */
struct store	*store_open_temp(char *err, size_t errlen);
/* Commit what is pending and close. */
void	 store_close(struct store *s);
/* Start a new capture described by source (e.g. "-r file.pcap"); 0 on success. */
int	 store_capture_begin(struct store *s, const char *source, int64_t started);
/* Write one call with its messages (raw bytes included); 0 on success. */
int	 store_call(struct store *s, const struct call *c);
/* Write the capture's counters and whether it completed; commits. 0 on success. */
int	 store_capture_end(struct store *s, const struct sv_stats *st, int complete);
/* Commit the open transaction now (also done every few hundred calls). */
int	 store_commit(struct store *s);
/*
 * Read back the latest capture: each call, with messages and raw bytes,
 * in order of first message, to cb (which owns the call: call_free it);
 * then its counters and completeness.  0 on success.
 */
int	 store_read(struct store *s, void (*cb)(void *arg, struct call *c),
	    void *arg, struct sv_stats *st, int *complete);
/* The last error as a one-line string. */
const char *store_error(const struct store *s);

/* Version of the schema, kept in PRAGMA user_version. */
#define STORE_SCHEMA_VERSION	3
/* PRAGMA application_id of a sipvet store ("SIPV"). */
#define STORE_APPLICATION_ID	0x53495056
/* Calls written per transaction before an automatic commit. */
#define STORE_BATCH		500

/* One finding of the rules engine about a call (all strings may be NULL). */
struct store_finding {
	int		 msg;		/* index in call->msgs it is about, or -1 */
	const char	*rule;		/* rule name */
	const char	*severity;	/* "error", "warning", "info" */
	const char	*title;		/* one line */
	const char	*message;	/* what was seen, with values */
	const char	*header;	/* header concerned */
	const char	*value;		/* its value as captured */
	const char	*explanation;	/* why it breaks authentication */
	const char	*fix;		/* what to change */
};

/* Row id of the call written last by store_call, 0 when none. */
int64_t	 store_last_call_row(const struct store *s);
/*
 * Calls stored up to this row id are committed; rows written after it are
 * lost if a later write fails (store_call or store_commit returning -1).
 */
int64_t	 store_committed_row(const struct store *s);
/*
 * The raw bytes of message idx of the call stored as call_row, and their
 * length; the pointer stays valid until the next call.  NULL with the error
 * set when there is no such message or no bytes.
 */
const char *store_msg_raw(struct store *s, int64_t call_row, int idx,
	    size_t *len);
/*
 * Append a finding to a call's findings (numbered in order of writing);
 * call_row 0 means the call written last.  0 on success.
 */
int	 store_finding(struct store *s, int64_t call_row,
	    const struct store_finding *f);
/*
 * Read back the findings of the latest capture, in the order of its calls
 * then of writing, to fn with the call's id (call->id); the strings are
 * valid only during fn.  0 on success.
 */
int	 store_read_findings(struct store *s,
	    void (*fn)(void *arg, uint64_t call, const struct store_finding *f),
	    void *arg);

#endif
