#!/bin/sh
# tui-bench.sh: the TUI under load.  Runs sipvet's TUI in tmux capturing
# live on lo (udp port 5070) while sipp sends about 10 000 SIP messages/s
# over loopback (a UAS on 127.0.0.1:5070, a UAC at -r calls/s, each call
# 6 messages), then measures key-to-screen latency (timestamp, tmux
# send-keys, poll capture-pane until the change shows) and reads the kernel
# drops (pcap_stats) from the TUI's header line.  Prints the figures.
# Not part of make check.  Needs root (live capture), tmux and sipp.
#
# Usage: tui-bench.sh [-r CALLS_PER_SEC] [-s SAMPLES] [-d SECONDS]
# Environment: SIPVET (default ./sipvet).
set -u
SIPVET=${SIPVET:-./sipvet}
RATE=1670		# x 6 messages per call (sipp's uac/uas) = about 10 000 messages/s
SAMPLES=40
DURATION=30
while getopts r:s:d: o; do
	case $o in
	r) RATE=$OPTARG ;;
	s) SAMPLES=$OPTARG ;;
	d) DURATION=$OPTARG ;;
	*) echo "usage: $0 [-r CALLS_PER_SEC] [-s SAMPLES] [-d SECONDS]" >&2; exit 2 ;;
	esac
done
for t in tmux sipp; do
	command -v $t >/dev/null 2>&1 || { echo "tui-bench: $t is missing" >&2; exit 77; }
done
[ -x "$SIPVET" ] || { echo "tui-bench: no sipvet at $SIPVET" >&2; exit 2; }
SIPVET=$(cd "$(dirname "$SIPVET")" && pwd)/$(basename "$SIPVET")
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sipvet-tui-bench.XXXXXX")
SOCK="sipvet-bench-$$"
T="tmux -L $SOCK"
S=bench
UAS= UAC=

# cleanup: stop what we started, by PID, and remove the scratch directory.
cleanup() {
	[ -n "$UAC" ] && kill "$UAC" 2>/dev/null
	[ -n "$UAS" ] && kill "$UAS" 2>/dev/null
	$T kill-server 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# now_ns: wall clock in nanoseconds.
now_ns() { date +%s%N; }

# screen: the pane as text.
screen() { $T capture-pane -p -t "$S"; }

# wait_for REGEX: poll the pane until it matches (5 s at most); 0 when it did.
wait_for() {
	end=$(( $(now_ns) + 5000000000 ))
	while [ "$(now_ns)" -lt $end ]; do
		screen | grep -q -- "$1" && return 0
		sleep 0.005	# do not starve sipvet of CPU on small machines
	done
	return 1
}

# sipp_bg ARGS...: start sipp in the background and print its PID.
sipp_bg() {
	sipp "$@" -bg 2>&1 | sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p'
}

cd "$DIR" || exit 2
TERM=xterm-256color
export TERM
UAS=$(sipp_bg -sn uas -i 127.0.0.1 -p 5070 -nostdin)
[ -n "$UAS" ] || { echo "tui-bench: sipp UAS did not start" >&2; exit 2; }
$T new-session -d -x 120 -y 30 -s "$S" "'$SIPVET' -i lo udp port 5070; sleep 60"
wait_for '^sipvet -i lo' || { echo "tui-bench: the TUI did not start" >&2; screen; exit 2; }
PANE=$($T display-message -p -t "$S" '#{pane_pid}')
SV=$(ps -o pid= --ppid "$PANE" | head -1 | tr -d ' ')

MAX=$((RATE * DURATION))
UAC=$(sipp_bg -sn uac 127.0.0.1:5070 -i 127.0.0.1 -p 5071 -r "$RATE" \
    -m "$MAX" -l $((RATE * 4)) -timeout $((DURATION + 30))s -nostdin)
[ -n "$UAC" ] || { echo "tui-bench: sipp UAC did not start" >&2; exit 2; }
sleep 3	# let the load settle
before=$(screen | head -1)

cpu0=$(awk '{ print $14 + $15 }' /proc/"$SV"/stat 2>/dev/null || echo 0)
t0=$(now_ns)
: >"$DIR/lat"
# measure KEY REGEX: send one key, time until the screen matches REGEX.
measure() {
	a=$(now_ns)
	$T send-keys -t "$S" "$1"
	if wait_for "$2"; then
		b=$(now_ns)
		echo $(( (b - a) / 1000 )) >>"$DIR/lat"
	else
		echo "tui-bench: no screen change after $1" >&2
	fi
}
i=0
while [ $i -lt "$SAMPLES" ]; do
	measure / 'Filter: _'
	measure z 'Filter: z_'
	measure BSpace 'Filter: _'
	measure Enter ' [0-9]*/[0-9]* calls'
	i=$((i + 4))
	sleep 0.2
done
t1=$(now_ns)
cpu1=$(awk '{ print $14 + $15 }' /proc/"$SV"/stat 2>/dev/null || echo 0)
hdr=$(screen | head -1)

# Wait for sipp to finish, then read the final header.
while kill -0 "$UAC" 2>/dev/null; do sleep 1; done
UAC=
sleep 2
final=$(screen | head -1)
$T send-keys -t "$S" q

hz=$(getconf CLK_TCK)
sort -n "$DIR/lat" >"$DIR/lat.s"
n=$(wc -l <"$DIR/lat.s")
med=$(awk -v n="$n" 'NR == int((n + 1) / 2) { printf "%.1f", $1 / 1000 }' "$DIR/lat.s")
p95=$(awk -v n="$n" 'NR == int(n * 0.95 + 0.999) { printf "%.1f", $1 / 1000 }' "$DIR/lat.s")
max=$(tail -1 "$DIR/lat.s" | awk '{ printf "%.1f", $1 / 1000 }')
min=$(head -1 "$DIR/lat.s" | awk '{ printf "%.1f", $1 / 1000 }')
cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$hz" -v t=$(( (t1 - t0) / 1000000 )) \
    'BEGIN { printf "%.0f", (b - a) / hz * 100000 / t }')
echo "load: sipp UAC at $RATE calls/s (6 messages each, about $((RATE * 6)) SIP messages/s) for ${DURATION} s"
echo "before measuring:   $before"
echo "after measuring:    $hdr"
echo "at the end:         $final"
echo "key-to-screen latency over $n keys (ms, includes tmux send-keys and"
echo "capture-pane polling): min $min  median $med  p95 $p95  max $max"
echo "sipvet CPU while measuring: ${cpu}% of one core"
echo "kernel drops: $(printf '%s\n' "$final" | sed -n 's/.*drops \([0-9]*\).*/\1/p')"
