#!/bin/sh
# public-captures: not written yet.
echo "not written"; exit 1
