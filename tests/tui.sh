#!/bin/sh
# tui.sh: drive the TUI in tmux (80x24) on the bundled captures and check
# what is on the screen: the call list and verdicts, the ladder's arrows and
# columns, the diagnosis panel, the filter, resizing, a hostile capture with
# escape sequences in its headers, saving to pcap (read back by tshark) and
# to text, calls moved to the store by a tiny memory budget (read back in
# the message views, the ladder, the diagnosis and both saves, the header's
# count), and a clean exit on q and on Ctrl-C.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$SIPVET" ] || skip "no sipvet binary at $SIPVET"
CAP="$top_srcdir/captures"
[ -f "$CAP/demo.pcap" ] || skip "captures/demo.pcap is missing"

TERM=xterm-256color
export TERM
# A private tmux server, so the test never touches the user's sessions.
SOCK="sipvet-tui-$$"
T="tmux -L $SOCK"
S=
n_start=0
LOC=C.UTF-8
locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || LOC=C
trap '$T kill-server 2>/dev/null; rm -rf "$TMP"' EXIT

# start ARGS...: open sipvet in a fresh 80x24 session; its exit code is printed after.
# The new session opens before the old one closes, so the tmux server never
# empties and exits under the next command (a race seen on a loaded machine).
start() {
	old=$S
	n_start=$((n_start + 1))
	S="tui$$-$n_start"
	$T new-session -d -x 80 -y 24 -s "$S" \
	    "cd '$TMP' && LC_ALL=$LOC '$SIPVET' $*; echo EXIT=\$?; sleep 60"
	[ -n "$old" ] && $T kill-session -t "$old" 2>/dev/null
	return 0
}

# screen: the pane as text, box-drawing characters made ASCII.
screen() {
	$T capture-pane -p -t "$S" | sed 's/│/|/g; s/─/-/g; s/┌/+/g; s/┐/+/g; s/└/+/g; s/┘/+/g'
}

# wait_for REGEX: wait up to 5 s for the screen to match; 0 when it did.
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
		screen | grep -q -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# check NAME REGEX: pass when the screen matches REGEX (waiting for it).
check() {
	if wait_for "$2"; then pass "$1"; else fail "$1 (no /$2/)"; screen | sed 's/^/    | /'; fi
}

# check_not NAME REGEX: pass when the screen does not match REGEX.
check_not() {
	if screen | grep -q -- "$2"; then fail "$1 (/$2/ is there)"; screen | sed 's/^/    | /'; else pass "$1"; fi
}

# keys KEY...: send keys and give the TUI a moment.
keys() {
	$T send-keys -t "$S" "$@"
	sleep 0.3
}

# ---- the call list on demo.pcap -------------------------------------------
start -r "$CAP/demo.pcap"
check "header counts the calls" '^sipvet -r demo.pcap .*calls 5 '
check "healthy call answered" 'answered 200 *\(ok\|warning\)'
check "ignored challenge auth-failed" 'rejected 401 auth-failed'
check "403 after auth is auth-failed" 'rejected 403 auth-failed'
check "404 is failed, not auth" 'rejected 404 failed'
check "all five rows" ' 5/5 calls'

# ---- the ladder of the third call (403 after auth) ----------------------
keys Down Down Enter
check "ladder opens" '^Call flow  forbidden-after-auth-1@pbx.example.com'
check "endpoint columns" '127\.0\.0\.1:5062 .* 127\.0\.0\.2:5060'
check "Vapi labelled" 'sip\.vapi\.ai (Vapi)'
# The INVITE runs left to right and ends on the right column; the 401
# starts at the left column.
line=$(screen | grep 'INVITE (1)' | head -1)
l1=$(printf '%s\n' "$line" | awk '{ print index($0, "|") }')
gt=$(printf '%s\n' "$line" | awk '{ print index($0, ">") }')
r1=$(printf '%s\n' "$line" | awk '{ s = $0; n = 0; while ((i = index(s, "|")) > 0) { n += i; s = substr(s, i + 1) } print n }')
if [ -n "$l1" ] && [ "$l1" -gt 0 ] && [ "$gt" -gt "$l1" ] && [ $((gt + 1)) -eq "$r1" ]; then
	pass "INVITE arrow from the left column to the right one"
else
	fail "INVITE arrow ($line)"
fi
line=$(screen | grep '401 Unauthorized (1 INVITE)' | head -1)
lt=$(printf '%s\n' "$line" | awk '{ print index($0, "<") }')
if [ -n "$lt" ] && [ "$lt" -eq $((l1 + 1)) ]; then
	pass "401 arrow points at the left column"
