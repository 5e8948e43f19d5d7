#!/bin/sh
# bench.sh: time sipvet against sngrep and tshark on the same generated
# capture of digest-authenticated calls to sip.vapi.ai (see README).
# This is a benchmark, not a test: run it by hand from the build directory.
set -u

usage() {
	cat <<EOF
usage: tests/bench/bench.sh [--big] [-n MESSAGES] [--dir DIR] [--core N]
                            [--repeat N] [--keep] [--no-sngrep] [--no-tshark]
  --big         also time sipvet on a 10M-message capture (about 6 GB)
  -n MESSAGES   size of the main capture (default 1000000)
  --tshark-n N  size of the capture tshark reads (default 100000)
  --dir DIR     where captures go (default \${TMPDIR:-/tmp}/sipvet-bench)
  --core N      CPU every tool is pinned to with taskset (default 1)
  --repeat N    run each tool N times and keep the fastest (default 1)
  --keep        keep the captures afterwards (they are reused if present)
Environment: SIPVET (default ./sipvet), PCAPGEN (default
./tests/tools/pcapgen), SQLFLOOR (default: sqlfloor beside pcapgen),
SNGREP, TSHARK.
EOF
	exit "$1"
}

big=0
nmsg=1000000
tnmsg=100000
dir="${TMPDIR:-/tmp}/sipvet-bench"
core=1
repeat=1
keep=0
do_sngrep=1
do_tshark=1
while [ $# -gt 0 ]; do
	case "$1" in
	--big) big=1 ;;
	-n) nmsg=$2; shift ;;
	--tshark-n) tnmsg=$2; shift ;;
	--dir) dir=$2; shift ;;
	--core) core=$2; shift ;;
	--repeat) repeat=$2; shift ;;
	--keep) keep=1 ;;
	--no-sngrep) do_sngrep=0 ;;
	--no-tshark) do_tshark=0 ;;
	-h|--help) usage 0 ;;
	*) usage 1 ;;
	esac
	shift
done

SIPVET=${SIPVET:-./sipvet}
PCAPGEN=${PCAPGEN:-./tests/tools/pcapgen}
SQLFLOOR=${SQLFLOOR:-$(dirname "$PCAPGEN")/sqlfloor}
SNGREP=${SNGREP:-sngrep}
TSHARK=${TSHARK:-tshark}

die() { echo "bench.sh: $*" >&2; exit 1; }

