/*
 * digest.c: HTTP/SIP digest responses (RFC 2617 3.2.2, RFC 7616 3.4,
 * RFC 8760) computed and verified with OpenSSL's EVP interface.
 *
 * Workload: a handful of computations per authenticated request the tracker
 * sees (a retry after a 401/407, or the proxy answering a challenge), so
 * every call builds its own EVP context and nothing is cached.  Inputs are
 * slices into captured messages plus a password from the configuration; the
 * password and the password-equivalent HA1 are never logged and are wiped
 * from the stack before returning.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "digest.h"

/* Longest binary hash we compute (SHA-256, SHA-512/256: 32 bytes). */
#define DIGEST_MAXBIN	32
/* Longest hex hash plus NUL. */
#define DIGEST_MAXHEX	(2 * DIGEST_MAXBIN + 1)

/* Names as RFC 7616 3.3 spells them, indexed by enum digest_alg. */
static const char *const digest_alg_names[] = {
	"MD5",
	"MD5-sess",
	"SHA-256",
	"SHA-256-sess",
	"SHA-512-256",
	"SHA-512-256-sess",
	"unknown"
};

/* Return the EVP message digest behind an algorithm, NULL if unknown. */
static const EVP_MD *
digest_evp(enum digest_alg alg)
{
	switch (alg) {
	case DIGEST_ALG_MD5:
	case DIGEST_ALG_MD5_SESS:
		return EVP_md5();
	case DIGEST_ALG_SHA256:
	case DIGEST_ALG_SHA256_SESS:
		return EVP_sha256();
	case DIGEST_ALG_SHA512_256:
	case DIGEST_ALG_SHA512_256_SESS:
		return EVP_sha512_256();
	default:
		return NULL;
	}
}

/* Whether an algorithm is a -sess variant (HA1 includes nonce and cnonce). */
static int
digest_alg_sess(enum digest_alg alg)
{
	return alg == DIGEST_ALG_MD5_SESS || alg == DIGEST_ALG_SHA256_SESS ||
	    alg == DIGEST_ALG_SHA512_256_SESS;
}

/* Parse an algorithm parameter; an absent one (s == NULL) is MD5. */
enum digest_alg
digest_alg_parse(struct sv_str name)
{
	size_t	i;

	if (name.s == NULL)
		return DIGEST_ALG_MD5;
	/* Some user agents quote the token: tolerate one pair of quotes. */
	if (name.len >= 2 && name.s[0] == '"' && name.s[name.len - 1] == '"') {
		name.s++;
		name.len -= 2;
	}
	for (i = 0; i < DIGEST_ALG_UNKNOWN; i++) {
		if (strlen(digest_alg_names[i]) == name.len &&
		    strncasecmp(name.s, digest_alg_names[i], name.len) == 0)
			return (enum digest_alg)i;
	}
	return DIGEST_ALG_UNKNOWN;
}

/* The canonical name of an algorithm ("MD5", "SHA-256", ...). */
const char *
digest_alg_name(enum digest_alg alg)
{
	if ((unsigned)alg > DIGEST_ALG_UNKNOWN)
		alg = DIGEST_ALG_UNKNOWN;
	return digest_alg_names[alg];
}

/* Hex length of an algorithm's hash (32 or 64), 0 if unknown. */
size_t
digest_alg_hexlen(enum digest_alg alg)
{
	switch (alg) {
	case DIGEST_ALG_MD5:
	case DIGEST_ALG_MD5_SESS:
		return 32;
	case DIGEST_ALG_SHA256:
	case DIGEST_ALG_SHA256_SESS:
	case DIGEST_ALG_SHA512_256:
	case DIGEST_ALG_SHA512_256_SESS:
		return 64;
	default:
		return 0;
	}
}

/*
 * Hash the n slices joined by ':' and write the lowercase hex into hex (at
 * least DIGEST_MAXHEX bytes); returns the hex length or -1 on failure.
 */
static int
digest_hash(enum digest_alg alg, const struct sv_str *parts, size_t n,
    char *hex)
{
	static const char	 xd[] = "0123456789abcdef";
	const EVP_MD		*md;
	EVP_MD_CTX		*ctx;
	unsigned char		 bin[EVP_MAX_MD_SIZE];
	unsigned int		 binlen = 0;
	size_t			 i;
	int			 ok;

	if ((md = digest_evp(alg)) == NULL)
		return -1;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, md, NULL);
	for (i = 0; ok && i < n; i++) {
		if (i > 0)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok && parts[i].s != NULL && parts[i].len > 0)
			ok = EVP_DigestUpdate(ctx, parts[i].s, parts[i].len);
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, bin, &binlen);
	EVP_MD_CTX_free(ctx);
	if (!ok || binlen == 0 || binlen > DIGEST_MAXBIN) {
		OPENSSL_cleanse(bin, sizeof bin);
		return -1;
	}
	for (i = 0; i < binlen; i++) {
		hex[2 * i] = xd[bin[i] >> 4];
		hex[2 * i + 1] = xd[bin[i] & 0xf];
	}
	hex[2 * binlen] = '\0';
	OPENSSL_cleanse(bin, sizeof bin);
	return (int)(2 * binlen);
}

