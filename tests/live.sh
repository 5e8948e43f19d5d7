#!/bin/sh
# live: not written yet.
echo "not written"; exit 1
