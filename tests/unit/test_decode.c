/*
 * test_decode.c: unit tests for the frame decoder.  Frames are built in
 * memory from the inside out (SIP payload, UDP, IP, tunnels, link layer)
 * and checked against what a counting sink receives; a last test runs
 * every public capture in the shared corpus through the decoder.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <pcap/pcap.h>
#include <zlib.h>

#include "decode.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

#define T_SIP \
	"OPTIONS sip:vapi@sip.vapi.ai SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1\r\n" \
	"From: <sip:noc@example.com>;tag=1\r\n" \
	"To: <sip:vapi@sip.vapi.ai>\r\n" \
	"Call-ID: decode-test-1\r\n" \
	"CSeq: 1 OPTIONS\r\n" \
	"Content-Length: 0\r\n\r\n"

/* What the counting sink saw. */
struct t_sink {
	int		 n;
	struct sv_meta	 m;
	char		 msg[70000];
	size_t		 len;
};

/* A frame under construction, grown at both ends inside a fixed buffer. */
struct t_frame {
	uint8_t		 buf[140000];
	size_t		 start;
	size_t		 end;
};

/* The sink: count messages and keep the last one. */
static void
t_sink_message(void *arg, const struct sv_meta *m, const char *buf, size_t len)
{
	struct t_sink *s = arg;

	s->n++;
	s->m = *m;
	s->len = len < sizeof s->msg ? len : sizeof s->msg;
	memcpy(s->msg, buf, s->len);
}

/* Start an empty frame in the middle of its buffer. */
static void
t_frame_init(struct t_frame *f)
{
	f->start = f->end = 70000;
}

/* Append bytes at the end of the frame. */
static void
t_append(struct t_frame *f, const void *p, size_t len)
{
	memcpy(f->buf + f->end, p, len);
	f->end += len;
}

/* Make room for n zeroed bytes at the front of the frame and return them. */
static uint8_t *
t_push(struct t_frame *f, size_t n)
{
	f->start -= n;
	memset(f->buf + f->start, 0, n);
	return f->buf + f->start;
}

/* Bytes in the frame. */
static size_t
t_len(const struct t_frame *f)
{
	return f->end - f->start;
}

/* Write a big-endian 16-bit value. */
static void
t_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Write a big-endian 32-bit value. */
static void
t_put32(uint8_t *p, uint32_t v)
{
	t_put16(p, v >> 16);
	t_put16(p + 2, v & 0xffff);
}

/* Prepend a UDP header (RFC 768). */
static void
t_udp(struct t_frame *f, unsigned sport, unsigned dport)
{
	size_t len = t_len(f) + 8;
	uint8_t *h = t_push(f, 8);

	t_put16(h, sport);
	t_put16(h + 2, dport);
	t_put16(h + 4, (unsigned)len);
}

/* Prepend a minimal TCP header with flags. */
static void
t_tcp(struct t_frame *f, unsigned sport, unsigned dport, uint32_t seq,
    uint8_t flags)
{
	uint8_t *h = t_push(f, 20);

	t_put16(h, sport);
	t_put16(h + 2, dport);
	t_put32(h + 4, seq);
	h[12] = 5 << 4;
	h[13] = flags;
}

/* Prepend an IPv4 header (RFC 791) with fragment field fo. */
static void
t_ipv4_frag(struct t_frame *f, uint32_t src, uint32_t dst, uint8_t proto,
    uint16_t id, uint16_t fo)
{
	size_t len = t_len(f) + 20;
	uint8_t *h = t_push(f, 20);

	h[0] = 0x45;
	t_put16(h + 2, (unsigned)len);
	t_put16(h + 4, id);
	t_put16(h + 6, fo);
	h[8] = 64;
	h[9] = proto;
	t_put32(h + 12, src);
	t_put32(h + 16, dst);
}

/* Prepend an unfragmented IPv4 header. */
static void
t_ipv4(struct t_frame *f, uint32_t src, uint32_t dst, uint8_t proto)
{
	t_ipv4_frag(f, src, dst, proto, 1, 0);
}

static const uint8_t t_v6src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t t_v6dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* Prepend an IPv6 header (RFC 8200) with next header nh. */
static void
t_ipv6(struct t_frame *f, uint8_t nh)
{
	size_t len = t_len(f);
	uint8_t *h = t_push(f, 40);

	h[0] = 0x60;
	t_put16(h + 4, (unsigned)len);
	h[6] = nh;
	h[7] = 64;
	memcpy(h + 8, t_v6src, 16);
	memcpy(h + 24, t_v6dst, 16);
}

/* Prepend an Ethernet II header with ethertype type. */
static void
t_ether(struct t_frame *f, unsigned type)
{
	uint8_t *h = t_push(f, 14);

	memset(h, 0x02, 12);
	t_put16(h + 12, type);
}

/* Prepend an 802.1Q-style tag: tpid goes in the header outside, inner type here. */
static void
t_tag(struct t_frame *f, unsigned vid, unsigned inner)
{
	uint8_t *h = t_push(f, 4);

	t_put16(h, vid);
	t_put16(h + 2, inner);
}

/* Build the SIP payload over UDP 5060 -> 5060 inside IPv4. */
static void
t_sip_udp4(struct t_frame *f, unsigned sport, unsigned dport)
{
	t_frame_init(f);
	t_append(f, T_SIP, strlen(T_SIP));
	t_udp(f, sport, dport);
	t_ipv4(f, 0xc0000201, 0xc0000202, 17);
}

/* A decoder with the counting sink attached. */
static struct decoder *
t_decoder(struct sv_stats *st, struct t_sink *s)
{
	struct decode_config c;
	struct sv_sink sink = { t_sink_message, s, NULL };

	memset(st, 0, sizeof *st);
	memset(s, 0, sizeof *s);
	decode_config_default(&c);
	return decode_new(&c, st, sink);
}

/* Sum of all drop counters. */
static uint64_t
t_drops(const struct sv_stats *st)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < SV_DROP__MAX; i++)
		n += st->drop[i];
	return n;
}

