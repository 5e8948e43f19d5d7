#!/bin/sh
# store: not written yet.
echo "not written"; exit 1
