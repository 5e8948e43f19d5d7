#!/bin/sh
# The rules on real captures: every capture in captures/ (made by
# captures/make-captures.sh with Kamailio as sip.vapi.ai and sipp as the PBX)
# has its calls' expected verdict and first error finding (the root cause)
# below; healthy calls must get no error finding at all.  Also checked: the
# exit status, each expected finding's evidence (message index) and fix,
# --rule ID=off, --severity ID=warning, --list-rules, --explain, and that
# the credentials file is guarded (mode 0600) and its passwords never printed.
. "${top_srcdir:-.}/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
[ -x "$SIPVET" ] || skip "no sipvet binary at $SIPVET"
CAP="$top_srcdir/captures"
[ -f "$CAP/demo.pcap" ] || skip "no captures in $CAP"

# The lab server's password (captures/README); wrong-password.pcap and
# credentials-rejected-loop.pcap answered with another one.
PW=Vapi-Lab-Secret-2025
BADPW=Old-Trunk-Password-2024
CRED="$TMP/credentials"
printf '14155550123:%s\n' "$PW" >"$CRED"
chmod 600 "$CRED"

# file  call-id  verdict  first-error  also  opts
#   call-id: the call's Call-ID; every call of the file must have its row.
#   first-error: id of the first finding of severity error, or none.
#   also: other finding ids (any severity) that must be present, comma-
#         separated, or -.
#   opts: - or creds (run with --credentials, the lab password for 14155550123).
# A row starting with "known:" states what the rule documentation says should
# happen where sipvet does not do it yet (see the comment): it is reported as
# KNOWN, not failed; once sipvet gets it right it fails as XPASS, so the
# marker is removed.
cat >"$TMP/table" <<'EOF'
healthy-udp.pcap healthy-udp-1@pbx.example.com ok none - -
healthy-udp.pcap healthy-udp-1@pbx.example.com ok none - creds
healthy-udp.pcapng healthy-udp-1@pbx.example.com ok none - -
healthy-tcp.pcap healthy-tcp-1@pbx.example.com ok none - -
tcp-coalesced.pcap tcp-coalesced-1@pbx.example.com ok none - -
ipv6.pcap ipv6-1@pbx.example.com ok none - -
vlan.pcap healthy-udp-1@pbx.example.com ok none - -
qinq.pcap healthy-udp-1@pbx.example.com ok none - -
sll.pcap sll-1@pbx.example.com ok none - -
sll2.pcap sll-1@pbx.example.com ok none - -
stale-nonce.pcap stale-nonce-1@pbx.example.com ok none stale-nonce -
register.pcap register-1@pbx.example.com ok none - -
options.pcap options-1@pbx.example.com ok none - -
ipv4-fragments.pcap ipv4-fragments-1@pbx.example.com ok none udp-oversize -
challenge-ignored.pcap challenge-ignored-1@pbx.example.com auth-failed challenge-ignored - -
challenge-ignored.pcap challenge-ignored-ka-1@pbx.example.com ok none - -
forbidden-after-auth.pcap forbidden-after-auth-1@pbx.example.com auth-failed wrong-username - -
# ip-literal: the README and man/rules.txt say ruri-ip-literal (Request-URI
# sip:14155550123@127.0.0.2, 403 "use sip.vapi.ai, not an IP address");
# sipvet reports forbidden-after-auth as the first error and no ruri-ip-literal.
ip-literal.pcap ip-literal-1@pbx.example.com auth-failed ruri-ip-literal - -
wrong-realm.pcap wrong-realm-1@pbx.example.com auth-failed realm-mismatch - -
forbidden-password.pcap forbidden-password-1@pbx.example.com auth-failed forbidden-password - -
forbidden-password.pcap forbidden-password-1@pbx.example.com auth-failed forbidden-password - creds
number-not-found.pcap number-not-found-1@pbx.example.com failed number-not-found - -
byo-source.pcap byo-source-1@pbx.example.com auth-failed byo-source-not-gateway - -
no-response.pcap no-response-1@pbx.example.com failed no-response - -
no-response.pcap no-response-ka-1@pbx.example.com ok none - -
vapi-to-pbx-challenge.pcap vapi-to-pbx-1@pbx.example.com auth-failed vapi-to-pbx-challenge - -
vapi-to-pbx-challenge.pcap vapi-to-pbx-ka-1@sip.vapi.ai ok none - -
demo.pcap healthy-udp-1@pbx.example.com ok none - -
demo.pcap challenge-ignored-1@pbx.example.com auth-failed challenge-ignored - -
demo.pcap forbidden-after-auth-1@pbx.example.com auth-failed wrong-username - -
demo.pcap number-not-found-1@pbx.example.com failed number-not-found - -
demo.pcap byo-source-1@pbx.example.com auth-failed byo-source-not-gateway - -
# ack-mismatch: the ACK of the 401 carries another branch, and the call is
# answered all the same: an authentication-flow warning, verdict ok.
ack-mismatch.pcap ack-mismatch-1@pbx.example.com ok none ack-mismatch -
nonce-mismatch.pcap nonce-mismatch-1@pbx.example.com auth-failed nonce-mismatch - -
nonce-mismatch.pcap nonce-mismatch-ka-1@pbx.example.com ok none - -
opaque-not-echoed.pcap opaque-not-echoed-1@pbx.example.com auth-failed opaque-not-echoed - -
algorithm-not-offered.pcap algorithm-not-offered-1@pbx.example.com auth-failed algorithm-not-offered - -
algorithm-not-offered.pcap algorithm-not-offered-ka-1@pbx.example.com ok none - -
qop-incomplete.pcap qop-incomplete-1@pbx.example.com auth-failed qop-incomplete - -
qop-incomplete.pcap qop-incomplete-ka-1@pbx.example.com ok none - -
auth-header-type.pcap auth-header-type-1@pbx.example.com auth-failed auth-header-type - -
auth-header-type.pcap auth-header-type-ka-1@pbx.example.com ok none - -
retry-cseq-not-incremented.pcap retry-cseq-not-incremented-1@pbx.example.com ok none retry-cseq-not-incremented -
retry-dialog-changed.pcap retry-dialog-changed-1@pbx.example.com ok none retry-dialog-changed -
# retry-new-call-id: the retry of the 401 comes as a new call (new Call-ID and
# From tag) that the server answers: the challenged call gets the error, the
# retry a warning, each naming the other's Call-ID (checked below).
retry-new-call-id.pcap retry-new-call-id-1@pbx.example.com auth-failed retry-dialog-changed - -
retry-new-call-id.pcap retry-retry-new-call-id-1@pbx.example.com ok none retry-dialog-changed -
icmp-unreachable.pcap icmp-unreachable-1@pbx.example.com failed no-response - -
credentials-rejected-loop.pcap credentials-rejected-loop-1@pbx.example.com auth-failed credentials-rejected-loop - -
credentials-rejected-loop.pcap credentials-rejected-loop-ka-1@pbx.example.com ok none - -
credentials-rejected-loop.pcap credentials-rejected-loop-1@pbx.example.com auth-failed wrong-password credentials-rejected-loop creds
credentials-rejected-loop.pcap credentials-rejected-loop-ka-1@pbx.example.com ok none - creds
wrong-password.pcap wrong-password-1@pbx.example.com auth-failed forbidden-after-auth - -
wrong-password.pcap wrong-password-1@pbx.example.com auth-failed wrong-password - creds
udp-oversize.pcap udp-oversize-1@pbx.example.com failed udp-oversize - -
udp-oversize.pcap udp-oversize-ka-1@pbx.example.com ok none - -
nat-private-address.pcap nat-private-address-1@pbx.example.com ok none nat-private-address -
EOF

