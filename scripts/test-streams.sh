#!/usr/bin/env bash
# test-streams.sh test|molecule: what `make test` and `make molecule` (every scenario) run, as two
# streams sharing this machine's two cores.
#   foreground  (`test` only) build, the test-host image, lint, sanity, unit, docs, the first
#               failure ending the run; then the podman scenarios, one at a time (every container
#               reads the same kernel log, and most of them count its OOM kills).
#   side stream in the background, started as soon as what it needs exists (setup, the installed
#               collection, the test-host image): SIDE_SCENARIOS, then the qemu guest scenarios
#               (vm_*) once the guest's image and saved state are ready. Its log,
#               tests/output/molecule-vm.log, is printed at the end.
# The guest's image and saved state (debootstrap, then one cold boot; both cached) are prepared from
# the start, also in the background, while SIDE_SCENARIOS and the foreground run.
#
# When a foreground stage fails or on Ctrl-C, the side stream is stopped at once: its process
# group is killed, then `molecule destroy` runs for each of its scenarios, which removes their
# containers and powers off their qemu guests (qemu daemonizes, out of that process group). The
# guest image build is waited for, never killed: a killed debootstrap leaves its chroot's /proc and
# /sys mounted. SIGTERM does the same; sent to this script alone (as make forwards it), it acts once
# the current foreground step ends (bash runs traps between commands).
# Run from the Makefile (it sets PATH, the cache, CONTAINERS_CONF...).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: test-streams.sh test|molecule}
OUT=tests/output
SIDE_LOG=$OUT/molecule-vm.log
GUEST_LOG=$OUT/guest-image.log
GUEST_RC=$OUT/guest-image.rc

# Podman scenarios that neither cause OOM kills nor count them: they run beside anything, so they
# go to the side stream (beside the foreground, while the guest image is built).
SIDE_SCENARIOS=(reliability)
shopt -s nullglob
VM_SCENARIOS=()
for dir in extensions/molecule/vm_*/; do VM_SCENARIOS+=("$(basename "$dir")"); done
shopt -u nullglob
EXCLUDES=()
for s in "${SIDE_SCENARIOS[@]}" "${VM_SCENARIOS[@]}"; do EXCLUDES+=(--exclude "$s"); done

say() { echo "make $mode: $(date +%T) $*"; }

guest_pid=
side_pid=
failed=

# Stop whatever still runs in the background (see the header) and say what failed, last.
finish() {
  local rc=$? s
  trap - INT TERM
  if [ -n "$side_pid" ]; then
    say "stopping the side stream (pid $side_pid; its log so far: $SIDE_LOG)"
    kill -TERM -- "-$side_pid" 2>/dev/null || true
    wait "$side_pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$side_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$side_pid" 2>/dev/null || true
    for s in "${SIDE_SCENARIOS[@]}" "${VM_SCENARIOS[@]}"; do
      say "molecule destroy -s $s"
      molecule destroy -s "$s" >>"$SIDE_LOG" 2>&1 || say "molecule destroy -s $s failed (its output: $SIDE_LOG)"
    done
  fi
  if [ -n "$guest_pid" ]; then
    [ -s "$GUEST_RC" ] || say "waiting for the guest image build to finish (log: $GUEST_LOG)"
    wait "$guest_pid" 2>/dev/null || true
  fi
  if [ "$rc" != 0 ]; then
    say "FAILED: ${failed:-exit status $rc}"
  fi
}
trap finish EXIT
trap 'failed="interrupted (SIGINT)"; exit 130' INT
trap 'failed="terminated (SIGTERM)"; exit 143' TERM