else
	fail "401 arrow ($line)"
fi
check "retried INVITE with CSeq 2 flagged by a finding" '^ !+[0-9.]* *|-* INVITE (2)'
check "403 in the ladder" '403 Forbidden'
check "diagnosis panel verdict" 'Verdict: auth-failed'
check "diagnosis panel finding" '\[error\] wrong-username'
check "diagnosis panel fix" 'Fix: '
keys D
check "full-screen diagnosis" '^Diagnosis  forbidden-after-auth-1'
check "full-screen fix" 'Fix: '
keys Escape
check "back to the ladder" '^Call flow  forbidden-after-auth'

# ---- the message the finding points at ------------------------------------
keys n Enter
check "message view" '^Message 4/6 '
check "finding shown on the message" '^! wrong-username'
check "raw Authorization header" '^Authorization: Digest username="asterisk-trunk"'
# Exactly the header name and the value the finding shows are highlighted
# (the mark is white on red: SGR 41), not the rest of the line.
spans=$($T capture-pane -e -p -t "$S" | grep 'Authorization' | tail -1 |
    sed 's/\x1b\[41m/</g; s/\x1b\[0m/>/g; s/\x1b\[[0-9;]*m//g; s/^>*//')
case "$spans" in
'<Authorization>: Digest username="<asterisk-trunk>",realm="sip.vapi.ai"'*)
	pass "highlight: exactly the header name and the value" ;;
*) fail "highlight spans ($spans)" ;;
esac
keys t
check "structured view" 'Request-URI: sip:14155550123@sip.vapi.ai'
keys q q
check "back to the list" ' 5/5 calls'

# ---- filter and failed-only -------------------------------------------------
keys / 4 0 4
check "filter narrows to the 404" ' 1/5 calls'
check "the row left is the 404" 'rejected 404 failed'
keys Escape
check "Esc clears the filter" ' 5/5 calls'
keys F7 w r o n g - u s e r Enter
check "filter on a finding id" 'Filter: wrong-user 1/5 calls'
keys Escape f
check "failed only" '4/5 calls | failed only'
keys f

# ---- sort, cursor kept by call id, selection, multi-call ladder, clear ------
keys G
check "cursor on the last call" ' 5/5 calls'
keys d
check "diagnosis of the last call" '^Diagnosis  byo-source-1@'
keys q
keys s s s s
check "sorted by state" 'sorted by State'
case "$(screen | sed -n '3p')" in
*'answered 200'*) pass "state sort: answered first" ;;
*) fail "state sort ($(screen | sed -n '3p'))" ;;
esac
keys d
check "cursor stayed on the same call after sorting" '^Diagnosis  byo-source-1@'
keys q r
case "$(screen | sed -n '7p')" in
*'answered 200'*) pass "reversed: answered last" ;;
*) fail "reversed sort ($(screen | sed -n '7p'))" ;;
esac
keys r s s s s s s
keys g Space Space
check "two calls selected" '5/5 calls | 2 selected'
keys Enter
check "one ladder for the selected calls" '^Call flow of 2 calls (a-b)'
keys G
check "calls told apart by a letter" '^b[ !]'
keys q x c
check "clear hides the calls" ' 0/5 calls'
keys C
check "C shows them again" ' 5/5 calls'

# ---- help ---------------------------------------------------------------
keys F1
check "help screen" '^sipvet keys'
keys q

# ---- resize ---------------------------------------------------------------
$T resize-window -t "$S" -x 132 -y 40 2>/dev/null
sleep 0.5
check "wide: more columns" 'R-URI host'
case "$(screen | sed -n '39p')" in
*' 5/5 calls'*) pass "wide: status line just above the footer" ;;
*) fail "wide: status line on line 39 ($(screen | sed -n '39p'))" ;;
esac
$T resize-window -t "$S" -x 80 -y 24 2>/dev/null
sleep 0.5
first=$(screen | sed -n '1p')
last=$(screen | sed -n '23p')
case "$first|$last" in
sipvet\ -r\ demo.pcap*'|'*' 5/5 calls'*) pass "back to 80x24: header and status line whole" ;;
*) fail "back to 80x24 ($first / $last)" ;;
esac
check_not "no column spill after shrinking" 'R-URI host'