# evid FILE CALL-ID RULE FIELD VALUE: the rule's finding on the call has FIELD = VALUE
evid() {
	got=$("$SIPVET" -N --json -r "$CAP/$1" 2>/dev/null | jq -r --arg c "$2" --arg r "$3" \
		--arg f "$4" 'select(.type == "call" and .call_id == $c) | .findings[] |
		select(.id == $r) | .[$f] | tostring' | head -1)
	if [ "$got" = "$5" ]; then
		pass "$1 $2: $3 $4 is $5"
	else
		fail "$1 $2: $3 $4 is '$got', expected '$5'"
	fi
}

# run FILE OPTS: sipvet's NDJSON for FILE into $TMP/out.json, exit status in $rc
run() {
	o=
	[ "$2" = creds ] && o="--credentials $CRED"
	# shellcheck disable=SC2086
	"$SIPVET" -N --json $o -r "$CAP/$1" >"$TMP/out.json" 2>"$TMP/err"
	rc=$?
}

# every capture must be in the table
for f in "$CAP"/*.pcap "$CAP"/*.pcapng; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	if grep -Eq "^(known:)?$b " "$TMP/table"; then
		pass "$b is in the table"
	else
		fail "$b: no row in the table of tests/rules.sh"
	fi
done

# one run per (file, opts); check every row of it
grep -v '^#' "$TMP/table" | awk '{ f = $1; sub(/^known:/, "", f); print f, $6 }' |
	sort -u >"$TMP/runs"
while read -r file opts; do
	[ -f "$CAP/$file" ] || { fail "$file: missing from captures/"; continue; }
	run "$file" "$opts"
	tag="$file${opts#-}"
	[ "$opts" = creds ] && tag="$file (--credentials)"
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		fail "$tag: exit $rc: $(head -c 300 "$TMP/err")"
		continue
	fi
	jq -c 'select(.type == "call")' "$TMP/out.json" >"$TMP/calls"
	anyerr=$(jq -s '[.[].findings[] | select(.severity == "error")] | length > 0' "$TMP/calls")
	# the exit status follows the findings: 1 exactly when some error finding
	want=0
	[ "$anyerr" = true ] && want=1
	if [ "$rc" -eq "$want" ]; then
		pass "$tag: exit $rc"
	else
		fail "$tag: exit $rc, expected $want (error findings: $anyerr)"
	fi
	# every call of the file has its row
	for cid in $(jq -r '.call_id' "$TMP/calls"); do
		if grep -v '^#' "$TMP/table" | awk -v f="$file" -v o="$opts" -v c="$cid" '
			{ g = $1; sub(/^known:/, "", g) } g == f && $6 == o && $2 == c { found = 1 }
			END { exit !found }'; then
			pass "$tag: call $cid has a row"
		else
			fail "$tag: call $cid is not in the table"
		fi
	done
	grep -v '^#' "$TMP/table" | awk -v f="$file" -v o="$opts" '
		{ g = $1; sub(/^known:/, "", g) } g == f && $6 == o' >"$TMP/rows"
	while read -r f1 cid verdict first also o; do
		known=0
		case $f1 in known:*) known=1 ;; esac
		call=$(jq -c --arg c "$cid" 'select(.call_id == $c)' "$TMP/calls" | head -1)
		if [ -z "$call" ]; then
			fail "$tag: no call $cid"
			continue
		fi
		got_v=$(printf '%s\n' "$call" | jq -r '.verdict')
		got_f=$(printf '%s\n' "$call" | jq -r '[.findings[] | select(.severity == "error")][0].id // "none"')
		all=$(printf '%s\n' "$call" | jq -r '[.findings[] | .id + ":" + .severity] | join(" ")')
		ok=1
		[ "$got_v" = "$verdict" ] || ok=0
		[ "$got_f" = "$first" ] || ok=0
		for a in $(echo "$also" | tr ',' ' '); do
			[ "$a" = - ] && continue
			printf '%s\n' "$call" | jq -e --arg a "$a" 'any(.findings[]; .id == $a)' >/dev/null || ok=0
		done
		what="$tag $cid: verdict $got_v, first error $got_f [$all]"
		if [ $known = 1 ]; then
			if [ $ok = 1 ]; then
				fail "$what: XPASS, remove the known: marker in tests/rules.sh"
			else
				echo "KNOWN: $what; expected $verdict $first (documented problem, see the table)"
			fi
			continue
		fi
		if [ $ok = 1 ]; then
			pass "$tag $cid: $verdict, first error $first"
		else
			fail "$what; expected $verdict, first error $first, also $also"
		fi
		# a healthy call has no error finding at all
		if [ "$verdict" = ok ] && [ "$first" = none ]; then
			n=$(printf '%s\n' "$call" | jq '[.findings[] | select(.severity == "error")] | length')
			[ "$n" = 0 ] && pass "$tag $cid: no error finding" ||
				fail "$tag $cid: healthy call with $n error findings"
		fi
		# the expected findings' evidence points at a message of the call; a fix is given
		for id in $first $(echo "$also" | tr ',' ' '); do
			{ [ "$id" = none ] || [ "$id" = - ]; } && continue
			if printf '%s\n' "$call" | jq -e --arg i "$id" '
				(.messages | length) as $n |
				[.findings[] | select(.id == $i)] | length > 0 and
				all(.[]; (.message | type) == "number" and .message >= 0 and .message < $n
				    and (.fix | type) == "string" and (.fix | length) > 0
				    and (.title | length) > 0 and (.explanation | length) > 0)' >/dev/null; then
				pass "$tag $cid: $id names message in the call and a fix"
			else
				fail "$tag $cid: $id: bad evidence: $(printf '%s\n' "$call" |
					jq -c --arg i "$id" '[(.messages|length), (.findings[] | select(.id == $i) | {message, fix})]')"
			fi
		done
	done <"$TMP/rows"
done <"$TMP/runs"

# --rule ID=off removes the finding; --severity ID=warning changes its severity
grep -v '^#' "$TMP/table" | grep -v '^known:' |
	awk '$4 != "none" { print $1, $4, $6 }' | sort -u -k2,2 >"$TMP/firsts"
while read -r file id opts; do
	o=
	[ "$opts" = creds ] && o="--credentials $CRED"
	# shellcheck disable=SC2086
	"$SIPVET" -N --json $o --rule "$id=off" -r "$CAP/$file" >"$TMP/off.json" 2>"$TMP/err"
	if jq -s -e --arg i "$id" '[.[] | select(.type == "call") | .findings[] | select(.id == $i)] | length == 0' \
	    "$TMP/off.json" >/dev/null; then
		pass "$file: --rule $id=off removes $id"
	else
		fail "$file: --rule $id=off still reports $id"
	fi
	# shellcheck disable=SC2086
	"$SIPVET" -N --json $o --severity "$id=warning" -r "$CAP/$file" >"$TMP/sev.json" 2>"$TMP/err"
	if jq -s -e --arg i "$id" '[.[] | select(.type == "call") | .findings[] | select(.id == $i) | .severity] |
	    length > 0 and all(.[]; . == "warning")' "$TMP/sev.json" >/dev/null; then
		pass "$file: --severity $id=warning makes $id a warning"
	else
		fail "$file: --severity $id=warning: $(jq -c --arg i "$id" 'select(.type == "call") | [.findings[] | select(.id == $i) | .severity]' "$TMP/sev.json")"
	fi
done <"$TMP/firsts"

# a turned-off root cause also changes the exit status when it was the only error
"$SIPVET" -N --rule challenge-ignored=off -r "$CAP/challenge-ignored.pcap" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "challenge-ignored=off: exit 0" || fail "challenge-ignored=off: exit $rc, expected 0"

# --list-rules lists every rule the table tests
"$SIPVET" --list-rules >"$TMP/rules" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "--list-rules: exit 0" || fail "--list-rules: exit $rc"
for id in $(grep -v '^#' "$TMP/table" | awk '{ print $4; n = split($5, a, ","); for (i = 1; i <= n; i++) print a[i] }' |
	grep -v '^none$' | grep -v '^-$' | sort -u); do
	if grep -q "^$id[[:space:]]" "$TMP/rules"; then
		pass "--list-rules lists $id"
	else
		fail "--list-rules does not list $id"
	fi
done

# --explain
"$SIPVET" --explain challenge-ignored >"$TMP/explain" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q challenge-ignored "$TMP/explain" && grep -qi "fix" "$TMP/explain"; then
	pass "--explain challenge-ignored"
else
	fail "--explain challenge-ignored: exit $rc: $(head -c 200 "$TMP/explain")"
fi
"$SIPVET" --explain nosuch >"$TMP/explain" 2>&1
rc=$?
[ "$rc" -eq 2 ] && pass "--explain nosuch: exit 2" || fail "--explain nosuch: exit $rc, expected 2"

# the retry with a new Call-ID: each call's finding names the other call
evid retry-new-call-id.pcap retry-new-call-id-1@pbx.example.com retry-dialog-changed value \
	retry-retry-new-call-id-1@pbx.example.com
evid retry-new-call-id.pcap retry-new-call-id-1@pbx.example.com retry-dialog-changed header Call-ID
evid retry-new-call-id.pcap retry-new-call-id-1@pbx.example.com retry-dialog-changed severity error
evid retry-new-call-id.pcap retry-retry-new-call-id-1@pbx.example.com retry-dialog-changed value \
	retry-new-call-id-1@pbx.example.com
evid retry-new-call-id.pcap retry-retry-new-call-id-1@pbx.example.com retry-dialog-changed severity warning
# no challenge-ignored on the challenged call: its retry came, on another Call-ID
evid retry-new-call-id.pcap retry-new-call-id-1@pbx.example.com challenge-ignored id ""
# ICMP port unreachable answers the INVITE: named with its sender, at once
evid icmp-unreachable.pcap icmp-unreachable-1@pbx.example.com no-response header ICMP
evid icmp-unreachable.pcap icmp-unreachable-1@pbx.example.com no-response value \
	"ICMP port unreachable from 127.0.0.9"
evid icmp-unreachable.pcap icmp-unreachable-1@pbx.example.com no-response message 0
# the ACK of the 401 on another branch, on an answered call: a warning
evid ack-mismatch.pcap ack-mismatch-1@pbx.example.com ack-mismatch severity warning
evid ack-mismatch.pcap ack-mismatch-1@pbx.example.com ack-mismatch header Via

# a credentials file readable by others is refused
cp "$CRED" "$TMP/cred644"
chmod 644 "$TMP/cred644"
"$SIPVET" -N --credentials "$TMP/cred644" -r "$CAP/healthy-udp.pcap" >"$TMP/o644" 2>"$TMP/e644"
rc=$?
[ "$rc" -eq 2 ] && pass "credentials mode 0644: exit 2" || fail "credentials mode 0644: exit $rc, expected 2"
if cat "$TMP/o644" "$TMP/e644" | grep -q "chmod 600"; then
	pass "credentials mode 0644: the message says chmod 600"
else
	fail "credentials mode 0644: no 'chmod 600' in: $(cat "$TMP/e644" | head -c 200)"
fi

# passwords from --credentials never appear in the output (text and JSON,
# on a call whose password is right and on ones where it is wrong)
printf '14155550123:sip.vapi.ai:%s\n1111212:%s\n' "$BADPW" "$PW" >"$TMP/cred2"
chmod 600 "$TMP/cred2"
for c in "$CRED" "$TMP/cred2"; do
	for f in healthy-udp.pcap wrong-password.pcap credentials-rejected-loop.pcap demo.pcap; do
		for fmt in "" --json; do
			# shellcheck disable=SC2086
			"$SIPVET" -N $fmt --credentials "$c" -r "$CAP/$f" >"$TMP/pw.out" 2>&1
			if grep -q -e "$PW" -e "$BADPW" "$TMP/pw.out"; then
				fail "$f ${fmt:-text}: a password from --credentials is printed"
			else
				pass "$f ${fmt:-text}: no password printed"
			fi
		done
	done
done
finish