# The side stream (a function, run in the background with its output in SIDE_LOG).
side_stream() {
  local s bad=()
  for s in "${SIDE_SCENARIOS[@]}"; do
    echo "side stream: $(date +%T) molecule test -s $s"
    molecule test -s "$s" || bad+=("$s")
  done
  if [ ${#VM_SCENARIOS[@]} -gt 0 ]; then
    echo "side stream: $(date +%T) waiting for the guest image and saved state"
    # Bounded: the guest job writes its status when it ends, whichever way it ends.
    for _ in $(seq 1800); do [ -s "$GUEST_RC" ] && break; sleep 2; done
    cat "$GUEST_LOG" || true
    if [ "$(cat "$GUEST_RC" 2>/dev/null)" = 0 ]; then
      for s in "${VM_SCENARIOS[@]}"; do
        echo "side stream: $(date +%T) molecule test -s $s"
        molecule test -s "$s" || bad+=("$s")
      done
    else
      echo "side stream: the guest image or its saved state failed (above); ${VM_SCENARIOS[*]} not run"
      bad+=(guest-image)
    fi
  fi
  echo "side stream: $(date +%T) done; failed: ${bad[*]:-none}"
  [ ${#bad[@]} = 0 ]
}

mkdir -p "$OUT"
rm -f "$SIDE_LOG" "$GUEST_LOG" "$GUEST_RC"
start=$(date +%s)

if [ ${#VM_SCENARIOS[@]} -gt 0 ]; then
  vm=$(tests/guests/vm-available.sh) && vm_rc=0 || vm_rc=$?
  case $vm_rc in
    0) say "$vm" ;;
    1) say "$vm: skipping ${VM_SCENARIOS[*]}"; VM_SCENARIOS=() ;;
    *) failed="$vm"; exit 2 ;;
  esac
fi

side_names="${SIDE_SCENARIOS[*]}${VM_SCENARIOS[*]:+ ${VM_SCENARIOS[*]}}"

if [ ${#VM_SCENARIOS[@]} -gt 0 ]; then
  # make-golden.sh's default memory size is the one vm_capabilities' guest has (memory_mib: 512);
  # the create step of the vm_* scenarios finds both cached then.
  # Ctrl-C stops everything else; this job ignores it (see the header) and is waited for.
  say "guest image and saved state (background; log: $GUEST_LOG)"
  ( trap '' INT
    { tests/guests/build-guest-image.sh && tests/guests/make-golden.sh; } && rc=0 || rc=$?
    echo "$rc" >"$GUEST_RC" ) >"$GUEST_LOG" 2>&1 &
  guest_pid=$!
fi

# One make per stage, so that a failure names its stage.
stage() {
  say "make $*"
  make --no-print-directory "$@" || { failed="make ${*: -1} (its output above)"; exit 1; }
}

if [ "$mode" = test ]; then
  stage build
  stage image
fi

say "side stream: $side_names (background; log: $SIDE_LOG)"
# Job control only while it starts: the stream gets a process group of its own, to be stopped whole.
set -m
side_stream >"$SIDE_LOG" 2>&1 &
side_pid=$!
set +m

if [ "$mode" = test ]; then
  # -o build: the collection is installed already, and installing it again would pull it from
  # under the side stream's scenarios.
  for check in lint sanity unit docs; do stage -o build "$check"; done
fi

say "podman scenarios, one at a time"
molecule test --all "${EXCLUDES[@]}" && podman_rc=0 || podman_rc=$?
say "podman scenarios rc=$podman_rc; waiting for the side stream"
wait "$side_pid" && side_rc=0 || side_rc=$?
side_pid=
if [ -n "$guest_pid" ]; then wait "$guest_pid" || true; guest_pid=; fi
echo "===== side stream: $SIDE_LOG ====="
cat "$SIDE_LOG"
echo "===== end of $SIDE_LOG ====="
say "podman scenarios rc=$podman_rc, side stream ($side_names) rc=$side_rc"
[ "$podman_rc" = 0 ] || failed="the podman scenarios (above)"
[ "$side_rc" = 0 ] || failed="${failed:+$failed and }the side stream (its log above)"
[ -z "$failed" ] || exit 1
took=$(( $(date +%s) - start ))
say "all $([ "$mode" = test ] && echo stages || echo scenarios) passed in $((took / 60)) min $((took % 60)) s"