/* Check that exactly one message arrived: the test SIP over UDP from .1:sport to .2:dport. */
static void
t_check_v4(const struct t_sink *s, const struct sv_stats *st, unsigned sport,
    unsigned dport)
{
	static const uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };

	ck_assert_int_eq(s->n, 1);
	ck_assert_uint_eq(s->len, strlen(T_SIP));
	ck_assert_int_eq(memcmp(s->msg, T_SIP, s->len), 0);
	ck_assert_int_eq(s->m.src.af, 4);
	ck_assert_int_eq(s->m.dst.af, 4);
	ck_assert_int_eq(memcmp(s->m.src.ip, a, 4), 0);
	ck_assert_int_eq(memcmp(s->m.dst.ip, b, 4), 0);
	ck_assert_uint_eq(s->m.src.port, sport);
	ck_assert_uint_eq(s->m.dst.port, dport);
	ck_assert_int_eq(s->m.transport, SV_T_UDP);
	ck_assert_uint_eq(t_drops(st), 0);
	ck_assert_uint_eq(st->not_sip, 0);
}

/* Ethernet, IPv4, UDP with a padded trailer delivers the message and its meta. */
START_TEST(t_ether_ipv4_udp)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	uint8_t pad[20] = { 0 };

	t_sip_udp4(&f, 5062, 5060);
	t_ether(&f, 0x0800);
	t_append(&f, pad, sizeof pad);	/* trailer: must be trimmed by IP length */
	decode_frame(d, DLT_EN10MB, 1234567, 42, 3, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5062, 5060);
	ck_assert_int_eq(s.m.ts, 1234567);
	ck_assert_uint_eq(s.m.frame, 42);
	ck_assert_uint_eq(s.m.source, 3);
	ck_assert_int_eq(s.m.fragmented, 0);
	decode_free(d);
}
END_TEST

/* The ICMP hook of the counting sink: count errors and keep the last one. */
static void
t_sink_icmp(void *arg, const struct sv_meta *m, const char *buf, size_t len)
{
	struct t_sink *s = arg;

	s->n += 1000;
	s->m = *m;
	s->len = len < sizeof s->msg ? len : sizeof s->msg;
	memcpy(s->msg, buf, s->len);
}

/* A decoder whose sink also takes ICMP errors. */
static struct decoder *
t_decoder_icmp(struct sv_stats *st, struct t_sink *s)
{
	struct decode_config c;
	struct sv_sink sink = { t_sink_message, s, t_sink_icmp };

	memset(st, 0, sizeof *st);
	memset(s, 0, sizeof *s);
	decode_config_default(&c);
	return decode_new(&c, st, sink);
}

/* Prepend an ICMP or ICMPv6 error header (type, code, 4 unused bytes). */
static void
t_icmp(struct t_frame *f, uint8_t type, uint8_t code)
{
	uint8_t *h = t_push(f, 8);

	h[0] = type;
	h[1] = code;
}

/*
 * ICMP port unreachable quoting an IPv4 UDP packet cut after 100 bytes of
 * SIP: the hook gets the quoted addresses, ports and payload, the outer
 * sender, type and code; the message sink gets nothing.
 */
START_TEST(t_icmp4_unreachable)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder_icmp(&st, &s);
	uint8_t ip[4];

	t_sip_udp4(&f, 5062, 5060);
	f.end = f.start + 28 + 100;		/* the quote is cut */
	t_icmp(&f, 3, 3);
	t_ipv4(&f, 0xc0000263, 0xc0000201, 1);
	t_ether(&f, 0x0800);
	decode_frame(d, DLT_EN10MB, 5, 7, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 1000);
	ck_assert_uint_eq(s.len, 100);
	ck_assert(memcmp(s.msg, T_SIP, 100) == 0);
	ck_assert_int_eq(s.m.src.af, 4);
	ck_assert_uint_eq(s.m.src.port, 5062);
	ck_assert_uint_eq(s.m.dst.port, 5060);
	t_put32(ip, 0xc0000201);
	ck_assert(memcmp(s.m.src.ip, ip, 4) == 0);
	t_put32(ip, 0xc0000263);
	ck_assert(memcmp(s.m.icmp_from.ip, ip, 4) == 0);
	ck_assert_int_eq(s.m.icmp_v6, 0);
	ck_assert_int_eq(s.m.icmp_type, 3);
	ck_assert_int_eq(s.m.icmp_code, 3);
	ck_assert_int_eq(s.m.transport, SV_T_UDP);
	ck_assert_uint_eq(t_drops(&st), 0);

	/* Time exceeded too; an echo request is another protocol. */
	t_sip_udp4(&f, 5062, 5060);
	t_icmp(&f, 11, 0);
	t_ipv4(&f, 0xc0000263, 0xc0000201, 1);
	decode_frame(d, DLT_RAW, 6, 8, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 2000);
	ck_assert_int_eq(s.m.icmp_type, 11);
	t_sip_udp4(&f, 5062, 5060);
	t_icmp(&f, 8, 0);
	t_ipv4(&f, 0xc0000263, 0xc0000201, 1);
	decode_frame(d, DLT_RAW, 7, 9, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 2000);
	ck_assert_uint_eq(st.drop[SV_DROP_PROTO], 1);
	decode_free(d);
}
END_TEST

