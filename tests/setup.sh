#!/bin/bash
# Install every Debian package sipvet's build, demo and tests need, then
# generate the build system.  Run as root on Debian; installs only what is
# missing, so a second run is quick.
set -u
cd "$(dirname "$0")/.."
PKGS="build-essential autoconf automake pkg-config
	libpcap-dev libosip2-dev libsqlite3-dev libncurses-dev libssl-dev
	zlib1g-dev uthash-dev check
	tshark sip-tester kamailio sngrep tcpreplay tmux iproute2 jq sqlite3
	clang libclang-rt-14-dev time python3 procps"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: missing packages:$missing; run this as root (or apt-get install them)" >&2
		exit 2
	fi
	echo "setup: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || exit 2
	apt-get install -y -qq --no-install-recommends $missing >/tmp/sipvet-apt.log 2>&1 || {
		tail -20 /tmp/sipvet-apt.log >&2
		exit 2
	}
fi
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; exit 2; }
fi
exit 0
