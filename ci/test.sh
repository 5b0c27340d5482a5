#!/usr/bin/env bash
# The tests: unit and contract tests of the harness (some start real containers, so Docker is set up first).
source "$(dirname "$0")/lib.sh"
HARNESS_BACKEND=docker prepare_testbed
run_tests tests/Harness.Tests unit "$@"
