#!/usr/bin/env bash
# Helpers for commands run inside ci/pve/run-emulated.sh: ask the emulator itself (not the harness) what exists.
#   emu-guests.sh list              VMIDs of every guest that is not a template, one a line
#   emu-guests.sh sample SECONDS    every SECONDS, one CSV line per running guest: time,vmid,name,cpu,cpus,mem
# The token travels in a header file (0600), never on a command line. -k: the emulator's certificate is
# self-signed and on 127.0.0.1; the harness pins its fingerprint, these checks only read.
set -euo pipefail
: "${HARNESS_PVE_URL:?run me inside ci/pve/run-emulated.sh}" "${HARNESS_PVE_TOKEN_ID:?}" "${HARNESS_PVE_TOKEN_SECRET:?}"
hdr=$(mktemp)
chmod 600 "$hdr"
trap 'rm -f "$hdr"' EXIT
printf 'Authorization: PVEAPIToken=%s=%s\n' "$HARNESS_PVE_TOKEN_ID" "$HARNESS_PVE_TOKEN_SECRET" >"$hdr"
api() { curl -sS -k --max-time 20 -H @"$hdr" "${HARNESS_PVE_URL%/}/api2/json/$1"; }

guests() {
  api 'cluster/resources?type=vm' | python3 -c '
import json, sys
for g in json.load(sys.stdin)["data"]:
    if not g.get("template"): print(g["vmid"], g.get("name", ""), g.get("status", ""), g["type"])'
}

case "${1:-}" in
  list) guests | awk '{print $1}' ;;
  sample)
    echo "time,vmid,name,cpu,cpus,mem_bytes"
    while true; do
      guests | while read -r id name status type; do
        [ "$status" = running ] || continue
        api "nodes/${HARNESS_PVE_NODES%%,*}/$type/$id/status/current" | python3 -c '
import json, sys, time
d = json.load(sys.stdin)["data"]
row = [time.strftime("%H:%M:%S"), sys.argv[1], sys.argv[2], "%.4f" % float(d.get("cpu", 0)), str(d.get("cpus", 0)), str(d.get("mem", 0))]
print(",".join(row), flush=True)' "$id" "$name" || true
      done
      sleep "${2:-5}"
    done ;;
  *) echo "usage: $0 list | sample SECONDS" >&2; exit 2 ;;
esac
