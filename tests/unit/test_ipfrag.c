/*
 * test_ipfrag.c: unit tests for IP fragment reassembly: order of arrival,
 * duplicates, overlaps (RFC 5722), timeouts, the memory limit, IPv6
 * identifiers and oversized datagrams.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "ipfrag.h"

#define T_SEC	INT64_C(1000000)

/* Fill a datagram payload with a recognisable pattern. */
static void
t_pattern(uint8_t *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + seed);
}

/* Build an IPv4 key with the given identification. */
static struct ipfrag_key
t_key4(uint32_t id)
{
	struct ipfrag_key k;

	memset(&k, 0, sizeof k);
	k.af = 4;
	k.proto = 17;
	k.id = id;
	k.src[0] = 10; k.src[3] = 1;
	k.dst[0] = 10; k.dst[3] = 2;
	return k;
}

/* Add fragments in the order given by idx (each 8*n bytes but the last) and check the result. */
static void
t_run_order(const int *idx, int n, size_t fraglen, size_t total)
{
	struct sv_stats st;
	struct ipfrag *f;
	struct ipfrag_key k = t_key4(77);
	uint8_t *buf = malloc(total);
	const uint8_t *out = NULL;
	size_t outlen = 0, off, len;
	int i, r = 0;

	memset(&st, 0, sizeof st);
	t_pattern(buf, total, 3);
	f = ipfrag_new(1 << 20, 30 * T_SEC, &st);
	ck_assert_ptr_nonnull(f);
	for (i = 0; i < n; i++) {
		off = (size_t)idx[i] * fraglen;
		len = off + fraglen > total ? total - off : fraglen;
		r = ipfrag_add(f, 1000 + i, &k, (uint32_t)off,
		    off + len < total, buf + off, len, &out, &outlen);
		if (i < n - 1) {
			ck_assert_int_eq(r, 0);
			ck_assert_uint_gt(ipfrag_held(f), 0);
		}
	}
	ck_assert_int_eq(r, 1);
	ck_assert_uint_eq(outlen, total);
	ck_assert_int_eq(memcmp(out, buf, total), 0);
	ck_assert_uint_eq(ipfrag_held(f), 0);
	ck_assert_uint_eq(ipfrag_count(f), 0);
	for (i = 0; i < SV_DROP__MAX; i++)
		ck_assert_uint_eq(st.drop[i], 0);
	ipfrag_free(f);
	free(buf);
}

/* Fragments arriving in order reassemble. */
START_TEST(t_in_order)
{
	int idx[] = { 0, 1, 2, 3 };

	t_run_order(idx, 4, 400, 1500);
}
END_TEST

/* Fragments arriving last first reassemble. */
START_TEST(t_reversed)
{
	int idx[] = { 3, 2, 1, 0 };

	t_run_order(idx, 4, 400, 1500);
}
END_TEST

/* Fragments arriving shuffled reassemble. */
START_TEST(t_shuffled)
{
	int idx[] = { 5, 1, 7, 0, 3, 6, 2, 4 };

	t_run_order(idx, 8, 8, 61);
}
END_TEST

/* Retransmitted and same-byte overlapping IPv4 fragments are harmless. */
START_TEST(t_duplicates)
{
	struct sv_stats st;
	struct ipfrag *f;
	struct ipfrag_key k = t_key4(5);
	uint8_t buf[100];
	const uint8_t *out;
	size_t outlen;

	memset(&st, 0, sizeof st);
	t_pattern(buf, sizeof buf, 9);
	f = ipfrag_new(1 << 20, 30 * T_SEC, &st);
	ck_assert_int_eq(ipfrag_add(f, 1, &k, 0, 1, buf, 48, &out, &outlen), 0);
	ck_assert_int_eq(ipfrag_add(f, 2, &k, 0, 1, buf, 48, &out, &outlen), 0);
	/* IPv4: an overlap carrying the same bytes is harmless. */
	ck_assert_int_eq(ipfrag_add(f, 3, &k, 40, 1, buf + 40, 24, &out,
	    &outlen), 0);
	ck_assert_int_eq(ipfrag_add(f, 4, &k, 48, 0, buf + 48, 52, &out,
	    &outlen), 1);
	ck_assert_uint_eq(outlen, 100);
	ck_assert_int_eq(memcmp(out, buf, 100), 0);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_BAD], 0);
	ipfrag_free(f);
}
END_TEST

