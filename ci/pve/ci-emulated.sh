#!/usr/bin/env bash
# CI job for the Proxmox backend against the emulated PVE node (docs/pve-emulator.md): builds the VM image if the
# cache lacks it, then, each through ci/pve/run-emulated.sh (schema validation on):
#   doctor-ok        doctor against the emulator: exit 0
#   doctor-privilege doctor with a token lacking VM.Clone: exit 1, naming VM.Clone
#   doctor-provision doctor --provision on the emulator's containers: one guest provisioned, reached over SSH and
#                    removed (exit 0)
#   scenarios-vm     the Proxmox theory rows of scenarios 01, 05, 16 on 4 TCG VMs (TRX: proxmox.trx): each must
#                    run end to end and get a verdict, printed here; under TCG a VM cannot see the CPU it loses,
#                    so its rows are invalid for that reason and the verdict itself does not decide the step
#   interrupts       SIGTERM / SIGKILL of a provision: nothing left, the next run reaps (ci/pve/interrupt-checks.sh)
#   scenarios-lxc    the Proxmox theory row of scenario 05 on 4 of the emulator's containers (Docker + lxcfs;
#                    TRX: proxmox-lxc.trx), with their host-side status/current in status-current-lxc.csv; each
#                    container's cpulimit is sized so the four share half of this machine's cores, segments
#                    last 3 s (why: below), and the row must be judged: pass, no invalid row allowed
#   lxc-control      with PVE_EMU_LXC_CONTROL=1: the same row on four 1-core containers without a cpulimit (3.6
#                    cores asked of 2 here): the row must fail on its merits (TRX: proxmox-lxc-control.trx)
# PVE_EMU_STEPS="scenarios-lxc interrupts" runs only the named steps (a developer's rerun of one step).
# Every step prints "PASS name (N s)" or "FAIL name (N s)"; the doctor's findings, each guest's time from start to
# SSH and each row's report (its checks, what was undecided before each extension, the host view: in-guest against
# host-side CPU per guest) are printed under their step, so the CI log holds them. The last line is
# "N passed, N failed" over the steps; exit 1 if any failed. Logs in artifacts/pve-emulated/, TRX in
# artifacts/test-results/. Run it under nice -n 19 on a machine that measures: QEMU inherits its priority.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
logs=$root/artifacts/pve-emulated results=$root/artifacts/test-results
mkdir -p "$logs" "$results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# TCG guests see none of the CPU they lose (steal is always 0), so the wait metric cannot be judged on them and
# each row is invalid for that reason; the rows must still run, be judged and be reported, not fail the job.
export HARNESS_MAX_INVALID_ROWS=${HARNESS_MAX_INVALID_ROWS:-16}
passed=0 failed=0 t0=$(date +%s)

# Each row's verdict line from the harness's progress: "[harness 10:36:34] Scenario 01 (…): INVALID".
verdict_of() { grep -ohE "\] Scenario $2 \(.*\): (PASS|FAIL|INVALID|INCONCLUSIVE)\$" "$1" | tail -n 1 | sed 's/.*: //'; }

# step NAME EXPECTED-EXIT COMMAND...; EXPECTED-EXIT "judged" takes exit 0 or 1 when every row of VERDICTS (e.g.
# "01 05 16") has a verdict: the rows ran end to end and were judged, whatever the verdict.
step() {
  local name=$1 expect=$2 s rc ok=1 n v; shift 2
  case " ${PVE_EMU_STEPS:-$name} " in *" $name "*) ;; *)
    # The log is replaced, so that the figures printed under the step are not an earlier run's.
    echo "== pve-emulated: $name not run (PVE_EMU_STEPS)" | tee "$logs/$name.log"; return 0 ;;
  esac
  echo "== pve-emulated: $name: $*"
  s=$(date +%s)
  "$@" >"$logs/$name.log" 2>&1
  rc=$?
  if [ "$expect" = judged ]; then
    [ "$rc" -le 1 ] || ok=
    for n in ${VERDICTS:-}; do
      v=$(verdict_of "$logs/$name.log" "$n"); echo "    Scenario $n: ${v:-no verdict}"; [ -n "$v" ] || ok=
    done
  else
    [ "$rc" -eq "$expect" ] || ok=
  fi
  if [ -n "$ok" ] && { [ -z "${MUST_SAY:-}" ] || grep -q -- "$MUST_SAY" "$logs/$name.log"; }; then
    passed=$((passed + 1)); echo "PASS $name ($(( $(date +%s) - s )) s)"
  else
    failed=$((failed + 1)); echo "FAIL $name ($(( $(date +%s) - s )) s): exit $rc (expected $expect${MUST_SAY:+, output naming '$MUST_SAY'}); log $logs/$name.log"
    tail -n 15 "$logs/$name.log" | sed 's/^/    /'
  fi
  grep -h '^pve-emulator: .*validated' "$logs/$name.log" | sed 's/^/    /'
  grep -h 'refused, ' "$logs/$name.log" | grep -vq ' 0 refused' && echo "    WARNING: the emulator refused requests of $name (see its log)"
}

