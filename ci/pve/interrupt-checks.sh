#!/usr/bin/env bash
# Run inside ci/pve/run-emulated.sh (real VMs): a provision cancelled with SIGTERM leaves nothing; a provision
# killed with SIGKILL leaves its guest, and the next provision reaps it first; nothing is left at the end. The
# emulator's /cluster/resources is the judge, not the harness's own word. Prints one PASS/FAIL line per check.
#   interrupt-checks.sh HARNESS_CLI_BINARY LOG_DIR
set -uo pipefail
cli=$1 logs=$2
here=$(cd "$(dirname "$0")" && pwd)
failed=0
say() { printf '[interrupt-checks] %s\n' "$*"; }
check() { if [ "$1" = ok ]; then say "PASS $2"; else say "FAIL $2"; failed=$((failed + 1)); fi; }
left() { bash "$here/emu-guests.sh" list | paste -sd' ' -; }

# Starts a provision that holds its guest, waits until its log shows PATTERN (the guest is cloned, configured and
# tagged), then sends SIGNAL to the harness process itself (its own binary, no dotnet-run wrapper in between).
interrupt() {
  local signal=$1 log=$2 pattern=$3 pid
  "$cli" provision --guests 1 --hold 600 >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    grep -q "$pattern" "$log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if ! grep -q "$pattern" "$log"; then say "no '$pattern' in $log within 300 s"; kill -KILL "$pid" 2>/dev/null; wait "$pid"; return 1; fi
  kill "-$signal" "$pid"
  # A cancelled run stops and destroys its guest (task timeouts bound it); give it 3 minutes under TCG.
  for _ in $(seq 180); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then say "provision still running 180 s after SIG$signal"; kill -KILL "$pid"; fi
  wait "$pid"
  say "provision after SIG$signal exited $?"
}

say "(d) SIGTERM during a provision"
interrupt TERM "$logs/provision-sigterm.log" ': starting ' || true
rest=$(left)
[ -z "$rest" ] && check ok "(d) a cancelled provision left no guest" || check no "(d) a cancelled provision left guest(s): $rest"

say "(c) SIGKILL during a provision, then a provision that reaps first"
interrupt KILL "$logs/provision-sigkill.log" ': starting ' || true
orphan=$(left)
[ -n "$orphan" ] && check ok "(c) the killed provision left guest $orphan (as it must: nothing ran its cleanup)" \
  || check no "(c) the killed provision left nothing, so the reap below proves nothing"
"$cli" provision --guests 1 --hold 0 >"$logs/provision-after-kill.log" 2>&1
rc=$?
say "provision after the kill exited $rc"
reaped=yes
for id in $orphan; do grep -q "removed guest left by an earlier run: .*$id" "$logs/provision-after-kill.log" || reaped=no; done
[ "$rc" -eq 0 ] && [ "$reaped" = yes ] && [ -n "$orphan" ] && check ok "(c) the next provision removed guest(s) $orphan left by the killed run" \
  || check no "(c) the next provision (exit $rc) did not say it removed $orphan (see $logs/provision-after-kill.log)"
rest=$(left)
[ -z "$rest" ] && check ok "(c) no guest left at the end" || check no "(c) guest(s) left at the end: $rest"
exit "$failed"
