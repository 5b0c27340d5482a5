#!/bin/sh
# Every guest gets its own host keys (a debootstrap rootfs ships one shared set) and accepts only the
# run's public key, passed in HARNESS_AUTHORIZED_KEY. No passwords.
set -eu
rm -f /etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
mkdir -p /run/sshd /root/.ssh
chmod 700 /root/.ssh
printf '%s\n' "${HARNESS_AUTHORIZED_KEY:?HARNESS_AUTHORIZED_KEY must carry the run public key}" > /root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
exec /usr/sbin/sshd -D -e \
  -o HostKey=/etc/ssh/ssh_host_ed25519_key \
  -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
  -o PermitRootLogin=prohibit-password -o UsePAM=no -o MaxSessions=32 -o MaxStartups=64
