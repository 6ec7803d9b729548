#!/usr/bin/env bash
# Build the Debian 12 qemu test-guest image with debootstrap from the Debian mirror this machine's
# apt uses: Debian's kernel (booted with -kernel/-initrd), systemd, openssh-server, earlyoom,
# systemd-oomd, python3. Cached by recipe hash (this script + packages.txt) in
# $OOM_GUARD_CACHE/guests/bookworm-<recipe>/: vmlinuz, initrd.img, base.qcow2 (read-only backing
# file for every guest's overlay) and id_ed25519 (root's SSH key in the guest).
set -euo pipefail
# shellcheck source=tests/guests/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || guest_die "needs root (debootstrap, chroot)"
for tool in debootstrap qemu-img mkfs.ext4 ssh-keygen; do
  command -v "$tool" >/dev/null || guest_die "'$tool' is missing: run 'make setup' first"
done

if [ -s "$IMAGE_DIR/base.qcow2" ]; then
  echo "build-guest-image: $IMAGE_DIR is current (recipe $RECIPE)"
  exit 0
fi

# shellcheck source=tests/hosts/debian-mirror.sh disable=SC1091
. "$GUESTS_HERE/../hosts/debian-mirror.sh"
MIRROR=$(debian_mirror "$SUITE" 2>&1) || guest_die "$MIRROR"

start=$(date +%s)
mkdir -p "$CACHE/guests"
work=$(mktemp -d "$CACHE/guests/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
pkgs=$(grep -v -E '^\s*(#|$)' "$GUESTS_HERE/packages.txt" | paste -sd, -)
debootstrap --variant=minbase --include="$pkgs" "$SUITE" "$root" "$MIRROR" >"$CACHE/guests/debootstrap.log" 2>&1 \
  || { tail -n 20 "$CACHE/guests/debootstrap.log" >&2; guest_die "debootstrap failed (log: $CACHE/guests/debootstrap.log)"; }

# --- guest configuration -----------------------------------------------------------------------
printf 'deb %s %s main\n' "$MIRROR" "$SUITE" > "$root/etc/apt/sources.list"
echo oomguest > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 oomguest\n' > "$root/etc/hosts"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' > "$root/etc/fstab"
# qemu's user-mode network: DHCP gives 10.0.2.15; the guest needs no DNS.
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=eth*\n\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' \
  > "$root/etc/systemd/network/20-wired.network"
chroot "$root" systemctl enable systemd-networkd.service ssh.service >/dev/null 2>&1
chroot "$root" systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1
# root logs in with the cached key only.
ssh-keygen -q -t ed25519 -N '' -C oom-guard-guest -f "$work/id_ed25519"
install -d -m 700 "$root/root/.ssh"
install -m 600 "$work/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
printf 'PermitRootLogin prohibit-password\nUseDNS no\nGSSAPIAuthentication no\n' > "$root/etc/ssh/sshd_config.d/10-oom-guard.conf"
echo 'LANG=C.UTF-8' > "$root/etc/default/locale"
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
# A persistent journal: the reboot check reads the previous boot's kills.
mkdir -p "$root/var/log/journal" "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=persistent\nSystemMaxUse=32M\n' > "$root/etc/systemd/journald.conf.d/10-oom-guard.conf"
# Under TCG, udev coldplug can take minutes when the host is busy: device units must not time out.
mkdir -p "$root/etc/systemd/system.conf.d"
printf '[Manager]\nDefaultTimeoutStartSec=600s\nDefaultDeviceTimeoutSec=600s\n' > "$root/etc/systemd/system.conf.d/50-oom-guard.conf"
# Boot-time trimming (every unit costs seconds under TCG).
chroot "$root" systemctl mask e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer \
  fstrim.timer serial-getty@ttyS0.service getty@tty1.service >/dev/null 2>&1
# earlyoom is installed but not started at boot: the checks start from a baseline with no early
# killer but systemd-oomd (Debian's package starts that one through its -.slice and user@.service
# drop-ins even when disabled; only a mask keeps it off).
chroot "$root" systemctl disable earlyoom.service >/dev/null 2>&1
# A small initrd: the drivers that mount root=/dev/vda (virtio-blk) and nothing else.
printf 'MODULES=list\nCOMPRESS=zstd\n' > "$root/etc/initramfs-tools/conf.d/oom-guard.conf"
printf 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' > "$root/etc/initramfs-tools/modules"
chroot "$root" update-initramfs -u -k all >/dev/null 2>&1
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin

# --- kernel, initrd and the filesystem image (ext4, no partition table: root=/dev/vda) ------------
cp -L "$root"/boot/vmlinuz-* "$work/vmlinuz"
cp -L "$root"/boot/initrd.img-* "$work/initrd.img"
truncate -s 3G "$work/base.raw"
mkfs.ext4 -q -F -L root -d "$root" "$work/base.raw"
qemu-img convert -O qcow2 "$work/base.raw" "$work/base.qcow2"
rm -rf "$root" "$work/base.raw"
chmod 444 "$work/base.qcow2"
chmod 644 "$work/vmlinuz" "$work/initrd.img"

# Images of older recipes (and the saved states made from them) are no longer used.
find "$CACHE/guests" -mindepth 1 -maxdepth 1 -name "$SUITE-*" -exec rm -rf {} +
mv "$work" "$IMAGE_DIR"
trap - EXIT
echo "build-guest-image: built in $(( $(date +%s) - start )) s -> $IMAGE_DIR (recipe $RECIPE)"
