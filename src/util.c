/*
 * util.c: small helpers shared by the engine: names of counters and
 * transports, address and time formatting, slice comparison.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sv.h"

const char *const sv_drop_names[SV_DROP__MAX] = {
	[SV_DROP_TRUNCATED] = "truncated",
	[SV_DROP_LINK] = "bad-link-layer",
	[SV_DROP_IP_BAD] = "bad-ip-header",
	[SV_DROP_PROTO] = "other-ip-protocol",
	[SV_DROP_FRAG_TIMEOUT] = "fragment-timeout",
	[SV_DROP_FRAG_MEMORY] = "fragment-memory-limit",
	[SV_DROP_FRAG_BAD] = "bad-fragment",
	[SV_DROP_TCP_GAP] = "tcp-gap",
	[SV_DROP_TCP_MEMORY] = "tcp-memory-limit",
	[SV_DROP_TCP_JUNK] = "tcp-non-sip-bytes",
	[SV_DROP_SIP_MALFORMED] = "sip-malformed",
	[SV_DROP_SIP_TOO_LARGE] = "sip-too-large",
	[SV_DROP_TUNNEL] = "bad-tunnel",
};

const char *const sv_transport_names[SV_T__MAX] = {
	[SV_T_UNKNOWN] = "?",
	[SV_T_UDP] = "UDP",
	[SV_T_TCP] = "TCP",
	[SV_T_TLS] = "TLS",
	[SV_T_SCTP] = "SCTP",
	[SV_T_WS] = "WS",
	[SV_T_WSS] = "WSS",
};

/* Format only the IP part of an address. */
size_t
sv_addr_format_ip(const struct sv_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (a->af == 4)
		inet_ntop(AF_INET, a->ip, buf, len);
	else if (a->af == 6)
		inet_ntop(AF_INET6, a->ip, buf, len);
	else
		snprintf(buf, len, "?");
	return strlen(buf);
}

/* Write v (0-65535) in decimal at p; returns the digits written. */
static size_t
sv_utoa(char *p, unsigned v)
{
	char d[8];
	size_t n = 0, i;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < sizeof d);
	for (i = 0; i < n; i++)
		p[i] = d[n - 1 - i];
	return n;
}

/* Format an address as "1.2.3.4:5060" or "[2001:db8::1]:5060". */
size_t
sv_addr_format(const struct sv_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	size_t k;
	int n, i;

	if (a->af == 4 && len >= sizeof "255.255.255.255:65535") {
		/* The common case by hand: inet_ntop and snprintf cost more. */
		for (k = 0, i = 0; i < 4; i++) {
			if (i > 0)
				buf[k++] = '.';
			k += sv_utoa(buf + k, a->ip[i]);
		}
		buf[k++] = ':';
		k += sv_utoa(buf + k, a->port);
		buf[k] = '\0';
		return k;
	}
	sv_addr_format_ip(a, ip, sizeof ip);
	if (a->af == 6)
		n = snprintf(buf, len, "[%s]:%u", ip, a->port);
	else
		n = snprintf(buf, len, "%s:%u", ip, a->port);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len ? len - 1 : 0;
}

/* Compare two addresses (family, ip, port); 0 when equal. */
int
sv_addr_cmp(const struct sv_addr *a, const struct sv_addr *b)
{
	size_t n;

	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	n = a->af == 6 ? 16 : 4;
	int c = memcmp(a->ip, b->ip, n);
	if (c != 0)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

/*
 * Compare a slice to a C string, case-insensitively (ASCII letters whatever
 * the locale, as SIP tokens are ASCII); 1 when equal.
 */
int
sv_str_ieq(struct sv_str a, const char *b)
{
	size_t i;
	unsigned char x, y;

	if (a.s == NULL)
		return 0;
	for (i = 0; i < a.len; i++) {
		x = (unsigned char)a.s[i];
		y = (unsigned char)b[i];
		if (y == '\0')
			return 0;
		if (x != y) {
			if (x >= 'A' && x <= 'Z')
				x |= 0x20;
			if (y >= 'A' && y <= 'Z')
				y |= 0x20;
			if (x != y)
				return 0;
		}
	}
	return b[i] == '\0';
}

/* Compare two slices byte for byte; 1 when equal. */
int
sv_str_eq(struct sv_str a, struct sv_str b)
{
	if (a.len != b.len)
		return 0;
	if (a.len == 0)
		return 1;
	return memcmp(a.s, b.s, a.len) == 0;
}

/* Write v as exactly n decimal digits, zero-padded, at p. */
static void
sv_digits(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Format a capture time as "2026-11-25T09:00:01.123456Z" (UTC). */
size_t
sv_time_format(int64_t ts, char *buf, size_t len)
{
	time_t sec = (time_t)(ts >= 0 ? ts / 1000000 : (ts - 999999) / 1000000);
	long usec = (long)(ts - (int64_t)sec * 1000000);
	struct tm tm;
	char day[32];
	int n;

	if (gmtime_r(&sec, &tm) == NULL)
		snprintf(day, sizeof day, "?");
	else if (tm.tm_year >= 1000 - 1900 && tm.tm_year <= 9999 - 1900 &&
	    len >= sizeof "2026-11-25T09:00:01.123456Z") {
		/* The common case by hand: strftime and snprintf cost more. */
		sv_digits(buf, tm.tm_year + 1900, 4);
		buf[4] = '-';
		sv_digits(buf + 5, tm.tm_mon + 1, 2);
		buf[7] = '-';
		sv_digits(buf + 8, tm.tm_mday, 2);
		buf[10] = 'T';
		sv_digits(buf + 11, tm.tm_hour, 2);
		buf[13] = ':';
		sv_digits(buf + 14, tm.tm_min, 2);
		buf[16] = ':';
		sv_digits(buf + 17, tm.tm_sec, 2);
		buf[19] = '.';
		sv_digits(buf + 20, (int)usec, 6);
		buf[26] = 'Z';
		buf[27] = '\0';
		return 27;
	} else if (strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(day, sizeof day, "?");
	n = snprintf(buf, len, "%s.%06ldZ", day, usec);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len ? len - 1 : 0;
}
