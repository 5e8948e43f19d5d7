#!/bin/sh
# make-captures.sh: regenerate sipvet's bundled captures with real SIP peers.
#
# Kamailio (captures/kamailio/vapi.cfg) plays sip.vapi.ai, sipp (captures/sipp/*.xml)
# plays the customer PBX; dumpcap records the exchange.  Everything runs on loopback
# (127.0.0.1 = PBX, 127.0.0.2 = "Vapi", 127.0.0.3 = a PBX that Vapi calls,
# 127.0.0.4 = "Vapi" with a 2 s nonce lifetime, 127.0.0.5 = "Vapi" sending opaque,
# 127.0.0.6 = "Vapi" re-challenging wrong passwords, 127.0.0.7 = "Vapi" for the
# scenarios run in parallel, 127.0.0.8 = Vapi calling out, ::1) or inside two network
# namespaces this script creates and deletes (svpbx 10.99.0.1 <-veth-> svvapi 10.99.0.2).
# The scenarios that must run past Timer B (32 s) run in parallel, in the background,
# while the short ones are recorded one after another: about 75 s in all.
# Vapi's real addresses are never contacted: they only appear through tcprewrite.
#
# usage: sudo captures/make-captures.sh [OUTDIR]     (default: the captures directory)
# needs: root, kamailio, sipp, dumpcap, editcap, mergecap, tshark, tcprewrite, python3, ip
# Idempotent: each run rewrites the same files.  Every process it starts is bounded
# (timeout / dumpcap -a duration) and stopped by PID; the trap cleans up.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mkdir -p "${1:-$HERE}" && cd "${1:-$HERE}" && pwd)
CFG=$HERE/kamailio/vapi.cfg
SC=$HERE/sipp
PW=Vapi-Lab-Secret-2025
NUM=14155550123
W=$(mktemp -d /tmp/sipvet-captures.XXXXXX)
CAPPID=
KAMS=
NS_MADE=
JOBS=
HOLE=

