#!/usr/bin/env bash
# stop-guest.sh NAME [--rm]: power guest NAME off (ACPI over QMP, then SIGTERM to its own qemu pid
# after 60 s). --rm throws the guest away: qemu quits at once (its overlay is deleted, so there is
# nothing to shut down cleanly) and its overlay and logs go.
set -uo pipefail
# shellcheck source=tests/guests/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"
name=${1:?usage: stop-guest.sh NAME [--rm]}
pidfile=$RUN_DIR/$name.pid
pid=$(cat "$pidfile" 2>/dev/null || true)
# Only a qemu started for this guest: the pid file names it, and its command line says -name NAME.
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-name $name "; then
  if [ "${2:-}" = --rm ]; then
    guest_qmp "$RUN_DIR/$name.qmp" quit >/dev/null 2>&1 || true
  else
    guest_qmp "$RUN_DIR/$name.qmp" system_powerdown >/dev/null 2>&1 || true
  fi
  for _ in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "stop-guest: $name did not power off in 60 s: SIGTERM to $pid" >&2
    kill "$pid"
    sleep 1
  fi
  echo "stop-guest: $name stopped"
else
  echo "stop-guest: $name is not running"
fi
rm -f "$pidfile" "$RUN_DIR/$name.qmp"
if [ "${2:-}" = --rm ]; then
  rm -f "$RUN_DIR/$name.qcow2" "$RUN_DIR/$name.port" "$RUN_DIR/$name.accel" "$RUN_DIR/$name.console.log"
fi
exit 0
