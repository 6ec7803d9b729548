# Shared by the tests/guests scripts (sourced, not run): where the cached guest image lives, how
# qemu is started here, how to reach a guest over SSH.
# shellcheck shell=bash disable=SC2034
GUESTS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${OOM_GUARD_CACHE:-/var/tmp/oom-guard}
SUITE=bookworm
# The image is cached by recipe: this hash changes when the build script or the package list does.
RECIPE=$(cat "$GUESTS_HERE/build-guest-image.sh" "$GUESTS_HERE/packages.txt" | sha256sum | cut -c1-12)
IMAGE_DIR=$CACHE/guests/$SUITE-$RECIPE
RUN_DIR=${OOM_GUARD_GUEST_RUN:-$CACHE/guests/run}
KEY=$IMAGE_DIR/id_ed25519
# Kernel command line: every saved state is tied to it (a resumed guest keeps the one it booted with).
APPEND="root=/dev/vda rw console=ttyS0 quiet mitigations=off systemd.unified_cgroup_hierarchy=1 net.ifnames=0"

guest_die() { echo "${0##*/}: $*" >&2; exit 2; }

# Hardware KVM when /dev/kvm is usable and is not kvm_pvm (a software hypervisor that only runs
# PVM-enabled kernels: a stock Debian kernel never finishes booting there); TCG otherwise.
# OOM_GUARD_VM_ACCEL=tcg|kvm overrides.
guest_accel() {
  if [ -n "${OOM_GUARD_VM_ACCEL:-}" ]; then echo "$OOM_GUARD_VM_ACCEL"; return; fi
  if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && grep -q -E -w 'vmx|svm' /proc/cpuinfo; then
    echo kvm
  else
    echo tcg
  fi
}

guest_ssh() {  # guest_ssh PORT [command...]
  local port=$1; shift
  ssh -q -i "$KEY" -p "$port" -o BatchMode=yes -o ConnectTimeout=60 -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@127.0.0.1 "$@"
}

guest_qmp() {  # guest_qmp SOCKET COMMAND [JSON-ARGUMENTS]
  python3 "$GUESTS_HERE/qmp.py" "$@"
}

# The saved state of a booted guest that clones resume from, and its frozen disk. Tied to the
# image, to how qemu is started (these scripts, the memory size, the accelerator) and to qemu's
# version: any change makes a new one.
golden_prefix() {  # golden_prefix MEM
  local key
  key=$( { cat "$GUESTS_HERE/lib.sh" "$GUESTS_HERE/boot-guest.sh" "$GUESTS_HERE/make-golden.sh"
           echo "$1 ${SMP:-1} $(guest_accel)"; qemu-system-x86_64 --version | head -n 1; } | sha256sum | cut -c1-12)
  echo "$IMAGE_DIR/golden-$1m-$key"
}
