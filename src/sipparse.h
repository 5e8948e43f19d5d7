/*
 * sipparse.h: the full structured SIP parse, done by libosip2 and confined
 * to this module: validating a message the scanner finds odd, the TUI's
 * message view, and later the proxy.  Not for the per-packet hot path
 * (libosip2 allocates per header; see sipparse.c).
 */
#ifndef SIPPARSE_H
#define SIPPARSE_H

#include <stddef.h>

/*
 * Initialise libosip2's parser once per process (its parser_init() fills
 * process-wide tables); safe to call repeatedly.  The other functions call
 * it themselves.  Returns 0, or -1 if libosip2 failed to initialise.
 */
int	sipparse_init(void);

/*
 * Whether libosip2 parses buf (len bytes, NULs allowed, need not be
 * NUL-terminated) and the mandatory headers (Call-ID, CSeq, From, To, Via)
 * are present: 0 yes, -1 no with a one-line reason in err (errlen bytes,
 * NUL-terminated; err may be NULL).
 */
int	sipparse_validate(const char *buf, size_t len, char *err,
	    size_t errlen);

/*
 * A human-readable structured view of buf for the message view, one item a
 * line, malloc'ed into *out (the caller frees it).  Returns 0; or -1 when
 * libosip2 refuses the message, with *out a malloc'ed one-line reason (or
 * NULL when out of memory).  Control bytes are shown as \xHH.
 */
int	sipparse_structured(const char *buf, size_t len, char **out);

#endif
