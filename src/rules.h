/*
 * rules.h: the rules engine, which explains why a call's authentication
 * (or the call) failed, naming the evidence and the fix for the PBX in use.
 *
 * rules_run() builds a per-call summary once (rules_summarize(): every
 * message of the call scanned once; transactions, retransmissions,
 * challenges and answers with their digest parameters, direction, PBX) and
 * then applies every enabled rule, each a pure function of the summary and
 * the configuration (rules_apply()).  The findings come out ordered so that
 * the first error is the root cause.  No I/O except rules_list() and
 * rules_explain().  A message's raw bytes must still be present unless
 * the tracker kept its rules_observe_copy() record, which holds a copy of
 * every field the rules read.
 */
#ifndef RULES_H
#define RULES_H

#include <stdio.h>

#include "config.h"
#include "sipscan.h"
#include "sv.h"
#include "tracker.h"

/* Severities, most severe first. */
enum rules_severity {
	RULES_ERROR = 0,
	RULES_WARNING,
	RULES_INFO,
};

/* A call's verdict. */
enum rules_verdict {
	RULES_OK = 0,
	RULES_AUTH_FAILED,	/* an error finding concerns authentication */
	RULES_FAILED,		/* failed otherwise (404, no response, 486) */
	RULES_IN_PROGRESS,	/* not finished at the time it was judged */
};

/* PBX products whose configuration vocabulary the fixes use. */
enum rules_pbx {
	RULES_PBX_GENERIC = 0,
	RULES_PBX_CUBE,
	RULES_PBX_ASTERISK,
	RULES_PBX_FREESWITCH,
	RULES_PBX_KAMAILIO,
	RULES_PBX_OPENSIPS,
	RULES_PBX_3CX,
	RULES_PBX__MAX
};

/*
 * A rule as documented.  Explanations and fixes may hold placeholders
 * (<user>, <realm>, <host>, ...) that a finding fills with the call's values.
 */
struct rule_info {
	const char	*id;
	int		 severity;	/* default */
	int		 auth;		/* an error means auth-failed */
	const char	*title;
	const char	*explanation;
	const char	*fix;		/* generic */
	const char	*pbx_fix[RULES_PBX__MAX];	/* NULL: generic */
};

/* One finding, all strings owned. */
struct finding {
	const char	*id;		/* the rule's id (static) */
	int		 severity;
	char		*title;
	int		 msg;		/* index in call->msgs, -1 none */
	char	*header;	/* "Request-URI", "SDP c=", or NULL */
	char	*value;		/* the value shown as evidence, or NULL */
	char		*explanation;
	char		*fix;
};

/* The outcome for one call. */
struct diagnosis {
	int		 verdict;	/* enum rules_verdict */
	struct finding	*f;		/* ordered: first error = root cause */
	int		 n;
	char	*pbx;		/* recognised product, NULL when generic */
};

/*
 * ---- the per-call summary (slices point into the messages' tracker records,
 * or into raw bytes for a message without one) ----
 */

/* The scanned fields of a message the rules read, in record order. */
enum rules_field {
	RF_METHOD = 0, RF_RURI, RF_CALL_ID, RF_CSEQ_METHOD, RF_FROM_URI,
	RF_FROM_TAG, RF_TO_URI, RF_TO_TAG, RF_VIA_HOST, RF_VIA_BRANCH,
	RF_CONTACT_URI, RF_USER_AGENT, RF_SERVER, RF_BODY,
	RULES_F__MAX
};
#define RULES_F_NONE16	0xffff		/* offset of an absent field */
#define RULES_F_REF16	0xfffe		/* the field is the call's own string
					   for it (rules_call_fields()) */
#define RULES_F_NONE	UINT32_MAX	/* the same, in a wide message */

/* One message of the call as the rules see it. */
struct rules_msg {
	int		 ok;		/* scanned as SIP */
	int	 retrans;	/* retransmission of an earlier message */
	int		 txn;		/* index in summary txns, -1 */
	int64_t		 ts;
	uint64_t	 frame;
	struct sv_addr	 src, dst;
	int		 transport;	/* enum sv_transport */
	int		 fragmented;
	uint32_t	 len;
	int		 is_request;
	int		 status;
	uint32_t	 cseq;
	int		 via_has_rport;
	int		 auth0, n_auth;	/* its auth headers in summary auth[] */
	/*
	 * The scanned fields (enum rules_field) as offsets into base (the
	 * message's bytes, or the string area of its tracker record) and
	 * lengths, read through rules.c's accessor, which checks them against
	 * blen; offset RULES_F_NONE16: absent; RULES_F_REF16: the same bytes
	 * as ref[field], the call's own string for it (its Call-ID, caller,
	 * callee, ...), which the record need not copy.  Kept in the tracker
	 * record's form
	 * so that taking a message from it is a straight copy.  A message too
	 * large for 16 bits has its fields in wide instead (offset
	 * RULES_F_NONE: absent), owned by the summary.
	 */
	const char	*base;
	uint32_t	 blen;		/* bytes at base the fields lie in */
	uint16_t	 sl[RULES_F__MAX][2];
	uint32_t	(*wide)[2];
	const struct sv_str *ref;	/* for RULES_F_REF16 fields, or NULL */
};

/* One transaction (a request, its retransmissions and responses). */
struct rules_txn {
	int		 req;		/* first request */
	int	 n_req;		/* copies, retransmissions included */
	int		 first_resp;	/* first response, -1 */
	int		 final;		/* first final response, -1 */
	int		 final_code;
	int		 n_final;	/* copies of the final response */
	int		 ack;		/* the ACK of a non-2xx final, -1 */
	int	 in_dialog;	/* request within an established dialog */
	int		 credentials;	/* index in summary ans[], -1 */
};

