#!/bin/sh
# Command-line behaviour on bad input: a one-line error that says what is
# wrong and what to do, exit status 2, and what was read kept.
. "${top_srcdir:-.}/tests/lib.sh"
cap="$top_srcdir/captures/healthy-udp.pcap"
[ -f "$cap" ] || cap=$(ls "$top_srcdir"/captures/*.pcap 2>/dev/null | head -1)
[ -f "$cap" ] || skip "no capture in captures/"

# expect_error NAME PATTERN CMD...: exit 2 and exactly one stderr line matching PATTERN.
expect_error() {
	name=$1; pat=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	lines=$(wc -l <"$TMP/err")
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "$pat" "$TMP/err"; then
		pass "$name: $(cat "$TMP/err")"
	else
		fail "$name: exit $rc, $lines lines: $(head -3 "$TMP/err")"
	fi
}

expect_error "missing file" "No such file" "$SIPVET" -N -r "$TMP/nonexistent.pcap"
expect_error "not a capture" "not a pcap or pcapng" "$SIPVET" -N -r "$top_srcdir/README"
: >"$TMP/empty.pcap"
expect_error "empty file" "empty or truncated" "$SIPVET" -N -r "$TMP/empty.pcap"
expect_error "unknown interface" "no such interface" "$SIPVET" -N -i nosuchif0
expect_error "unwritable db" "cannot" "$SIPVET" -N -r "$cap" --db "$TMP/no/such/dir/x.db"
expect_error "bad option" "" "$SIPVET" -N --no-such-option
expect_error "bad number" "wants a number" "$SIPVET" -N -c abc -r "$cap"
expect_error "nothing to read" "nothing to read" "$SIPVET" -N
expect_error "bad filter" "bad capture filter" "$SIPVET" -N -r "$cap" "port" "nonsense"
expect_error "missing db" "" "$SIPVET" -N --db "$TMP/missing.db"

# A truncated capture: the calls before the damage are reported, the
# summary says the capture is incomplete, exit status 2.
size=$(wc -c <"$cap")
head -c $((size - 7)) "$cap" >"$TMP/trunc.pcap"
"$SIPVET" -N --json -r "$TMP/trunc.pcap" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
    jq -e -s 'map(select(.type=="summary"))[0] | (.complete == false) and (.sip_messages > 0)' "$TMP/out" >/dev/null &&
    jq -e -s 'map(select(.type=="call")) | length > 0' "$TMP/out" >/dev/null; then
	pass "truncated capture: calls kept, summary incomplete, exit 2: $(cat "$TMP/err")"
else
	fail "truncated capture: exit $rc: $(cat "$TMP/err")"
fi

# Standard input and -c.
if "$SIPVET" -N --json -r - <"$cap" | jq -e -s 'map(select(.type=="summary"))[0].sip_messages > 0' >/dev/null; then
	pass "reads standard input with -r -"
else
	fail "reading standard input"
fi
got=$("$SIPVET" -N --json -c 2 -r "$cap" | jq -s 'map(select(.type=="summary"))[0].packets')
[ "$got" = 2 ] && pass "-c 2 stops after 2 packets" || fail "-c 2 read $got packets"

# Every line of --json is a JSON object with a type.
if "$SIPVET" -N --json -r "$cap" | jq -e 'has("type")' >/dev/null; then
	pass "--json is NDJSON"
else
	fail "--json output is not NDJSON"
fi

# No permission to capture: a user without CAP_NET_RAW is told what is needed.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	cp "$SIPVET" "$TMP/sipvet-copy" && chmod 755 "$TMP" "$TMP/sipvet-copy"
	expect_error "no permission" "CAP_NET_RAW" setpriv --reuid=65534 --regid=65534 \
	    --clear-groups --inh-caps=-all "$TMP/sipvet-copy" -N -i lo
else
	echo "note: not root or no setpriv: the permission check is not run"
fi
# The man page documents every rule and every long option.
man="$top_srcdir/man/sipvet.1"
missing=
for id in $("$SIPVET" --list-rules | awk '{print $1}'); do
	grep -q "^\.SS $(echo "$id" | sed 's/-/\\\\-/g')\$" "$man" || missing="$missing $id"
done
[ -z "$missing" ] && pass "sipvet(1) lists every rule" || fail "sipvet(1) lacks rules:$missing"
missing=
for opt in $("$SIPVET" -h | grep -o -- '--[a-z-]*' | sort -u); do
	o=$(echo "$opt" | sed 's/-/\\\\-/g')
	grep -q -- "$o" "$man" || missing="$missing $opt"
done
[ -z "$missing" ] && pass "sipvet(1) documents every long option" || fail "sipvet(1) lacks options:$missing"
# ...and -h shows every long option the program takes (from its getopt table).
missing=
for opt in $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", .*/\1/p' "$top_srcdir/src/main.c"); do
	"$SIPVET" -h 2>&1 | grep -q -- "--$opt\b" || missing="$missing --$opt"
done
[ -z "$missing" ] && pass "sipvet -h shows every long option" || fail "sipvet -h lacks options:$missing"
finish
