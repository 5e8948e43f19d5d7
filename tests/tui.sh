#!/bin/sh
# tui.sh: not written yet.
echo "not written"; exit 1