/* ICMPv6 port unreachable quoting an IPv6 UDP packet. */
START_TEST(t_icmp6_unreachable)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder_icmp(&st, &s);

	t_frame_init(&f);
	t_append(&f, T_SIP, strlen(T_SIP));
	t_udp(&f, 5062, 5060);
	t_ipv6(&f, 17);
	t_icmp(&f, 1, 4);
	t_ipv6(&f, 58);
	t_ether(&f, 0x86dd);
	decode_frame(d, DLT_EN10MB, 5, 7, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 1000);
	ck_assert_uint_eq(s.len, strlen(T_SIP));
	ck_assert_int_eq(s.m.src.af, 6);
	ck_assert(memcmp(s.m.src.ip, t_v6src, 16) == 0);
	ck_assert(memcmp(s.m.dst.ip, t_v6dst, 16) == 0);
	ck_assert_uint_eq(s.m.src.port, 5062);
	ck_assert_int_eq(s.m.icmp_v6, 1);
	ck_assert_int_eq(s.m.icmp_type, 1);
	ck_assert_int_eq(s.m.icmp_code, 4);
	ck_assert_uint_eq(t_drops(&st), 0);
	decode_free(d);
}
END_TEST

/*
 * Bad ICMP quotes: too short for the quoted header or its UDP header is
 * counted truncated; a quote of TCP, or a decoder without an ICMP hook,
 * carries no SIP; nothing reaches either sink.
 */
START_TEST(t_icmp_bad_quotes)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder_icmp(&st, &s);
	struct decoder *plain;

	t_sip_udp4(&f, 5062, 5060);
	f.end = f.start + 24;			/* IP header, half a UDP one */
	t_icmp(&f, 3, 1);
	t_ipv4(&f, 0xc0000263, 0xc0000201, 1);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_frame_init(&f);
	t_append(&f, "\x45\x00", 2);		/* a quoted header cut at 2 bytes */
	t_icmp(&f, 3, 3);
	t_ipv4(&f, 0xc0000263, 0xc0000201, 1);
	decode_frame(d, DLT_RAW, 2, 2, 0, f.buf + f.start, t_len(&f));
	t_frame_init(&f);
	t_icmp(&f, 3, 3);			/* no room for the ICMP header */
	f.end -= 4;
	t_ipv4(&f, 0xc0000263, 0xc0000201, 1);
	decode_frame(d, DLT_RAW, 3, 3, 0, f.buf + f.start, t_len(&f));
	ck_assert_uint_eq(st.drop[SV_DROP_TRUNCATED], 3);
	t_sip_udp4(&f, 5062, 5060);
	f.buf[f.start + 9] = 6;			/* the quote says TCP */
	t_icmp(&f, 3, 3);
	t_ipv4(&f, 0xc0000263, 0xc0000201, 1);
	decode_frame(d, DLT_RAW, 4, 4, 0, f.buf + f.start, t_len(&f));
	ck_assert_uint_eq(st.not_sip, 1);
	ck_assert_int_eq(s.n, 0);
	decode_free(d);

	plain = t_decoder(&st, &s);
	t_sip_udp4(&f, 5062, 5060);
	t_icmp(&f, 3, 3);
	t_ipv4(&f, 0xc0000263, 0xc0000201, 1);
	decode_frame(plain, DLT_RAW, 5, 5, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 0);
	ck_assert_uint_eq(st.not_sip, 1);
	decode_free(plain);
}
END_TEST

/* SIP is recognised on any UDP port. */
START_TEST(t_non_standard_port)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);

	t_sip_udp4(&f, 40000, 15060);
	t_ether(&f, 0x0800);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 40000, 15060);
	decode_free(d);
}
END_TEST

/* 802.1Q and stacked QinQ tags are peeled. */
START_TEST(t_vlan_qinq)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);

	t_sip_udp4(&f, 5060, 5060);
	t_tag(&f, 100, 0x0800);
	t_ether(&f, 0x8100);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);

	memset(&s, 0, sizeof s);
	t_sip_udp4(&f, 5060, 5060);
	t_tag(&f, 100, 0x0800);
	t_tag(&f, 200, 0x8100);
	t_tag(&f, 300, 0x88a8);
	t_ether(&f, 0x9100);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);
	decode_free(d);
}
END_TEST

/* PPPoE session frames carry IPv4. */
START_TEST(t_pppoe)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	uint8_t *h;
	size_t len;

	t_sip_udp4(&f, 5060, 5060);
	len = t_len(&f) + 2;
	h = t_push(&f, 8);
	h[0] = 0x11;
	t_put16(h + 2, 0x1234);
	t_put16(h + 4, (unsigned)len);
	t_put16(h + 6, 0x0021);
	t_ether(&f, 0x8864);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);
	decode_free(d);
}
END_TEST

/* Linux cooked captures v1 and v2 are decoded. */
START_TEST(t_sll_sll2)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	uint8_t *h;

	ck_assert_int_eq(decode_dlt_supported(DLT_LINUX_SLL), 1);
	ck_assert_int_eq(decode_dlt_supported(276), 1);
	t_sip_udp4(&f, 5060, 5060);
	h = t_push(&f, 16);
	t_put16(h + 2, 1);
	t_put16(h + 4, 6);
	t_put16(h + 14, 0x0800);
	decode_frame(d, DLT_LINUX_SLL, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);

	memset(&s, 0, sizeof s);
	t_sip_udp4(&f, 5060, 5060);
	h = t_push(&f, 20);
	t_put16(h, 0x0800);
	t_put16(h + 8, 1);
	h[11] = 6;
	decode_frame(d, 276, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);
	decode_free(d);
}
END_TEST

/* BSD loopback in both byte orders and raw IP link types are decoded. */
START_TEST(t_null_loop_raw)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	uint8_t *h;
	static const int raw[] = { DLT_RAW, 101, 228 };
	size_t i;

	/* DLT_NULL in little-endian host order, then in big-endian. */
	t_sip_udp4(&f, 5060, 5060);
	h = t_push(&f, 4);
	h[0] = 2;
	decode_frame(d, DLT_NULL, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);

	memset(&s, 0, sizeof s);
	t_sip_udp4(&f, 5060, 5060);
	h = t_push(&f, 4);
	h[3] = 2;
	decode_frame(d, DLT_NULL, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);

	memset(&s, 0, sizeof s);
	t_sip_udp4(&f, 5060, 5060);
	h = t_push(&f, 4);
	h[3] = 2;
	decode_frame(d, DLT_LOOP, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);

	for (i = 0; i < sizeof raw / sizeof raw[0]; i++) {
		memset(&s, 0, sizeof s);
		t_sip_udp4(&f, 5060, 5060);
		ck_assert_int_eq(decode_dlt_supported(raw[i]), 1);
		decode_frame(d, raw[i], 1, 1, 0, f.buf + f.start, t_len(&f));
		t_check_v4(&s, &st, 5060, 5060);
	}

	/* An unknown address family is a link-layer drop. */
	memset(&s, 0, sizeof s);
	t_sip_udp4(&f, 5060, 5060);
	h = t_push(&f, 4);
	h[0] = 99;
	decode_frame(d, DLT_NULL, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 0);
	ck_assert_uint_eq(st.drop[SV_DROP_LINK], 1);
	decode_free(d);
}
END_TEST

