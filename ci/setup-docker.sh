#!/usr/bin/env bash
# Makes sure a Docker engine that speaks API >= 1.44 (needed by Testcontainers 4.x) is installed and running.
# On Debian bookworm the distro engine (20.10) is too old, so the engine comes from trixie, pinned so that
# nothing else on the machine upgrades. Idempotent: does nothing when `docker info` already answers.
set -euo pipefail

log() { printf '[setup-docker] %s\n' "$*" >&2; }

engine_ok() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

if engine_ok; then
  log "engine already running: $(docker info --format '{{.ServerVersion}}')"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  log "Docker is not running and this script is not root; start Docker (e.g. 'sudo systemctl start docker') and retry."
  exit 1
fi

need_install=1
if command -v dockerd >/dev/null 2>&1; then
  api=$(dockerd --version 2>/dev/null | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
  [ -n "$api" ] && [ "$api" -ge 24 ] && need_install=0
fi

if [ "$need_install" -eq 1 ]; then
  . /etc/os-release
  if [ "${VERSION_CODENAME:-}" = "bookworm" ]; then
    # The machine's own bookworm archive serves trixie too; no mirror is named here.
    source "$(dirname "$0")/debian-source.sh"
    mirror=$(debian_mirror) || { log "cannot add the trixie source for docker.io"; exit 1; }
    log "adding pinned trixie source from ${mirror} for docker.io"
    printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" \
      > /etc/apt/sources.list.d/harness-trixie.sources
    printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' > /etc/apt/preferences.d/harness-trixie
    apt-get update -qq || log "apt-get update reported errors (unreachable extra sources are fine)"
    # Name the release per package rather than with -t: -t would move every dependency (libc included)
    # to trixie, while this way apt takes from trixie only what docker.io really needs.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io/trixie docker-cli/trixie >/dev/null
  else
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
fi

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl start docker || true
fi
if ! engine_ok; then
  log "starting dockerd in the background (log: /var/log/harness-dockerd.log)"
  # The daemon outlives this script: it must not keep the caller's descriptors open (a `flock` around the caller
  # would stay held, a pipe would never see its end), so every one above stderr is closed before it starts.
  (
    for fd in /proc/$BASHPID/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done
    exec nohup dockerd >/var/log/harness-dockerd.log 2>&1 </dev/null
  ) &
fi
for _ in $(seq 1 60); do
  engine_ok && { log "engine ready: $(docker info --format '{{.ServerVersion}}')"; exit 0; }
  sleep 1
done
log "dockerd did not answer within 60 s; see /var/log/harness-dockerd.log"
exit 1
