#!/bin/sh
# golden: not written yet.
echo "not written"; exit 1
