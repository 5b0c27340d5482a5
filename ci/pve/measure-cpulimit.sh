#!/usr/bin/env bash
# Measures what a VM sees of a CPU quota against what PVE's status/current reports, on the emulated node:
# one linked clone with cpulimit=$CPULIMIT runs `stress-ng --cpu 1 --cpu-load $LOAD` for $SECONDS_ s; prints the
# guest's own busy % and steal % (/proc/stat) and the host side's cpu (status/current) over the same window.
# Run it inside ci/pve/run-emulated.sh, which provides the HARNESS_PVE_* settings:
#   nice -n 19 ci/pve/run-emulated.sh bash ci/pve/measure-cpulimit.sh
set -euo pipefail
CPULIMIT=${CPULIMIT:-0.4} LOAD=${LOAD:-90} SECONDS_=${SECONDS_:-60}
: "${HARNESS_PVE_URL:?run inside ci/pve/run-emulated.sh}"
work=$(mktemp -d /tmp/measure-cpulimit.XXXXXX)
trap 'rm -rf "$work"' EXIT
api="${HARNESS_PVE_URL%/}/api2/json"
node=${HARNESS_PVE_NODES%%,*}

# Pin the emulator's certificate by its fingerprint, then trust exactly that certificate (no "accept any").
hostport=${HARNESS_PVE_URL#https://}; hostport=${hostport%%/*}
openssl s_client -connect "$hostport" </dev/null 2>/dev/null | openssl x509 >"$work/cert.pem"
seen=$(openssl x509 -in "$work/cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)
[ "$seen" = "$HARNESS_PVE_FINGERPRINT" ] || { echo "certificate $seen is not the pinned one" >&2; exit 1; }
printf 'header "Authorization: PVEAPIToken=%s=%s"\n' "$HARNESS_PVE_TOKEN_ID" "$HARNESS_PVE_TOKEN_SECRET" >"$work/curlrc"
chmod 600 "$work/curlrc"
pve() { curl -sS --max-time 60 --cacert "$work/cert.pem" -K "$work/curlrc" "$@"; }
data() { python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(d if not isinstance(d,(dict,list)) else json.dumps(d))'; }
wait_task() {
  local upid=$1 enc
  enc=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$upid")
  for _ in $(seq 600); do
    st=$(pve "$api/nodes/$node/tasks/$enc/status" | data)
    case "$st" in *'"stopped"'*) grep -q '"OK"' <<<"$st" || { echo "task failed: $st" >&2; exit 1; }; return ;; esac
    sleep 1
  done
}

ssh-keygen -q -t ed25519 -N '' -f "$work/key"
id=$(pve "$api/cluster/nextid" | data)
wait_task "$(pve -X POST "$api/nodes/$node/qemu/$HARNESS_PVE_TEMPLATE/clone" -d newid="$id" -d name=measure | data)"
keys=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(open(sys.argv[1]).read().strip(), safe=""))' "$work/key.pub")
pve -X PUT "$api/nodes/$node/qemu/$id/config" --data-urlencode "sshkeys=$keys" -d cores=1 -d memory=1024 \
  -d balloon=0 -d agent=1 -d ciuser=root -d ciupgrade=0 >/dev/null
t0=$(date +%s)
wait_task "$(pve -X POST "$api/nodes/$node/qemu/$id/status/start" | data)"
addr=
for _ in $(seq 900); do
  addr=$(pve "$api/nodes/$node/qemu/$id/agent/network-get-interfaces" | python3 -c '
import json,sys
d=json.load(sys.stdin).get("data") or {}
print(next((a["ip-address"] for n in d.get("result",[]) if n["name"]!="lo" for a in n.get("ip-addresses",[]) if a["ip-address-type"]=="ipv4"),""))' || true)
  [ -n "$addr" ] && break
  sleep 2
done
sshc() { ssh -i "$work/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 -o BatchMode=yes "root@$addr" "$@"; }
for _ in $(seq 450); do sshc true 2>/dev/null && break; sleep 2; done
sshc true || { echo "SSH to $addr never worked" >&2; exit 1; }
echo "boot to SSH: $(( $(date +%s) - t0 )) s (address $addr)"
# The quota goes on after boot, on the running VM (PVE applies cpulimit live too), so the boot time is unconstrained.
pve -X PUT "$api/nodes/$node/qemu/$id/config" -d cpulimit="$CPULIMIT" >/dev/null
sshc "nohup stress-ng --cpu 1 --cpu-load $LOAD --timeout $((SECONDS_ + 20)) >/dev/null 2>&1 &"
sleep 10
pve "$api/nodes/$node/qemu/$id/status/current" >/dev/null   # the baseline of the host side's rate
g0=$(sshc "head -1 /proc/stat")
sleep "$SECONDS_"
host=$(pve "$api/nodes/$node/qemu/$id/status/current" | data)
g1=$(sshc "head -1 /proc/stat")
python3 - "$g0" "$g1" "$host" "$CPULIMIT" "$LOAD" <<'PY'
import json, sys
a = list(map(int, sys.argv[1].split()[1:])); b = list(map(int, sys.argv[2].split()[1:]))
d = [y - x for x, y in zip(a, b)]; total = sum(d[:8])
idle = d[3] + d[4]; steal = d[7]
h = json.loads(sys.argv[3])
print(f"cpulimit {sys.argv[4]}, stress-ng --cpu-load {sys.argv[5]}:")
print(f"  in the guest (/proc/stat): busy {100*(total-idle-steal)/total:.1f}%, steal {100*steal/total:.1f}%")
print(f"  host side (status/current): cpu {h['cpu']:.3f} of {h['cpus']} CPU = {100*h['cpu']:.1f}% of the guest's CPU, mem {h['mem']>>20} MiB")
PY
wait_task "$(pve -X POST "$api/nodes/$node/qemu/$id/status/stop" | data)"
wait_task "$(pve -X DELETE "$api/nodes/$node/qemu/$id?purge=1" | data)"
