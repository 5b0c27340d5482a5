#!/usr/bin/env bash
# Runs a command against the emulated PVE node (tests/PveEmulator): builds the VM image if it is missing, starts the
# emulator on 127.0.0.1, exports the harness's HARNESS_PVE_* settings for it, runs the command, stops the emulator
# (every VM killed, its state removed) and exits with the command's status.
#   ci/pve/run-emulated.sh [EMULATOR OPTIONS --] COMMAND [ARGS...]
#   e.g. ci/pve/run-emulated.sh dotnet test tests/Scenarios --filter "Category=Proxmox&DisplayName~Scenario 01"
#        ci/pve/run-emulated.sh --no-vms --fault lock-timeout -- dotnet run --project src/Harness.Cli -- provision
#        HARNESS_PVE_GUEST_KIND=lxc ci/pve/run-emulated.sh dotnet run --project src/Harness.Cli -- provision --guests 4
# With HARNESS_PVE_GUEST_KIND=lxc the guests are the emulator's containers (Docker, image harness-guest:bookworm-1):
# HARNESS_PVE_TEMPLATE becomes the emulator's archive and HARNESS_PVE_STORAGE defaults to its storage 'local'.
# Run it under nice -n 19 on a machine that measures: QEMU inherits the emulator's CPU priority.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
log() { printf '[run-emulated] %s\n' "$*" >&2; }

# Emulator options come first and end at '--'; a command never starts with '-', and may contain '--' itself.
emu_args=()
if [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; then
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do emu_args+=("$1"); shift; done
  [ $# -gt 0 ] || { log "emulator options must end with '--' before the command"; exit 2; }
  shift
fi
[ $# -gt 0 ] || { log "usage: $0 [EMULATOR OPTIONS --] COMMAND [ARGS...]"; exit 2; }
# Every request is checked against PVE's schema unless the caller chose a file or PVE_EMU_SCHEMA=off: a request the
# real node would refuse must not pass here. The count of refused ones is in the emulator's last log lines.
if [ "${PVE_EMU_SCHEMA:-on}" != off ] && ! printf '%s\n' "${emu_args[@]+"${emu_args[@]}"}" | grep -qx -- '--schema'; then
  emu_args+=(--schema default)
fi

lxc=
case "${HARNESS_PVE_GUEST_KIND:-vm}" in lxc|ct) lxc=1 ;; esac
if ! printf '%s\n' "${emu_args[@]+"${emu_args[@]}"}" | grep -qx -- '--no-vms'; then
  bash "$here/build-emulator-image.sh"
  [ -z "$lxc" ] || bash "$root/ci/build-guest-image.sh"
fi
# PVE's containers see their own /proc/meminfo and /proc/stat through lxcfs; without it they would see the host's.
if [ -n "$lxc" ] && [ ! -x /usr/bin/lxcfs ] && [ "$(id -u)" -eq 0 ]; then
  log "installing lxcfs"
  apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lxcfs >/dev/null \
    || log "lxcfs could not be installed: the containers will see the host's /proc (the emulator says so)"
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$root/tests/PveEmulator" -c Release -v quiet -nologo >/dev/null
app="$root/tests/PveEmulator/bin/Release/net10.0/PveEmulator"

work=$(mktemp -d /tmp/run-emulated.XXXXXX)
ready=$work/ready.env
# A fresh secret per run, handed over in the environment only: never on a command line or in a log.
PVE_EMU_TOKEN_SECRET=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export PVE_EMU_TOKEN_SECRET
emu_pid=
stop_emulator() {
  if [ -n "$emu_pid" ] && kill -0 "$emu_pid" 2>/dev/null; then
    kill -TERM "$emu_pid" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$emu_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$emu_pid" 2>/dev/null || true
  fi
  [ -f "$work/emulator.log" ] && tail -n 3 "$work/emulator.log" >&2
  rm -rf "$work"
}
trap stop_emulator EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$app" --ready-file "$ready" "${emu_args[@]+"${emu_args[@]}"}" >"$work/emulator.log" 2>&1 &
emu_pid=$!
for _ in $(seq 120); do
  [ -f "$ready" ] && break
  kill -0 "$emu_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; log "the emulator did not start"; exit 1; }
  sleep 0.5
done
[ -f "$ready" ] || { cat "$work/emulator.log" >&2; log "the emulator was not ready within 60 s"; exit 1; }
set -a
# shellcheck disable=SC1090
. "$ready"
set +a
export HARNESS_BACKEND=proxmox HARNESS_PVE_TOKEN_SECRET=$PVE_EMU_TOKEN_SECRET
if [ -n "$lxc" ]; then
  export HARNESS_PVE_TEMPLATE=$PVE_EMU_CT_TEMPLATE HARNESS_PVE_STORAGE=${HARNESS_PVE_STORAGE:-local}
fi
# Four VMs booting at once under TCG on two cores take minutes, not the seconds KVM would.
export HARNESS_PVE_BOOT_TIMEOUT_SECONDS=${HARNESS_PVE_BOOT_TIMEOUT_SECONDS:-900}
log "emulator at $HARNESS_PVE_URL (pid $emu_pid); running: $*"
start=$(date +%s)
set +e
"$@"
rc=$?
set -e
log "command exited $rc after $(( $(date +%s) - start )) s"
exit "$rc"