/* An overlap with different bytes drops the datagram once. */
START_TEST(t_overlap_drop)
{
	struct sv_stats st;
	struct ipfrag *f;
	struct ipfrag_key k = t_key4(6);
	uint8_t buf[100], evil[100];
	const uint8_t *out;
	size_t outlen;

	memset(&st, 0, sizeof st);
	t_pattern(buf, sizeof buf, 1);
	memcpy(evil, buf, sizeof evil);
	evil[50] ^= 0xff;
	f = ipfrag_new(1 << 20, 30 * T_SEC, &st);
	ck_assert_int_eq(ipfrag_add(f, 1, &k, 0, 1, buf, 56, &out, &outlen), 0);
	ck_assert_int_eq(ipfrag_add(f, 2, &k, 48, 0, evil + 48, 52, &out,
	    &outlen), -1);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_BAD], 1);
	/* The rest of the datagram is swallowed, not counted again. */
	ck_assert_int_eq(ipfrag_add(f, 3, &k, 56, 0, buf + 56, 44, &out,
	    &outlen), -1);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_BAD], 1);
	/* The tombstone goes away with its timeout, uncounted. */
	ipfrag_expire(f, 100 * T_SEC);
	ck_assert_uint_eq(ipfrag_count(f), 0);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_TIMEOUT], 0);
	ck_assert_uint_eq(ipfrag_held(f), 0);
	ipfrag_free(f);
}
END_TEST

/* Any IPv6 overlap drops the datagram (RFC 5722). */
START_TEST(t_ipv6_overlap_same_bytes)
{
	struct sv_stats st;
	struct ipfrag *f;
	struct ipfrag_key k = t_key4(7);
	uint8_t buf[64];
	const uint8_t *out;
	size_t outlen;

	/* RFC 5722: any overlap drops the whole IPv6 datagram. */
	memset(&st, 0, sizeof st);
	k.af = 6;
	t_pattern(buf, sizeof buf, 2);
	f = ipfrag_new(1 << 20, 30 * T_SEC, &st);
	ck_assert_int_eq(ipfrag_add(f, 1, &k, 0, 1, buf, 32, &out, &outlen), 0);
	ck_assert_int_eq(ipfrag_add(f, 1, &k, 24, 0, buf + 24, 40, &out,
	    &outlen), -1);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_BAD], 1);
	ipfrag_free(f);
}
END_TEST

/* Two different ends, or data past the end, drop the datagram. */
START_TEST(t_conflicting_last)
{
	struct sv_stats st;
	struct ipfrag *f;
	struct ipfrag_key k = t_key4(8);
	uint8_t buf[128];
	const uint8_t *out;
	size_t outlen;

	memset(&st, 0, sizeof st);
	t_pattern(buf, sizeof buf, 4);
	f = ipfrag_new(1 << 20, 30 * T_SEC, &st);
	ck_assert_int_eq(ipfrag_add(f, 1, &k, 64, 0, buf + 64, 64, &out,
	    &outlen), 0);
	ck_assert_int_eq(ipfrag_add(f, 2, &k, 64, 0, buf + 64, 32, &out,
	    &outlen), -1);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_BAD], 1);

	/* A fragment reaching past a known end is just as bad. */
	k.id = 9;
	ck_assert_int_eq(ipfrag_add(f, 3, &k, 32, 0, buf + 32, 32, &out,
	    &outlen), 0);
	ck_assert_int_eq(ipfrag_add(f, 4, &k, 56, 1, buf + 56, 16, &out,
	    &outlen), -1);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_BAD], 2);
	ipfrag_free(f);
}
END_TEST

