#!/usr/bin/env bash
# Sourced by tests/hosts/build-image.sh and tests/guests/build-guest-image.sh (not part of either
# image's recipe hash: where the packages come from does not change what is built).
# debian_mirror SUITE: print the Debian mirror to debootstrap from - DEBIAN_MIRROR, else the one this
# machine's apt already uses - after checking it serves SUITE; otherwise say why on stderr, return 2.

# The first Debian mirror in apt's sources (deb822 .sources and one-line .list), security and
# updates suites left out.
debian_mirror_from_apt() {
  local f
  for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    case "$f" in
      *.sources) awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}' "$f" ;;
      *) awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' "$f" ;;
    esac
  done | grep -v -E 'security|updates' | grep -E '/debian/?$' | head -n 1
}

debian_mirror() {
  local suite=$1 mirror why
  mirror=${DEBIAN_MIRROR:-$(debian_mirror_from_apt)}
  if [ -z "$mirror" ]; then
    echo "no Debian mirror found in /etc/apt/sources*; set DEBIAN_MIRROR=<url of a Debian mirror>" >&2
    return 2
  fi
  why=$(python3 - "$mirror" "$suite" 2>&1 <<'PY'
import sys, urllib.request
url = "%s/dists/%s/Release" % (sys.argv[1].rstrip("/"), sys.argv[2])
try:
    urllib.request.urlopen(url, timeout=20).read(64)
except Exception as exc:  # any failure means: not usable as a mirror
    print("%s: %s" % (url, exc))
    sys.exit(1)
PY
  ) || { echo "the Debian mirror '$mirror' is not reachable ($why); set DEBIAN_MIRROR to one that is" >&2; return 2; }
  echo "$mirror"
}
