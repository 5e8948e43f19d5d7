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
finish
