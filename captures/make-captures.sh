#!/bin/sh
# make-captures.sh: regenerate sipvet's bundled captures with real SIP peers.
#
# Kamailio (captures/kamailio/vapi.cfg) plays sip.vapi.ai, sipp (captures/sipp/*.xml)
# plays the customer PBX; dumpcap records the exchange.  Everything runs on loopback
# (127.0.0.1 = PBX, 127.0.0.2 = "Vapi", 127.0.0.3 = a PBX that Vapi calls,
# 127.0.0.4 = "Vapi" with a 2 s nonce lifetime, ::1) or inside two network namespaces
# this script creates and deletes (svpbx 10.99.0.1 <-veth-> svvapi 10.99.0.2).
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

log() { echo "make-captures: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, capturing)"
for t in kamailio sipp dumpcap editcap mergecap tshark tcprewrite python3 ip timeout; do
	command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
done

cleanup() {
	set +e
	[ -n "$CAPPID" ] && kill -INT "$CAPPID" 2>/dev/null
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
	(cd "$W" && timeout 25 sipp -sf "$SC/$scen" -m 1 -timeout 20s -nostdin \
		-cid_str "$cid-%u@pbx.example.com" "$@" >/dev/null 2>>"$W/sipp.err") ||
		log "($scen $cid: sipp exit $?)"
}

V=127.0.0.2:5060
PBX="-i 127.0.0.1 -p 5062"

kam_start vapi -- -l udp:127.0.0.2:5060 -l tcp:127.0.0.2:5060 -l 'udp:[::1]:5060' \
	-l udp:127.0.0.3:5060
kam_start stale -- -A STALE -l udp:127.0.0.4:5060

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

# 3. challenge ignored: a CUBE ACKs the 401 and never retries
cap_start lo "$LO"
uac uac-challenge-ignored.xml challenge-ignored $V $PBX -s $NUM -key host sip.vapi.ai \
	-key ua "Cisco-SIPGateway/IOS-XE"
cap_stop challenge-ignored.pcap

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

cap_start lo "$LO"
uac uac-auth.xml byo-source $V $PBX -s $NUM -key host cred123.sip.vapi.ai \
	-key ua "Asterisk PBX 22.0.0" -au $NUM -ap $PW
cap_stop byo-source.pcap

# nobody answers: a socket on 127.0.0.2:5099 swallows the INVITEs
timeout 15 python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 5099)); s.settimeout(1)
end = time.time() + 14
while time.time() < end:
    try: s.recv(65535)
    except socket.timeout: pass
' &
HOLE=$!
sleep 0.5
cap_start lo "host 127.0.0.2 and port 5099"
uac uac-no-response.xml no-response 127.0.0.2:5099 $PBX -s $NUM -key host sip.vapi.ai \
	-key ua "Cisco-SIPGateway/IOS-XE" -max_invite_retrans 3
cap_stop no-response.pcap
kill "$HOLE" 2>/dev/null || true
wait "$HOLE" 2>/dev/null || true

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

# Vapi calls a PBX (127.0.0.3) that challenges with realm "asterisk"; Vapi gives up.
# Then the IP headers are re-addressed: 127.0.0.2 -> 44.229.228.186 (Vapi US),
# 127.0.0.3 -> 203.0.113.10 (the PBX, a documentation address).  A file rewrite only.
cap_start lo "host 127.0.0.3 and port 5060"
uac uac-vapi-to-pbx.xml vapi-to-pbx 127.0.0.3:5060 -i 127.0.0.2 -p 5070 \
	-s +14155550100 -key host pbx.example.com
cap_stop vapi-to-pbx-lo.pcap
tcprewrite --fixcsum \
	--srcipmap=127.0.0.2/32:44.229.228.186/32,127.0.0.3/32:203.0.113.10/32 \
	--dstipmap=127.0.0.2/32:44.229.228.186/32,127.0.0.3/32:203.0.113.10/32 \
	-i "$OUT/vapi-to-pbx-lo.pcap" -o "$OUT/vapi-to-pbx-challenge.pcap"
rm -f "$OUT/vapi-to-pbx-lo.pcap"

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

kam_stop vapi
kam_stop stale
KAMS=

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

# 7. IPv4 fragments: a 2 kB INVITE over a veth pair (MTU 1500) between two namespaces
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
cap_start -n svvapi svvapi0 "host 10.99.0.1 and host 10.99.0.2 and ip"
(cd "$W" && ip netns exec svpbx timeout 25 sipp 10.99.0.2:5060 -sf "$SC/uac-big-invite.xml" \
	-i 10.99.0.1 -p 5062 -m 1 -timeout 20s -nostdin -cid_str "ipv4-fragments-%u@pbx.example.com" \
	-s $NUM -key host sip.vapi.ai -key ua "Ribbon SBC 12.1" -au $NUM -ap $PW \
	>/dev/null 2>>"$W/sipp.err") || log "(fragments: sipp exit $?)"
cap_stop ipv4-fragments.pcap
kam_stop frag
KAMS=
ip netns del svpbx
ip netns del svvapi
NS_MADE=

# demo: several varied calls in one file (concatenated in capture order)
mergecap -a -F pcap -w "$OUT/demo.pcap" "$OUT/healthy-udp.pcap" "$OUT/challenge-ignored.pcap" \
	"$OUT/forbidden-after-auth.pcap" "$OUT/number-not-found.pcap" "$OUT/byo-source.pcap"

log "done: $(du -ch "$OUT"/*.pcap "$OUT"/*.pcapng | tail -1)"
