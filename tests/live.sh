#!/bin/sh
# live: sipvet watches a real call on loopback.
# Kamailio (captures/kamailio/vapi.cfg) plays sip.vapi.ai on 127.0.0.1:15060, sipp
# (captures/sipp/uac-auth.xml) plays the PBX from 127.0.0.1:15062; sipvet captures on lo
# and must report the call: all 10 messages, final_code 200, state "answered".
# Needs root (live capture) plus kamailio, sipp and jq; skips otherwise.
. "$top_srcdir/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "live capture needs root"
for t in kamailio sipp jq timeout; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
[ -x "$SIPVET" ] || skip "no sipvet binary at $SIPVET"

CAPS="$top_srcdir/captures"
KPID=
SVPID=
cleanup() {
	[ -n "$SVPID" ] && kill -TERM "$SVPID" 2>/dev/null
	if [ -n "$KPID" ]; then kill "$KPID" 2>/dev/null; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

# Kamailio, daemonised, pid file and working directory absolute.
mkdir -p "$TMP/kam"
kamailio -f "$CAPS/kamailio/vapi.cfg" -l udp:127.0.0.1:15060 -P "$TMP/kam/kamailio.pid" \
	-w "$TMP/kam" -Y "$TMP/kam" -m 32 -M 4 -E -e >/dev/null 2>"$TMP/kam/log" ||
	{ cat "$TMP/kam/log"; skip "kamailio did not start (port 15060 busy?)"; }
i=0
while [ ! -s "$TMP/kam/kamailio.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$TMP/kam/kamailio.pid" ] || skip "kamailio wrote no pid file"
KPID=$(cat "$TMP/kam/kamailio.pid")
pass "kamailio started (pid $KPID)"

# sipvet, live on lo, bounded by --duration in case the TERM never comes.
"$SIPVET" -N -i lo --json --duration 30 udp port 15060 >"$TMP/out.json" 2>"$TMP/sipvet.err" &
SVPID=$!
sleep 1.5
if kill -0 "$SVPID" 2>/dev/null; then
	pass "sipvet is capturing"
else
	fail "sipvet exited early: $(head -3 "$TMP/sipvet.err")"
	SVPID=
fi

# One call, bounded.
(cd "$TMP" && timeout 20 sipp 127.0.0.1:15060 -sf "$CAPS/sipp/uac-auth.xml" \
	-i 127.0.0.1 -p 15062 -m 1 -timeout 15s -nostdin -cid_str "live-%u@pbx.example.com" \
	-s 14155550123 -key host sip.vapi.ai -key ua "sipvet-live-test" \
	-au 14155550123 -ap Vapi-Lab-Secret-2025 >/dev/null 2>&1)
rc=$?
if [ $rc -eq 0 ]; then pass "sipp call completed"; else fail "sipp exit $rc"; fi
sleep 1

# Stop sipvet: it prints its report on SIGTERM.
if [ -n "$SVPID" ]; then
	kill -TERM "$SVPID" 2>/dev/null
	i=0
	while kill -0 "$SVPID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$SVPID" 2>/dev/null; then
		fail "sipvet still running 10 s after SIGTERM"
		kill -KILL "$SVPID" 2>/dev/null
	else
		pass "sipvet exited on SIGTERM"
	fi
	wait "$SVPID" 2>/dev/null
	SVPID=
fi
kill "$KPID" 2>/dev/null
KPID=

CALL='select(.type == "call" and .call_id == "live-1@pbx.example.com")'
if jq -e -s "map($CALL) | length == 1" "$TMP/out.json" >/dev/null 2>&1; then
	pass "the call is reported once"
else
	fail "call live-1@pbx.example.com not reported once: $(head -c 400 "$TMP/out.json")"
fi
n=$(jq -r "$CALL | .messages | length" "$TMP/out.json" 2>/dev/null | head -1)
if [ "$n" = 10 ]; then pass "10 messages"; else fail "messages: got '$n', want 10"; fi
code=$(jq -r "$CALL | .final_code" "$TMP/out.json" 2>/dev/null | head -1)
if [ "$code" = 200 ]; then pass "final_code 200"; else fail "final_code: got '$code'"; fi
state=$(jq -r "$CALL | .state" "$TMP/out.json" 2>/dev/null | head -1)
if [ "$state" = answered ]; then pass "state answered"; else fail "state: got '$state'"; fi
if jq -e -s 'map(select(.type == "summary")) | length == 1' "$TMP/out.json" >/dev/null 2>&1; then
	pass "a summary line"
else
	fail "no summary line"
fi
finish
