#!/usr/bin/env bash
# Install what `make test` needs on a Debian 12 machine, as root: Debian packages, the pinned
# controller virtualenv, and the offline stand-in for the get-pip download ansible-test attempts.
# Safe to run again: each step checks first and does nothing when already done.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${OOM_GUARD_CACHE:-/var/tmp/oom-guard}
VENV=${OOM_GUARD_VENV:-$CACHE/venv}
# The system Python: the Makefile puts the venv first on PATH, and this script may delete that venv.
PYTHON=${PYTHON:-/usr/bin/python3}

die() { echo "setup: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "must run as root: the test hosts are privileged podman containers with systemd as PID 1, and the image is built with debootstrap (run: sudo make test)"
[ -r /etc/debian_version ] || die "needs a Debian 12 (bookworm) machine: apt, debootstrap and Debian's podman are used"
command -v "$PYTHON" >/dev/null || die "no $PYTHON on PATH (the controller Python, 3.11 here)"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' \
  || die "the controller Python must be >= 3.11 for ansible-core 2.19 ($PYTHON is $("$PYTHON" -V 2>&1))"

# --- Debian packages -------------------------------------------------------------------------
mapfile -t want < <(grep -v -E '^\s*(#|$)' "$here/requirements/apt.txt")
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  apt-get update -qq >/tmp/oom-guard-apt.log 2>&1 \
    || { tail -n 5 /tmp/oom-guard-apt.log >&2; die "apt-get update failed: no reachable Debian mirror? (log: /tmp/oom-guard-apt.log)"; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/oom-guard-apt.log 2>&1 \
    || { tail -n 5 /tmp/oom-guard-apt.log >&2; die "apt-get install ${missing[*]} failed (log: /tmp/oom-guard-apt.log)"; }
fi

# --- controller virtualenv (rebuilt when requirements/controller.txt changes) -----------------
stamp=$(sha256sum < "$here/requirements/controller.txt" | cut -c1-16)
if [ "$(cat "$VENV/.oom-guard-stamp" 2>/dev/null || true)" != "$stamp" ]; then
  echo "setup: building the controller virtualenv at $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements/controller.txt" \
    || die "pip could not install requirements/controller.txt: is PyPI reachable?"
  echo "$stamp" > "$VENV/.oom-guard-stamp"
fi

# --- ansible-test's get-pip download, served from its cache -----------------------------------
# ansible-test bootstraps pip in its sanity venvs from a script it downloads from a host that is
# unreachable here; it first looks in ~/.ansible/test/cache/get_pip_<version>.py.
reqs=$("$VENV/bin/python" -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py"))')
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',.*/\1/p" "$reqs" | head -n 1)
[ -n "$pip_version" ] || die "could not find the pip version ansible-test bootstraps (in $reqs)"
mkdir -p "$HOME/.ansible/test/cache"
install -m 0644 "$here/tests/hosts/get_pip_offline.py" "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"

echo "setup: ok (venv $VENV, podman $(podman --version | awk '{print $3}'), ansible-core $("$VENV/bin/python" -c 'import ansible; print(ansible.__version__)'))"