[ -x /usr/bin/time ] || die "/usr/bin/time missing: apt-get install time"
[ -x "$PCAPGEN" ] || die "$PCAPGEN missing: run 'make tests/tools/pcapgen' in the build directory or set PCAPGEN"
case "$SIPVET" in */*) ;; *) SIPVET=$(command -v "$SIPVET" || echo "$SIPVET") ;; esac
pin=""
if command -v taskset >/dev/null 2>&1; then
	ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
	[ "$core" -lt "$ncpu" ] || core=0
	pin="taskset -c $core"
else
	echo "bench.sh: taskset missing, tools are not pinned to one core" >&2
fi
mkdir -p "$dir" || die "cannot create $dir"
results="$dir/results.$$"
: >"$results"
cleanup() {
	rm -f "$results" "$dir/time.$$" "$dir/stderr.$$" "$dir/bench.$$.db" "$dir/bench.$$.db-"*
	[ "$keep" -eq 1 ] || rm -f "$dir"/bench-*.pcap
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# gen N: make (or reuse) the capture of N messages; prints its path.
gen() {
	f="$dir/bench-$1.pcap"
	if [ ! -s "$f" ]; then
		echo "generating $1 messages into $f" >&2
		"$PCAPGEN" bench -n "$1" "$f.tmp" && mv "$f.tmp" "$f" ||
		    die "pcapgen bench -n $1 failed"
	fi
	echo "$f"
}

# measure TOOL MESSAGES CMD...: time CMD on one core; record "tool msgs wall rss".
measure() {
	tool=$1 msgs=$2
	shift 2
	best="" bestrss=""
	i=0
	while [ "$i" -lt "$repeat" ]; do
		i=$((i + 1))
		rm -f "$dir/bench.$$.db" "$dir/bench.$$.db-"*
		echo "running: $tool ($msgs messages)" >&2
		/usr/bin/time -o "$dir/time.$$" -f "%e %M" $pin "$@" \
		    >/dev/null 2>"$dir/stderr.$$" </dev/null
		st=$?
		# sipvet exits 1 when it found failed calls; more is an error.
		if [ "$st" -gt 1 ] || [ ! -s "$dir/time.$$" ]; then
			echo "  $tool failed (exit $st):" >&2
			tail -n 3 "$dir/stderr.$$" | sed 's/^/    /' >&2
			echo "$tool $msgs failed failed" >>"$results"
			rm -f "$dir/stderr.$$"
			return 1
		fi
		read -r wall rss <<EOF
$(tail -n 1 "$dir/time.$$")
EOF
		if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then
			best=$wall bestrss=$rss
		fi
	done
	rm -f "$dir/stderr.$$"
	echo "$tool $msgs $best $bestrss" >>"$results"
}

main=$(gen "$nmsg")
echo "capture: $main ($(wc -c <"$main") bytes, $nmsg messages, $((nmsg / 10)) calls)" >&2

if [ -x "$SIPVET" ]; then
	measure "sipvet" "$nmsg" "$SIPVET" -N -r "$main"
	# The same with every rule off: what the rules cost (issue: <= 20%).
	measure "sipvet-norules" "$nmsg" "$SIPVET" -N --rule all=off -r "$main"
	measure "sipvet--db" "$nmsg" "$SIPVET" -N --db "$dir/bench.$$.db" -r "$main"
	# SQLite alone writing as many message rows of the same mean size.
	if [ -x "$SQLFLOOR" ]; then
		blob=$(( ($(wc -c <"$main") - 24) / nmsg - 58 ))
		measure "sqlite-floor" "$nmsg" "$SQLFLOOR" "$dir/bench.$$.db" \
		    "$nmsg" "$blob"
	fi
else
	echo "bench.sh: $SIPVET is not an executable; set SIPVET" >&2
	echo "sipvet $nmsg failed failed" >>"$results"
	echo "sipvet--db $nmsg failed failed" >>"$results"
fi
if [ "$do_sngrep" -eq 1 ]; then
	if command -v "$SNGREP" >/dev/null 2>&1; then
		measure "sngrep" "$nmsg" "$SNGREP" -N -q -F -l 262144 -I "$main"
	else
		echo "sngrep $nmsg failed failed" >>"$results"
	fi
fi
if [ "$do_tshark" -eq 1 ]; then
	small=$(gen "$tnmsg")
	if command -v "$TSHARK" >/dev/null 2>&1; then
		measure "tshark" "$tnmsg" "$TSHARK" -n -r "$small" -Y sip
	else
		echo "tshark $tnmsg failed failed" >>"$results"
	fi
fi
if [ "$big" -eq 1 ]; then
	bign=$((nmsg * 10))
	bigf=$(gen "$bign")
	if [ -x "$SIPVET" ]; then
		measure "sipvet" "$bign" "$SIPVET" -N -r "$bigf"
	else
		echo "sipvet $bign failed failed" >>"$results"
	fi
fi

echo
echo "sipvet benchmark: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), ${pin:-unpinned}"
awk -v base="$nmsg" '
function fmt(x) { return x == "failed" ? "failed" : x }
{
	tool[NR] = $1; msgs[NR] = $2; wall[NR] = $3; rss[NR] = $4
	if ($1 == "sipvet" && $2 == base && $3 != "failed")
		ref = ($3 > 0 ? $2 / $3 : 0)
	if ($1 == "sipvet" && $2 == base && $4 != "failed")
		refrss = $4
	if ($1 == "sipvet" && $2 == base * 10 && $4 != "failed")
		bigrss = $4
	if ($1 == "tshark" && $3 != "failed" && $3 > 0)
		tsh = $2 / $3
}
END {
	printf "%-16s %10s %9s %12s %9s %9s\n", "tool", "messages", "wall s",
	    "messages/s", "RSS MB", "vs sipvet"
	for (i = 1; i <= NR; i++) {
		name = tool[i]; sub(/--db$/, " --db", name)
		sub(/-norules$/, " rules off", name)
		if (wall[i] == "failed") {
			printf "%-16s %10d %9s %12s %9s %9s\n", name, msgs[i],
			    "failed", "-", "-", "-"
			continue
		}
		rate = wall[i] > 0 ? msgs[i] / wall[i] : 0
		ratio = ref > 0 ? sprintf("%.3f", rate / ref) : "-"
		printf "%-16s %10d %9.2f %12.0f %9.1f %9s\n", name, msgs[i],
		    wall[i], rate, rss[i] / 1024, ratio
	}
	print "sipvet rules off: --rule all=off; the sipvet row over it is what the"
	print "  rules cost (its \"vs sipvet\" is the rules-off speed-up)."
	print "sqlite-floor: SQLite alone inserting the same number of message rows"
	print "  (the --db schema and pragmas, no capture work): the bound under --db."
	if (tsh > 0)
		printf "tshark scaled to %d messages: about %.0f s\n", base,
		    base / tsh
	if (refrss > 0 && bigrss > 0)
		printf "sipvet peak RSS, %d vs %d messages: %.2fx\n",
		    base * 10, base, bigrss / refrss
}' "$results"
