#!/bin/bash
# Set up a Debian machine (as root), then build sipvet and run every test:
# a -Werror build with `make check`, the whole suite again under
# AddressSanitizer and UndefinedBehaviorSanitizer, the fuzz targets under
# libFuzzer for a few seconds each, and `make distcheck`.  Ends with
# "N passed, N failed" counting every individual check.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=$(nproc)
passed=0
failed=0
skipped=0
logs="$top/build-logs"
rm -rf "$logs"
mkdir -p "$logs"

# result NAME STATUS: count one check.
result() {
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1)); echo "PASS: $1"
	else
		failed=$((failed + 1)); echo "FAIL: $1"
	fi
}

# count_suite DIR: add the checks of an automake test run to the totals.
count_suite() {
	local d=$1 f p q s
	for f in $(find "$d/tests" -name '*.log' ! -name test-suite.log 2>/dev/null | sort); do
		if grep -q '^:test-result: SKIP' "${f%.log}.trs" 2>/dev/null; then
			skipped=$((skipped + 1)); echo "SKIP: ${f#$d/} $(grep -m1 '^SKIP:' "$f")"
			continue
		fi
		# Check's summary: "NN%: Checks: N, Failures: F, Errors: E"
		s=$(grep -Eo 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$f" | tail -1)
		if [ -n "$s" ]; then
			set -- $(echo "$s" | tr -dc '0-9 ')
			q=$(($2 + $3)); p=$(($1 - q))
		else
			# the shell tests' own "checks: P passed, F failed"
			s=$(grep -Eo 'checks: [0-9]+ passed, [0-9]+ failed' "$f" | tail -1)
			if [ -n "$s" ]; then
				set -- $(echo "$s" | tr -dc '0-9 ')
				p=$1; q=$2
			elif grep -q '^:test-result: PASS' "${f%.log}.trs" 2>/dev/null; then
				p=1; q=0
			else
				p=0; q=1
			fi
		fi
		if grep -q '^:test-result: FAIL' "${f%.log}.trs" 2>/dev/null && [ "$q" -eq 0 ]; then
			q=1	# crashed before printing its counts
		fi
		passed=$((passed + p)); failed=$((failed + q))
		[ "$q" -gt 0 ] && { echo "FAIL in ${f#$d/}:"; grep -E 'FAIL|Failure|Error|error' "$f" | head -15; }
	done
}

bash tests/setup.sh
result "set-up (packages, autoreconf)" $?

# 1. A -Werror build and the whole suite.
b="$top/build-werror"
rm -rf "$b"; mkdir -p "$b"
(cd "$b" && "$top/configure" -q --enable-werror && make -j"$jobs") >"$logs/build-werror.log" 2>&1
result "build with -Wall -Wextra -Werror" $?
(cd "$b" && make -j"$jobs" -k check) >"$logs/check.log" 2>&1
rc=$?
count_suite "$b"
result "make check in the -Werror build (every test program built and run)" $rc

# 2. The whole suite under ASan and UBSan.
a="$top/build-asan"
rm -rf "$a"; mkdir -p "$a"
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
(cd "$a" && "$top/configure" -q CFLAGS="-g -O1 $san" LDFLAGS="$san" && make -j"$jobs") \
    >"$logs/build-asan.log" 2>&1
result "build with -fsanitize=address,undefined" $?
(cd "$a" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 make -j"$jobs" -k check) \
    >"$logs/check-asan.log" 2>&1
rc=$?
count_suite "$a"
result "make check under ASan and UBSan" $rc

# 3. libFuzzer: each target for a few seconds from its seed corpus.
f="$top/build-fuzz"
rm -rf "$f"; mkdir -p "$f"
if (cd "$f" && "$top/configure" -q --enable-fuzzing CC=clang \
    CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined" \
    LDFLAGS="-fsanitize=address,undefined" && make -j"$jobs" \
    tests/fuzz/fuzz_sipscan tests/fuzz/fuzz_decode tests/fuzz/fuzz_tcpreasm \
    tests/fuzz/fuzz_ipfrag tests/fuzz/fuzz_sipparse tests/fuzz/fuzz_rules) \
    >"$logs/build-fuzz.log" 2>&1; then
	result "libFuzzer build" 0
	for t in sipscan decode tcpreasm ipfrag sipparse rules; do
		mkdir -p "$f/corpus-$t"
		LSAN_OPTIONS="suppressions=$top/tests/fuzz/lsan.supp" \
		"$f/tests/fuzz/fuzz_$t" -max_total_time=15 -timeout=10 \
		    "$f/corpus-$t" "$top/tests/fuzz/corpus/$t" >"$logs/fuzz-$t.log" 2>&1
		result "fuzz $t for 15 s" $?
	done
else
	result "libFuzzer build" 1
fi

# 4. make distcheck (the tarball builds and passes its own unit tests).
(cd "$b" && make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror) \
    >"$logs/distcheck.log" 2>&1
result "make distcheck" $?

echo "logs: $logs"
[ "$skipped" -gt 0 ] && echo "$skipped test programs skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
