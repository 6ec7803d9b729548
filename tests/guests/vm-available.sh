#!/usr/bin/env bash
# vm-available.sh: exit 0 when qemu guests can run here; otherwise say why and exit 1.
# OOM_GUARD_VM=0 turns them off; OOM_GUARD_VM=1 insists (a missing qemu is then an error, exit 2).
set -uo pipefail
# shellcheck source=tests/guests/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"
case ${OOM_GUARD_VM:-auto} in
  0 | no | false) echo "qemu test guests are off (OOM_GUARD_VM=${OOM_GUARD_VM})"; exit 1 ;;
esac
why=
for tool in qemu-system-x86_64 qemu-img ssh ssh-keygen debootstrap; do
  command -v "$tool" >/dev/null || why="$why '$tool' is missing;"
done
[ "$(id -u)" = 0 ] || why="$why not root (debootstrap needs it);"
if [ -n "$why" ]; then
  echo "qemu test guests cannot run here:$why run 'make setup' (requirements/apt.txt) or set OOM_GUARD_VM=0"
  [ "${OOM_GUARD_VM:-auto}" = 1 ] && exit 2
  exit 1
fi
echo "qemu test guests can run here (accelerator: $(guest_accel))"
