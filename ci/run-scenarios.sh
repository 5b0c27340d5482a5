#!/usr/bin/env bash
# The main job: the 16 paper scenarios (or HARNESS_SCENARIO_FILE's) on the embedded Docker testbed, with a report,
# then the negative control (the same guests overcommitted, which must be caught). With HARNESS_BACKEND=proxmox
# or static the same rows run there instead. Installs and starts Docker and builds the guest image when missing.
source "$(dirname "$0")/lib.sh"
prepare_testbed
rc=0
run_tests tests/Scenarios scenarios "$@" || rc=$?
# The suite's run; the negative control's are in negative-control/ below the same folder.
results=$(ls -1t "${HARNESS_OUTPUT_DIR:-$ROOT/artifacts/runs}"/*/results.json 2>/dev/null | head -n1 || true)
latest=${results:+$(dirname "$results")/}
if [ -n "$latest" ] && [ -f "$latest/summary.txt" ]; then
  echo; echo "== isolation run summary ($latest) =="; cat "$latest/summary.txt"
  [ -f "$latest/report.md" ] && echo "report: $latest/report.md (and report.html)"
fi
exit $rc
