#!/usr/bin/env bash
# Build the Debian 12 test-host image with debootstrap from Debian's mirror and import it into
# podman as a local image. Rebuilt only when this script or packages.txt changes: the recipe hash
# is part of the cached rootfs tarball's name and a label on the image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${OOM_GUARD_CACHE:-/var/tmp/oom-guard}
IMAGE=${OOM_GUARD_IMAGE:-localhost/oom-guard-testhost:12}
SUITE=bookworm
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}

die() { echo "build-image: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap and podman run as root here)"
for tool in debootstrap podman; do
  command -v "$tool" >/dev/null || die "'$tool' is missing: run 'make setup' first"
done

recipe=$(cat "$here/build-image.sh" "$here/packages.txt" | sha256sum | cut -c1-12)
tarball=$CACHE/images/testhost-$SUITE-$recipe.tar

if [ "$(podman image inspect --format '{{ index .Labels "oom.guard.recipe" }}' "$IMAGE" 2>/dev/null || true)" = "$recipe" ]; then
  echo "build-image: $IMAGE is current (recipe $recipe)"
  exit 0
fi

# shellcheck source=tests/hosts/debian-mirror.sh disable=SC1091
. "$here/debian-mirror.sh"

if [ ! -s "$tarball" ]; then
  MIRROR=$(debian_mirror "$SUITE" 2>&1) || die "$MIRROR"
  mkdir -p "$CACHE/images"
  rootfs=$(mktemp -d "$CACHE/images/rootfs.XXXXXX")
  trap 'rm -rf "$rootfs"' EXIT
  pkgs=$(grep -v -E '^\s*(#|$)' "$here/packages.txt" | paste -sd, -)
  start=$(date +%s)
  # minbase + the few packages debootstrap can resolve; the rest come from apt inside the chroot.
  debootstrap --variant=minbase --include=systemd,systemd-sysv,python3,dbus,procps \
    "$SUITE" "$rootfs" "$MIRROR" >"$CACHE/images/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/images/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/images/debootstrap.log)"; }
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" > "$rootfs/etc/apt/sources.list"
  chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${pkgs//,/ } && apt-get clean" \
    >"$CACHE/images/chroot-apt.log" 2>&1 \
    || { tail -n 20 "$CACHE/images/chroot-apt.log" >&2; die "apt-get in the image failed (log: $CACHE/images/chroot-apt.log)"; }
  : > "$rootfs/etc/machine-id"
  rm -f "$rootfs/var/lib/dbus/machine-id" "$rootfs/etc/resolv.conf"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
  echo oomtest > "$rootfs/etc/hostname"
  tar -C "$rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
  echo "build-image: rootfs built in $(( $(date +%s) - start )) s -> $tarball"
fi

podman import \
  --change 'CMD ["/sbin/init"]' \
  --change 'ENV container=podman' \
  --change 'STOPSIGNAL SIGRTMIN+3' \
  --change "LABEL oom.guard.recipe=$recipe" \
  "$tarball" "$IMAGE" >/dev/null
echo "build-image: imported $IMAGE (recipe $recipe)"