# ---- save to pcap and text ------------------------------------------------
keys F2
check "save dialog" 'Save calls'
keys C-u
$T send-keys -t "$S" -l "$TMP/demo-saved.pcap"
keys Enter
check "saved message" 'saved 5 calls, 31 messages'
if command -v tshark >/dev/null 2>&1; then
	fields="-T fields -e sip.Call-ID -e sip.CSeq -e sip.Method -e sip.Status-Code"
	tshark -r "$CAP/demo.pcap" -Y sip $fields 2>/dev/null | sort >"$TMP/orig.txt"
	tshark -r "$TMP/demo-saved.pcap" -Y sip $fields 2>/dev/null | sort >"$TMP/saved.txt"
	if [ -s "$TMP/orig.txt" ] && cmp -s "$TMP/orig.txt" "$TMP/saved.txt"; then
		pass "tshark reads back the same $(wc -l <"$TMP/saved.txt") messages"
	else
		fail "tshark read back differs"
		diff "$TMP/orig.txt" "$TMP/saved.txt" | head -10
	fi
	bad=$(tshark -r "$TMP/demo-saved.pcap" -o ip.check_checksum:TRUE \
	    -o udp.check_checksum:TRUE -Y 'ip.checksum.status == "Bad" || udp.checksum.status == "Bad"' 2>/dev/null | wc -l)
	[ "$bad" -eq 0 ] && pass "checksums correct" || fail "$bad bad checksums"
else
	echo "tshark missing: read-back not checked"
fi
keys F2 C-u
$T send-keys -t "$S" -l "$TMP/demo-saved.txt"
keys Enter
check "saved as text" 'saved 5 calls to'
if grep -q '^finding \[error\] wrong-username' "$TMP/demo-saved.txt" &&
    grep -q '^  fix: ' "$TMP/demo-saved.txt" &&
    grep -q '^Call-ID: forbidden-after-auth-1@pbx.example.com' "$TMP/demo-saved.txt"; then
	pass "text file has findings, fixes and messages"
else
	fail "text file content"
fi

# ---- quit -----------------------------------------------------------------
keys q
check "q quits with status 0" '^EXIT=0'
check_not "alternate screen left" 'Enter:flow'

# ---- TCP capture saved with a rebuilt handshake ---------------------------
if [ -f "$CAP/healthy-tcp.pcap" ] && command -v tshark >/dev/null 2>&1; then
	start -r "$CAP/healthy-tcp.pcap"
	check "TCP call listed" ' 1/1 calls'
	keys F2 C-u
	$T send-keys -t "$S" -l "$TMP/tcp-saved.pcap"
	keys Enter
	check "TCP saved" 'saved 1 calls'
	fields="-T fields -e sip.Call-ID -e sip.CSeq -e sip.Method -e sip.Status-Code"
	tshark -r "$CAP/healthy-tcp.pcap" -Y sip $fields 2>/dev/null | sort >"$TMP/o.txt"
	tshark -r "$TMP/tcp-saved.pcap" -Y sip $fields 2>/dev/null | sort >"$TMP/s.txt"
	if [ -s "$TMP/o.txt" ] && cmp -s "$TMP/o.txt" "$TMP/s.txt"; then
		pass "tshark reads the TCP messages back"
	else
		fail "TCP read back differs"
		diff "$TMP/o.txt" "$TMP/s.txt" | head
	fi
	probs=$(tshark -r "$TMP/tcp-saved.pcap" -Y 'tcp.analysis.flags && !tcp.analysis.window_update' 2>/dev/null | wc -l)
	[ "$probs" -eq 0 ] && pass "no TCP analysis warnings" || fail "$probs TCP analysis warnings"
	keys q
fi

