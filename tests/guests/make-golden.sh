#!/usr/bin/env bash
# make-golden.sh [MEM]: cold-boot one guest, let it settle, and save its running state (qemu
# migration to a file) with its disk frozen beside it. start-guest.sh resumes copies of that state
# on qcow2 overlays in seconds instead of a full boot (about a minute under TCG). Cached: does
# nothing when the state for this image, MEM and qemu exists.
set -euo pipefail
# shellcheck source=tests/guests/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"
export MEM=${1:-${MEM:-512}}
prefix=$(golden_prefix "$MEM")
name=golden-build
port=${OOM_GUARD_VM_GOLDEN_PORT:-2499}
mkdir -p "$RUN_DIR"
exec 9>"$IMAGE_DIR/golden.lock"
flock 9
if [ -s "$prefix.state" ] && [ -s "$prefix.qcow2" ]; then
  echo "make-golden: ${prefix##*/} is current"
  exit 0
fi
"$GUESTS_HERE/stop-guest.sh" "$name" --rm >/dev/null
trap '"$GUESTS_HERE/stop-guest.sh" "$name" --rm >/dev/null' EXIT
FRESH=1 "$GUESTS_HERE/boot-guest.sh" "$name" "$port"
# Settle before saving, so clones do not repeat late boot work: the boot finished, root's
# systemd --user running (lingering; a first SSH login would otherwise start it, costly under
# TCG), the journal on disk, page cache dropped (a smaller state file).
# shellcheck disable=SC2016  # expanded in the guest
guest_ssh "$port" 'systemctl is-system-running --wait >/dev/null; loginctl enable-linger root;
  for _ in $(seq 60); do systemctl is-active -q user@0.service && break; sleep 1; done;
  journalctl --flush; sync; echo 3 > /proc/sys/vm/drop_caches'
t0=$(date +%s)
rm -f "$prefix".*
guest_qmp "$RUN_DIR/$name.qmp" migrate "{\"uri\": \"exec:cat > $prefix.state.part\"}" >/dev/null
until status=$(guest_qmp "$RUN_DIR/$name.qmp" query-migrate) && grep -q '"completed"' <<<"$status"; do
  grep -q '"failed"' <<<"$status" && guest_die "saving the state failed: $status"
  sleep 1
done
guest_qmp "$RUN_DIR/$name.qmp" quit >/dev/null || true
for _ in $(seq 20); do kill -0 "$(cat "$RUN_DIR/$name.pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.5; done
mv "$RUN_DIR/$name.qcow2" "$prefix.qcow2"
chmod 444 "$prefix.qcow2"
mv "$prefix.state.part" "$prefix.state"
echo "make-golden: state saved in $(( $(date +%s) - t0 )) s -> ${prefix##*/} ($(du -h "$prefix.state" | cut -f1) state, $(du -h "$prefix.qcow2" | cut -f1) disk)"
