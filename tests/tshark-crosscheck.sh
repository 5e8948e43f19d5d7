#!/bin/sh
# Cross-check against tshark, an independent parser: for every capture in
# captures/, the (Call-ID, method or status code, CSeq) of every SIP message
# sipvet reports must equal what tshark reports for the same file.
. "${top_srcdir:-.}/tests/lib.sh"
command -v tshark >/dev/null || skip "tshark is not installed"
command -v jq >/dev/null || skip "jq is not installed"
n=0
for f in "$top_srcdir"/captures/*.pcap "$top_srcdir"/captures/*.pcapng; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	name=$(basename "$f")
	# tshark: one line per SIP message; several messages in one frame come
	# out as comma-joined fields, split here.
	tshark -n -r "$f" -Y 'sip && !icmp && !icmpv6' -o tcp.desegment_tcp_streams:TRUE \
	    --enable-heuristic sip_tcp --enable-heuristic sip_udp \
	    -T fields -E separator=/t -E occurrence=a -E aggregator=, \
	    -e sip.Call-ID -e sip.Method -e sip.Status-Code -e sip.CSeq.seq \
	    -e sip.CSeq.method 2>/dev/null |
	awk -F'\t' '{
		nc = split($1, cid, ","); nm = split($2, m, ","); ns = split($3, s, ",");
		nq = split($4, q, ","); nk = split($5, k, ",");
		mi = 1; si = 1;
		for (i = 1; i <= nc; i++) {
			# a request has a Method; a response a Status-Code; CSeq
			# method equals the request method for requests.
			if (mi <= nm && m[mi] == k[i]) { what = m[mi]; mi++ }
			else if (si <= ns) { what = s[si]; si++ }
			else { what = m[mi]; mi++ }
			print cid[i] "\t" what "\t" q[i]
		}
	}' | sort >"$TMP/tshark"
	"$SIPVET" -N --json -r "$f" 2>"$TMP/err" |
	jq -r 'select(.type=="call") | .call_id as $c | .messages[] |
	    [$c, (.method // (.status|tostring)), (.cseq|tostring)] | @tsv' |
	sort >"$TMP/sipvet"
	if [ ! -s "$TMP/tshark" ]; then
		fail "$name: tshark found no SIP message"
	elif cmp -s "$TMP/tshark" "$TMP/sipvet"; then
		pass "$name: $(wc -l <"$TMP/sipvet") messages agree with tshark"
	else
		fail "$name: differs from tshark:"
		diff "$TMP/tshark" "$TMP/sipvet" | head -10
	fi
done
[ "$n" -gt 0 ] || fail "no capture in $top_srcdir/captures"
finish
