#!/bin/sh
# Accuracy (issue 3): on the independent scenario captures made by
# tests/accuracy/make.sh, every failing call must get its root cause as its
# first error finding and no healthy call an error finding.  Compares
# `sipvet -N --json -r CAPTURE` with tests/accuracy/expected.tsv per call,
# prints the accuracy figure and fails on any miss.
. "${top_srcdir:-.}/tests/lib.sh"
dir=${ACCURACY_CAPTURES:-$top_srcdir/tests/accuracy}
exp=${ACCURACY_EXPECTED:-$top_srcdir/tests/accuracy/expected.tsv}
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
[ -f "$exp" ] || skip "no $exp"
set -- "$dir"/*.pcap
[ -f "$1" ] || skip "no accuracy captures in $dir (make them: sudo tests/accuracy/make.sh)"

# The lab's password for the numbers, for the rows run with opts "creds".
printf '15551230001:Acc-Trunk-Pass-31337\n15551230002:Acc-Trunk-Pass-31337\n' \
    >"$TMP/creds"
chmod 600 "$TMP/creds"
tab=$(printf '\t')

# report CAPTURE OPTS: sipvet's NDJSON for a capture, run once and cached.
report() {
	out="$TMP/$1.$2.json"
	if [ ! -f "$out" ]; then
		if [ "$2" = creds ]; then
			"$SIPVET" -N --json --credentials "$TMP/creds" -r "$dir/$1" >"$out" 2>"$out.err"
		else
			"$SIPVET" -N --json -r "$dir/$1" >"$out" 2>"$out.err"
		fi
		rc=$?
		[ "$rc" -le 1 ] || echo "sipvet exited $rc on $1: $(head -1 "$out.err")"
	fi
}

n=0
hit=0
while IFS="$tab" read -r cap opts cid verdict first why; do
	case "$cap" in '#'*|'') continue ;; esac
	n=$((n + 1))
	if [ ! -f "$dir/$cap" ]; then
		fail "MISS $cap $cid: capture missing"
		continue
	fi
	report "$cap" "$opts"
	got=$(jq -r --arg c "$cid" 'select(.type == "call" and .call_id == $c)
	    | "\(.verdict) \([(.findings // [])[] | select(.severity == "error")
	    | .id][0] // "-")"' "$TMP/$cap.$opts.json" | tr '\n' ' ' | sed 's/ $//')
	[ -n "$got" ] || got="(no such call)"
	tag=$cap
	[ "$opts" = - ] || tag="$cap ($opts)"
	if [ "$got" = "$verdict $first" ]; then
		hit=$((hit + 1))
		pass "$tag $cid: $verdict $first"
	else
		fail "MISS $tag $cid: expected $verdict $first, got $got ($why)"
	fi
done <"$exp"

# Every call sipvet reports must be listed: an unlisted call is a miss.
for f in "$dir"/*.pcap; do
	cap=$(basename "$f")
	report "$cap" -
	jq -r 'select(.type == "call") | .call_id' "$TMP/$cap.-.json" |
	while read -r cid; do
		grep -qF "$cap$tab-$tab$cid$tab" "$exp" ||
		    echo "FAIL: MISS $cap $cid: a call expected.tsv does not list"
	done
done >"$TMP/unlisted"
while read -r line; do
	_fail=$((_fail + 1))
	echo "$line"
done <"$TMP/unlisted"

echo "accuracy: $hit of $n calls"
[ "$n" -gt 0 ] || fail "expected.tsv lists no call"
finish
