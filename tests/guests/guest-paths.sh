#!/usr/bin/env bash
# guest-paths.sh: where this checkout's guest image, SSH key and running guests live, as JSON
# (for the molecule create/destroy playbooks).
set -euo pipefail
# shellcheck source=tests/guests/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"
printf '{"recipe": "%s", "image_dir": "%s", "key": "%s", "run_dir": "%s", "accel": "%s"}\n' \
  "$RECIPE" "$IMAGE_DIR" "$KEY" "$RUN_DIR" "$(guest_accel)"