# ---- a hostile capture: escape sequences and UTF-8 in headers --------------
PCAPGEN="$top_builddir/tests/tools/pcapgen"
if [ -x "$PCAPGEN" ]; then
	esc=$(printf '\033')
	bel=$(printf '\007')
	{
		printf 'INVITE sip:14155550123@sip.vapi.ai SIP/2.0\r\n'
		printf 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-evil\r\n'
		printf 'From: "Zo\303\253 \346\235\261\344\272\254" <sip:evil@pbx.example.com>;tag=e1\r\n'
		printf 'To: <sip:14155550123@sip.vapi.ai>\r\n'
		printf 'Call-ID: evil-1@pbx.example.com\r\n'
		printf 'CSeq: 1 INVITE\r\n'
		printf 'User-Agent: %s[2J%s[H%s]0;pwned%s%s[31mowned\r\n' "$esc" "$esc" "$esc" "$bel" "$esc"
		printf 'X-Evil: %s[?1049l%sc\r\n' "$esc" "$esc"
		printf 'Max-Forwards: 70\r\n'
		printf 'Content-Length: 0\r\n\r\n'
	} >"$TMP/evil.sip"
	if "$PCAPGEN" wrap --src 10.0.0.1:5060 --dst 44.229.228.186:5060 \
	    "$TMP/evil.pcap" "$TMP/evil.sip" >/dev/null 2>&1; then
		start -r "$TMP/evil.pcap"
		check "hostile call listed" ' 1/1 calls'
		keys Enter
		check "hostile ladder" 'evil-1@pbx.example.com'
		keys Enter
		check "escape shown escaped" '^User-Agent: ^\[\[2J^\[\[H^\[\]0;pwned^G^\[\[31mowned'
		check "second escape shown escaped" '^X-Evil: ^\[\[?1049l^\[c'
		check "header line intact" '^sipvet -r evil.pcap'
		if [ "$LOC" != C ]; then
			check "UTF-8 display name" 'From: "Zoë 東京"'
		fi
		title=$($T display-message -p -t "$S" '#{pane_title}')
		case "$title" in
		*pwned*) fail "the capture changed the pane title" ;;
		*) pass "pane title untouched" ;;
		esac
		keys q q q
		check "hostile: clean exit" '^EXIT=0'
	else
		fail "pcapgen wrap failed"
	fi
else
	echo "pcapgen not built: hostile capture not checked"
fi

# ---- calls freed by the calls limit: no dangling pointer --------------------
start -l 2 -r "$CAP/demo.pcap"
check "limit: evicted calls counted" 'calls 5 | drops 0 | evicted 3 '
check "limit: only the calls held are listed" ' 2/2 calls'
keys Enter
check "limit: ladder of a held call" '^Call flow  '
keys Enter
check "limit: its message" '^Message 1/'
keys q q F2 C-u
$T send-keys -t "$S" -l "$TMP/limit.pcap"
keys Enter
check "limit: saves the calls held" 'saved 2 calls'
keys q
check "limit: clean exit" '^EXIT=0'