/* IPv6 extension headers are skipped and ESP is counted as opaque. */
START_TEST(t_ipv6_udp)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	uint8_t *h;

	t_frame_init(&f);
	t_append(&f, T_SIP, strlen(T_SIP));
	t_udp(&f, 5060, 5080);
	/* A destination options header and a hop-by-hop header in front. */
	h = t_push(&f, 8);
	h[0] = 17;
	h = t_push(&f, 16);
	h[0] = 60;
	h[1] = 1;
	t_ipv6(&f, 0);
	t_ether(&f, 0x86dd);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.len, strlen(T_SIP));
	ck_assert_int_eq(s.m.src.af, 6);
	ck_assert_int_eq(memcmp(s.m.src.ip, t_v6src, 16), 0);
	ck_assert_int_eq(memcmp(s.m.dst.ip, t_v6dst, 16), 0);
	ck_assert_uint_eq(s.m.dst.port, 5080);
	ck_assert_uint_eq(t_drops(&st), 0);

	/* ESP is opaque. */
	t_frame_init(&f);
	t_append(&f, "\0\0\0\1\0\0\0\1xxxxxxxx", 16);
	t_ipv6(&f, 50);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_uint_eq(st.drop[SV_DROP_PROTO], 1);
	decode_free(d);
}
END_TEST

/* Two IPv4 fragments reassemble and a lone one is counted at the end. */
START_TEST(t_ipv4_fragments)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f, g;
	struct decoder *d = t_decoder(&st, &s);
	size_t cut = 64;	/* first fragment: 8 UDP + 56 SIP bytes */

	/* Build the whole UDP datagram, then split its bytes in two. */
	t_frame_init(&f);
	t_append(&f, T_SIP, strlen(T_SIP));
	t_udp(&f, 5060, 5060);

	t_frame_init(&g);
	t_append(&g, f.buf + f.start + cut, t_len(&f) - cut);
	t_ipv4_frag(&g, 0xc0000201, 0xc0000202, 17, 0x4242, cut / 8);
	t_ether(&g, 0x0800);
	decode_frame(d, DLT_EN10MB, 10, 1, 0, g.buf + g.start, t_len(&g));
	ck_assert_int_eq(s.n, 0);

	f.end = f.start + cut;
	t_ipv4_frag(&f, 0xc0000201, 0xc0000202, 17, 0x4242, 0x2000);
	t_ether(&f, 0x0800);
	decode_frame(d, DLT_EN10MB, 11, 2, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);
	ck_assert_int_eq(s.m.fragmented, 1);
	ck_assert_uint_eq(st.frag_reassembled, 1);

	/* A lone first fragment is counted at the end of input. */
	decode_frame(d, DLT_EN10MB, 12, 3, 0, f.buf + f.start, t_len(&f));
	decode_flush(d);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_TIMEOUT], 1);
	decode_free(d);
}
END_TEST

/* IPv6 fragment headers reassemble through ipfrag. */
START_TEST(t_ipv6_fragments)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f, g;
	struct decoder *d = t_decoder(&st, &s);
	size_t cut = 80;
	uint8_t *h;

	t_frame_init(&f);
	t_append(&f, T_SIP, strlen(T_SIP));
	t_udp(&f, 5060, 5060);

	t_frame_init(&g);
	t_append(&g, f.buf + f.start + cut, t_len(&f) - cut);
	h = t_push(&g, 8);
	h[0] = 17;
	t_put16(h + 2, (unsigned)cut);		/* offset, M clear */
	t_put32(h + 4, 0xdeadbeef);
	t_ipv6(&g, 44);

	f.end = f.start + cut;
	h = t_push(&f, 8);
	h[0] = 17;
	t_put16(h + 2, 1);			/* offset 0, M set */
	t_put32(h + 4, 0xdeadbeef);
	t_ipv6(&f, 44);

	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 0);
	decode_frame(d, DLT_RAW, 2, 2, 0, g.buf + g.start, t_len(&g));
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.len, strlen(T_SIP));
	ck_assert_int_eq(memcmp(s.msg, T_SIP, s.len), 0);
	ck_assert_int_eq(s.m.src.af, 6);
	ck_assert_int_eq(s.m.fragmented, 1);
	ck_assert_uint_eq(st.frag_reassembled, 1);
	ck_assert_uint_eq(t_drops(&st), 0);
	decode_free(d);
}
END_TEST

/* Every truncation of a frame is counted and never read past. */
START_TEST(t_truncated)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	size_t full, n, truncs = 0;

	t_sip_udp4(&f, 5060, 5060);
	t_tag(&f, 5, 0x0800);
	t_ether(&f, 0x8100);
	full = t_len(&f);
	/* Every cut inside the headers or the payload is a truncation. */
	for (n = 0; n < full; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, f.buf + f.start, n);
		decode_frame(d, DLT_EN10MB, 1, 1, 0, copy, n);
		free(copy);
		truncs++;
	}
	ck_assert_int_eq(s.n, 0);
	ck_assert_uint_eq(st.drop[SV_DROP_TRUNCATED], truncs);
	ck_assert_uint_eq(st.not_sip, 0);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, NULL, 0);
	ck_assert_uint_eq(st.drop[SV_DROP_TRUNCATED], truncs + 1);
	decode_frame(d, 12345, 1, 1, 0, f.buf + f.start, full);
	ck_assert_uint_eq(st.drop[SV_DROP_LINK], 1);
	decode_free(d);
}
END_TEST

