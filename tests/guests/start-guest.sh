#!/usr/bin/env bash
# start-guest.sh NAME PORT [MEM]: a guest with SSH on 127.0.0.1:PORT, resumed from the saved state
# (made first when missing, see make-golden.sh) on its own qcow2 overlay. OOM_GUARD_VM_COLD=1
# boots it from the image instead.
set -euo pipefail
# shellcheck source=tests/guests/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"
name=${1:?usage: start-guest.sh NAME PORT [MEM]}
port=${2:?usage: start-guest.sh NAME PORT [MEM]}
export MEM=${3:-${MEM:-512}}
if [ "${OOM_GUARD_VM_COLD:-0}" = 1 ]; then
  FRESH=1 exec "$GUESTS_HERE/boot-guest.sh" "$name" "$port"
fi
"$GUESTS_HERE/make-golden.sh" "$MEM"
prefix=$(golden_prefix "$MEM")
FRESH=1 BASE=$prefix.qcow2 INCOMING=$prefix.state exec "$GUESTS_HERE/boot-guest.sh" "$name" "$port"
