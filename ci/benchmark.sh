#!/usr/bin/env bash
# Benchmark of the gate itself (not a test): runs the null suite (the sized testbed, isolation expected to hold)
# and the negative control (overcommitted, interference expected) K times each, then prints the detection rate,
# the false-alarm rate per suite and per scenario, the invalid and inconclusive rates, the repetitions used, each
# null run compared against the one before it (A/A: exit 0 expected), the largest |achieved - target|, wall times
# and the sampler's own CPU cost.
#   ci/benchmark.sh [K]            K defaults to 3
#   HARNESS_SCENARIO_FILE=...      run a subset of scenarios as the null suite (say so when quoting the figures)
source "$(dirname "$0")/lib.sh"
k=${1:-3}
HARNESS_BACKEND=docker prepare_testbed
out="$ROOT/artifacts/benchmark/$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$out"
dotnet build "$ROOT/Harness.sln" -v q -nologo >/dev/null
for i in $(seq 1 "$k"); do
  echo "== null suite $i/$k =="
  HARNESS_OUTPUT_DIR="$out" dotnet test "$ROOT/tests/Scenarios" --no-build --settings "$ROOT/runsettings.xml" \
    --filter "Category=Scenario" --logger "console;verbosity=minimal" || true
  echo "== negative control $i/$k =="
  HARNESS_OUTPUT_DIR="$out" dotnet test "$ROOT/tests/Scenarios" --no-build --settings "$ROOT/runsettings.xml" \
    --filter "Category=Control" --logger "console;verbosity=minimal" || true
done
cli() { dotnet run --project "$ROOT/src/Harness.Cli" --no-build -- "$@"; }
args=(--null); for f in "$out"/*/results.json; do args+=("$f"); done
args+=(--control); for f in "$out"/negative-control/*/results.json; do args+=("$f"); done
cli benchmark "${args[@]}" | tee "$out/summary.txt"
cli harness-cost --cpus 0.4 1 --seconds 30 | tee -a "$out/summary.txt"
echo "benchmark results: $out"
