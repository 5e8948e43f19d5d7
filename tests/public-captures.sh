#!/bin/sh
# Run sipvet over every public capture in ../shared/captures-public: no
# crash, no sanitizer report, and the SIP message count equal to tshark's
# (the sip_msgs figure of index.json, which tshark produced; with the
# exceptions INDEX.md names: HEP, which tshark 4.0 cannot dissect; the
# corrupt pkts/cool.pcap, which must give a one-line error and exit 2; and
# the fuzzed nDPI capture, whose damaged frames tshark half-dissects).
. "${top_srcdir:-.}/tests/lib.sh"
dir="$SHARED/captures-public"
[ -f "$dir/index.json" ] || skip "$dir is absent (../shared not beside the checkout)"
command -v jq >/dev/null || skip "jq is not installed"

jq -r '.[] | [.file, .sip_msgs, (.hep | length), .origin] | @tsv' "$dir/index.json" >"$TMP/list"
while IFS="$(printf '\t')" read -r file want hep origin; do
	f="$dir/$file"
	[ -f "$f" ] || { fail "$file listed in index.json but missing"; continue; }
	"$SIPVET" -N --json -r "$f" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if grep -q -e AddressSanitizer -e 'runtime error' -e LeakSanitizer "$TMP/err"; then
		fail "$file: sanitizer report: $(head -3 "$TMP/err")"
		continue
	fi
	if [ "$rc" -ge 3 ]; then
		fail "$file: exit status $rc (crash?) $(head -2 "$TMP/err")"
		continue
	fi
	if [ "$origin" = corrupt ]; then
		lines=$(wc -l <"$TMP/err")
		if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ]; then
			pass "$file: corrupt file gives exit 2 and one line: $(cat "$TMP/err")"
		else
			fail "$file: corrupt file: exit $rc, $lines error lines"
		fi
		continue
	fi
	got=$(jq -s 'map(select(.type=="summary"))[0].sip_messages' "$TMP/out")
	if [ "$hep" -gt 0 ]; then
		# tshark 4.0 cannot count SIP inside HEP: INDEX.md gives the figures.
		case "$file" in
		*hep3_compressed*) want=21 ;;
		*hep.pcap) want=6 ;;
		esac
	fi
	if [ "$origin" = fuzzed ]; then
		# Deliberately damaged frames (bad IP lengths, mangled headers):
		# tshark dissects what it can of each; sipvet counts the frames
		# it cannot trust as skipped.  No crash, and most messages found.
		if [ "$got" -le "$want" ] && [ $((got * 10)) -ge $((want * 9)) ]; then
			pass "$file (fuzzed): $got of tshark's $want SIP messages, the rest counted as skipped"
		else
			fail "$file (fuzzed): sipvet counts $got SIP messages, tshark $want"
		fi
		continue
	fi
	if [ "$got" = "$want" ]; then
		pass "$file: $got SIP messages, as tshark"
	else
		fail "$file: sipvet counts $got SIP messages, tshark $want"
	fi
done <"$TMP/list"
finish
