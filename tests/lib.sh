# tests/lib.sh: helpers for the shell tests (TAP-free, automake exit codes).
# Each test counts its own checks; exit 77 skips, 0 passes, 1 fails.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${SIPVET:=$top_builddir/sipvet}"
SHARED="${SIPVET_SHARED:-$top_srcdir/../shared}"
_pass=0
_fail=0
# pass MSG: count a passed check.
pass() { _pass=$((_pass + 1)); echo "ok: $*"; }
# fail MSG: count a failed check.
fail() { _fail=$((_fail + 1)); echo "FAIL: $*"; }
# skip MSG: skip the whole test with a reason.
skip() { echo "SKIP: $*"; exit 77; }
# finish: print the counts and exit with automake's codes.
finish() {
	echo "checks: $_pass passed, $_fail failed"
	[ "$_fail" -eq 0 ] && [ "$_pass" -gt 0 ] && exit 0
	exit 1
}
# tmpdir: a private scratch directory removed at exit.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sipvet-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