echo "== pve-emulated: preparing (image cache /var/cache/harness-pve-emu, Release builds)"
bash ci/pve/build-emulator-image.sh >"$logs/prepare.log" 2>&1 \
  && dotnet build src/Harness.Cli -c Release -v quiet -nologo >>"$logs/prepare.log" 2>&1 \
  && dotnet build tests/Scenarios -v quiet -nologo >>"$logs/prepare.log" 2>&1 \
  || { tail -n 30 "$logs/prepare.log"; echo "0 passed, 1 failed"; exit 1; }
cli=$root/src/Harness.Cli/bin/Release/net10.0/Harness.Cli
echo "prepared in $(( $(date +%s) - t0 )) s"

# The doctor's findings ("[ ok ] check: ...", their fixes and the closing count), indented.
findings_of() { grep -E '^(\[[a-zA-Z ]{4}\] |       fix: |[0-9]+ checks)' "$logs/$1.log" | sed 's/^/    /'; }
# Each guest's time from its start to SSH, from the harness's progress ("S1: vm 101 ... answered SSH 48.2 s after ...").
boot_times() { tr -d '\r' <"$logs/$1.log" | grep -oE '[A-Za-z0-9_-]+: (vm|ct) [0-9]+ on node [^ ]+ answered SSH [0-9.]+ s after its start' | sed 's/^/    /'; }
# The report under the last verdict of each row in VERDICTS: its checks, the repetitions it needed and what was
# undecided after each, and the host view (in-guest against host-side CPU per guest).
row_reports() {
  local n
  for n in $VERDICTS; do
    awk -v n="$n" '
      index($0, "] Scenario " n " (") && /: (PASS|FAIL|INVALID|INCONCLUSIVE)$/ { block = ""; inrow = 1; next }
      inrow && /^\[/ { inrow = 0 }
      inrow { block = block "    " $0 "\n" }
      END { printf "    Scenario %s:\n%s", n, block == "" ? "    no verdict in the log\n" : block }' "$logs/$1.log"
  done
}

# Doctor reads the API only: fake guests are enough and take seconds.
step doctor-ok 0 ci/pve/run-emulated.sh --no-vms -- "$cli" doctor
findings_of doctor-ok
all_but_clone=Sys.Audit,Datastore.Audit,Datastore.AllocateSpace,SDN.Use,VM.Allocate,VM.Audit,VM.Config.CPU,VM.Config.Cloudinit
all_but_clone=$all_but_clone,VM.Config.Disk,VM.Config.Memory,VM.Config.Network,VM.Config.Options,VM.GuestAgent.Audit
all_but_clone=$all_but_clone,VM.GuestAgent.Unrestricted,VM.Monitor,VM.PowerMgmt
MUST_SAY=VM.Clone step doctor-privilege 1 ci/pve/run-emulated.sh --no-vms --privileges "$all_but_clone" -- "$cli" doctor
grep -h 'VM.Clone' "$logs/doctor-privilege.log" | sed 's/^/    /'
# The round trip on a container: seconds, where a TCG VM takes a minute (the VM rows below time their boots).
MUST_SAY='one-guest round trip: ct' HARNESS_PVE_GUEST_KIND=lxc step doctor-provision 0 ci/pve/run-emulated.sh -- "$cli" doctor --provision
findings_of doctor-provision

# Host-side CPU per guest (status/current every 5 s) beside the rows, to compare with what the guests report.
#   scenarios CSV TRX FILTER
scenarios() {
  bash ci/pve/emu-guests.sh sample 5 >"$logs/$1" 2>/dev/null &
  local sampler=$! rc
  dotnet test tests/Scenarios --no-build --settings runsettings.xml --filter "$3" \
    --logger "trx;LogFileName=$2" --logger "console;verbosity=normal" --results-directory "$results"
  rc=$?
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
  return "$rc"
}
export -f scenarios
export logs results
# A TCG guest's RAM reads 3-6 points above target once its CPU load runs (docs/pve-emulator.md); refilling it then
# touches ~800 MB under TCG, and on a slow host (boots of 230-270 s, 27 Nov) scenario 05's samplers fell silent for
# over 21 s during that refill: the row ended "guest lost", without a verdict. These rows are invalid under TCG
# whatever their RAM, so here memory and CPU are corrected only when 6 points off (default 2). Even without a refill
# a saturated TCG guest's sampler printed nothing for 31.6 s at the end of scenario 05's measurement (27 Nov, boots
# of 150-171 s) and then carried on through scenario 16: such a guest gets 120 s of silence before it counts as lost.
HARNESS_CALIBRATION_TOLERANCE=${HARNESS_CALIBRATION_TOLERANCE:-6} HARNESS_GUEST_SILENCE_SECONDS=${HARNESS_GUEST_SILENCE_SECONDS:-120} \
VERDICTS="01 05 16" step scenarios-vm judged ci/pve/run-emulated.sh -- bash -c 'scenarios "$@"' scenarios status-current.csv proxmox.trx \
  "Category=Proxmox&(DisplayName~Scenario 01|DisplayName~Scenario 05|DisplayName~Scenario 16)"
echo "    time from start to SSH (TCG VMs):"; boot_times scenarios-vm
VERDICTS="01 05 16" row_reports scenarios-vm

step interrupts 0 ci/pve/run-emulated.sh -- bash ci/pve/interrupt-checks.sh "$cli" "$logs"
grep -h '^\[interrupt-checks\] \(PASS\|FAIL\)' "$logs/interrupts.log" | sed 's/^/    /'

# The same backend on containers: HARNESS_PVE_GUEST_KIND=lxc makes run-emulated.sh point the harness at the
# emulator's archive and storage; the guests are Docker containers with lxcfs's /proc (docs/pve-emulator.md, LXC).
# Four containers share half of the cores (PVE_EMU_LXC_SHARE), each segment lasts 3 s (HARNESS_WINDOW_SECONDS) and
# cores = the host's CPUs. Why, from scenario 05 on this node (docs/pve-emulator.md, "LXC sizing in CI"): at 80% of
# the host, as the Docker testbed's guests, the row sat on its budgets; at 60% with 1.5 s segments it passed in 6,
# 6 and 16 repetitions here and was inconclusive at 16 in CI (26a705e): beside the emulator, lxcfs and Docker (9-18%
# of a CPU outside the guests) the co-run CPU of all four drifted together by 3-5 points (SD across repetitions
# 3.3-5.1, solo 1.1-2.6), so the calibrated loads ended 2-3 points off target and the CPU band took 16 repetitions.
# At 50% and 3 s the row decided in 6 (CPU 89.1-90.5 for 90). No container is pinned: with cores=1 PVE gives each
# container one CPU of its own choosing, and four on two CPUs pin two to each (docs/proxmox.md, "cores").
lxc_cpulimit=$(awk -v n="$(nproc)" -v share="${PVE_EMU_LXC_SHARE:-0.5}" 'BEGIN { printf "%.2f", n * share / 4 }')
lxc_window=${HARNESS_WINDOW_SECONDS:-3}
HARNESS_MAX_INVALID_ROWS=0 HARNESS_PVE_GUEST_KIND=lxc HARNESS_PVE_CPULIMIT=$lxc_cpulimit HARNESS_PVE_CORES=$(nproc) \
  HARNESS_WINDOW_SECONDS=$lxc_window \
  step scenarios-lxc 0 ci/pve/run-emulated.sh -- bash -c 'scenarios "$@"' scenarios status-current-lxc.csv \
  proxmox-lxc.trx "Category=Proxmox&DisplayName~Scenario 05"
VERDICTS=05 row_reports scenarios-lxc
# The negative control on the same backend: without a cpulimit the four ask for 3.6 cores; on a host with fewer
# than that the row must fail (not be invalid), or the Proxmox rows above could not fail either. It takes ~7 min,
# which .ci/run cannot spare (its whole was 76 min here with it); PVE_EMU_LXC_CONTROL=1 runs it.
if [ "${PVE_EMU_LXC_CONTROL:-0}" != 1 ]; then
  echo "== pve-emulated: lxc-control not run (PVE_EMU_LXC_CONTROL=1 runs it; ~7 min)"
elif [ "$(nproc)" -lt 4 ]; then
  MUST_SAY='): FAIL' HARNESS_MAX_INVALID_ROWS=0 HARNESS_PVE_GUEST_KIND=lxc HARNESS_PVE_CPULIMIT=0 HARNESS_WINDOW_SECONDS=$lxc_window \
    step lxc-control 1 ci/pve/run-emulated.sh -- bash -c 'scenarios "$@"' scenarios status-current-lxc-control.csv \
    proxmox-lxc-control.trx "Category=Proxmox&DisplayName~Scenario 05"
  VERDICTS=05 row_reports lxc-control
else
  echo "== pve-emulated: lxc-control skipped: $(nproc) cores hold four 1-core containers at 90%"
fi
echo "pve-emulated: $(( $(date +%s) - t0 )) s in all"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