/* Wrap a NUL-terminated buffer of known length as a slice. */
static struct sv_str
digest_sv(const char *s, int len)
{
	return (struct sv_str){ s, (size_t)len };
}

/*
 * Compute the lowercase hex response into out (at least 129 bytes), NUL
 * terminated; returns its length, or -1 for an unknown algorithm or qop.
 */
int
digest_response(const struct digest_input *in, char *out, size_t outlen)
{
	char		 ha1[DIGEST_MAXHEX], ha2[DIGEST_MAXHEX];
	char		 tmp[DIGEST_MAXHEX], res[DIGEST_MAXHEX];
	struct sv_str	 p[6];
	int		 auth_int = 0, n1, n2, nr = -1, nt;

	if (in == NULL || out == NULL || digest_evp(in->alg) == NULL)
		return -1;
	if (outlen < digest_alg_hexlen(in->alg) + 1)
		return -1;
	if (in->qop.s != NULL) {
		if (sv_str_ieq(in->qop, "auth-int"))
			auth_int = 1;
		else if (!sv_str_ieq(in->qop, "auth"))
			return -1;
	}

	/* HA1 = H(user:realm:pass), or H(H(user:realm:pass):nonce:cnonce). */
	p[0] = in->username;
	p[1] = in->realm;
	p[2] = in->password;
	if ((n1 = digest_hash(in->alg, p, 3, ha1)) < 0)
		goto out;
	if (digest_alg_sess(in->alg)) {
		p[0] = digest_sv(ha1, n1);
		p[1] = in->nonce;
		p[2] = in->cnonce;
		if ((nt = digest_hash(in->alg, p, 3, tmp)) < 0)
			goto out;
		memcpy(ha1, tmp, (size_t)nt + 1);
	}

	/* HA2 = H(method:uri), or H(method:uri:H(body)) for auth-int. */
	p[0] = in->method;
	p[1] = in->uri;
	if (auth_int) {
		if ((nt = digest_hash(in->alg, &in->body, 1, tmp)) < 0)
			goto out;
		p[2] = digest_sv(tmp, nt);
		n2 = digest_hash(in->alg, p, 3, ha2);
	} else
		n2 = digest_hash(in->alg, p, 2, ha2);
	if (n2 < 0)
		goto out;

	/* response = H(HA1:nonce:nc:cnonce:qop:HA2), or H(HA1:nonce:HA2). */
	p[0] = digest_sv(ha1, n1);
	p[1] = in->nonce;
	if (in->qop.s != NULL) {
		p[2] = in->nc;
		p[3] = in->cnonce;
		p[4] = in->qop;
		p[5] = digest_sv(ha2, n2);
		nr = digest_hash(in->alg, p, 6, res);
	} else {
		p[2] = digest_sv(ha2, n2);
		nr = digest_hash(in->alg, p, 3, res);
	}
	if (nr >= 0)
		memcpy(out, res, (size_t)nr + 1);
out:
	OPENSSL_cleanse(ha1, sizeof ha1);
	OPENSSL_cleanse(tmp, sizeof tmp);
	return nr;
}

/* Whether response (hex, any case) is what in computes to: 1 yes, 0 no. */
int
digest_verify(const struct digest_input *in, struct sv_str response)
{
	char		 want[DIGEST_MAXHEX];
	unsigned int	 diff = 0;
	size_t		 i;
	int		 n;

	if (response.s == NULL)
		return 0;
	if ((n = digest_response(in, want, sizeof want)) < 0)
		return 0;
	if (response.len != (size_t)n) {
		OPENSSL_cleanse(want, sizeof want);
		return 0;
	}
	/* Touch every byte whatever the first difference (constant time-ish). */
	for (i = 0; i < response.len; i++)
		diff |= (unsigned int)(tolower((unsigned char)response.s[i]) ^
		    (unsigned char)want[i]);
	OPENSSL_cleanse(want, sizeof want);
	return diff == 0;
}

/* RFC 7616 3.4.4 userhash H(username ":" realm) in hex; returns length or -1. */
int
digest_userhash(enum digest_alg alg, struct sv_str username,
    struct sv_str realm, char *out, size_t outlen)
{
	char		 hex[DIGEST_MAXHEX];
	struct sv_str	 p[2];
	int		 n;

	if (out == NULL || digest_evp(alg) == NULL ||
	    outlen < digest_alg_hexlen(alg) + 1)
		return -1;
	p[0] = username;
	p[1] = realm;
	if ((n = digest_hash(alg, p, 2, hex)) < 0)
		return -1;
	memcpy(out, hex, (size_t)n + 1);
	return n;
}
