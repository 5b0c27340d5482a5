#!/usr/bin/env bash
# Benchmark of the gate itself (not a test): runs the null suite (the sized testbed, isolation expected to hold)
# and the negative control (overcommitted, interference expected) K times each, then prints the detection rate,
# the false-alarm rate per suite and per scenario, the invalid and inconclusive rates, the repetitions used, each
# null run compared against the one before it (A/A: exit 0 expected), the largest |achieved - target|, wall times
# and the sampler's own CPU cost.
#   ci/benchmark.sh [K]            K defaults to 3
#   HARNESS_SCENARIO_FILE=...      run a subset of scenarios as the null suite (say so when quoting the figures)
#   BENCHMARK_DIR=...              add the K rounds to an earlier benchmark's directory and summarise all of its
#                                  rounds: a K of 10 (~5 h here) can be run in parts, on the same build
source "$(dirname "$0")/lib.sh"
k=${1:-3}
HARNESS_BACKEND=docker prepare_testbed
out=${BENCHMARK_DIR:-$ROOT/artifacts/benchmark/$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd) # the test host runs elsewhere: a relative HARNESS_OUTPUT_DIR would land beside it
# Rounds pooled into one summary must measure one build: the code a benchmark measured is the commit in build.txt
# (what is under ci/ and docs/ may differ; that is the benchmark's own script and prose).
code=(src tests scenarios Harness.sln runsettings.xml global.json Directory.Build.props Directory.Packages.props)
head=$(git -C "$ROOT" rev-parse HEAD)
if ! git -C "$ROOT" diff --quiet HEAD -- "${code[@]}"; then
  echo "benchmark: the working tree's code differs from $head; commit or stash it first" >&2; exit 2
fi
if [ -f "$out/build.txt" ]; then
  measured=$(cat "$out/build.txt")
  if ! git -C "$ROOT" diff --quiet "$measured" HEAD -- "${code[@]}"; then
    echo "benchmark: $out measured the code of $measured and this checkout's code differs from it;" \
      "set BENCHMARK_DIR to a new directory (or unset it)" >&2; exit 2
  fi
else
  echo "$head" > "$out/build.txt"
fi
echo "benchmark: $k round(s) into $out (code of $(cat "$out/build.txt"))"
dotnet build "$ROOT/Harness.sln" -v q -nologo >/dev/null
for i in $(seq 1 "$k"); do
  echo "== null suite $i/$k ($(date -u +%H:%M:%S) UTC) =="
  HARNESS_OUTPUT_DIR="$out" dotnet test "$ROOT/tests/Scenarios" --no-build --settings "$ROOT/runsettings.xml" \
    --filter "Category=Scenario" --logger "console;verbosity=minimal" || true
  echo "== negative control $i/$k ($(date -u +%H:%M:%S) UTC) =="
  HARNESS_OUTPUT_DIR="$out" dotnet test "$ROOT/tests/Scenarios" --no-build --settings "$ROOT/runsettings.xml" \
    --filter "Category=Control" --logger "console;verbosity=minimal" || true
done
cli() { dotnet run --project "$ROOT/src/Harness.Cli" --no-build -- "$@"; }
args=(--null); for f in "$out"/*/results.json; do args+=("$f"); done
args+=(--control); for f in "$out"/negative-control/*/results.json; do args+=("$f"); done
cli benchmark "${args[@]}" | tee "$out/summary.txt"
cli harness-cost --cpus 0.4 1 --seconds 30 | tee -a "$out/summary.txt"
echo "benchmark results: $out"
