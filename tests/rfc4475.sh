#!/bin/sh
# rfc4475: not written yet.
echo "not written"; exit 1
