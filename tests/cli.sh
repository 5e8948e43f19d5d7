#!/bin/sh
# cli: not written yet.
echo "not written"; exit 1
