#!/usr/bin/env bash
# Builds the embedded testbed's guest image (sshd + stress-ng + stress + cpulimit + procps) once and caches it by tag.
#   HARNESS_GUEST_IMAGE   tag to build (default harness-guest:bookworm-1; must match the harness setting)
#   HARNESS_IMAGE_BUILD   auto | debootstrap | dockerfile (auto: debootstrap when run as root on Debian, else Dockerfile)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tag=${HARNESS_GUEST_IMAGE:-harness-guest:bookworm-1}
mode=${HARNESS_IMAGE_BUILD:-auto}
log() { printf '[guest-image] %s\n' "$*" >&2; }

if ! docker info >/dev/null 2>&1; then
  log "Docker is not running. Start it (ci/setup-docker.sh does on Debian) and retry."
  exit 1
fi
if docker image inspect "$tag" >/dev/null 2>&1; then
  log "$tag is cached"
  exit 0
fi
if [ "$mode" = auto ]; then
  if [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ]; then mode=debootstrap; else mode=dockerfile; fi
fi
log "building $tag ($mode)"
case "$mode" in
  dockerfile)
    docker build -t "$tag" "$here/guest-image"
    ;;
  debootstrap)
    command -v debootstrap >/dev/null 2>&1 || {
      apt-get update -qq || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    }
    source "$here/debian-source.sh"
    mirror=$(debian_mirror) || { log "debootstrap needs a Debian archive; or use HARNESS_IMAGE_BUILD=dockerfile"; exit 1; }
    work=$(mktemp -d /tmp/harness-guest.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    debootstrap --variant=minbase --include=openssh-server,stress-ng,stress,cpulimit,procps,iproute2 \
      bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
    install -m 0755 "$here/guest-image/entrypoint.sh" "$work/rootfs/usr/local/sbin/harness-guest-entrypoint"
    rm -f "$work/rootfs/etc/ssh/ssh_host_"*
    rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
    tar -C "$work/rootfs" -c . | docker import \
      --change 'ENTRYPOINT ["/usr/local/sbin/harness-guest-entrypoint"]' --change 'EXPOSE 22' - "$tag" >/dev/null
    ;;
  *)
    log "HARNESS_IMAGE_BUILD must be auto, debootstrap or dockerfile (got '$mode')"
    exit 2
    ;;
esac
log "built $tag"
