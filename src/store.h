/*
 * store.h: SQLite storage of captured calls, messages and statistics.
 *
 * Schema (documented in sipvet(1), FILES): captures, calls, messages,
 * stats; indexes on calls.call_id and messages.ts.  WAL journal, writes
 * batched in transactions.  A capture row is marked complete only when its
 * input ended normally, so an interrupted capture reads back as incomplete.
 * Files are created 0600 (they will hold credentials too).
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

#endif
