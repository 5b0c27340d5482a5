# Shared by the ci/ scripts: repo root, Docker + guest image preparation, test-result counting.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RESULTS="$ROOT/artifacts/test-results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The embedded testbed needs Docker and the guest image; the unit tests use them too. A Proxmox or static run
# does not need them (a nightly runner next to a Proxmox node should not have Docker installed for nothing).
prepare_testbed() {
  case "${HARNESS_BACKEND:-docker}" in
    docker) bash "$ROOT/ci/setup-docker.sh"; bash "$ROOT/ci/build-guest-image.sh" ;;
  esac
}

# dotnet test for one project, with TRX and JUnit reports named after it, console progress, and our runsettings.
run_tests() {
  local project=$1 name=$2; shift 2
  mkdir -p "$RESULTS"
  dotnet test "$ROOT/$project" --settings "$ROOT/runsettings.xml" \
    --results-directory "$RESULTS" \
    --logger "trx;LogFileName=$name.trx" \
    --logger "junit;LogFilePath=$RESULTS/$name.junit.xml" \
    --logger "console;verbosity=normal" "$@"
}

# Prints "passed failed skipped invalid" summed over the TRX files given. An invalid scenario row (not judged)
# is a failed test, or a skipped one when HARNESS_MAX_INVALID_ROWS allows it; its message starts with the marker
# below, and it is counted as invalid only, neither failed nor skipped.
INVALID_ROW_MARKER='INVALID row (not judged)'
# awk functions over a record that starts after "<UnitTestResult ": the result's own text ends at its closing tag
# (or, when self-closing, at the first "/>"), and its outcome is the opening tag's attribute. The last result's
# record otherwise runs on into <ResultSummary outcome="Failed"> and the run's log (which quotes every row's
# message), and a skipped row read there as failed and invalid.
TRX_RESULT_AWK='
  function result(  end, open) {
    end = index($0, "</UnitTestResult>"); open = index($0, ">")
    if (substr($0, open - 1, 1) == "/") end = open
    return end ? substr($0, 1, end) : $0
  }
  function outcome(  open) {
    open = substr($0, 1, index($0, ">"))
    return match(open, /outcome="[^"]*"/) ? substr(open, RSTART + 9, RLENGTH - 10) : ""
  }
'
count_trx() {
  local p=0 f=0 s=0 i=0 file line inv_f inv_s
  for file in "$@"; do
    [ -f "$file" ] || continue
    line=$(grep -o '<Counters [^>]*>' "$file" | head -n1)
    p=$((p + $(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line")))
    f=$((f + $(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line") + $(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$line")))
    # VSTest counts skipped tests as neither passed nor failed: total minus executed.
    s=$((s + $(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$line") - $(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$line")))
    read -r inv_f inv_s < <(awk -v RS='<UnitTestResult ' -v marker="$INVALID_ROW_MARKER" "$TRX_RESULT_AWK"'
      NR > 1 && index(result(), marker) { if (outcome() == "Failed") f++; else s++ } END { print f + 0, s + 0 }' "$file")
    f=$((f - inv_f)); s=$((s - inv_s)); i=$((i + inv_f + inv_s))
  done
  echo "$p $f $s $i"
}

# Names every failed test in the TRX files given, with the first line of its message, so the end of a CI log says
# which test failed without the whole log.
list_failed() {
  local file
  for file in "$@"; do
    [ -f "$file" ] || continue
    awk -v RS='<UnitTestResult ' "$TRX_RESULT_AWK"'
    NR > 1 && outcome() == "Failed" {
      r = result(); name = "?"; if (match(r, /testName="[^"]*"/)) name = substr(r, RSTART + 10, RLENGTH - 11)
      msg = ""
      if (match(r, /<Message>[^\n<]*/)) msg = substr(r, RSTART + 9, RLENGTH - 9)
      if (length(msg) > 300) msg = substr(msg, 1, 300) "..."
      printf "FAILED %s: %s\n", name, msg
    }' "$file"
  done
}

# The closing line CI reads: "N passed, N failed, N skipped", then ", N invalid" when any row was not judged.
closing_line() {
  local line="$1 passed, $2 failed, $3 skipped"
  [ "$4" -gt 0 ] && line="$line, $4 invalid"
  echo "$line"
}