/* A 401/407 (one per message; its headers are auth[auth0..]). */
struct rules_challenge {
	int		 msg;
	int		 code;
	int		 txn;		/* the challenged transaction */
	int		 after_credentials;	/* it refused an answer */
	int		 stale;		/* stale=true in any of its headers */
};

/* A request carrying credentials. */
struct rules_answer {
	int		 msg;
	int		 txn;
	int		 auth;		/* the header used, index in auth[] */
	int		 latest;	/* latest challenge before it, -1 */
	int	 offer;		/* the challenge's header answered */
	int		 result;	/* final response, -1 */
	int		 result_code;
};

struct rules_summary {
	const struct call *call;
	int64_t		 now;
	struct rules_msg *m;
	int		 n_m;
	struct sip_auth	*auth;
	int		 n_auth;
	struct rules_txn *t;
	int		 n_t;
	struct rules_challenge *ch;
	int		 n_ch;
	struct rules_answer *ans;
	int		 n_ans;
	int	 first;		/* first initial request (INVITE if any), -1 */
	int		 into_vapi;	/* the call is addressed to Vapi */
	int		 from_vapi;	/* the call comes from Vapi */
	int	 host_kind;	/* enum config_host of the R-URI */
	int		 pbx;		/* enum rules_pbx */
	int		 borrowed;	/* m's block is the caller's, not freed */
	int		 auth_cap;	/* room in auth[] */
	void		*wide;		/* chain of wide messages' fields */
	int		 auth_borrowed;	/* auth[] is the caller's, not freed */
	/*
	 * From the history of other calls (rules_run_hist()): the Call-ID of
	 * an INVITE with credentials sent on another Call-ID after this
	 * call's unanswered challenge (the retry went elsewhere), and the
	 * Call-ID of a call whose challenge this call's opening credentials
	 * answer; empty when none.
	 */
	/* ICMP errors quoting the call's messages (from the tracker). */
	int		 icmp_count;
	int64_t		 icmp_ts;
	struct sv_addr	 icmp_from;
	int		 icmp_v6, icmp_type, icmp_code;
	char		 retry_elsewhere[128];
	char		 challenged_elsewhere[128];
	/* The call's own strings per field (rules_call_fields()). */
	struct sv_str	 callf[RULES_F__MAX];
};

/*
 * The initial INVITEs with credentials and the 401/407 challenges of recent
 * calls, keyed by From URI, To URI and Request-URI, so that a retry sent
 * with a new Call-ID can be matched to the call it retries.  Bounded in
 * entries; entries older than Timer B (capture time) are not matched.
 * Filled by rules_observe() when given as its arg.
 */
struct rules_history;

/* Judge a call at capture time now; 0, or -1 on allocation failure. */
int	 rules_run(const struct config *cfg, const struct call *c, int64_t now,
	    struct diagnosis *out);
/* Judge a call with the history of other calls (NULL: none); 0 or -1. */
int	 rules_run_hist(const struct config *cfg, struct rules_history *h,
	    const struct call *c, int64_t now, struct diagnosis *out);
/* Create an empty history; NULL on allocation failure. */
struct rules_history *rules_history_new(void);
/* Free a history (NULL is fine). */
void	 rules_history_free(struct rules_history *h);
/*
 * Record what the rules need of a scanned message (a tracker observer);
 * arg is a struct rules_history, or NULL; the call is not used.
 */
size_t	 rules_observe(void *arg, const struct sip_msg *sm,
	    const struct call *c, unsigned char *rec, size_t cap);
/*
 * The same, with a copy of the bytes the record's fields cover, so that the
 * rules need no raw bytes (for a tracker with drop_raw); a field equal to
 * the call's own string for it (c: the call the message joins, or NULL) is
 * not copied but refers to it.
 */
size_t	 rules_observe_copy(void *arg, const struct sip_msg *sm,
	    const struct call *c, unsigned char *rec, size_t cap);
/*
 * The call's own string for each field a record may share with it (its
 * Call-ID, caller, callee, Request-URI, method, User-Agent), absent for
 * the others.
 */
void	 rules_call_fields(const struct call *c, struct sv_str *f);
/* Whether any rule is enabled. */
int	 rules_enabled(const struct config *cfg);
/* Build the summary of a call; 0 or -1.  Free with rules_summary_free(). */
int	 rules_summarize(const struct config *cfg, const struct call *c,
	    int64_t now, struct rules_summary *s);
/* Apply the enabled rules to a summary; 0 or -1. */
int	 rules_apply(const struct config *cfg, const struct rules_summary *s,
	    struct diagnosis *out);
/* Free a summary's arrays. */
void	 rules_summary_free(struct rules_summary *s);
/* Free a diagnosis's findings and strings. */
void	 rules_diagnosis_free(struct diagnosis *d);
/* Name of a verdict ("ok", "auth-failed", "failed", "in-progress"). */
const char *rules_verdict_name(int verdict);
/* Name of a severity ("error", "warning", "info"). */
const char *rules_severity_name(int severity);
/* Name of a PBX product ("Cisco CUBE", ...). */
const char *rules_pbx_name(int pbx);
/* Recognise a PBX from a User-Agent or Server value. */
int	 rules_pbx_detect(struct sv_str ua);
/* Number of rules. */
int	 rules_count(void);
/* The i-th rule, NULL when out of range. */
const struct rule_info *rules_get(int i);
/* Index of a rule by id, or -1. */
int	 rules_find(const char *id);
/* Print one line per rule: id, severity, title. */
void	 rules_list(FILE *fp);
/* Print a rule's explanation and fixes; 0, or -1 for an unknown id. */
int	 rules_explain(FILE *fp, const char *id);
/* Print every rule's full documentation (the man page section). */
void	 rules_manual(FILE *fp);

#endif
