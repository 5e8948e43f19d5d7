#!/bin/sh
# Replay every fuzz target over its seed corpus (tests/fuzz/corpus/TARGET).
. "${top_srcdir:-.}/tests/lib.sh"
for t in sipscan decode tcpreasm ipfrag sipparse rules; do
	bin="$top_builddir/tests/fuzz/replay_$t"
	dir="$top_srcdir/tests/fuzz/corpus/$t"
	if [ ! -d "$dir" ]; then fail "fuzz corpus $dir missing"; continue; fi
	if out=$("$bin" "$dir" 2>&1); then pass "fuzz replay $t: $out"; else fail "fuzz replay $t: $out"; fi
done
finish