/* RTP and ARP count as not SIP, ICMP as another protocol. */
START_TEST(t_not_sip)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	static const uint8_t rtp[] = { 0x80, 0x00, 0x12, 0x34, 0, 0, 0, 160,
	    0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff };
	uint8_t *h;

	t_frame_init(&f);
	t_append(&f, rtp, sizeof rtp);
	t_udp(&f, 10000, 20000);
	t_ipv4(&f, 1, 2, 17);
	t_ether(&f, 0x0800);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_uint_eq(st.not_sip, 1);

	/* ARP is clean traffic, not an error. */
	t_frame_init(&f);
	h = t_push(&f, 28);
	t_put16(h, 1);
	t_ether(&f, 0x0806);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_uint_eq(st.not_sip, 2);
	ck_assert_int_eq(s.n, 0);
	ck_assert_uint_eq(t_drops(&st), 0);

	/* ICMP is an IP protocol SIP is never carried on. */
	t_frame_init(&f);
	t_append(&f, rtp, 8);
	t_ipv4(&f, 1, 2, 1);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_uint_eq(st.drop[SV_DROP_PROTO], 1);
	decode_free(d);
}
END_TEST

/* IP-in-IP and 6in4 are followed and nesting is bounded. */
START_TEST(t_ipip)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	int i;

	t_sip_udp4(&f, 5060, 5060);
	t_ipv4(&f, 0x0a000001, 0x0a000002, 4);
	t_ether(&f, 0x0800);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);	/* inner addresses win */

	/* 6in4 */
	memset(&s, 0, sizeof s);
	t_frame_init(&f);
	t_append(&f, T_SIP, strlen(T_SIP));
	t_udp(&f, 5060, 5060);
	t_ipv6(&f, 17);
	t_ipv4(&f, 0x0a000001, 0x0a000002, 41);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.m.src.af, 6);

	/* Tunnels nested too deep are refused, not followed forever. */
	memset(&s, 0, sizeof s);
	t_sip_udp4(&f, 5060, 5060);
	for (i = 0; i < 20; i++)
		t_ipv4(&f, 1, 2, 4);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 0);
	ck_assert_uint_eq(st.drop[SV_DROP_TUNNEL], 1);
	decode_free(d);
}
END_TEST

/* Prepend a GRE header with flags, protocol and the optional words. */
static void
t_gre(struct t_frame *f, unsigned flags, unsigned proto)
{
	size_t hl = 4;
	uint8_t *h;

	if (flags & 0x8000)
		hl += 4;
	if (flags & 0x2000)
		hl += 4;
	if (flags & 0x1000)
		hl += 4;
	h = t_push(f, hl);
	t_put16(h, flags);
	t_put16(h + 2, proto);
	memset(h + 4, 0xab, hl - 4);
}

/* GRE with IP, bridging, ERSPAN I/II/III and PPP payloads is decoded. */
START_TEST(t_gre_variants)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	uint8_t *h;

	/* GRE with key carrying IPv4. */
	t_sip_udp4(&f, 5060, 5060);
	t_gre(&f, 0x2000, 0x0800);
	t_ipv4(&f, 0x0a000001, 0x0a000002, 47);
	t_ether(&f, 0x0800);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);

	/* Transparent Ethernet bridging, with checksum. */
	memset(&s, 0, sizeof s);
	t_sip_udp4(&f, 5060, 5060);
	t_ether(&f, 0x0800);
	t_gre(&f, 0x8000, 0x6558);
	t_ipv4(&f, 0x0a000001, 0x0a000002, 47);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);

	/* ERSPAN type II: sequence number set, 8-byte header. */
	memset(&s, 0, sizeof s);
	t_sip_udp4(&f, 5060, 5060);
	t_ether(&f, 0x0800);
	h = t_push(&f, 8);
	h[0] = 0x10;
	t_gre(&f, 0x1000, 0x88be);
	t_ipv4(&f, 0x0a000001, 0x0a000002, 47);
	t_ether(&f, 0x0800);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);

	/* ERSPAN type I: no sequence number, no header. */
	memset(&s, 0, sizeof s);
	t_sip_udp4(&f, 5060, 5060);
	t_ether(&f, 0x0800);
	t_gre(&f, 0, 0x88be);
	t_ipv4(&f, 0x0a000001, 0x0a000002, 47);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);

	/* ERSPAN type III with the optional platform subheader. */
	memset(&s, 0, sizeof s);
	t_sip_udp4(&f, 5060, 5060);
	t_ether(&f, 0x0800);
	h = t_push(&f, 20);
	h[0] = 0x20;
	h[11] = 0x01;
	t_gre(&f, 0x1000, 0x22eb);
	t_ipv4(&f, 0x0a000001, 0x0a000002, 47);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);

	/* PPP in GRE (PPTP, version 1 with key). */
	memset(&s, 0, sizeof s);
	t_sip_udp4(&f, 5060, 5060);
	h = t_push(&f, 4);
	h[0] = 0xff;
	h[1] = 0x03;
	t_put16(h + 2, 0x0021);
	t_gre(&f, 0x2001, 0x880b);
	t_ipv4(&f, 0x0a000001, 0x0a000002, 47);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5060);
	decode_free(d);
}
END_TEST