# ---- the memory budget: calls moved to the store, read back ----------------
# demo.pcap's calls end first, then 300 generated calls push the raw bytes
# past a 1 MB budget, so the oldest (demo's) are moved to a temporary store.
if [ -x "$PCAPGEN" ] && "$PCAPGEN" bench -n 3000 --ts 1795602000 \
    "$TMP/bulk.pcap" >/dev/null 2>&1; then
	start --memory 1 -r "$CAP/demo.pcap" -r "$TMP/bulk.pcap"
	check "budget: every call listed" ' 305/305 calls'
	check "budget: header shows bytes held, budget and calls moved" \
	    '| calls 305 | mem [0-9.]*[KM]/1M [1-9][0-9]* moved$'
	check_not "budget: zero counters left out to fit 80 columns" 'skipped 0'
	keys g Down Down Enter
	check "budget: ladder of a moved call" '^Call flow  forbidden-after-auth-1@pbx.example.com'
	check "budget: its ladder has every message" '403 Forbidden'
	check "budget: its diagnosis" 'Verdict: auth-failed'
	keys n Enter
	check "budget: the message says it was read back" '^Message 4/6 (from store) '
	check "budget: the real Call-ID line" '^Call-ID: forbidden-after-auth-1@pbx.example.com$'
	check "budget: the real Authorization line" '^Authorization: Digest username="asterisk-trunk",realm="sip.vapi.ai"'
	spans=$($T capture-pane -e -p -t "$S" | grep 'Authorization' | tail -1 |
	    sed 's/\x1b\[41m/</g; s/\x1b\[0m/>/g; s/\x1b\[[0-9;]*m//g; s/^>*//')
	case "$spans" in
	'<Authorization>: Digest username="<asterisk-trunk>",realm="sip.vapi.ai"'*)
		pass "budget: highlight on the bytes read back" ;;
	*) fail "budget: highlight spans ($spans)" ;;
	esac
	keys t
	check "budget: structured view of a moved message" '^Request: INVITE$'
	keys Space
	check "budget: structured Call-ID of a moved message" '^Call-ID: forbidden-after-auth-1@pbx.example.com$'
	# The finding's header is marked in the structured view too: its name
	# on its line and the value on the item under it.
	marked=$($T capture-pane -e -p -t "$S" |
	    sed 's/\x1b\[41m/</g; s/\x1b\[0m/>/g; s/\x1b\[[0-9;]*m//g; s/^>*//; s/>*$//' |
	    grep -e '^<*Authorization>*:' -e '^  username:' | tr '\n' '|')
	case "$marked" in
	'<Authorization>: Digest|  username: <asterisk-trunk|') pass "structured: header name and value marked" ;;
	*) fail "structured: marks ($marked)" ;;
	esac
	unmarked=$($T capture-pane -e -p -t "$S" | grep -e '^Call-ID' -e '^  realm:' | grep -c "$(printf '\033')\\[41m")
	[ "$unmarked" -eq 0 ] && pass "structured: other lines not marked" ||
	    fail "structured: $unmarked other lines marked"
	keys t
	keys F2 C-u
	$T send-keys -t "$S" -l "$TMP/moved.pcap"
	keys Enter
	check "budget: the moved call saved" 'saved 1 calls, 6 messages'
	if command -v tshark >/dev/null 2>&1; then
		fields="-T fields -e sip.Call-ID -e sip.CSeq -e sip.Method -e sip.Status-Code -e sip.auth.username -e sip.auth.uri"
		tshark -r "$CAP/demo.pcap" -Y 'sip.Call-ID == "forbidden-after-auth-1@pbx.example.com"' \
		    $fields 2>/dev/null | sort >"$TMP/mo.txt"
		tshark -r "$TMP/moved.pcap" -Y sip $fields 2>/dev/null | sort >"$TMP/ms.txt"
		if [ "$(wc -l <"$TMP/mo.txt")" -eq 6 ] && cmp -s "$TMP/mo.txt" "$TMP/ms.txt"; then
			pass "budget: tshark reads back the same 6 messages"
		else
			fail "budget: tshark read back differs"
			diff "$TMP/mo.txt" "$TMP/ms.txt" | head -10
		fi
	else
		echo "tshark missing: read-back of the moved call not checked"
	fi
	keys F2 C-u
	$T send-keys -t "$S" -l "$TMP/moved.txt"
	keys Enter
	check "budget: the moved call saved as text" 'saved 1 calls to'
	if [ "$(grep -c '^---- message' "$TMP/moved.txt")" -eq 6 ] &&
	    ! grep -q 'bytes not kept' "$TMP/moved.txt" &&
	    grep -q '^Authorization: Digest username="asterisk-trunk"' "$TMP/moved.txt" &&
	    grep -q '^finding \[error\] wrong-username' "$TMP/moved.txt"; then
		pass "budget: text file has the moved messages and findings"
	else
		fail "budget: text file content"
	fi
	keys q q q
	check "budget: clean exit" '^EXIT=0'
else
	echo "pcapgen not built: memory budget not checked"
fi

# ---- a stored capture (--db, no engine) -----------------------------------
if "$SIPVET" -N -q -r "$CAP/demo.pcap" --db "$TMP/demo.db" >/dev/null 2>&1 ||
    [ -s "$TMP/demo.db" ]; then
	start --db "$TMP/demo.db"
	check "db: the stored calls" ' 5/5 calls'
	keys Down Down Enter
	check "db: ladder" '^Call flow  forbidden-after-auth-1@pbx.example.com'
	keys n Enter
	check "db: raw bytes of a stored message" '^Authorization: Digest username="asterisk-trunk"'
	keys q q q
	check "db: clean exit" '^EXIT=0'
else
	fail "could not write a store"
fi

# ---- NO_COLOR: monochrome ---------------------------------------------------
start_env() {
	old=$S
	n_start=$((n_start + 1))
	S="tui$$-$n_start"
	$T new-session -d -x 80 -y 24 -s "$S" \
	    "cd '$TMP' && NO_COLOR=1 LC_ALL=$LOC '$SIPVET' $*; echo EXIT=\$?; sleep 60"
	[ -n "$old" ] && $T kill-session -t "$old" 2>/dev/null
	return 0
}
start_env -r "$CAP/demo.pcap"
check "NO_COLOR: list shown" ' 5/5 calls'
if $T capture-pane -e -p -t "$S" | grep -q "$(printf '\033')\\[[0-9;]*3[0-7]m"; then
	fail "NO_COLOR: colours used"
else
	pass "NO_COLOR: no colours"
fi
keys q

# ---- Ctrl-C leaves the terminal clean ---------------------------------------
start -r "$CAP/demo.pcap"
check "started again" ' 5/5 calls'
keys Enter
keys C-c
check "Ctrl-C exits" '^EXIT='
check_not "Ctrl-C: no TUI left on the screen" 'Call flow'

$T kill-session -t "$S" 2>/dev/null
finish
