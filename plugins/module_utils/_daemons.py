# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The user-space OOM killers (earlyoom, systemd-oomd) and systemd: installed, running, how.

Private to oom.guard (the leading underscore): no compatibility promise to other collections.
Looks for binaries under ``fs_root``, scans ``proc_root`` for running daemons (their argv is what
they really run with, whatever the config file says) and runs commands only through the
injected ``run_command(argv) -> (rc, stdout, stderr)``, only with a binary found on disk (an
AnsibleModule fails the whole module on a missing executable). Never raises.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.oom.guard.plugins.module_utils import _procfs

DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
SYSTEMD_OOMD_PATHS = ("/usr/lib/systemd/systemd-oomd", "/lib/systemd/systemd-oomd")
# systemd 243 added DefaultOOMPolicy= to system.conf.
DEFAULT_OOM_POLICY_SINCE = 243
UNITS = {"earlyoom": "earlyoom.service", "systemd_oomd": "systemd-oomd.service"}
# The command names read_daemons() looks for in /proc.
DAEMON_COMMS = ("earlyoom", "systemd-oomd", "systemd")

_EARLYOOM_VERSION_RE = re.compile(r"earlyoom\s+v?(\d[\w.+~-]*)")
_SYSTEMD_VERSION_RE = re.compile(r"^systemd\s+(\d+)(?:\s+\(([^)]*)\))?")


def _under(fs_root, path):
    if not fs_root or fs_root == "/":
        return path
    return os.path.join(fs_root, path.lstrip("/"))


def _is_executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_binary(name, fs_root="/", search_path=None):
    """Absolute path (as seen on the host, without fs_root) of an executable, or None.

    ``search_path`` is a list of directories; default: $PATH plus the usual sbin/bin dirs.
    """
    if search_path is None:
        search_path = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d] + list(DEFAULT_PATH)
    seen = set()
    for directory in search_path:
        if directory in seen or not directory.startswith("/"):
            continue
        seen.add(directory)
        candidate = os.path.join(directory, name)
        if _is_executable(_under(fs_root, candidate)):
            return candidate
    return None


def find_daemons(names, proc_root="/proc"):
    """{comm: [{'pid', 'argv'}]} for every running process whose comm is one of ``names``."""
    found = {name: [] for name in names}
    try:
        matches = _procfs.find_by_comm(names, proc_root)
    except OSError:
        return found
    return _procfs.running_records(matches, found, proc_root)


def empty_running():
    """The find_daemons() result with nothing found for DAEMON_COMMS: for a caller's own pass to fill."""
    return {name: [] for name in DAEMON_COMMS}


def _run(run_command, argv):
    """(rc, out, err) with text output; a command that cannot run gives rc None."""
    try:
        rc, out, err = run_command(argv)
    except (OSError, ValueError) as exc:
        return None, "", str(exc)
    if isinstance(out, bytes):
        out = out.decode("utf-8", "replace")
    if isinstance(err, bytes):
        err = err.decode("utf-8", "replace")
    return rc, out or "", err or ""


def parse_earlyoom_version(text):
    """'earlyoom 1.7' / 'earlyoom v1.6.2' -> '1.7' / '1.6.2'; None when not found."""
    match = _EARLYOOM_VERSION_RE.search(text or "")
    return match.group(1) if match else None


def parse_systemd_version(text):
    """First line of ``systemctl --version`` -> (252, '252.39-1~deb12u1'); (None, None) if not systemd.

    The second item is the distribution's full version in parentheses, or the number alone.
    """
    first = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    match = _SYSTEMD_VERSION_RE.match(first)
    if not match:
        return None, None
    return int(match.group(1)), match.group(2) or match.group(1)


def parse_show(text):
    """``systemctl show`` output for one or more units -> list of {Property: value} per unit."""
    units = []
    current = {}
    for line in (text or "").splitlines():
        if not line.strip():
            if current:
                units.append(current)
                current = {}
            continue
        key, sep, value = line.partition("=")
        if sep:
            current[key] = value
    if current:
        units.append(current)
    return units


def _running(entries):
    first = entries[0] if entries else None
    return {"running": bool(entries), "pid": first["pid"] if first else None, "argv": first["argv"] if first else None}