log() { echo "make-captures: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, capturing)"
for t in kamailio sipp dumpcap editcap mergecap tshark tcprewrite python3 ip timeout; do
	command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
done

cleanup() {
	set +e
	[ -n "$CAPPID" ] && kill -INT "$CAPPID" 2>/dev/null
	for j in $JOBS; do kill "$j" 2>/dev/null; done
	for f in "$W"/*.bgpid; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	[ -n "$HOLE" ] && kill "$HOLE" 2>/dev/null
	for k in $KAMS; do kam_stop "$k"; done
	if [ -n "$NS_MADE" ]; then
		ip netns del svpbx 2>/dev/null
		ip netns del svvapi 2>/dev/null
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- Kamailio -------------------------------------------------------------
# kam_start NAME [ip netns exec NS] -- kamailio args...: daemonises, pid in $W/NAME.pid
kam_start() {
	name=$1; shift
	pre=
	if [ "$1" = netns ]; then pre="ip netns exec $2"; shift 2; fi
	[ "$1" = -- ] && shift
	mkdir -p "$W/$name.run"
	# shellcheck disable=SC2086
	$pre kamailio -f "$CFG" -P "$W/$name.pid" -w "$W/$name.run" -Y "$W/$name.run" \
		-m 32 -M 4 -E -e "$@" 2>"$W/$name.log" >/dev/null ||
		{ cat "$W/$name.log" >&2; die "kamailio $name did not start"; }
	i=0
	while [ ! -s "$W/$name.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$W/$name.pid" ] || die "kamailio $name: no pid file"
	KAMS="$KAMS $name"
	sleep 0.5
}

kam_stop() {
	[ -s "$W/$1.pid" ] || return 0
	pid=$(cat "$W/$1.pid")
	kill "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	rm -f "$W/$1.pid"
}

# ---- capture --------------------------------------------------------------
# cap_start [-n NS] IFACE FILTER [dumpcap args...]: capture into $W/cap.pcap
cap_start() {
	pre=
	if [ "$1" = -n ]; then pre="ip netns exec $2"; shift 2; fi
	ifc=$1; flt=$2; shift 2
	rm -f "$W/cap.pcap" "$W/cap.err"
	# shellcheck disable=SC2086
	$pre dumpcap -i "$ifc" -f "$flt" -P -a duration:60 -w "$W/cap.pcap" "$@" 2>"$W/cap.err" &
	CAPPID=$!
	i=0
	while ! grep -q "Capturing on" "$W/cap.err" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	grep -q "Capturing on" "$W/cap.err" || { cat "$W/cap.err" >&2; die "dumpcap did not start"; }
	sleep 0.3
}

# cap_stop OUTFILE: stop the capture and install it as $OUT/OUTFILE
cap_stop() {
	sleep 0.7
	kill -INT "$CAPPID" 2>/dev/null || true
	wait "$CAPPID" 2>/dev/null || true
	CAPPID=
	n=$(tshark -r "$W/cap.pcap" 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || die "$1: empty capture"
	cp "$W/cap.pcap" "$OUT/$1"
	chmod 644 "$OUT/$1"
	log "$1: $n packets"
}

# uac SCENARIO CALLID-PREFIX [sipp args...]: one call as the PBX, bounded
uac() {
	scen=$1; cid=$2; shift 2
	(cd "$W" && timeout "${UAC_LIMIT:-25}" sipp -sf "$SC/$scen" -m 1 -timeout "${UAC_TIMEOUT:-20}s" -nostdin \
		-cid_str "$cid-%u@pbx.example.com" "$@" >/dev/null 2>>"$W/sipp.err") ||
		log "($scen $cid: sipp exit $?)"
}

# ---- scenarios in parallel ----------------------------------------------------
# Each background job records its own file with its own dumpcap, filtered on the
# PBX port the job alone uses, so jobs (and the sequential captures on 127.0.0.2)
# never see each other's packets.
# bg_cap NAME [-n NS] IFACE FILTER: start a capture into $W/NAME.pcap (pid in NAME.bgpid)
bg_cap() {
	n=$1; shift
	pre=
	if [ "$1" = -n ]; then pre="ip netns exec $2"; shift 2; fi
	# shellcheck disable=SC2086
	$pre dumpcap -i "$1" -f "$2" -P -a duration:90 -w "$W/$n.pcap" 2>"$W/$n.caperr" &
	echo $! >"$W/$n.bgpid"
	i=0
	while ! grep -q "Capturing on" "$W/$n.caperr" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	sleep 0.3
}
# bg_stop NAME: stop NAME's capture and install it as $OUT/NAME.pcap
bg_stop() {
	sleep 0.7
	p=$(cat "$W/$1.bgpid")
	kill -INT "$p" 2>/dev/null || true
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	rm -f "$W/$1.bgpid"
	n=$(tshark -r "$W/$1.pcap" 2>/dev/null | wc -l)
	if [ "$n" -gt 0 ]; then
		cp "$W/$1.pcap" "$OUT/$1.pcap"
		chmod 644 "$OUT/$1.pcap"
		log "$1.pcap: $n packets"
	else
		log "error: $1.pcap: empty capture"
		echo "$1" >>"$W/failed"
	fi
}
# keepalive [sipp args]: the PBX's OPTIONS ping, about 35 s after the call failed,
# so the capture extends past Timer B.  Callers pass the destination, -i/-p, keys.
keepalive() {
	sleep 35
	(cd "$W" && timeout 10 sipp -sf "$SC/uac-keepalive.xml" -m 1 -timeout 8s -nostdin \
		"$@" >/dev/null 2>>"$W/sipp.err") || log "(keepalive: sipp exit $?)"
}
# job NAME PORT DEST KA SCENARIO [sipp args...]: one call from 127.0.0.1:PORT to DEST
# (host:port) in the background, recorded into NAME.pcap; KA=ka adds the keep-alive.
job() {
	jn=$1; jp=$2; jd=$3; jk=$4; js=$5; shift 5
	(
		bg_cap "$jn" lo "host ${jd%:*} and port $jp"
		uac "$js" "${jn%-lo}" "$jd" -i 127.0.0.1 -p "$jp" "$@"
		[ "$jk" = ka ] && keepalive "$jd" -i 127.0.0.1 -p "$jp" -cid_str "$jn-ka-%u@pbx.example.com" \
			-key host sip.vapi.ai -key from pbx.example.com -key ua "$JOB_UA"
		bg_stop "$jn"
	) &
	JOBS="$JOBS $!"
}

V=127.0.0.2:5060
PBX="-i 127.0.0.1 -p 5062"

kam_start vapi -- -l udp:127.0.0.2:5060 -l tcp:127.0.0.2:5060 -l 'udp:[::1]:5060' \
	-l udp:127.0.0.3:5060 -l udp:127.0.0.7:5060
kam_start stale -- -A STALE -l udp:127.0.0.4:5060
kam_start opaque -- -A OPAQUE -l udp:127.0.0.5:5060
kam_start loop -- -A LOOP -l udp:127.0.0.6:5060

LO="host 127.0.0.2 and port 5060"

# 1. healthy call over UDP
cap_start lo "$LO"
uac uac-auth.xml healthy-udp $V $PBX -s $NUM -key host sip.vapi.ai \
	-key ua "FreeSWITCH-mod_sofia/1.10.12" -au $NUM -ap $PW
cap_stop healthy-udp.pcap
editcap -F pcapng "$OUT/healthy-udp.pcap" "$OUT/healthy-udp.pcapng"

# 2. healthy call over TCP
cap_start lo "$LO"
uac uac-auth.xml healthy-tcp $V $PBX -t t1 -s $NUM -key host sip.vapi.ai \
	-key ua "FreeSWITCH-mod_sofia/1.10.12" -au $NUM -ap $PW
cap_stop healthy-tcp.pcap

# 3. the scenarios that run past Timer B, and the new rule cases, in parallel
# (background jobs; see job() above).  First the namespaces: ipv4-fragments needs
# MTU 1500 on both ends, then udp-oversize a jumbo-frame PBX side (MTU 9000).
ip netns del svpbx 2>/dev/null || true
ip netns del svvapi 2>/dev/null || true
NS_MADE=1
ip netns add svpbx
ip netns add svvapi
ip link add svpbx0 type veth peer name svvapi0
ip link set svpbx0 netns svpbx
ip link set svvapi0 netns svvapi
ip -n svpbx addr add 10.99.0.1/24 dev svpbx0
ip -n svvapi addr add 10.99.0.2/24 dev svvapi0
ip -n svpbx link set svpbx0 mtu 1500 up
ip -n svvapi link set svvapi0 mtu 1500 up
ip -n svpbx link set lo up
ip -n svvapi link set lo up
kam_start frag netns svvapi -- -l udp:10.99.0.2:5060

# 7. IPv4 fragments: a 2 kB INVITE over a veth pair (MTU 1500) between two namespaces
cap_start -n svvapi svvapi0 "host 10.99.0.1 and host 10.99.0.2 and ip"
(cd "$W" && ip netns exec svpbx timeout 25 sipp 10.99.0.2:5060 -sf "$SC/uac-big-invite.xml" \
	-i 10.99.0.1 -p 5062 -m 1 -timeout 20s -nostdin -cid_str "ipv4-fragments-%u@pbx.example.com" \
	-s $NUM -key host sip.vapi.ai -key ua "Ribbon SBC 12.1" -au $NUM -ap $PW \
	>/dev/null 2>>"$W/sipp.err") || log "(fragments: sipp exit $?)"
cap_stop ipv4-fragments.pcap

# udp-oversize: the PBX side becomes a jumbo-frame link (MTU 9000); the veth drops
# what exceeds the far end's MTU 1500, so the 2.2 kB authenticated retry is lost.
ip -n svpbx link set svpbx0 mtu 9000
(
	bg_cap udp-oversize -n svpbx svpbx0 "host 10.99.0.1 and host 10.99.0.2 and port 5063"
	(cd "$W" && ip netns exec svpbx timeout 40 sipp 10.99.0.2:5060 -sf "$SC/uac-udp-oversize.xml" \
		-i 10.99.0.1 -p 5063 -m 1 -timeout 34s -max_invite_retrans 6 -nostdin \
		-cid_str "udp-oversize-%u@pbx.example.com" -s $NUM -key host sip.vapi.ai \
		-key ua "Ribbon SBC 12.1" -au $NUM -ap $PW -auth_uri "$NUM@sip.vapi.ai" \
		>/dev/null 2>>"$W/sipp.err") || log "(udp-oversize: sipp exit $?)"
	sleep 2
	(cd "$W" && ip netns exec svpbx timeout 10 sipp 10.99.0.2:5060 -sf "$SC/uac-keepalive.xml" \
		-i 10.99.0.1 -p 5063 -m 1 -timeout 8s -nostdin -cid_str "udp-oversize-ka-%u@pbx.example.com" \
		-key host sip.vapi.ai -key from pbx.example.com -key ua "Ribbon SBC 12.1" \
		>/dev/null 2>>"$W/sipp.err") || log "(udp-oversize keepalive: sipp exit $?)"
	bg_stop udp-oversize
) &
JOBS="$JOBS $!"

# challenge ignored: a CUBE ACKs the 401 and never retries; its OPTIONS ping 35 s later
P=127.0.0.7:5060
date +%s >"$W/ci.start"
JOB_UA="Cisco-SIPGateway/IOS-XE"
job challenge-ignored 5101 $P ka uac-challenge-ignored.xml -s $NUM -key host sip.vapi.ai \
	-key ua "$JOB_UA"

# no response: the INVITE goes to 127.0.0.7:5099 (the wrong port), where a socket
# swallows everything: 7 transmissions (0 .. 31.5 s), no answer; the keep-alive
# ping goes to the right port (5060) 35 s after the INVITE's last retransmission
# is given up, so the capture runs past Timer B.
timeout 80 python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.7", 5099)); s.settimeout(1)
end = time.time() + 75
while time.time() < end:
    try: s.recv(65535)
    except socket.timeout: pass
' &
HOLE=$!
(
	bg_cap no-response lo "host 127.0.0.7 and port 5102"
	UAC_LIMIT=40 UAC_TIMEOUT=34 uac uac-no-response.xml no-response 127.0.0.7:5099 \
		-i 127.0.0.1 -p 5102 -s $NUM -key host sip.vapi.ai -key ua "Cisco-SIPGateway/IOS-XE" \
		-max_invite_retrans 6
	sleep 2
	(cd "$W" && timeout 10 sipp -sf "$SC/uac-keepalive.xml" 127.0.0.7:5060 -i 127.0.0.1 -p 5102 \
		-m 1 -timeout 8s -nostdin -cid_str "no-response-ka-%u@pbx.example.com" \
		-key host sip.vapi.ai -key from pbx.example.com -key ua "Cisco-SIPGateway/IOS-XE" \
		>/dev/null 2>>"$W/sipp.err") || log "(no-response keepalive: sipp exit $?)"
	bg_stop no-response
) &
JOBS="$JOBS $!"

# ICMP unreachable: an INVITE to a UDP port nothing listens on (127.0.0.9:5099); the
# kernel answers each copy with ICMP port unreachable on lo.
(
	bg_cap icmp-unreachable lo "(host 127.0.0.9 and port 5114) or (icmp and host 127.0.0.9)"
	UAC_LIMIT=12 UAC_TIMEOUT=4 uac uac-no-response.xml icmp-unreachable 127.0.0.9:5099 \
		-i 127.0.0.1 -p 5114 -s $NUM -key host sip.vapi.ai -key ua "Asterisk PBX 20.5.0" \
		-max_invite_retrans 3
	bg_stop icmp-unreachable
) &
JOBS="$JOBS $!"

# Vapi (127.0.0.8) calls a PBX (127.0.0.3) that challenges with realm "asterisk"; Vapi
# gives up; 35 s later Vapi's OPTIONS ping to the PBX.  Re-addressed at the end.
(
	bg_cap vapi-to-pbx-lo lo "host 127.0.0.3 and port 5070"
	uac uac-vapi-to-pbx.xml vapi-to-pbx 127.0.0.3:5060 -i 127.0.0.8 -p 5070 \
		-s +14155550100 -key host pbx.example.com
	keepalive 127.0.0.3:5060 -i 127.0.0.8 -p 5070 -cid_str "vapi-to-pbx-ka-%u@sip.vapi.ai" \
		-key host pbx.example.com -key from sip.vapi.ai -key ua "vapi"
	bg_stop vapi-to-pbx-lo
) &
JOBS="$JOBS $!"

# the rule cases against 127.0.0.7 (main lab server), .5 (opaque) and .6 (loop)
AU="-auth_uri $NUM@sip.vapi.ai"
JOB_UA="Asterisk PBX 22.0.0"
job ack-mismatch 5103 $P - uac-ack-mismatch.xml -s $NUM -key host sip.vapi.ai \
	-key ua "Grandstream UCM6302 1.0.27.10" -au $NUM -ap $PW $AU
CN=0a4f113b
NONCE=Z2hvc3Qtbm9uY2UtZnJvbS1hbm90aGVyLXNlcnZlcg
RESP=$(python3 -c 'import hashlib, sys
h = lambda s: hashlib.md5(s.encode()).hexdigest()
n, pw, nonce, cn = sys.argv[1:5]
ha1 = h("%s:sip.vapi.ai:%s" % (n, pw)); ha2 = h("INVITE:sip:%s@sip.vapi.ai" % n)
print(h("%s:%s:00000001:%s:auth:%s" % (ha1, nonce, cn, ha2)))' $NUM $PW $NONCE $CN)
job nonce-mismatch 5104 $P ka uac-nonce-mismatch.xml -s $NUM -key host sip.vapi.ai \
	-key ua "$JOB_UA" -key nonce $NONCE -key cnonce $CN -key resp "$RESP"
job opaque-not-echoed 5105 127.0.0.5:5060 - uac-opaque-not-echoed.xml -s $NUM \
	-key host sip.vapi.ai -key ua "$JOB_UA"
job algorithm-not-offered 5106 $P ka uac-algorithm-not-offered.xml -s $NUM \
	-key host sip.vapi.ai -key ua "$JOB_UA"
job qop-incomplete 5107 $P ka uac-qop-incomplete.xml -s $NUM -key host sip.vapi.ai \
	-key ua "$JOB_UA"
job auth-header-type 5108 $P ka uac-auth-header-type.xml -s $NUM -key host sip.vapi.ai \
	-key ua "$JOB_UA"
JOB_UA="Kamailio (5.6.3 (x86_64/linux))"
job retry-cseq-not-incremented 5109 $P - uac-retry-cseq.xml -s $NUM -key host sip.vapi.ai \
	-key ua "$JOB_UA" -au $NUM -ap $PW $AU
JOB_UA="Asterisk PBX 22.0.0"
job retry-dialog-changed 5110 $P - uac-retry-new-tag.xml -s $NUM -key host sip.vapi.ai \
	-key ua "$JOB_UA" -au $NUM -ap $PW $AU
job retry-new-call-id 5115 $P - uac-retry-new-callid.xml -s $NUM -key host sip.vapi.ai \
	-key ua "$JOB_UA" -au $NUM -ap $PW $AU
job credentials-rejected-loop 5111 127.0.0.6:5060 ka uac-auth-loop.xml -s $NUM \
	-key host sip.vapi.ai -key ua "$JOB_UA" -au $NUM -ap Old-Trunk-Password-2024 $AU
job wrong-password 5112 $P - uac-auth.xml -s $NUM -key host sip.vapi.ai \
	-key ua "$JOB_UA" -au $NUM -ap Old-Trunk-Password-2024 $AU
job nat-private-address-lo 5113 $P - uac-nat.xml -s $NUM -key host sip.vapi.ai \
	-key ua "$JOB_UA" -key lan 192.168.1.20 -au $NUM -ap $PW $AU

# 4. 403 after authenticating: digest username is not the Request-URI user
cap_start lo "$LO"
uac uac-auth.xml forbidden-after-auth $V $PBX -s $NUM -key host sip.vapi.ai \
	-key ua "Asterisk PBX 22.0.0" -au asterisk-trunk -ap $PW
cap_stop forbidden-after-auth.pcap

# 5. Request-URI host is an IP literal: 401, then 403
cap_start lo "$LO"
uac uac-auth.xml ip-literal $V $PBX -s $NUM -key host 127.0.0.2 \
	-key ua "Asterisk PBX 22.0.0" -au $NUM -ap $PW
cap_stop ip-literal.pcap

# 6. TCP: two SIP messages in one segment, one INVITE over three segments
cap_start lo "host 127.0.0.2 and tcp port 5060"
timeout 20 python3 "$HERE/tcp-coalesced.py" 127.0.0.2 5060 127.0.0.1 $NUM $NUM $PW ||
	log "tcp-coalesced.py failed"
cap_stop tcp-coalesced.pcap

# 11. the rest of the rule cases
cap_start lo "$LO"
uac uac-wrong-realm.xml wrong-realm $V $PBX -s $NUM -key host sip.vapi.ai \
	-key ua "Asterisk PBX 22.0.0"
cap_stop wrong-realm.pcap

cap_start lo "$LO"
uac uac-auth.xml forbidden-password $V $PBX -s $NUM -key host sip.vapi.ai \
	-key ua "Asterisk PBX 22.0.0" -au $NUM -ap test
cap_stop forbidden-password.pcap

cap_start lo "$LO"
uac uac-auth.xml number-not-found $V $PBX -s 14155550999 -key host sip.vapi.ai \
	-key ua "FreeSWITCH-mod_sofia/1.10.12" -au 14155550999 -ap $PW
cap_stop number-not-found.pcap

cap_start lo "host 127.0.0.4 and port 5060"
uac uac-stale-nonce.xml stale-nonce 127.0.0.4:5060 $PBX -s $NUM -key host sip.vapi.ai \
	-key ua "FreeSWITCH-mod_sofia/1.10.12" -au $NUM -ap $PW
cap_stop stale-nonce.pcap

cap_start lo "$LO"
uac uac-register.xml register $V $PBX -s $NUM -key host sip.vapi.ai \
	-key ua "Asterisk PBX 22.0.0" -au $NUM -ap $PW
cap_stop register.pcap

cap_start lo "$LO"
uac uac-options.xml options $V $PBX -key host sip.vapi.ai -key ua "Asterisk PBX 22.0.0"
cap_stop options.pcap

# 8. IPv6
cap_start lo "host ::1 and port 5060"
uac uac-auth.xml ipv6 '[::1]:5060' -i ::1 -p 5062 -s $NUM -key host sip.vapi.ai \
	-key ua "FreeSWITCH-mod_sofia/1.10.12" -au $NUM -ap $PW
cap_stop ipv6.pcap

# 10. Linux cooked captures (SLL and SLL2) of one healthy call, two dumpcaps at once
rm -f "$W/sll.err"
dumpcap -i any -y LINUX_SLL -f "$LO" -P -a duration:60 -w "$W/sll.pcap" 2>"$W/sll.err" &
SLLPID=$!
cap_start any "$LO" -y LINUX_SLL2
i=0
while ! grep -q "Capturing on" "$W/sll.err" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
uac uac-auth.xml sll $V $PBX -s $NUM -key host sip.vapi.ai \
	-key ua "FreeSWITCH-mod_sofia/1.10.12" -au $NUM -ap $PW
cap_stop sll2.pcap
kill -INT $SLLPID 2>/dev/null || true
wait $SLLPID 2>/dev/null || true
cp "$W/sll.pcap" "$OUT/sll.pcap"
chmod 644 "$OUT/sll.pcap"

# byo-source last, at least 36 s after challenge-ignored's 401: demo.pcap (which
# ends with it) then runs past that call's Timer B without an extra packet.
i=0
while [ "$(date +%s)" -lt $(($(cat "$W/ci.start") + 36)) ] && [ $i -lt 60 ]; do
	sleep 1; i=$((i + 1))
done
cap_start lo "$LO"
uac uac-auth.xml byo-source $V $PBX -s $NUM -key host cred123.sip.vapi.ai \
	-key ua "Asterisk PBX 22.0.0" -au $NUM -ap $PW
cap_stop byo-source.pcap

log "waiting for the background scenarios"
for j in $JOBS; do wait "$j" || true; done
JOBS=
kill "$HOLE" 2>/dev/null || true
wait "$HOLE" 2>/dev/null || true
HOLE=
[ ! -s "$W/failed" ] || die "failed scenarios: $(tr '\n' ' ' <"$W/failed")"

kam_stop vapi
kam_stop stale
kam_stop opaque
kam_stop loop
kam_stop frag
KAMS=
ip netns del svpbx
ip netns del svvapi
NS_MADE=

# Re-addressing (file rewrites only; nothing is sent to these addresses):
# vapi-to-pbx-challenge: 127.0.0.8 -> 44.229.228.186 (Vapi US), 127.0.0.3 ->
# 203.0.113.10 (the PBX, a documentation address).
tcprewrite --fixcsum \
	--srcipmap=127.0.0.8/32:44.229.228.186/32,127.0.0.3/32:203.0.113.10/32 \
	--dstipmap=127.0.0.8/32:44.229.228.186/32,127.0.0.3/32:203.0.113.10/32 \
	-i "$OUT/vapi-to-pbx-lo.pcap" -o "$OUT/vapi-to-pbx-challenge.pcap"
rm -f "$OUT/vapi-to-pbx-lo.pcap"
# nat-private-address: seen on the PBX's LAN: 127.0.0.1 -> 192.168.1.20 (the PBX),
# 127.0.0.7 -> 44.229.228.186 (Vapi US).
tcprewrite --fixcsum \
	--srcipmap=127.0.0.1/32:192.168.1.20/32,127.0.0.7/32:44.229.228.186/32 \
	--dstipmap=127.0.0.1/32:192.168.1.20/32,127.0.0.7/32:44.229.228.186/32 \
	-i "$OUT/nat-private-address-lo.pcap" -o "$OUT/nat-private-address.pcap"
rm -f "$OUT/nat-private-address-lo.pcap"

# 9. VLAN (802.1Q tag 100) and QinQ (802.1ad 200 outside 802.1Q 100): rewrites
tcprewrite --enet-vlan=add --enet-vlan-tag=100 --enet-vlan-pri=0 --enet-vlan-cfi=0 \
	-i "$OUT/healthy-udp.pcap" -o "$OUT/vlan.pcap"
tcprewrite --enet-vlan=add --enet-vlan-tag=200 --enet-vlan-pri=0 --enet-vlan-cfi=0 \
	--enet-vlan-proto=802.1ad -i "$OUT/vlan.pcap" -o "$W/qinq.pcap"
if [ "$(tshark -r "$W/qinq.pcap" -Y 'ieee8021ad.id==200 && vlan.id==100' 2>/dev/null | wc -l)" -gt 0 ]; then
	cp "$W/qinq.pcap" "$OUT/qinq.pcap"
else
	log "tcprewrite could not stack a second tag: no qinq.pcap"
	rm -f "$OUT/qinq.pcap"
fi

# demo: five varied calls in one file, in time order; challenge-ignored without its
# keep-alive ping (byo-source, 36 s later, takes the capture past its Timer B).
tshark -r "$OUT/challenge-ignored.pcap" -Y 'not sip.CSeq.method == "OPTIONS"' -F pcap \
	-w "$W/ci-call.pcap" 2>/dev/null
mergecap -F pcap -w "$OUT/demo.pcap" "$OUT/healthy-udp.pcap" "$W/ci-call.pcap" \
	"$OUT/forbidden-after-auth.pcap" "$OUT/number-not-found.pcap" "$OUT/byo-source.pcap"

log "done: $(du -ch "$OUT"/*.pcap "$OUT"/*.pcapng | tail -1)"
