#!/usr/bin/env bash
# Builds the disk image behind the PVE emulator's template VM, once: a Debian bookworm root filesystem made
# offline with debootstrap (no cloud image download: only Debian's configured package source is reachable here),
# written to an ext4 qcow2, with the kernel and initrd copied out so QEMU boots it directly (no bootloader).
#   PVE_EMU_IMAGE_DIR   where the image is cached (default /var/cache/harness-pve-emu)
#   PVE_EMU_DISK_SIZE   size of the guest's root disk (default 3G)
# Run it as root, under nice -n 19 on a machine that is also measuring something.
set -euo pipefail
out=${PVE_EMU_IMAGE_DIR:-/var/cache/harness-pve-emu}
size=${PVE_EMU_DISK_SIZE:-3G}
log() { printf '[emu-image] %s\n' "$*" >&2; }
start=$(date +%s)

# Bump when the recipe changes, so a cached image from an older recipe is rebuilt.
recipe=2
if [ -f "$out/template.qcow2" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ] \
   && [ "$(cat "$out/recipe" 2>/dev/null)" = "$recipe" ]; then
  log "cached in $out"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { log "run as root (debootstrap and chroot need it)"; exit 1; }
mkdir -p "$out"
exec 9>"$out/.build.lock"
flock 9
# Another build may have finished while we waited for the lock.
[ -f "$out/template.qcow2" ] && [ "$(cat "$out/recipe" 2>/dev/null)" = "$recipe" ] && { log "cached in $out"; exit 0; }

need=()
for pair in debootstrap:debootstrap qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils \
            genisoimage:genisoimage mkfs.ext4:e2fsprogs; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The machine's own Debian source; naming a mirror ourselves could point at one this network does not reach.
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
  | grep -E '^(URIs:|deb )' | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ' || true)
if [ -z "$mirror" ]; then
  log "no Debian package source is configured in /etc/apt; add one (the machine's usual mirror) and retry"
  exit 1
fi

work=$(mktemp -d /tmp/pve-emu-image.XXXXXX)
cleanup() {
  for m in dev/pts dev proc sys; do umountpoint=$work/rootfs/$m; mountpoint -q "$umountpoint" && umount -l "$umountpoint"; done
  rm -rf "$work"
}
trap cleanup EXIT
root=$work/rootfs
# python3-cffi-backend is listed explicitly: python3-cryptography (pulled by cloud-init) needs it only through a
# virtual package, which debootstrap does not resolve, and configuring then stops half-way.
pkgs=linux-image-amd64,systemd-sysv,openssh-server,qemu-guest-agent,cloud-init,ifupdown,isc-dhcp-client
pkgs=$pkgs,stress-ng,stress,cpulimit,procps,udev,iproute2,python3-cffi-backend
log "debootstrap bookworm from $mirror"
t0=$(date +%s)
if ! debootstrap --variant=minbase --include="$pkgs" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
  # The trap's fallback for a debootstrap that still stopped there: finish configuration inside the chroot.
  log "debootstrap stopped; finishing configuration in the chroot"
  mount -t proc proc "$root/proc"
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive dpkg --configure -a >>"$work/debootstrap.log" 2>&1 \
    || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  umount "$root/proc"
fi
log "debootstrap took $(( $(date +%s) - t0 )) s"

cat >"$root/etc/fstab" <<'FSTAB'
/dev/vda / ext4 defaults,noatime 0 1
FSTAB
echo pve-emu-guest >"$root/etc/hostname"
# Only the NoCloud seed (the emulator's cloud-init drive, as PVE's) is looked at, so boot does not wait on
# network datasources that cannot answer here.
cat >"$root/etc/cloud/cloud.cfg.d/90-pve-emu.cfg" <<'CFG'
datasource_list: [ NoCloud, None ]
CFG
# PVE writes 'user: <ciuser>' and the harness logs in as root by default. With Debian's disable_root: true,
# cloud-init then prefixes root's key with "Please login as the user root rather than the user root" and every
# command fails. A real template needs the same setting (or a non-root ciuser).
cat >"$root/etc/cloud/cloud.cfg.d/91-root-login.cfg" <<'CFG'
disable_root: false
CFG
printf 'auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n' >"$root/etc/network/interfaces"
mkdir -p "$root/etc/network/interfaces.d"
# Each clone is a new machine: empty machine-id and host keys, made at first boot (cloud-init makes the keys).
: >"$root/etc/machine-id"
rm -f "$root/etc/ssh/ssh_host_"*
sed -i 's/^#\?PermitRootLogin.*/PermitRootLogin prohibit-password/' "$root/etc/ssh/sshd_config"
chroot "$root" systemctl enable qemu-guest-agent >/dev/null 2>&1 || true
# What the guest never needs; it keeps the template (and every full clone) smaller.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/log/*.log

kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -n1)
cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initrd.img"

t0=$(date +%s)
mkfs.ext4 -q -L rootfs -d "$root" "$work/disk.raw" "$size"
qemu-img convert -O qcow2 "$work/disk.raw" "$work/template.qcow2"
log "disk took $(( $(date +%s) - t0 )) s"

mv "$work/vmlinuz" "$work/initrd.img" "$out/"
mv "$work/template.qcow2" "$out/template.qcow2"
echo "$recipe" >"$out/recipe"
log "built $out/template.qcow2 ($(du -h "$out/template.qcow2" | cut -f1) on disk) in $(( $(date +%s) - start )) s"
