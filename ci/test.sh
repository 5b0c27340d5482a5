#!/usr/bin/env bash
# The tests: unit and contract tests of the harness (some start real containers, so Docker is set up first), then
# the emulated PVE node's API rules, schema check and doctor against it (fake guests: no VM boots here).
source "$(dirname "$0")/lib.sh"
HARNESS_BACKEND=docker prepare_testbed
rc=0
run_tests tests/Harness.Tests unit "$@" || rc=$?
run_tests tests/PveEmulator.Tests emulator "$@" || rc=$?
exit $rc
