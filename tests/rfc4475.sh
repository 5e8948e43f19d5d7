#!/bin/sh
# rfc4475.sh: feed each RFC 4475 torture message to sipvet over UDP and TCP.
#
# Every message is wrapped by pcapgen into its own capture.  sipvet must never
# crash; a message INDEX.md marks ACCEPT (or ACCEPT/APP) must show up in the
# --json call lines with its Call-ID, CSeq number and method (or status) and
# not flagged malformed; a REJECT message must be flagged malformed or be
# left out of the calls and counted as skipped.  ACCEPT/SEM messages are
# semantically wrong but well-formed: only "no crash" is checked for them.
. "${top_srcdir:-.}/tests/lib.sh"

R="$SHARED/reference/rfc4475"
[ -f "$R/INDEX.md" ] || skip "RFC 4475 messages not found in $R"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
PCAPGEN="$top_builddir/tests/tools/pcapgen"
[ -x "$PCAPGEN" ] || { fail "$PCAPGEN not built"; finish; }
[ -x "$SIPVET" ] || { fail "$SIPVET not built"; finish; }

# Expected Call-ID, CSeq number, method (or status code) and CSeq method of
# every ACCEPT and ACCEPT/APP message, read off the files (tab separated).
cat >"$TMP/expect" <<'EOF'
wsinv	wsinv.ndaksdj@192.0.2.1	9	INVITE	INVITE
intmeth	intmeth.word%ZK-!.*_+'@word`~)(><:\/"][?}{	139122385	!interesting-Method0123456789_*+`.%indeed'~	!interesting-Method0123456789_*+`.%indeed'~
esc01	esc01.239409asdfakjkn23onasd0-3234	234234	INVITE	INVITE
escnull	escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd	14398234	REGISTER	REGISTER
esc02	esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf	29344	RE%47IST%45R	RE%47IST%45R
lwsdisp	lwsdisp.1234abcd@funky.example.com	60	OPTIONS	OPTIONS
longreq	longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallylongcallid	3882340	INVITE	INVITE
dblreq	dblreq.0ha0isndaksdj99sdfafnl3lk233412	8	REGISTER	REGISTER
semiuri	semiuri.0ha0isndaksdj	8	OPTIONS	OPTIONS
transports	transports.kijh4akdnaqjkwendsasfdj	60	OPTIONS	OPTIONS
mpart01	3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..	1	MESSAGE	MESSAGE
unreason	unreason.1234ksdfak3j2erwedfsASdf	35	200	INVITE
noreason	noreason.asndj203insdf99223ndf	35	100	INVITE
inv2543	inv2543.1717@ift.client.example.com	56	INVITE	INVITE
zeromf	zeromf.jfasdlfnm2o2l43r5u0asdfas	39234321	OPTIONS	OPTIONS
cparam01	cparam01.70710@saturn.example.com	2	REGISTER	REGISTER
cparam02	cparam02.70710@saturn.example.com	3	REGISTER	REGISTER
regescrt	regescrt.k345asrl3fdbv@192.0.2.1	14398234	REGISTER	REGISTER
EOF

# Files INDEX.md marks REJECT whose rejection it makes conditional: only
# "no crash" is checked (baddate: only if the Date header matters).
lenient=" baddate "
# Files whose framing is lost on a stream (Content-Length too large,
# negative or doubled; headers never ended): over TCP they may be
# discarded, so only "counted as skipped or malformed" is checked.
streamlost=" clerr ncl mcl01 baddn "

# jq helpers, tolerant of how the call and summary lines spell their fields.
JQDEFS='
def calls: [.[] | select(type == "object" and .type == "call")];
def cid: (.call_id // .callid // ."call-id");
def msgs: [calls[] | cid as $c | (.messages // [])[] | . + {_cid: $c}];
def fl: (.first_line // "" | tostring);
def cseqn: if (.cseq | type) == "number" then .cseq
	elif (.cseq | type) == "string" then
		((.cseq | capture("^\\s*(?<n>[0-9]+)") | .n | tonumber)? // null)
	else null end;
def cseqm: .cseq_method // (if (.cseq | type) == "string" then
	((.cseq | capture("^\\s*[0-9]+\\s+(?<m>\\S+)") | .m)? // null)
	else null end);
def meth: .method // (if (fl | startswith("SIP/")) then null
	else (fl | split(" ") | .[0]) end);
def stat: .status // (if (fl | startswith("SIP/")) then
	((fl | split(" ") | .[1] | tonumber)? // null) else null end);
def summary: ([.[] | select(type == "object" and .type == "summary")] | last) // {};
def malformed: ([summary | .. | objects | .sip_malformed? | numbers] | add // 0)
	+ ([msgs[] | select(.malformed == true)] | length);
def skipped: summary as $s | (if ($s.skipped_total | type) == "number"
	then $s.skipped_total + ($s.not_sip // 0)
	else [$s | paths(numbers)]
	| map(select(map(tostring) | join(".") |
	    test("skip|drop|malformed|junk|invalid|bad|truncat|error|not_sip|non.sip|unknown"; "i")))
	| map(. as $p | $s | getpath($p)) | add // 0 end);
def found($c; $n; $m; $cm): [msgs[] | select(._cid == $c and cseqn == $n)
	| select(if ($m | test("^[0-9]+$")) then stat == ($m | tonumber)
	    else meth == $m end)
	| select(cseqm == null or cseqm == $cm)];
'

# verdict FILE: ACCEPT, REJECT or SEM as INDEX.md's "parser should" column says.
verdict() {
	awk -F'|' -v f="\`$1.dat\`" '
	{ n = $2; gsub(/ /, "", n) }
	n == f {
		v = $5; sub(/^ +/, "", v)
		if (v ~ /^ACCEPT\/SEM/) print "SEM"
		else if (v ~ /^ACCEPT/) print "ACCEPT"
		else if (v ~ /^REJECT/) print "REJECT"
		else print "UNKNOWN"
		exit
	}' "$R/INDEX.md"
}

# jqrun PROGRAM ARGS...: run a jq check over sipvet's output; 0 when true.
jqrun() {
	prog=$1
	shift
	jq -e -s "$@" "$JQDEFS $prog" "$TMP/out" >/dev/null 2>&1
}

# shown: a short view of what sipvet reported, for failure messages.
shown() {
	jq -c -s "$JQDEFS"' {calls: [msgs[] | {c: ._cid, n: cseqn, m: meth,
	    s: stat, cm: cseqm, mf: .malformed}], malformed: malformed,
	    skipped: skipped}' "$TMP/out" 2>/dev/null | cut -c1-400
}

ndat=0
for dat in "$R"/*.dat; do
	name=$(basename "$dat" .dat)
	ndat=$((ndat + 1))
	v=$(verdict "$name")
	case "$lenient" in *" $name "*) v=SEM ;; esac
	if [ "$v" = UNKNOWN ] || [ -z "$v" ]; then
		fail "$name: not classified in INDEX.md"
		continue
	fi
	exp=""
	if [ "$v" = ACCEPT ]; then
		exp=$(grep "^$name	" "$TMP/expect")
		if [ -z "$exp" ]; then
			fail "$name: ACCEPT in INDEX.md but no expected values here"
			continue
		fi
	fi
	for t in udp tcp; do
		what="$name ($t, $v)"
		pcap="$TMP/$name.$t.pcap"
		if ! "$PCAPGEN" wrap -t "$t" "$pcap" "$dat" 2>"$TMP/err"; then
			fail "$what: pcapgen: $(head -n 1 "$TMP/err")"
			continue
		fi
		"$SIPVET" -N --json -r "$pcap" >"$TMP/out" 2>"$TMP/err" </dev/null
		st=$?
		if [ "$st" -gt 1 ]; then
			fail "$what: exit status $st: $(head -n 3 "$TMP/err")"
			continue
		fi
		if grep -q -e AddressSanitizer -e LeakSanitizer -e 'runtime error' \
		    "$TMP/err"; then
			fail "$what: sanitizer report: $(grep -m 1 -e Sanitizer \
			    -e 'runtime error' "$TMP/err")"
			continue
		fi
		if ! jq -e -s 'length > 0' "$TMP/out" >/dev/null 2>&1; then
			fail "$what: output is not NDJSON"
			continue
		fi
		if ! jqrun '[.[] | select(type == "object" and .type == "summary")] | length == 1'; then
			fail "$what: no single summary line"
			continue
		fi
		case "$v" in
		ACCEPT)
			IFS='	' read -r _ cid n m cm <<EOF
$exp
EOF
			if jqrun 'found($c; ($n | tonumber); $m; $cm) | length > 0' \
			    --arg c "$cid" --arg n "$n" --arg m "$m" --arg cm "$cm"; then
				pass "$what: Call-ID, CSeq $n and $m found"
			else
				fail "$what: Call-ID/CSeq $n/$m not found: $(shown)"
				continue
			fi
			if jqrun '[found($c; ($n | tonumber); $m; $cm)[] |
			    select(.malformed == true)] | length == 0' \
			    --arg c "$cid" --arg n "$n" --arg m "$m" --arg cm "$cm"; then
				pass "$what: not flagged malformed"
			else
				fail "$what: flagged malformed"
			fi
			# dblreq: the INVITE-like bytes after the REGISTER in the
			# same datagram must be ignored (on TCP they are a message).
			if [ "$name" = dblreq ] && [ "$t" = udp ]; then
				if jqrun '[msgs[] | select(._cid == $c)] | length == 0' \
				    --arg c "dblreq.0ha0isnda977644900765@192.0.2.15"; then
					pass "$what: trailing octets ignored"
				else
					fail "$what: trailing octets taken as a message"
				fi
			fi
			;;
		REJECT)
			case "$t$streamlost" in
			tcp*" $name "*)
				if jqrun 'malformed >= 1 or skipped >= 1'; then
					pass "$what: counted as malformed or skipped"
				else
					fail "$what: neither malformed nor skipped: $(shown)"
				fi
				;;
			*)
				if jqrun 'malformed >= 1 or
				    ((msgs | length) == 0 and skipped >= 1)'; then
					pass "$what: flagged malformed or skipped"
				else
					fail "$what: accepted as well-formed: $(shown)"
				fi
				;;
			esac
			;;
		*)
			pass "$what: no crash"
			;;
		esac
	done
done
if [ "$ndat" -eq 49 ]; then
	pass "49 messages found"
else
	fail "$ndat .dat files in $R, expected 49"
fi
finish