/* Datagrams older than the timeout are dropped and counted. */
START_TEST(t_timeout)
{
	struct sv_stats st;
	struct ipfrag *f;
	struct ipfrag_key k = t_key4(10);
	uint8_t buf[64];
	const uint8_t *out;
	size_t outlen;

	memset(&st, 0, sizeof st);
	t_pattern(buf, sizeof buf, 5);
	f = ipfrag_new(1 << 20, 30 * T_SEC, &st);
	ck_assert_int_eq(ipfrag_add(f, 10 * T_SEC, &k, 0, 1, buf, 32, &out,
	    &outlen), 0);
	ipfrag_expire(f, 20 * T_SEC);
	ck_assert_uint_eq(ipfrag_count(f), 1);
	ipfrag_expire(f, 41 * T_SEC);
	ck_assert_uint_eq(ipfrag_count(f), 0);
	ck_assert_uint_eq(ipfrag_held(f), 0);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_TIMEOUT], 1);

	/* A late fragment of a timed-out datagram starts afresh. */
	ck_assert_int_eq(ipfrag_add(f, 50 * T_SEC, &k, 0, 1, buf, 32, &out,
	    &outlen), 0);
	ck_assert_int_eq(ipfrag_add(f, 90 * T_SEC, &k, 32, 0, buf + 32, 32,
	    &out, &outlen), 0);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_TIMEOUT], 2);
	ipfrag_flush(f);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_TIMEOUT], 3);
	ck_assert_uint_eq(ipfrag_held(f), 0);
	ipfrag_free(f);
}
END_TEST

/* The memory limit evicts the oldest datagrams first. */
START_TEST(t_memory_limit)
{
	struct sv_stats st;
	struct ipfrag *f;
	struct ipfrag_key k;
	uint8_t buf[1024];
	const uint8_t *out;
	size_t outlen;
	uint32_t id;

	memset(&st, 0, sizeof st);
	t_pattern(buf, sizeof buf, 6);
	f = ipfrag_new(8192, 30 * T_SEC, &st);
	for (id = 1; id <= 20; id++) {
		k = t_key4(id);
		ck_assert_int_eq(ipfrag_add(f, id, &k, 0, 1, buf, 1024, &out,
		    &outlen), 0);
		ck_assert_uint_le(ipfrag_held(f), 8192);
	}
	ck_assert_uint_gt(st.drop[SV_DROP_FRAG_MEMORY], 0);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_MEMORY] + ipfrag_count(f), 20);
	/* The oldest went first: the newest still completes. */
	k = t_key4(20);
	ck_assert_int_eq(ipfrag_add(f, 21, &k, 1024, 0, buf, 16, &out,
	    &outlen), 1);
	ck_assert_uint_eq(outlen, 1040);
	k = t_key4(1);
	ck_assert_int_eq(ipfrag_add(f, 22, &k, 1024, 0, buf, 16, &out,
	    &outlen), 0);
	/* A new datagram pushes older ones out rather than failing. */
	k = t_key4(99);
	ck_assert_int_eq(ipfrag_add(f, 23, &k, 0, 1, buf, 1024, &out,
	    &outlen), 0);
	ck_assert_uint_le(ipfrag_held(f), 8192);
	ipfrag_free(f);

	/* A datagram bigger than the whole table cannot be held. */
	memset(&st, 0, sizeof st);
	f = ipfrag_new(600, 30 * T_SEC, &st);
	k = t_key4(1);
	ck_assert_int_eq(ipfrag_add(f, 1, &k, 0, 1, buf, 1024, &out, &outlen),
	    -1);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_MEMORY], 1);
	ck_assert_uint_eq(ipfrag_held(f), 0);
	ipfrag_free(f);
}
END_TEST

