# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""System memory, PSI memory pressure (with a pressure level) and the OOM-related sysctls.

Private to oom.guard (the leading underscore): no compatibility promise to other collections.
Reads only /proc/meminfo, /proc/pressure/memory and /proc/sys/vm/*; every reader takes
``proc_root`` so unit tests use real files in temporary directories. Nothing here raises on a
missing or unreadable source: the result says ``available: False`` and gives a ``reason``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

# /proc/meminfo field -> key of the ``memory`` result (values converted from kB to bytes).
MEMINFO_KEYS = (
    ("MemTotal", "mem_total_bytes"),
    ("MemFree", "mem_free_bytes"),
    ("MemAvailable", "mem_available_bytes"),
    ("SwapTotal", "swap_total_bytes"),
    ("SwapFree", "swap_free_bytes"),
    ("CommitLimit", "commit_limit_bytes"),
    ("Committed_AS", "committed_as_bytes"),
)

# The sysctls that decide what happens at OOM time, in /proc/sys/vm.
OOM_SYSCTLS = (
    "vm.panic_on_oom",
    "vm.oom_kill_allocating_task",
    "vm.oom_dump_tasks",
    "vm.overcommit_memory",
    "vm.overcommit_ratio",
    "vm.overcommit_kbytes",
    "vm.swappiness",
    "vm.min_free_kbytes",
    "vm.watermark_scale_factor",
)

# vm.overcommit_memory: 0 heuristic overcommit, 1 always overcommit, 2 strict (never overcommit
# beyond CommitLimit).
OVERCOMMIT_MEANINGS = {0: "heuristic", 1: "always", 2: "strict"}

PRESSURE_LEVELS = ("normal", "low", "medium", "critical")

# Defaults for the pressure level. A level is reached when MemAvailable falls *below* the
# percentage, or when PSI "full avg10" (the share of the last 10 s in which every non-idle task
# was stalled on memory) is *at or above* the percentage. "full" rather than "some" because
# "some" rises under ordinary page-cache reclaim while "full" means no task made progress.
DEFAULT_THRESHOLDS = {
    "available_percent": {"low": 20.0, "medium": 10.0, "critical": 5.0},
    "psi_full_avg10": {"low": 5.0, "medium": 10.0, "critical": 25.0},
}


def _read_text(path):
    with open(path, "rb") as handle:
        return handle.read().decode("ascii", "replace")


def _os_reason(path, exc):
    return "%s: %s" % (path, os.strerror(exc.errno) if exc.errno else exc)


def parse_meminfo(text):
    """Return {field: bytes} for every ``Name: value [kB]`` line of /proc/meminfo text."""
    result = {}
    for line in text.splitlines():
        name, sep, rest = line.partition(":")
        if not sep:
            continue
        parts = rest.split()
        if not parts:
            continue
        try:
            value = int(parts[0])
        except ValueError:
            continue
        if len(parts) > 1 and parts[1] == "kB":
            value *= 1024
        result[name.strip()] = value
    return result


def read_memory(proc_root="/proc"):
    """Return the ``memory`` facts.

    Keys: available, reason, mem_total_bytes, mem_free_bytes, mem_available_bytes,
    swap_total_bytes, swap_free_bytes, commit_limit_bytes, committed_as_bytes (int or None),
    available_percent (MemAvailable / MemTotal * 100, two decimals, or None).
    """
    result = {"available": False, "reason": None}
    for _name, key in MEMINFO_KEYS:
        result[key] = None
    result["available_percent"] = None
    path = os.path.join(proc_root, "meminfo")
    try:
        fields = parse_meminfo(_read_text(path))
    except OSError as exc:
        result["reason"] = _os_reason(path, exc)
        return result
    for name, key in MEMINFO_KEYS:
        result[key] = fields.get(name)
    if not result["mem_total_bytes"]:
        result["reason"] = "%s has no MemTotal" % path
        return result
    result["available"] = True
    if result["mem_available_bytes"] is None:
        result["reason"] = "%s has no MemAvailable (kernel older than 3.14)" % path
    else:
        result["available_percent"] = round(100.0 * result["mem_available_bytes"] / result["mem_total_bytes"], 2)
    return result


def parse_psi(text):
    """Parse PSI text into {'some': {...}, 'full': {...}} (a line missing -> None).

    Each line gives avg10, avg60, avg300 (percent, float) and total_us (stall time in
    microseconds since boot, int).
    """
    result = {"some": None, "full": None}
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0] not in result:
            continue
        values = {}
        for item in parts[1:]:
            name, sep, value = item.partition("=")
            if not sep:
                continue
            try:
                if name == "total":
                    values["total_us"] = int(value)
                elif name in ("avg10", "avg60", "avg300"):
                    values[name] = float(value)
            except ValueError:
                continue
        if len(values) == 4:
            result[parts[0]] = values
    return result


def read_psi(proc_root="/proc"):
    """Return {'available', 'reason', 'some', 'full'} from /proc/pressure/memory.

    A kernel without CONFIG_PSI has no file; a kernel booted with psi=0 has the file but opening
    or reading it fails with EOPNOTSUPP. Both give available False and a reason.
    """
    result = {"available": False, "reason": None, "some": None, "full": None}
    path = os.path.join(proc_root, "pressure", "memory")
    try:
        text = _read_text(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            result["reason"] = "%s does not exist (kernel without CONFIG_PSI)" % path
        elif exc.errno == errno.EOPNOTSUPP:
            result["reason"] = "%s: PSI is disabled (psi=0 on the kernel command line)" % path
        else:
            result["reason"] = _os_reason(path, exc)
        return result
    parsed = parse_psi(text)
    result.update(parsed)
    if parsed["some"] is None and parsed["full"] is None:
        result["reason"] = "%s has no some/full lines" % path
        return result
    result["available"] = True
    return result


def _level_index(value, limits, below):
    """Index into PRESSURE_LEVELS for one input; None when the input is unknown."""
    if value is None:
        return None
    index = 0
    for position, name in enumerate(PRESSURE_LEVELS[1:], 1):
        limit = limits.get(name)
        if limit is None:
            continue
        if (below and value < limit) or (not below and value >= limit):
            index = position
    return index


def merge_thresholds(thresholds=None):
    """Return DEFAULT_THRESHOLDS overlaid with the given (possibly partial) thresholds."""
    merged = {}
    for name, defaults in DEFAULT_THRESHOLDS.items():
        merged[name] = dict(defaults)
        given = (thresholds or {}).get(name) or {}
        for level, value in given.items():
            if level in defaults and value is not None:
                merged[name][level] = float(value)
    return merged


def pressure_level(available_percent, psi_full_avg10=None, thresholds=None):
    """Work out the memory pressure level from MemAvailable % and PSI full avg10.

    Returns {'level', 'decided_by', 'level_by_available', 'level_by_psi', 'thresholds'}.
    ``level`` is the worse of the two inputs' levels; ``decided_by`` is 'available_percent',
    'psi_full_avg10', 'both' (same non-normal level from both), or None when the level is
    'normal' or nothing is known. With neither input known, level is None.
    """
    limits = merge_thresholds(thresholds)
    by_available = _level_index(available_percent, limits["available_percent"], below=True)
    by_psi = _level_index(psi_full_avg10, limits["psi_full_avg10"], below=False)
    result = {
        "level": None,
        "decided_by": None,
        "level_by_available": None if by_available is None else PRESSURE_LEVELS[by_available],
        "level_by_psi": None if by_psi is None else PRESSURE_LEVELS[by_psi],
        "thresholds": limits,
    }
    known = [index for index in (by_available, by_psi) if index is not None]
    if not known:
        return result
    worst = max(known)
    result["level"] = PRESSURE_LEVELS[worst]
    if worst > 0:
        if by_available == worst and by_psi == worst:
            result["decided_by"] = "both"
        elif by_available == worst:
            result["decided_by"] = "available_percent"
        else:
            result["decided_by"] = "psi_full_avg10"
    return result


def read_pressure(proc_root="/proc", memory=None, thresholds=None):
    """Return the ``pressure`` facts: PSI plus the pressure level.

    Keys: available (PSI readable), reason, some, full (each None or {avg10, avg60, avg300,
    total_us}), level, decided_by, level_by_available, level_by_psi, thresholds (see
    pressure_level). ``memory`` is a read_memory() result (read when not given); the level is
    still computed from MemAvailable when PSI is unavailable.
    """
    if memory is None:
        memory = read_memory(proc_root)
    result = read_psi(proc_root)
    full_avg10 = result["full"]["avg10"] if result["full"] else None
    result.update(pressure_level(memory.get("available_percent"), full_avg10, thresholds))
    return result


def sysctl_key(name):
    """'vm.panic_on_oom' -> 'vm_panic_on_oom'."""
    return name.replace(".", "_").replace("/", "_")


def read_sysctls(proc_root="/proc", names=OOM_SYSCTLS):
    """Return the ``sysctl`` facts: {'vm_panic_on_oom': int or None, ...}.

    Keys are the sysctl names with dots as underscores; a missing or unreadable sysctl (or a
    non-integer value) is None. Adds vm_overcommit_memory_meaning: 'heuristic', 'always',
    'strict' or None.
    """
    result = {}
    for name in names:
        path = os.path.join(proc_root, "sys", *name.split("."))
        try:
            result[sysctl_key(name)] = int(_read_text(path).split()[0])
        except (OSError, ValueError, IndexError):
            result[sysctl_key(name)] = None
    if "vm.overcommit_memory" in names:
        result["vm_overcommit_memory_meaning"] = OVERCOMMIT_MEANINGS.get(result["vm_overcommit_memory"])
    return result
