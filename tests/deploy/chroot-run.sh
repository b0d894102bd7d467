#!/usr/bin/env bash
# Runs a command inside an assembled rootfs the way a container runtime would: a private mount namespace with
# /proc, a minimal /dev (null, zero, random, urandom) and a read-only /sys mounted, then chroot as uid/gid
# 10001. Everything is unmounted when the process ends (the namespace goes away with it).
#   tests/deploy/chroot-run.sh ROOTFS COMMAND [ARGS...]     (as root; the environment is passed through as is)
set -euo pipefail
if [ "${1:-}" != "--inside" ]; then
  exec unshare --mount --propagation private "$0" --inside "$@"
fi
shift
root="$1"; shift
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=0755,size=64k,nosuid,noexec tmpfs "$root/dev"
for d in null zero random urandom; do
  touch "$root/dev/$d"
  mount --bind "/dev/$d" "$root/dev/$d"
done
mount --bind /sys "$root/sys" && mount -o remount,bind,ro "$root/sys" 2>/dev/null || true
exec chroot --userspec=10001:10001 "$root" "$@"