/* GTP-U G-PDUs with extension headers carry IP; echo is not SIP. */
START_TEST(t_gtpu)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	uint8_t *h;
	size_t len;

	/* G-PDU with S set and one PDU session container extension. */
	t_frame_init(&f);
	t_append(&f, T_SIP, strlen(T_SIP));
	t_udp(&f, 5060, 5060);
	t_ipv6(&f, 17);
	h = t_push(&f, 4);
	h[0] = 1;		/* 4 bytes */
	h[3] = 0;		/* no more */
	len = t_len(&f) + 4;
	h = t_push(&f, 12);
	h[0] = 0x30 | 0x04 | 0x02;
	h[1] = 0xff;
	t_put16(h + 2, (unsigned)len);
	t_put32(h + 4, 0x11223344);
	h[11] = 0x85;
	t_udp(&f, 2152, 2152);
	t_ipv4(&f, 0x0a000001, 0x0a000002, 17);
	t_ether(&f, 0x0800);
	decode_frame(d, DLT_EN10MB, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.m.src.af, 6);
	ck_assert_uint_eq(s.m.src.port, 5060);
	ck_assert_int_eq(memcmp(s.msg, T_SIP, s.len), 0);
	ck_assert_uint_eq(t_drops(&st), 0);

	/* An echo request is not SIP. */
	t_frame_init(&f);
	h = t_push(&f, 12);
	h[0] = 0x32;
	h[1] = 1;
	t_put16(h + 2, 4);
	t_udp(&f, 2152, 2152);
	t_ipv4(&f, 1, 2, 17);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_uint_eq(st.not_sip, 1);
	decode_free(d);
}
END_TEST

/* Append one HEP3 chunk of vendor 0. */
static void
t_hep_chunk(struct t_frame *f, unsigned type, const void *v, size_t len)
{
	uint8_t h[6];

	t_put16(h, 0);
	t_put16(h + 2, type);
	t_put16(h + 4, (unsigned)(len + 6));
	t_append(f, h, 6);
	t_append(f, v, len);
}

/* Build a HEP3 packet over UDP 9060 carrying payload, compressed or not. */
static void
t_hep3(struct t_frame *f, const void *pay, size_t len, int compress_it)
{
	uint8_t v[8], z[4096];
	uLongf zlen = sizeof z;
	uint8_t *h;

	t_frame_init(f);
	t_append(f, "HEP3\0\0", 6);
	v[0] = 2;
	t_hep_chunk(f, 1, v, 1);
	v[0] = 6;
	t_hep_chunk(f, 2, v, 1);
	t_hep_chunk(f, 3, (const uint8_t[]){ 198, 51, 100, 7 }, 4);
	t_hep_chunk(f, 4, (const uint8_t[]){ 198, 51, 100, 8 }, 4);
	t_put16(v, 5070);
	t_hep_chunk(f, 7, v, 2);
	t_put16(v, 5080);
	t_hep_chunk(f, 8, v, 2);
	t_put32(v, 1700000000);
	t_hep_chunk(f, 9, v, 4);
	t_put32(v, 250000);
	t_hep_chunk(f, 10, v, 4);
	v[0] = 1;
	t_hep_chunk(f, 11, v, 1);
	t_put32(v, 2001);
	t_hep_chunk(f, 12, v, 4);
	if (compress_it) {
		ck_assert_int_eq(compress(z, &zlen, pay, len), Z_OK);
		t_hep_chunk(f, 16, z, zlen);
	} else
		t_hep_chunk(f, 15, pay, len);
	h = f->buf + f->start;
	t_put16(h + 4, (unsigned)t_len(f));
	t_udp(f, 9060, 9060);
	t_ipv4(f, 0x0a000001, 0x0a000002, 17);
	t_ether(f, 0x0800);
}

/* HEP3 plain and zlib-compressed payloads carry the inner meta. */
START_TEST(t_hep)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	static const uint8_t a[4] = { 198, 51, 100, 7 };
	int z;

	for (z = 0; z < 2; z++) {
		memset(&s, 0, sizeof s);
		t_hep3(&f, T_SIP, strlen(T_SIP), z);
		decode_frame(d, DLT_EN10MB, 5, 1, 0, f.buf + f.start,
		    t_len(&f));
		ck_assert_int_eq(s.n, 1);
		ck_assert_uint_eq(s.len, strlen(T_SIP));
		ck_assert_int_eq(memcmp(s.msg, T_SIP, s.len), 0);
		ck_assert_int_eq(s.m.src.af, 4);
		ck_assert_int_eq(memcmp(s.m.src.ip, a, 4), 0);
		ck_assert_uint_eq(s.m.src.port, 5070);
		ck_assert_uint_eq(s.m.dst.port, 5080);
		ck_assert_int_eq(s.m.transport, SV_T_TCP);
		ck_assert_int_eq(s.m.ts, INT64_C(1700000000250000));
		ck_assert_uint_eq(t_drops(&st), 0);
	}

	/* A HEP3 length past the packet is a tunnel drop. */
	t_hep3(&f, T_SIP, strlen(T_SIP), 0);
	f.buf[f.start + 14 + 20 + 8 + 4] = 0xff;
	decode_frame(d, DLT_EN10MB, 5, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_uint_eq(st.drop[SV_DROP_TUNNEL], 1);
	decode_free(d);
}
END_TEST

/* HEP version 2 carries addresses, ports and a little-endian time. */
START_TEST(t_hep2)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	uint8_t *h;

	t_frame_init(&f);
	t_append(&f, T_SIP, strlen(T_SIP));
	h = t_push(&f, 12);		/* struct hep_timehdr, little-endian */
	h[0] = 0x10;
	h[1] = 0x27;			/* 10000 s */
	h[4] = 0x05;			/* 5 us */
	h = t_push(&f, 16);
	h[0] = 2;
	h[1] = 16;
	h[2] = 2;
	h[3] = 17;
	t_put16(h + 4, 5060);
	t_put16(h + 6, 5062);
	t_put32(h + 8, 0xc0000201);
	t_put32(h + 12, 0xc0000202);
	t_udp(&f, 9060, 9060);
	t_ipv4(&f, 0x0a000001, 0x0a000002, 17);
	decode_frame(d, DLT_RAW, 5, 1, 0, f.buf + f.start, t_len(&f));
	t_check_v4(&s, &st, 5060, 5062);
	ck_assert_int_eq(s.m.ts, INT64_C(10000000005));
	decode_free(d);
}
END_TEST

