#!/bin/sh
# Golden tests: every capture in captures/ has its expected text report
# (tests/golden/NAME.txt) and NDJSON report (tests/golden/NAME.json)
# checked in; sipvet's output must equal them byte for byte.
# tests/golden.sh --update rewrites them (review the diff before committing).
. "${top_srcdir:-.}/tests/lib.sh"
update=0
[ "${1:-}" = "--update" ] && update=1
n=0
for f in "$top_srcdir"/captures/*.pcap "$top_srcdir"/captures/*.pcapng; do
	[ -f "$f" ] || continue
	name=$(basename "$f")
	name=${name%.pcapng}
	name=${name%.pcap}
	for fmt in txt json; do
		n=$((n + 1))
		exp="$top_srcdir/tests/golden/$name.$fmt"
		opt=
		[ "$fmt" = json ] && opt=--json
		"$SIPVET" -N $opt -r "$f" >"$TMP/out" 2>"$TMP/err"
		rc=$?
		echo "exit $rc" >>"$TMP/out"
		if [ "$update" = 1 ]; then
			cp "$TMP/out" "$exp"
			pass "$name.$fmt updated"
		elif [ ! -f "$exp" ]; then
			fail "$name.$fmt: no golden file (run tests/golden.sh --update and review it)"
		elif cmp -s "$exp" "$TMP/out"; then
			pass "$name.$fmt matches"
		else
			fail "$name.$fmt differs from the golden report:"
			diff "$exp" "$TMP/out" | head -20
		fi
	done
done
[ "$n" -gt 0 ] || fail "no capture in $top_srcdir/captures"
finish