def read_daemons(run_command, proc_root="/proc", fs_root="/", search_path=None, running=None):
    """Return the ``daemons`` facts.

    Keys:
    - earlyoom: installed, path, version (string or None), running, pid, argv (the first running
      earlyoom's argv, None when not running), unit (see below)
    - systemd_oomd: installed, path, running, pid, argv, unit
    - systemd: installed, path (systemctl), pid1 (PID 1 is systemd), version (int), version_full,
      default_oom_policy ('stop' / 'kill' / 'continue' or None: systemd < 243, not PID 1, or
      the bus unreachable)
    - warnings: list of strings (commands that failed)
    ``unit`` is None, or {'load_state', 'active_state', 'unit_file_state'} from systemctl show
    when systemd is PID 1 (load_state 'masked' keeps systemd-oomd off; 'not-found': no unit).
    ``running``: find_daemons(DAEMON_COMMS) as a caller's own pass over /proc found it (see
    _procfs.scan_processes); read here when not given.
    """
    warnings = []
    if running is None:
        running = find_daemons(DAEMON_COMMS, proc_root)
    result = {"earlyoom": {}, "systemd_oomd": {}, "systemd": {}, "warnings": warnings}

    earlyoom = result["earlyoom"]
    earlyoom["path"] = find_binary("earlyoom", fs_root, search_path)
    if earlyoom["path"] is None and _is_executable(_under(fs_root, "/usr/bin/earlyoom")):
        earlyoom["path"] = "/usr/bin/earlyoom"
    earlyoom["installed"] = earlyoom["path"] is not None
    earlyoom["version"] = None
    if earlyoom["installed"]:
        rc, out, err = _run(run_command, [earlyoom["path"], "-v"])
        earlyoom["version"] = parse_earlyoom_version(out) or parse_earlyoom_version(err)
        if earlyoom["version"] is None:
            warnings.append("could not read the earlyoom version (%s -v: rc=%s %s)" % (earlyoom["path"], rc, err.strip()))
    earlyoom.update(_running(running["earlyoom"]))

    oomd = result["systemd_oomd"]
    oomd["path"] = None
    for path in SYSTEMD_OOMD_PATHS:
        if _is_executable(_under(fs_root, path)):
            oomd["path"] = path
            break
    oomd["installed"] = oomd["path"] is not None
    oomd.update(_running(running["systemd-oomd"]))

    systemd = result["systemd"]
    systemd["path"] = find_binary("systemctl", fs_root, search_path)
    systemd["installed"] = systemd["path"] is not None
    # sd_booted(): /run/systemd/system exists only when systemd is PID 1 (whatever comm shows).
    systemd["pid1"] = any(entry["pid"] == 1 for entry in running["systemd"]) or os.path.isdir(_under(fs_root, "/run/systemd/system"))
    systemd["version"] = systemd["version_full"] = systemd["default_oom_policy"] = None
    earlyoom["unit"] = oomd["unit"] = None
    if not systemd["installed"]:
        return result
    rc, out, err = _run(run_command, [systemd["path"], "--version"])
    systemd["version"], systemd["version_full"] = parse_systemd_version(out)
    if systemd["version"] is None:
        warnings.append("could not read the systemd version (systemctl --version: rc=%s %s)" % (rc, err.strip()))
    if not systemd["pid1"]:
        return result
    if systemd["version"] is None or systemd["version"] >= DEFAULT_OOM_POLICY_SINCE:
        rc, out, err = _run(run_command, [systemd["path"], "show", "--property=DefaultOOMPolicy"])
        shown = parse_show(out)
        if rc == 0 and shown:
            systemd["default_oom_policy"] = shown[0].get("DefaultOOMPolicy") or None
        else:
            warnings.append("systemctl show --property=DefaultOOMPolicy failed: rc=%s %s" % (rc, err.strip()))
    argv = [systemd["path"], "show", "--property=LoadState,ActiveState,UnitFileState", UNITS["earlyoom"], UNITS["systemd_oomd"]]
    rc, out, err = _run(run_command, argv)
    shown = parse_show(out)
    if rc == 0 and len(shown) == 2:
        for key, unit in zip(("earlyoom", "systemd_oomd"), shown):
            result[key]["unit"] = {
                "load_state": unit.get("LoadState") or None,
                "active_state": unit.get("ActiveState") or None,
                "unit_file_state": unit.get("UnitFileState") or None,
            }
    else:
        warnings.append("systemctl show %s %s failed: rc=%s %s" % (UNITS["earlyoom"], UNITS["systemd_oomd"], rc, err.strip()))
    return result
