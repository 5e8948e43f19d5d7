/*
 * tracker.h: SIP messages grouped into calls and transactions.
 *
 * A call is every message sharing a Call-ID; a transaction is a request and
 * its responses, matched by top-Via branch and CSeq method (RFC 3261 17.1.3,
 * 17.2.3), or for RFC 2543 peers without the magic cookie by Call-ID, CSeq,
 * From tag and top Via (RFC 3261 17.2.3's fallback).  Retransmissions are
 * marked, not counted as new requests.  The tracker also records each call's
 * authentication sequence (challenge, answer, answer's result) for the rules.
 *
 * Memory is set by the calls in progress: a call that is done (final state
 * and quiet long enough that no retransmission or retry is still expected, in
 * capture time) is handed to the done callback in order of first message,
 * and freed afterwards unless the configuration keeps calls (the TUI).  The
 * calls limit evicts the oldest done calls first and counts it.
 */
#ifndef TRACKER_H
#define TRACKER_H

#include "sv.h"

struct diagnosis;
struct sip_msg;

/* States of a call (OpenSMTPD style: one enter function logs transitions). */
enum call_state {
	CALL_CALLING = 0,	/* initial request sent, no provisional past 100 */
	CALL_EARLY,		/* 101-199 received */
	CALL_ANSWERED,		/* 2xx to the INVITE (or to the non-INVITE request) */
	CALL_REJECTED,		/* final >= 300 */
	CALL_CANCELLED,		/* CANCEL seen, or 487 */
	CALL_TIMEDOUT,		/* no final response within Timer B/F */
	CALL__MAX
};

/* One SIP message of a call. */
struct msg {
	int64_t		 ts;
	uint64_t	 frame;
	struct sv_addr	 src, dst;
	uint8_t		 transport;	/* enum sv_transport */
	uint8_t		 source;
	uint8_t		 is_request;
	uint8_t		 retrans;	/* retransmission of an earlier message */
	uint8_t		 fragmented;
	uint8_t		 raw_in_line;	/* raw shares line's allocation (after the
					   line): freed with it, not on its own;
					   2: an observer record sits between;
					   3: no raw bytes (drop_raw), line in
					   the call's arena after the record */
	uint16_t	 status;	/* responses */
	uint32_t	 cseq;
	unsigned	 bad;		/* enum sip_bad bits */
	int		 txn;		/* index in call->txns */
	uint32_t	 len;		/* bytes of the message */
	char		*raw;		/* owned copy of the bytes; NULL once released */
	char		*line;		/* owned: first line, NUL, CSeq method, NUL */
	uint64_t	 hash;		/* drop_raw: a hash of a response's bytes
					   (retransmission check), else 0 */
};

/* One transaction of a call. */
struct txn {
	char		*branch;	/* owned top-Via branch; for RFC 2543 peers a
					   key "2543|cseq|from-tag|sent-by|branch" */
	char		*method;	/* owned CSeq method */
	uint32_t	 cseq;
	int		 req;		/* index of its first request in call->msgs */
	int		 final;		/* index of its first final response, or -1 */
	int		 final_code;
	int		 has_credentials;	/* request carried (Proxy-)Authorization */
	int		 ack;		/* index of the ACK of a non-2xx final, or -1 */
	uint32_t	 key_len;	/* the tracker's own: strlen(branch) and */
	uint32_t	 key_hash;	/* a hash of it, compared before the bytes */
};

/* Steps of the authentication sequence. */
enum auth_step {
	AUTH_CHALLENGE = 0,	/* 401 or 407 */
	AUTH_ANSWER,		/* a request carrying credentials */
	AUTH_RESULT,		/* the final response to an answer */
};

/*
 * A 401/407 that answers credentials is recorded twice: AUTH_RESULT, then
 * AUTH_CHALLENGE, for the same message.
 */
struct auth_event {
	enum auth_step	 step;
	int		 msg;		/* index in call->msgs */
	int		 txn;
	int		 code;		/* status for CHALLENGE and RESULT */
};

struct call {
	uint64_t	 id;		/* stable, 1-based, in order of creation */
	char		*call_id;	/* owned, NUL-terminated */
	char		*method;	/* of the first request */
	char		*caller;	/* From URI of the first request */
	char		*callee;	/* To URI of the first request */
	char		*ruri;		/* Request-URI of the first request */
	char		*user_agent;	/* first User-Agent or Server seen */
	/*
	 * Bytes of the six strings above as the tracker copied them from the
	 * message (a NUL within them included; it never changes a string once
	 * set); 0 in a call built elsewhere.
	 */
	uint32_t	 call_id_len, method_len, caller_len, callee_len;
	uint32_t	 ruri_len, user_agent_len;
	int64_t		 first_ts, last_ts;
	struct sv_addr	 src, dst;	/* of the first request */
	uint8_t		 transport;
	enum call_state	 state;
	int		 final_code;	/* final response to the last INVITE (or request) */
	int		 done;		/* handed to the done callback */
	int		 truncated;	/* messages past the per-call limit were dropped */
	struct diagnosis *diag;		/* the rules' findings, owned; NULL until judged */
	int64_t		 judged_at;	/* capture time the rules judged it at */
	/* ICMP unreachable errors quoting one of the call's messages. */
	int		 icmp_count;
	int64_t		 icmp_ts;	/* the first one's capture time */
	struct sv_addr	 icmp_from;	/* who sent the first one */
	uint8_t		 icmp_v6, icmp_type, icmp_code;

