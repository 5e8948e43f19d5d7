#!/bin/bash
# Set up (packages, build) and run sipvet's main job on the bundled demo
# capture: the TUI on a terminal, the report otherwise.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/tests/setup.sh" || exit 2
b="$top/build"
mkdir -p "$b" && cd "$b" || exit 2
[ -f Makefile ] || "$top/configure" -q || exit 2
make -s -j"$(nproc)" sipvet >/dev/null || exit 2
exec ./sipvet -r "$top/captures/demo.pcap" "$@"