/* An unfragmented SCTP DATA chunk after a SACK is delivered. */
START_TEST(t_sctp)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	uint8_t *h;
	size_t len = strlen(T_SIP), pad = (4 - len % 4) % 4;
	static const uint8_t zero[4];

	t_frame_init(&f);
	t_append(&f, T_SIP, len);
	t_append(&f, zero, pad);
	h = t_push(&f, 16);
	h[0] = 0;
	h[1] = 0x03;
	t_put16(h + 2, (unsigned)(16 + len));
	t_put32(h + 12, 0);
	h = t_push(&f, 16);		/* a SACK chunk first */
	h[0] = 3;
	t_put16(h + 2, 16);
	h = t_push(&f, 12);
	t_put16(h, 5060);
	t_put16(h + 2, 5061);
	t_ipv4(&f, 0xc0000201, 0xc0000202, 132);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.len, len);
	ck_assert_int_eq(s.m.transport, SV_T_SCTP);
	ck_assert_uint_eq(s.m.dst.port, 5061);
	ck_assert_uint_eq(t_drops(&st), 0);
	decode_free(d);
}
END_TEST

/* Build an SCTP packet with one DATA chunk of flags and tsn carrying len bytes of buf. */
static void
t_sctp_data(struct t_frame *f, uint8_t flags, uint32_t tsn, const char *buf,
    size_t len)
{
	static const uint8_t zero[4];
	uint8_t *h;

	t_frame_init(f);
	t_append(f, buf, len);
	t_append(f, zero, (4 - len % 4) % 4);
	h = t_push(f, 16);
	h[1] = flags;
	t_put16(h + 2, (unsigned)(16 + len));
	t_put32(h + 4, tsn);
	t_put16(h + 8, 3);
	h = t_push(f, 12);
	t_put16(h, 5060);
	t_put16(h + 2, 5060);
	t_ipv4(f, 0xc0000201, 0xc0000202, 132);
}

/* SCTP user messages in several DATA chunks are reassembled. */
START_TEST(t_sctp_fragments)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);
	size_t len = strlen(T_SIP);

	t_sctp_data(&f, 0x02, 7, T_SIP, 50);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_sctp_data(&f, 0x00, 8, &T_SIP[50], 50);
	decode_frame(d, DLT_RAW, 2, 2, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 0);
	t_sctp_data(&f, 0x01, 9, &T_SIP[100], len - 100);
	decode_frame(d, DLT_RAW, 3, 3, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.len, len);
	ck_assert_int_eq(memcmp(s.msg, T_SIP, len), 0);
	ck_assert_uint_eq(t_drops(&st), 0);

	/* A missing middle chunk loses the message, counted. */
	t_sctp_data(&f, 0x02, 20, T_SIP, 50);
	decode_frame(d, DLT_RAW, 4, 4, 0, f.buf + f.start, t_len(&f));
	t_sctp_data(&f, 0x01, 22, &T_SIP[100], len - 100);
	decode_frame(d, DLT_RAW, 5, 5, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(st.drop[SV_DROP_TUNNEL], 1);

	/* A first chunk never finished is counted at the end of input. */
	t_sctp_data(&f, 0x02, 30, T_SIP, 50);
	decode_frame(d, DLT_RAW, 6, 6, 0, f.buf + f.start, t_len(&f));
	decode_flush(d);
	ck_assert_uint_eq(st.drop[SV_DROP_TUNNEL], 2);
	decode_free(d);
}
END_TEST

/* Count TCP-carried deliveries: tolerant of a reassembler still being written. */
START_TEST(t_tcp_segments)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decoder *d = t_decoder(&st, &s);

	t_frame_init(&f);
	t_tcp(&f, 40000, 5060, 1000, 0x02);
	t_ipv4(&f, 0xc0000201, 0xc0000202, 6);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	t_frame_init(&f);
	t_append(&f, T_SIP, strlen(T_SIP));
	t_tcp(&f, 40000, 5060, 1001, 0x18);
	t_ipv4(&f, 0xc0000201, 0xc0000202, 6);
	decode_frame(d, DLT_RAW, 2, 2, 0, f.buf + f.start, t_len(&f));
	decode_flush(d);
	ck_assert_int_le(s.n, 1);
	if (s.n == 1) {
		ck_assert_int_eq(s.m.transport, SV_T_TCP);
		ck_assert_uint_eq(s.m.src.port, 40000);
		ck_assert_int_eq(memcmp(s.msg, T_SIP, s.len), 0);
	} else
		fprintf(stderr, "t_tcp: reassembler delivered nothing (stub?)\n");
	ck_assert_uint_eq(st.drop[SV_DROP_TRUNCATED], 0);

	/* A data offset below 5 words is a bad header. */
	t_frame_init(&f);
	t_tcp(&f, 1, 2, 3, 0x10);
	f.buf[f.start + 12] = 0x20;
	t_ipv4(&f, 1, 2, 6);
	decode_frame(d, DLT_RAW, 3, 3, 0, f.buf + f.start, t_len(&f));
	ck_assert_uint_eq(st.drop[SV_DROP_IP_BAD], 1);
	decode_free(d);
}
END_TEST

/* Defaults are as documented and max_msg is enforced on UDP. */
START_TEST(t_too_large)
{
	struct sv_stats st;
	struct t_sink s;
	struct t_frame f;
	struct decode_config c;
	struct sv_sink sink = { t_sink_message, &s, NULL };
	struct decoder *d;

	memset(&st, 0, sizeof st);
	memset(&s, 0, sizeof s);
	decode_config_default(&c);
	ck_assert_uint_eq(c.max_msg, 256u << 10);
	ck_assert_uint_eq(c.frag_mem, 16u << 20);
	c.max_msg = 100;
	d = decode_new(&c, &st, sink);
	t_sip_udp4(&f, 5060, 5060);
	decode_frame(d, DLT_RAW, 1, 1, 0, f.buf + f.start, t_len(&f));
	ck_assert_int_eq(s.n, 0);
	ck_assert_uint_eq(st.drop[SV_DROP_SIP_TOO_LARGE], 1);
	decode_free(d);
}
END_TEST

