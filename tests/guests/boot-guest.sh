#!/usr/bin/env bash
# boot-guest.sh NAME PORT: start qemu for guest NAME on a qcow2 overlay, SSH forwarded to
# 127.0.0.1:PORT (and nowhere else), and wait until root can log in. Files: $RUN_DIR/NAME.*
# Environment: MEM (MiB, default 512), SMP (default 1), BASE (backing image, default the cached
# base.qcow2), INCOMING (a saved state to resume instead of booting; MEM/SMP/accelerator must be
# those it was saved with), TIMEOUT (seconds to SSH, default 600), FRESH=1 (new overlay).
set -euo pipefail
# shellcheck source=tests/guests/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"
name=${1:?usage: boot-guest.sh NAME PORT}
port=${2:?usage: boot-guest.sh NAME PORT}
MEM=${MEM:-512}
SMP=${SMP:-1}
TIMEOUT=${TIMEOUT:-600}
BASE=${BASE:-$IMAGE_DIR/base.qcow2}
[ -s "$BASE" ] || guest_die "no image at $BASE: run tests/guests/build-guest-image.sh first"
command -v qemu-system-x86_64 >/dev/null || guest_die "qemu-system-x86_64 is missing: run 'make setup' first"
case $port in 24[0-9][0-9]) ;; *) guest_die "port $port is outside 2400-2499" ;; esac
mkdir -p "$RUN_DIR"
overlay=$RUN_DIR/$name.qcow2
pidfile=$RUN_DIR/$name.pid
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  guest_die "$name is already running (pid $(cat "$pidfile"))"
fi
[ "${FRESH:-0}" = 1 ] && rm -f "$overlay"
[ -f "$overlay" ] || qemu-img create -q -f qcow2 -F qcow2 -b "$BASE" "$overlay"
rm -f "$RUN_DIR/$name.console.log" "$RUN_DIR/$name.qmp"

accel=$(guest_accel)
if [ "$accel" = kvm ]; then
  acc=(-accel kvm -cpu host)
else
  acc=(-accel "tcg,thread=multi,tb-size=128" -cpu max)
fi
incoming=()
[ -n "${INCOMING:-}" ] && incoming=(-incoming "exec:cat $INCOMING")

t0=$(date +%s%N)
qemu-system-x86_64 -name "$name" "${acc[@]}" -m "$MEM" -smp "$SMP" \
  -kernel "$IMAGE_DIR/vmlinuz" -initrd "$IMAGE_DIR/initrd.img" -append "$APPEND" \
  -drive file="$overlay",format=qcow2,if=virtio,cache=unsafe,discard=unmap \
  -netdev user,id=n0,hostfwd=tcp:127.0.0.1:"$port"-:22 -device virtio-net-pci,netdev=n0 \
  -device virtio-rng-pci -display none -vga none -serial file:"$RUN_DIR/$name.console.log" \
  -qmp unix:"$RUN_DIR/$name.qmp",server=on,wait=off \
  -pidfile "$pidfile" -daemonize "${incoming[@]}"
echo "$port" > "$RUN_DIR/$name.port"
echo "$accel" > "$RUN_DIR/$name.accel"

if [ -n "${INCOMING:-}" ]; then
  # A state saved from a running guest may still arrive paused: make sure it runs.
  until state=$(guest_qmp "$RUN_DIR/$name.qmp" query-status 2>/dev/null) && ! grep -q inmigrate <<<"$state"; do sleep 0.3; done
  grep -q '"running": true' <<<"$state" || guest_qmp "$RUN_DIR/$name.qmp" cont >/dev/null
fi

# Probe gently: each SSH login forks an sshd in the guest, seconds of guest CPU under TCG.
# First wait for the SSH banner (free for the guest), then try one real login.
banner() {
  python3 - "$port" <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.settimeout(30)
    sys.exit(0 if s.recv(64).startswith(b"SSH-") else 1)
except OSError:
    sys.exit(1)
PY
}
while :; do
  elapsed=$(( ($(date +%s%N) - t0) / 1000000000 ))
  [ "$elapsed" -lt "$TIMEOUT" ] || guest_die "$name: no SSH after ${TIMEOUT}s (console: $RUN_DIR/$name.console.log)"
  kill -0 "$(cat "$pidfile")" 2>/dev/null || guest_die "$name: qemu exited (console: $RUN_DIR/$name.console.log)"
  if banner && guest_ssh "$port" true 2>/dev/null; then break; fi
  sleep 2
done
# A resumed guest keeps the wall clock of the moment its state was saved: take the host's (RTC).
[ -z "${INCOMING:-}" ] || guest_ssh "$port" 'hwclock --hctosys'
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
printf 'boot-guest: %s ssh ready after %d.%03d s (%s, %s, %s MiB, pid %s)\n' "$name" $((ms / 1000)) $((ms % 1000)) \
  "$([ -n "${INCOMING:-}" ] && echo resumed || echo cold boot)" "$accel" "$MEM" "$(cat "$pidfile")"
