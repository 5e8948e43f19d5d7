#!/bin/sh
# tshark-crosscheck: not written yet.
echo "not written"; exit 1
