#!/bin/bash
# tests/accuracy/make.sh: record the accuracy captures with real peers
# (Kamailio as sip.vapi.ai, SIPp as the PBXs, dumpcap on lo), written from
# the issue's rule table and reference/vapi-auth.md, independently of
# captures/.  Usage (root): tests/accuracy/make.sh [OUTDIR]; about a minute
# (the scenarios that must run past Timer B run in parallel).
# Addresses 127.0.1.0/24 and [::1]:5260 only; every process is stopped by
# its PID; expected.tsv beside this script holds the expected verdicts.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
[ "$(id -u)" -eq 0 ] || { echo "make.sh: run as root (captures on lo)" >&2; exit 1; }
for t in kamailio sipp dumpcap tcprewrite; do
	command -v "$t" >/dev/null || { echo "make.sh: $t missing" >&2; exit 1; }
done
mkdir -p "$out"
work=$(mktemp -d /tmp/acc-make.XXXXXX)
pids=""
PASS=Acc-Trunk-Pass-31337
BYO=3f1c2b9e-7d44-4c1a-9a55-0b6e2d1f8c01.sip.vapi.ai

# cleanup: stop what is still running (by PID) and remove the scratch dir.
cleanup() {
	local p
	for p in $pids; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

# kam NAME [ARGS]: start a Kamailio instance of the stand-in config.
kam() {
	local n=$1
	shift
	mkdir -p "$work/$n"
	kamailio -DD -E -f "$here/vapi-standin.cfg" -Y "$work/$n" -m 32 -M 4 \
	    "$@" >"$work/$n.log" 2>&1 &
	pids="$pids $!"
}

# cap_start NAME FILTER: start dumpcap on lo into $work/NAME.pcap; sets cap.
cap_start() {
	dumpcap -q -P -i lo -f "$2" -w "$work/$1.pcap" >"$work/$1.cap.log" 2>&1 &
	cap=$!
	pids="$pids $cap"
	sleep 1
}

# cap_stop PID: stop a dumpcap and keep nothing else of it.
cap_stop() {
	sleep 0.5
	kill -INT "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# pbx SCENARIO LOCAL_IP LOCAL_PORT REMOTE CALLID NUMBER [SIPP ARGS]: one
# SIPp run; keys come from the variables UA HOST FU FH C1 C2 C3 ACKC RPORT
# CIP MIP IPV (defaults below).
pbx() {
	local sf=$1 ip=$2 port=$3 remote=$4 cid=$5 num=$6
	shift 6
	[ -f "$here/$sf" ] && sf="$here/$sf" || sf="$work/$sf"
	timeout "${TMO:-60}" sipp -sf "$sf" -i "$ip" -p "$port" -m 1 -nostdin \
	    -cid_str "$cid" -s "$num" \
	    -key ua "${UA:-Asterisk PBX 20.5.2}" -key host "${HOST:-sip.vapi.ai}" \
	    -key fu "${FU:-trunk}" -key fh "${FH:-pbx.acme.example}" \
	    -key c1 "${C1:-1}" -key c2 "${C2:-2}" -key c3 "${C3:-3}" \
	    -key ackc "${ACKC:-${C1:-1}}" -key rport "${RPORT-;rport}" \
	    -key cip "${CIP:-$ip}" -key mip "${MIP:-$ip}" -key ipv "${IPV:-IP4}" \
	    -ap "$PASS" "$@" "$remote" >"$work/sipp-$port.log" 2>&1
	rc=$?
	echo "  ${sf##*/} $cid from $ip:$port: sipp exit $rc"
}

# at SECONDS: sleep until SECONDS after the variable t0 (epoch seconds).
at() {
	local now
	now=$(date +%s)
	[ $(( t0 + $1 - now )) -gt 0 ] && sleep $(( t0 + $1 - now ))
	return 0
}

# Derived scenarios: compact headers, a big retry, a retry copying the
# 401's To tag.
sed -e 's/^      Via:/      v:/' -e 's/^      From:/      f:/' \
    -e 's/^      To:/      t:/' -e 's/^      Call-ID:/      i:/' \
    -e 's/^      Contact:/      m:/' -e 's/^      Content-Type:/      c:/' \
    -e 's/^      Content-Length:/      l:/' "$here/uac.xml" >"$work/uac-compact.xml"
big=""
for i in $(seq 1 36); do
	big="$big      a=candidate:$i 1 UDP 2130706431 10.20.$i.17 $((30000 + i)) typ host generation 0\n"
done
sed -e "/<!-- retry -->/,/<!-- \/retry -->/s/^      a=sendrecv\$/      a=sendrecv\n$big      a=ptime:20/" \
    "$here/uac.xml" >"$work/uac-big.xml"
sed -e '/<!-- retry -->/,/<!-- \/retry -->/s/^      To: .*/      [last_To:]/' \
    "$here/uac.xml" >"$work/uac-totag.xml"

kam main
kam short -A SHORT
sleep 2
for p in $pids; do
	kill -0 "$p" 2>/dev/null || { cat "$work"/*.log >&2; echo "make.sh: kamailio did not start" >&2; exit 1; }
done
AUTHURI="-auth_uri"

# Long scenarios: each must run past Timer B (32 s) after its last 401 or
# unanswered INVITE, so they run in parallel, each ending with a keep-alive.
t0=$(date +%s)
long=""

( cap_start cube-challenge-ignored "port 5301 or port 5302"
  UA="Cisco-SIPGateway/IOS-17.12.4" C1=101 pbx uac-ignore.xml 127.0.1.20 5301 \
      127.0.1.10:5260 "EB342942-EFB11F0-86BDD976-EDB27C5%u@198.51.100.20" 15551230001
  at 5
  UA="FreeSWITCH-mod_sofia/1.10.11-release~64bit" pbx uac.xml 127.0.1.21 5302 \
      127.0.1.10:5260 "fs-tcp-%u@pbx2.acme.example" +493012345678 -t t1 \
      -au +493012345678 $AUTHURI "+493012345678@sip.vapi.ai"
  at 37
  UA="Cisco-SIPGateway/IOS-17.12.4" pbx uac-options.xml 127.0.1.20 5301 \
      127.0.1.10:5260 "cube-ka-%u@198.51.100.20" ping
  cap_stop $cap ) &
long="$long $!"

( cap_start asterisk-wrong-realm "port 5304"
  UA="Asterisk PBX 18.20.0" pbx uac-realm.xml 127.0.1.22 5304 127.0.1.10:5260 \
      "ast-realm-%u@192.0.2.44" 15551230003
  at 37
  UA="Asterisk PBX 18.20.0" pbx uac-options.xml 127.0.1.22 5304 127.0.1.10:5260 \
      "ast-realm-ka-%u@192.0.2.44" ping
  cap_stop $cap ) &
long="$long $!"

( cap_start stale-nonce-loop "port 5310"
  UA="OpenSIPS (3.4.3 (x86_64/linux))" pbx uac-loop.xml 127.0.1.23 5310 \
      127.0.1.11:5260 "stale-loop-%u@sbc.acme.example" 15551230001 -d 5000 \
      -au 15551230001 $AUTHURI "15551230001@sip.vapi.ai"
  at 52
  UA="OpenSIPS (3.4.3 (x86_64/linux))" pbx uac-options.xml 127.0.1.23 5310 \
      127.0.1.11:5260 "stale-loop-ka-%u@sbc.acme.example" ping
  cap_stop $cap ) &
long="$long $!"

( cap_start credentials-loop "port 5311"
  UA="FreeSWITCH-mod_sofia/1.10.7-release~64bit" pbx uac-loop.xml 127.0.1.24 5311 \
      127.0.1.10:5260 "fs-loop-%u@pbx4.acme.example" 15551230002 \
      -au 15551230002 -ap Stale-Old-Password-9 $AUTHURI "15551230002@sip.vapi.ai"
  at 37
  UA="FreeSWITCH-mod_sofia/1.10.7-release~64bit" pbx uac-options.xml 127.0.1.24 5311 \
      127.0.1.10:5260 "fs-loop-ka-%u@pbx4.acme.example" ping
  cap_stop $cap ) &
long="$long $!"

( cap_start no-response "port 5314 or (icmp and host 127.0.1.13)"
  UA="Avaya SBCE 10.1.0" pbx uac-noresp.xml 127.0.1.25 5314 127.0.1.13:5260 \
      "avaya-nr-%u@sbce.acme.example" 15551230001 -max_invite_retrans 6
  at 37
  UA="Avaya SBCE 10.1.0" pbx uac-options.xml 127.0.1.25 5314 127.0.1.10:5260 \
      "avaya-nr-ka-%u@sbce.acme.example" ping
  cap_stop $cap ) &
long="$long $!"

( cap_start udp-oversize-dropped "port 5315"
  TMO=34 UA="Ribbon SBC SWe 11.1.1" pbx uac-big.xml 127.0.1.26 5315 127.0.1.12:5260 \
      "ribbon-big-%u@sbc.acme.example" 15551230001 -max_invite_retrans 6 \
      -au 15551230001 $AUTHURI "15551230001@sip.vapi.ai"
  at 37
  UA="Ribbon SBC SWe 11.1.1" pbx uac-options.xml 127.0.1.26 5315 127.0.1.12:5260 \
      "ribbon-big-ka-%u@sbc.acme.example" ping
  cap_stop $cap ) &
long="$long $!"

( cap_start vapi-to-pbx "port 5318 or port 5319"
  UA="Vapi" FU=+15551230001 FH=sip.vapi.ai HOST=pbx.example.net C1=101 \
      pbx uac-ignore.xml 127.0.1.31 5318 127.0.1.30:5260 \
      "vapi-out-%u@sip.vapi.ai" +4930555000
  at 4
  UA="Vapi" FU=+15551230001 FH=sip.vapi.ai HOST=pbx.example.net \
      pbx uac.xml 127.0.1.31 5319 127.0.1.30:5260 "vapi-out-plan-%u@sip.vapi.ai" \
      +4930555001 -au vapi-out -ap Pbx-Inbound-Pass-42 \
      $AUTHURI "+4930555001@pbx.example.net"
  at 37
  UA="Vapi" FU=+15551230001 FH=sip.vapi.ai HOST=pbx.example.net \
      pbx uac-options.xml 127.0.1.31 5318 127.0.1.30:5260 "vapi-out-ka-%u@sip.vapi.ai" ping
  cap_stop $cap ) &
long="$long $!"

( cap_start retry-cseq-dropped "port 5320"
  TMO=34 UA="Kamailio (5.6.4 (x86_64/linux))" C2=1 C3=2 pbx uac.xml 127.0.1.27 5320 \
      127.0.1.10:5260 "kam-cseq-%u@proxy.acme.example" 15551230001 \
      -max_invite_retrans 6 -au 15551230001 $AUTHURI "15551230001@sip.vapi.ai"
  at 37
  UA="Kamailio (5.6.4 (x86_64/linux))" pbx uac-options.xml 127.0.1.27 5320 \
      127.0.1.10:5260 "kam-cseq-ka-%u@proxy.acme.example" ping
  cap_stop $cap ) &
long="$long $!"

( cap_start same-number-concurrent "port 5328 or port 5329"
  UA="Asterisk PBX 20.5.2" pbx uac-ignore.xml 127.0.1.21 5328 127.0.1.10:5260 \
      "ast-same-a-%u@192.0.2.90" 15551230001 &
  s1=$!
  sleep 0.2
  UA="Asterisk PBX 20.5.2" pbx uac.xml 127.0.1.21 5329 127.0.1.10:5260 \
      "ast-same-b-%u@192.0.2.90" 15551230001 -au 15551230001 \
      $AUTHURI "15551230001@sip.vapi.ai"
  wait $s1
  at 37
  UA="Asterisk PBX 20.5.2" pbx uac-options.xml 127.0.1.21 5328 127.0.1.10:5260 \
      "ast-same-ka-%u@192.0.2.90" ping
  cap_stop $cap ) &
long="$long $!"

# Short scenarios, one after another meanwhile (other ports).
cap_start asterisk-wrong-username "port 5303"
UA="Asterisk PBX 22.1.0" pbx uac-compact.xml 127.0.1.22 5303 127.0.1.10:5260 \
    "3c2a7f0e41b9@192.0.2.44" 15551230001 -au 0368336693 \
    $AUTHURI "15551230001@sip.vapi.ai"
cap_stop $cap

cap_start freeswitch-healthy-udp "port 5305"
UA="FreeSWITCH-mod_sofia/1.10.9-release~64bit" pbx uac.xml 127.0.1.23 5305 \
    127.0.1.10:5260 "fs-udp-%u@pbx3.acme.example" 15551230003 -m 2 -l 2 -r 5 \
    -au 15551230003
cap_stop $cap

cap_start register-options "port 5306 or port 5307"
UA="3CXPhoneSystem 18.0.9.20 (20)" pbx uac-register.xml 127.0.1.28 5306 \
    127.0.1.10:5260 "3cx-reg-%u@pbx5.acme.example" 15551230001 -au 15551230001
UA="Yeastar P-Series 37.12.0.42" pbx uac-options.xml 127.0.1.29 5307 \
    127.0.1.10:5260 "yeastar-opt-%u@pbx6.acme.example" ping
cap_stop $cap

cap_start ip-literal-raw "port 5308"
UA="Grandstream UCM6304 1.0.21.9" HOST=44.229.228.186 pbx uac.xml 127.0.1.28 5308 \
    127.0.1.10:5260 "gs-literal-%u@ucm.acme.example" 15551230001 -au 15551230001
cap_stop $cap

cap_start wrong-password "port 5309"
UA="FPBX-16.0.40.7(18.20.2)" pbx uac.xml 127.0.1.29 5309 127.0.1.10:5260 \
    "fpbx-pw-%u@pbx7.acme.example" 15551230001 -au 15551230001 \
    -ap Old-Password-2023 $AUTHURI "15551230001@sip.vapi.ai"
cap_stop $cap

cap_start forbidden-password "port 5312 or port 5313"
UA="Asterisk PBX 20.5.2" pbx uac.xml 127.0.1.20 5312 127.0.1.10:5260 \
    "ast-test-%u@192.0.2.80" 15551230001 -au 15551230001 -ap test \
    $AUTHURI "15551230001@sip.vapi.ai" -d 800 &
s1=$!
sleep 0.3
UA="Asterisk PBX 20.5.2" pbx uac.xml 127.0.1.20 5313 127.0.1.10:5260 \
    "ast-good-%u@192.0.2.80" 15551230003 -au 15551230003 \
    $AUTHURI "15551230003@sip.vapi.ai"
wait $s1
UA="Asterisk PBX 20.5.2" pbx uac.xml 127.0.1.20 5312 127.0.1.10:5260 \
    "ast-blank-%u@192.0.2.80" 15551230001 -au 15551230001 -ap " " \
    $AUTHURI "15551230001@sip.vapi.ai"
cap_stop $cap

cap_start stale-nonce-recovered "port 5316"
UA="OpenSIPS (3.4.3 (x86_64/linux))" pbx uac-stale.xml 127.0.1.21 5316 \
    127.0.1.11:5260 "stale-ok-%u@sbc.acme.example" 15551230001 -d 5000 \
    -au 15551230001 $AUTHURI "15551230001@sip.vapi.ai"
cap_stop $cap

cap_start number-not-found "port 5317"
UA="Kamailio (5.7.4 (x86_64/linux))" pbx uac.xml 127.0.1.24 5317 127.0.1.10:5260 \
    "kam-404-%u@proxy.acme.example" 15559990000 -t t1 -au 15559990000 \
    $AUTHURI "15559990000@sip.vapi.ai"
cap_stop $cap

cap_start byo-source "port 5321 or port 5322"
UA="Asterisk PBX 22.0.0" HOST=$BYO pbx uac.xml 127.0.1.25 5321 127.0.1.10:5260 \
    "byo-unlisted-%u@185.55.146.11" 15551230001 -au 0368336693 \
    $AUTHURI "15551230001@$BYO" -d 500 &
s1=$!
sleep 0.2
UA="Asterisk PBX 22.0.0" HOST=$BYO pbx uac-direct.xml 127.0.1.99 5322 \
    127.0.1.10:5260 "byo-listed-%u@185.55.146.12" 15551230003
wait $s1
cap_stop $cap

cap_start udp-oversize-answered "port 5323"
UA="Ribbon SBC SWe 11.1.1" pbx uac-big.xml 127.0.1.26 5323 127.0.1.10:5260 \
    "ribbon-ok-%u@sbc.acme.example" 15551230003 -au 15551230003 \
    $AUTHURI "15551230003@sip.vapi.ai"
cap_stop $cap

cap_start nat-private-raw "port 5324"
UA="Asterisk PBX 16.30.0" RPORT="" CIP=100.64.12.7 MIP=100.64.12.7 pbx uac.xml \
    127.0.1.27 5324 127.0.1.10:5260 "ast-nat-%u@100.64.12.7" 15551230001 \
    -au 15551230001 $AUTHURI "15551230001@sip.vapi.ai"
cap_stop $cap

cap_start retry-cseq-accepted "port 5325"
UA="Kamailio (5.6.4 (x86_64/linux))" C2=1 C3=2 pbx uac.xml 127.0.1.28 5325 \
    127.0.1.11:5260 "kam-cseq-ok-%u@proxy.acme.example" 15551230001 \
    -au 15551230001 $AUTHURI "15551230001@sip.vapi.ai"
cap_stop $cap

cap_start ack-mismatch "port 5326"
UA="Mitel MiVoice Business 9.4" ACKC=9 pbx uac.xml 127.0.1.29 5326 \
    127.0.1.10:5260 "mitel-ack-%u@mivb.acme.example" 15551230001 \
    -au 15551230001 $AUTHURI "15551230001@sip.vapi.ai"
cap_stop $cap

cap_start retry-to-tag "port 5327"
UA="Issabel PBX 4.0" pbx uac-totag.xml 127.0.1.20 5327 127.0.1.10:5260 \
    "issabel-tag-%u@pbx8.acme.example" 15551230001 -au 15551230001 \
    $AUTHURI "15551230001@sip.vapi.ai"
cap_stop $cap

cap_start ipv6-healthy "port 5330"
UA="Asterisk PBX 21.4.1" IPV=IP6 CIP="[::1]" MIP=::1 pbx uac.xml ::1 5330 \
    "[::1]:5260" "ast-v6-%u@ipv6.acme.example" 15551230001 -au 15551230001 \
    $AUTHURI "15551230001@sip.vapi.ai"
cap_stop $cap

echo "waiting for the Timer B scenarios..."
for p in $long; do
	wait "$p"
done

# Re-address: the IP-literal call goes to Vapi's US address; the NAT call
# leaves a carrier-grade-NAT address towards Vapi's second US address.
tcprewrite --infile="$work/ip-literal-raw.pcap" --outfile="$work/ip-literal.pcap" \
    --srcipmap=127.0.1.10/32:44.229.228.186/32 \
    --dstipmap=127.0.1.10/32:44.229.228.186/32 --fixcsum
tcprewrite --infile="$work/nat-private-raw.pcap" --outfile="$work/nat-private.pcap" \
    --srcipmap=127.0.1.10/32:44.238.177.138/32,127.0.1.27/32:100.64.12.7/32 \
    --dstipmap=127.0.1.10/32:44.238.177.138/32,127.0.1.27/32:100.64.12.7/32 \
    --fixcsum
rm -f "$work/ip-literal-raw.pcap" "$work/nat-private-raw.pcap"
for f in "$work"/*.pcap; do
	cp "$f" "$out/"
	chmod 644 "$out/${f##*/}"
done
ls -l "$out"/*.pcap
du -ch "$out"/*.pcap | tail -1
