#!/usr/bin/env bash
# Builds the harness's VM template on a Proxmox VE node: Debian 12 cloud image with cloud-init,
# qemu-guest-agent and the load tools, converted to a template. Run on the node, as root.
#   VMID=9000 STORAGE=local-lvm BRIDGE=vmbr0 ci/pve/build-template.sh
set -euo pipefail

VMID="${VMID:-9000}"
STORAGE="${STORAGE:-local-lvm}"
BRIDGE="${BRIDGE:-vmbr0}"
NAME="${NAME:-harness-template}"
IMAGE_URL="${IMAGE_URL:-https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

command -v qm >/dev/null || { echo "qm not found: run this on a Proxmox VE node" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
if qm status "$VMID" >/dev/null 2>&1; then
  echo "VMID $VMID exists already; remove it ('qm destroy $VMID') or choose another VMID=..." >&2
  exit 1
fi
command -v virt-customize >/dev/null || { apt-get update && apt-get install -y libguestfs-tools; }

echo "downloading $IMAGE_URL"
wget -q -O "$WORK/base.qcow2" "$IMAGE_URL"
# Packages go into the image now, so a guest boots ready: no installs (or upgrades: ciupgrade=0) at first boot.
# disable_root: false because the harness logs in as root (ciuser=root): with Debian's default (true) cloud-init
# puts a "Please login as the user ..." command in front of root's key, and every command over SSH fails.
virt-customize -a "$WORK/base.qcow2" \
  --install qemu-guest-agent,stress-ng,stress,cpulimit,procps \
  --write '/etc/cloud/cloud.cfg.d/91-root-login.cfg:disable_root: false' \
  --truncate /etc/machine-id

# A fixed CPU model rather than 'host': 'host' changes guest mitigations and timing from machine to machine.
qm create "$VMID" --name "$NAME" --memory 1024 --cores 1 --cpu x86-64-v2-AES \
  --net0 "virtio,bridge=$BRIDGE" --scsihw virtio-scsi-single --serial0 socket --vga serial0 \
  --agent 1 --ostype l26
qm importdisk "$VMID" "$WORK/base.qcow2" "$STORAGE"
DISK="$(qm config "$VMID" | sed -n 's/^unused0: //p')"
qm set "$VMID" --scsi0 "$DISK" --ide2 "$STORAGE:cloudinit" --boot order=scsi0 \
  --ipconfig0 ip=dhcp --ciupgrade 0 --tags harness-template
qm template "$VMID"
echo "template $VMID ready: set HARNESS_PVE_TEMPLATE=$VMID"