/* What a public capture must produce: SIP messages delivered by UDP/SCTP/HEP. */
struct t_expect {
	const char	*file;
	int		 msgs;
};

static const struct t_expect t_expected[] = {
	{ "heplify/sip_ipv6_udp.pcap", 6 },
	{ "heplify/ipip0.pcap", 8 },
	{ "nDPI/gre_sip.pcapng", 36 },
	{ "heplify/erspan_sip_ipv4_udp.pcapng", 140 },
	{ "pkts/sipp_sll.pcap", 30 },
	{ "pkts/sipp.pcap", 30 },
	{ "sngrep/ipv6frag.pcap", 32 },
	{ "hep-wireshark/hep3_compressed.pcap.pcapng", 21 },
	{ "hep-wireshark/hep.pcap", 6 },
	{ "pcapplusplus/sip_reqs.pcap", 4 },
	{ "pcapplusplus/sip_non_default_port.pcap", 2 },
	{ "heplify/sip_sctp.pcap", 4 },
	{ "sngrep/aaa.pcap", 81 },
	{ "zeek/sip-long-request-response-paths.pcap", 2 },
	{ "heplify/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", 92 },
};

/* Run one capture through a fresh decoder; messages delivered, or -1 when unreadable. */
static int
t_run_capture(const char *path, struct sv_stats *st)
{
	char err[PCAP_ERRBUF_SIZE];
	struct t_sink *s = calloc(1, sizeof *s);
	struct pcap_pkthdr *ph;
	const u_char *pkt;
	struct decoder *d;
	pcap_t *p;
	uint64_t n = 0;
	int r, dlt;

	if ((p = pcap_open_offline(path, err)) == NULL) {
		free(s);
		return -1;
	}
	d = t_decoder(st, s);
	dlt = pcap_datalink(p);
	while ((r = pcap_next_ex(p, &ph, &pkt)) == 1) {
		int64_t ts = (int64_t)ph->ts.tv_sec * 1000000 + ph->ts.tv_usec;
		decode_frame(d, dlt, ts, ++n, 0, pkt, ph->caplen);
		if (n % 64 == 0)
			decode_expire(d, ts);
	}
	decode_flush(d);
	decode_free(d);
	pcap_close(p);
	r = s->n;
	free(s);
	return r;
}

/* Walk a directory for captures, running each and checking expectations. */
static void
t_walk(const char *root, const char *rel, int *files)
{
	char path[8200], sub[4096];
	struct dirent *e;
	struct stat sb;
	struct sv_stats st;
	DIR *dir;
	size_t i, l;
	int n;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	if ((dir = opendir(path)) == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "",
		    e->d_name);
		snprintf(path, sizeof path, "%s/%s", root, sub);
		if (stat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			t_walk(root, sub, files);
			continue;
		}
		l = strlen(sub);
		if (!(l > 5 && strcmp(sub + l - 5, ".pcap") == 0) &&
		    !(l > 7 && strcmp(sub + l - 7, ".pcapng") == 0))
			continue;
		n = t_run_capture(path, &st);
		if (n < 0)
			continue;	/* pkts/cool.pcap is corrupt on purpose */
		(*files)++;
		for (i = 0; i < sizeof t_expected / sizeof t_expected[0]; i++) {
			if (strcmp(t_expected[i].file, sub) != 0)
				continue;
			ck_assert_msg(n == t_expected[i].msgs,
			    "%s: %d SIP messages, expected %d", sub, n,
			    t_expected[i].msgs);
		}
	}
	closedir(dir);
}

/* Every public capture decodes, with known counts where verified. */
START_TEST(t_public_captures)
{
	const char *root = SRCDIR "/../shared/captures-public";
	struct stat sb;
	int files = 0;

	if (stat(root, &sb) != 0) {
		fprintf(stderr, "t_public_captures: %s absent, skipped\n",
		    root);
		return;
	}
	t_walk(root, "", &files);
	ck_assert_int_gt(files, 40);
}
END_TEST

/* Collect the test cases into one suite. */
static Suite *
decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("frames");
	TCase *tp = tcase_create("captures");

	tcase_add_test(tc, t_ether_ipv4_udp);
	tcase_add_test(tc, t_non_standard_port);
	tcase_add_test(tc, t_vlan_qinq);
	tcase_add_test(tc, t_pppoe);
	tcase_add_test(tc, t_sll_sll2);
	tcase_add_test(tc, t_null_loop_raw);
	tcase_add_test(tc, t_ipv6_udp);
	tcase_add_test(tc, t_icmp4_unreachable);
	tcase_add_test(tc, t_icmp6_unreachable);
	tcase_add_test(tc, t_icmp_bad_quotes);
	tcase_add_test(tc, t_ipv4_fragments);
	tcase_add_test(tc, t_ipv6_fragments);
	tcase_add_test(tc, t_truncated);
	tcase_add_test(tc, t_not_sip);
	tcase_add_test(tc, t_ipip);
	tcase_add_test(tc, t_gre_variants);
	tcase_add_test(tc, t_gtpu);
	tcase_add_test(tc, t_hep);
	tcase_add_test(tc, t_hep2);
	tcase_add_test(tc, t_sctp);
	tcase_add_test(tc, t_sctp_fragments);
	tcase_add_test(tc, t_tcp_segments);
	tcase_add_test(tc, t_too_large);
	suite_add_tcase(s, tc);
	tcase_add_test(tp, t_public_captures);
	tcase_set_timeout(tp, 120);
	suite_add_tcase(s, tp);
	return s;
}

/* Run the suite; exit non-zero when a test fails. */
int
main(void)
{
	SRunner *sr = srunner_create(decode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
