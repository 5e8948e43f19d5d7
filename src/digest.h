/*
 * digest.h: HTTP/SIP digest responses computed and verified (RFC 2617,
 * RFC 7616, RFC 8760): MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256,
 * SHA-512-256-sess; qop auth and auth-int; userhash.  Hashes come from
 * OpenSSL's libcrypto (EVP).  Passwords are never logged.
 */
#ifndef DIGEST_H
#define DIGEST_H

#include "sv.h"

enum digest_alg {
	DIGEST_ALG_MD5 = 0,
	DIGEST_ALG_MD5_SESS,
	DIGEST_ALG_SHA256,
	DIGEST_ALG_SHA256_SESS,
	DIGEST_ALG_SHA512_256,
	DIGEST_ALG_SHA512_256_SESS,
	DIGEST_ALG_UNKNOWN
};

/* What a digest response is computed from; absent values have s == NULL. */
struct digest_input {
	enum digest_alg	 alg;
	struct sv_str	 username;	/* as sent (or the clear name when userhash) */
	struct sv_str	 realm;
	struct sv_str	 password;
	struct sv_str	 method;	/* the request method (ACK/CANCEL: INVITE's) */
	struct sv_str	 uri;		/* the digest uri parameter */
	struct sv_str	 nonce;
	struct sv_str	 cnonce;
	struct sv_str	 nc;
	struct sv_str	 qop;		/* "auth", "auth-int" or absent */
	struct sv_str	 body;		/* message body, for auth-int */
};

/* Parse an algorithm parameter; an absent one (s == NULL) is MD5. */
enum digest_alg	 digest_alg_parse(struct sv_str name);
/* The canonical name of an algorithm ("MD5", "SHA-256", ...). */
const char	*digest_alg_name(enum digest_alg alg);
/* Hex length of an algorithm's hash (32 or 64), 0 if unknown. */
size_t		 digest_alg_hexlen(enum digest_alg alg);
/*
 * Compute the lowercase hex response into out (at least 129 bytes), NUL
 * terminated; returns its length, or -1 for an unknown algorithm or qop.
 */
int	 digest_response(const struct digest_input *in, char *out, size_t outlen);
/* Whether response (hex, any case) is what in computes to: 1 yes, 0 no. */
int	 digest_verify(const struct digest_input *in, struct sv_str response);
/* RFC 7616 3.4.4 userhash H(username ":" realm) in hex; returns length or -1. */
int	 digest_userhash(enum digest_alg alg, struct sv_str username,
	    struct sv_str realm, char *out, size_t outlen);

#endif