	struct msg	*msgs;
	int		 n_msgs, cap_msgs;
	struct txn	*txns;
	int		 n_txns, cap_txns;
	struct auth_event *auth;
	int		 n_auth, cap_auth;

	void		*priv;		/* the tracker's own bookkeeping */
};

struct tracker_config {
	size_t		 max_calls;	/* calls held at once (default 200000) */
	int		 max_msgs_per_call;	/* sanity limit (default 10000) */
	int64_t		 linger;	/* quiet time before a finished call is done */
	int64_t		 auth_linger;	/* same, after a 401/407 (Timer B, 32 s) */
	int64_t		 timer_b;	/* INVITE with no final response */
	int64_t		 idle;		/* answered call with no BYE */
	int		 keep_calls;	/* keep done calls (TUI) instead of freeing */
	int		 keep_raw;	/* keep raw bytes of done calls */
	/*
	 * Optional: write a compact record of a scanned message (at most cap
	 * bytes) kept with the message's raw bytes, and return its size, 0
	 * for none.  Slices are meant to be stored as offsets from sm->buf,
	 * which becomes msg->raw; msg_record() gives the record back.  c is
	 * the call the message joins: a record may refer to its strings
	 * (Call-ID, caller, callee, ...), which stay as they are while the
	 * call lives.
	 */
	size_t		(*observe)(void *arg, const struct sip_msg *sm,
			    const struct call *c, unsigned char *rec,
			    size_t cap);
	void		*observe_arg;
	int		 track_changes;	/* list calls changed since the last
					   tracker_drain_changed() (the TUI) */
	/* Optional: told just before the tracker frees a call. */
	void		(*on_free)(void *arg, struct call *c);
	void		*on_free_arg;
	/*
	 * Nothing reads a message's raw bytes but the observer's record
	 * (batch report, no store, no TUI): keep them only for a message the
	 * observer wrote no record for (none without an observer); msg->raw
	 * stays NULL, msg->len is still their size.
	 */
	int		 drop_raw;
};

#define TRACKER_RECORD_MAX	2048	/* bytes an observer may write */

/* Called once per done call, in order of first message. */
typedef void (*tracker_done_fn)(void *arg, struct call *c);

struct tracker;

/* Fill a configuration with the defaults. */
void	 tracker_config_default(struct tracker_config *c);
/* Create a tracker counting into st and handing done calls to done. */
struct tracker	*tracker_new(const struct tracker_config *c, struct sv_stats *st,
		    tracker_done_fn done, void *arg);
/* Free the tracker and every call it holds. */
void	 tracker_free(struct tracker *t);
/* Take one SIP message (copied); the sink function of the decoder. */
void	 tracker_message(void *t, const struct sv_meta *m, const char *buf,
	    size_t len);
/* Take an ICMP error quoting a SIP message (sv_sink.icmp): note it on its call. */
void	 tracker_icmp(void *t, const struct sv_meta *m, const char *buf,
	    size_t len);
/* Advance capture time: time calls out and hand over the done ones. */
void	 tracker_tick(struct tracker *t, int64_t now);
/* End of input: hand over every call still held, as it stands. */
void	 tracker_finish(struct tracker *t);
/* Calls currently held. */
size_t	 tracker_held(const struct tracker *t);
/* Name of a call state ("answered", "rejected", ...). */
const char *tracker_state_name(enum call_state s);
/* First line of a message (from msg->line). */
const char *msg_first_line(const struct msg *m);
/* CSeq method of a message (from msg->line). */
const char *msg_cseq_method(const struct msg *m);
/*
 * A message's observer record and its size, or NULL when there is none (or
 * call_release_raw() took it with the raw bytes).
 */
const unsigned char *msg_record(const struct msg *m, size_t *len);
/* The latest capture time the tracker has seen. */
int64_t	 tracker_now(const struct tracker *t);
/* Call fn for every call held: done (kept) ones, then active ones. */
void	 tracker_foreach(struct tracker *t, void (*fn)(void *, struct call *),
	    void *arg);
/* Mark a call changed (new message, done, judged), when changes are tracked. */
void	 tracker_touch(struct tracker *t, struct call *c);
/* Hand every call changed since the last drain to fn, oldest change first. */
void	 tracker_drain_changed(struct tracker *t,
	    void (*fn)(void *, struct call *), void *arg);
/* Release a call's raw bytes (its summary and first lines stay; msg->raw becomes NULL). */
void	 call_release_raw(struct call *c);
/* Prefetch a tracker call's messages and records before reading them all. */
void	 call_prefetch(const struct call *c);
/* Free a call and everything it owns (for calls built outside the tracker too). */
void	 call_free(struct call *c);

#endif
