#!/bin/sh
# The SQLite store: a capture written with --db reads back as the same
# report; the file is created 0600; an interrupted capture leaves a
# consistent database that says it is incomplete.
. "${top_srcdir:-.}/tests/lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 (the shell) is not installed"
n=0
for cap in "$top_srcdir"/captures/*.pcap; do
	[ -f "$cap" ] || continue
	n=$((n + 1))
	name=$(basename "$cap")
	db="$TMP/$name.db"
	"$SIPVET" -N -r "$cap" --db "$db" >"$TMP/live.txt" 2>"$TMP/err"
	"$SIPVET" -N --db "$db" >"$TMP/stored.txt" 2>>"$TMP/err"
	if cmp -s "$TMP/live.txt" "$TMP/stored.txt"; then
		pass "$name: stored report equals the capture's"
	else
		fail "$name: stored report differs: $(diff "$TMP/live.txt" "$TMP/stored.txt" | head -5)"
	fi
	"$SIPVET" -N --json -r "$cap" >"$TMP/live.json" 2>/dev/null
	"$SIPVET" -N --json --db "$db" >"$TMP/stored.json" 2>/dev/null
	cmp -s "$TMP/live.json" "$TMP/stored.json" && pass "$name: stored JSON equal" ||
	    fail "$name: stored JSON differs"
done
[ "$n" -gt 0 ] || skip "no capture in captures/"

mode=$(stat -c %a "$db")
[ "$mode" = 600 ] && pass "database created 0600" || fail "database mode $mode"
[ "$(sqlite3 "$db" 'PRAGMA journal_mode')" = wal ] && pass "WAL journal" || fail "not WAL"
[ "$(sqlite3 "$db" 'select complete from captures order by id desc limit 1')" = 1 ] &&
    pass "finished capture marked complete" || fail "finished capture not marked complete"

# Interrupt a long read with SIGINT: the database stays consistent and says so.
gen="$top_builddir/tests/tools/pcapgen"
if [ -x "$gen" ] && "$gen" bench -n 2000000 "$TMP/big.pcap" >/dev/null 2>&1; then
	"$SIPVET" -N -q -r "$TMP/big.pcap" --db "$TMP/int.db" >"$TMP/int.txt" 2>&1 &
	pid=$!
	sleep 0.7
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	ok=$(sqlite3 "$TMP/int.db" 'PRAGMA integrity_check')
	comp=$(sqlite3 "$TMP/int.db" 'select complete from captures order by id desc limit 1')
	calls=$(sqlite3 "$TMP/int.db" 'select count(*) from calls')
	if [ "$ok" = ok ] && [ "$comp" = 0 ] && [ "$calls" -gt 0 ]; then
		pass "interrupted capture (exit $rc): consistent, incomplete, $calls calls kept"
	else
		fail "interrupted capture: integrity=$ok complete=$comp calls=$calls"
	fi
	if "$SIPVET" -N --db "$TMP/int.db" | grep -q INCOMPLETE; then
		pass "stored report of the interrupted capture says INCOMPLETE"
	else
		fail "stored report of the interrupted capture does not say INCOMPLETE"
	fi
else
	fail "pcapgen could not write the interrupt test's capture"
fi

# The memory budget (--memory, for the interface; --keep-calls keeps done
# calls in the batch report the same way): raw bytes of done calls past it
# go to a temporary store, 0600 and unlinked, gone when sipvet exits.
# (100 calls a second of capture time, so calls end all along.)
if [ -x "$gen" ] && [ -x /usr/bin/time ] &&
    "$gen" bench -n 200000 --rate 100 "$TMP/mem.pcap" >/dev/null 2>&1; then
	mkdir -p "$TMP/tmpd"
	TMPDIR="$TMP/tmpd" "$SIPVET" -N -q --keep-calls --memory 1 \
	    -r "$TMP/mem.pcap" >/dev/null 2>"$TMP/mem.err" &
	pid=$!
	seen="" i=0
	while [ $i -lt 400 ] && kill -0 "$pid" 2>/dev/null; do
		for fd in /proc/"$pid"/fd/*; do
			l=$(readlink "$fd" 2>/dev/null) || continue
			case "$l" in
			"$TMP/tmpd/sipvet-"*"(deleted)")
				seen=$(stat -L -c %a "$fd" 2>/dev/null) ;;
			esac
		done
		[ -n "$seen" ] && break
		sleep 0.05
		i=$((i + 1))
	done
	wait "$pid"
	[ "$seen" = 600 ] && pass "temporary store open 0600 and already unlinked" ||
	    fail "temporary store not seen unlinked and 0600 (mode '$seen')"
	[ -z "$(ls -A "$TMP/tmpd")" ] && pass "nothing left in TMPDIR after exit" ||
	    fail "left in TMPDIR: $(ls -A "$TMP/tmpd")"
	moved=$(sed -n 's/.*budget: \([0-9]*\) calls.*/\1/p' "$TMP/mem.err")
	[ "${moved:-0}" -gt 0 ] && pass "memory budget moved $moved calls to the store" ||
	    fail "memory budget moved nothing: $(cat "$TMP/mem.err")"
	# Under ASan, freed memory must not wait in its quarantine.
	asan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
	ASAN_OPTIONS=$asan /usr/bin/time -f %M -o "$TMP/rss0" "$SIPVET" -N -q \
	    --keep-calls --memory 0 -r "$TMP/mem.pcap" >"$TMP/mem0.txt" 2>/dev/null
	ASAN_OPTIONS=$asan /usr/bin/time -f %M -o "$TMP/rss1" "$SIPVET" -N -q \
	    --keep-calls --memory 1 -r "$TMP/mem.pcap" >"$TMP/mem1.txt" 2>/dev/null
	r0=$(tail -1 "$TMP/rss0") r1=$(tail -1 "$TMP/rss1")
	if [ $((r1 * 10)) -lt $((r0 * 7)) ]; then
		pass "peak RSS with a 1 MB budget $r1 KB, without $r0 KB"
	else
		fail "peak RSS with a 1 MB budget $r1 KB, not well below $r0 KB"
	fi
	cmp -s "$TMP/mem0.txt" "$TMP/mem1.txt" && pass "same report with and without a budget" ||
	    fail "the budget changed the report"
else
	fail "pcapgen could not write the memory budget test's capture"
fi
finish
