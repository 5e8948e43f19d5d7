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

/* Format an address as "1.2.3.4:5060" or "[2001:db8::1]:5060". */
size_t
sv_addr_format(const struct sv_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	int n;

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

/* Compare a slice to a C string, case-insensitively; 1 when equal. */
int
sv_str_ieq(struct sv_str a, const char *b)
{
	size_t n = strlen(b);

	return a.s != NULL && a.len == n && strncasecmp(a.s, b, n) == 0;
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

/* Format a capture time as "2026-11-25T09:00:01.123456Z" (UTC). */
size_t
sv_time_format(int64_t ts, char *buf, size_t len)
{
	time_t sec = (time_t)(ts >= 0 ? ts / 1000000 : (ts - 999999) / 1000000);
	long usec = (long)(ts - (int64_t)sec * 1000000);
	struct tm tm;
	char day[32];
	int n;

	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(day, sizeof day, "?");
	n = snprintf(buf, len, "%s.%06ldZ", day, usec);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len ? len - 1 : 0;
}