/* IPv6 identifications are kept to 32 bits. */
START_TEST(t_ipv6_id)
{
	struct sv_stats st;
	struct ipfrag *f;
	struct ipfrag_key a = t_key4(0), b;
	uint8_t x[64], y[64];
	const uint8_t *out;
	size_t outlen;

	memset(&st, 0, sizeof st);
	a.af = 6;
	memset(a.src, 0x20, 16);
	memset(a.dst, 0x30, 16);
	a.id = 0x12345678;
	b = a;
	b.id = 0x92345678;	/* differs only above 16 bits */
	t_pattern(x, sizeof x, 7);
	t_pattern(y, sizeof y, 8);
	f = ipfrag_new(1 << 20, 30 * T_SEC, &st);
	ck_assert_int_eq(ipfrag_add(f, 1, &a, 0, 1, x, 32, &out, &outlen), 0);
	ck_assert_int_eq(ipfrag_add(f, 1, &b, 0, 1, y, 32, &out, &outlen), 0);
	ck_assert_uint_eq(ipfrag_count(f), 2);
	ck_assert_int_eq(ipfrag_add(f, 2, &b, 32, 0, y + 32, 32, &out,
	    &outlen), 1);
	ck_assert_uint_eq(outlen, 64);
	ck_assert_int_eq(memcmp(out, y, 64), 0);
	ck_assert_int_eq(ipfrag_add(f, 2, &a, 32, 0, x + 32, 32, &out,
	    &outlen), 1);
	ck_assert_int_eq(memcmp(out, x, 64), 0);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_BAD], 0);
	ipfrag_free(f);
}
END_TEST

/* A datagram reaching past 65535 bytes is dropped. */
START_TEST(t_oversize)
{
	struct sv_stats st;
	struct ipfrag *f;
	struct ipfrag_key k = t_key4(11);
	uint8_t buf[1500];
	const uint8_t *out;
	size_t outlen;

	memset(&st, 0, sizeof st);
	t_pattern(buf, sizeof buf, 10);
	f = ipfrag_new(1 << 20, 30 * T_SEC, &st);
	ck_assert_int_eq(ipfrag_add(f, 1, &k, 0, 1, buf, 1480, &out, &outlen),
	    0);
	/* 8191 * 8 + 1480 reaches past 65535 (the ping of death). */
	ck_assert_int_eq(ipfrag_add(f, 2, &k, 8191 * 8, 0, buf, 1480, &out,
	    &outlen), -1);
	ck_assert_uint_eq(st.drop[SV_DROP_FRAG_BAD], 1);
	ck_assert_uint_eq(ipfrag_count(f), 1);	/* the tombstone */
	ipfrag_free(f);
}
END_TEST

/* An unfragmented datagram passes straight through. */
START_TEST(t_atomic)
{
	struct sv_stats st;
	struct ipfrag *f;
	struct ipfrag_key k = t_key4(12);
	uint8_t buf[40];
	const uint8_t *out;
	size_t outlen;

	memset(&st, 0, sizeof st);
	f = ipfrag_new(1 << 20, 30 * T_SEC, &st);
	ck_assert_int_eq(ipfrag_add(f, 1, &k, 0, 0, buf, 40, &out, &outlen), 1);
	ck_assert_ptr_eq(out, buf);
	ck_assert_uint_eq(outlen, 40);
	ck_assert_uint_eq(ipfrag_count(f), 0);
	ipfrag_free(f);
}
END_TEST

/* Collect the test cases into one suite. */
static Suite *
ipfrag_suite(void)
{
	Suite *s = suite_create("ipfrag");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, t_in_order);
	tcase_add_test(tc, t_reversed);
	tcase_add_test(tc, t_shuffled);
	tcase_add_test(tc, t_duplicates);
	tcase_add_test(tc, t_overlap_drop);
	tcase_add_test(tc, t_ipv6_overlap_same_bytes);
	tcase_add_test(tc, t_conflicting_last);
	tcase_add_test(tc, t_timeout);
	tcase_add_test(tc, t_memory_limit);
	tcase_add_test(tc, t_ipv6_id);
	tcase_add_test(tc, t_oversize);
	tcase_add_test(tc, t_atomic);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit non-zero when a test fails. */
int
main(void)
{
	SRunner *sr = srunner_create(ipfrag_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
