# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cgroup v1 / v2 / hybrid detection and the memory cgroups that can OOM, with their next victim.

Private to oom.guard (the leading underscore): no compatibility promise to other collections.
Reads /proc/self/mountinfo (path given, so tests use temp files), the memory hierarchy's files
and, for the victim prediction, /proc/<pid>/* through _procfs. Never raises on a missing or
unreadable source.

How the kernel picks a victim inside a memory cgroup (mm/oom_kill.c, mm/memcontrol.c), and what
predict_memcg_victim() does about each rule:
- only tasks of the OOMing memcg and its descendants are scanned (mem_cgroup_scan_tasks: the
  memcg tree in pre-order, each memcg's processes). v1 with memory.use_hierarchy 0 (kernels
  before 5.11): the memcg's own processes only.
- badness = rss + swap + page-table pages + oom_score_adj * (totalpages // 1000), where
  totalpages is mem_cgroup_get_max(): the memcg limit plus the swap it may use (v1: memsw limit
  minus limit, v2: memory.swap.max; at most the host's swap; none when the memcg's swappiness
  is 0). NOT /proc/<pid>/oom_score, which is scaled to the host's RAM + swap. A cgroup reported
  for past OOM kills but without a limit of its own is ranked against the host's RAM + swap.
- skipped as in _procfs: oom_score_adj -1000, kernel threads, zombies, the global init.
- ties go to the process found later (``points < chosen_points`` is the only skip). The order
  used: cgroups in pre-order with children sorted by name (the kernel walks them in creation
  order), processes in cgroup.procs order (v2 lists them in the kernel's iteration order; v1
  sorts them by pid).
- v1 memory.oom_control oom_kill_disable 1: the kernel kills nothing (tasks wait), so there is
  no predicted victim. v2 memory.oom.group 1: the whole cgroup is killed; ``oom_group`` says so.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.oom.guard.plugins.module_utils._cgroup_attribution import attribute_cgroup_path
from ansible_collections.oom.guard.plugins.module_utils import _procfs
from ansible_collections.oom.guard.plugins.module_utils._memory import read_memory

MAX_CGROUPS = 200
# v1 reports "no limit" as PAGE_COUNTER_MAX pages in bytes: LONG_MAX rounded down to a page
# (9223372036854771712 with 4 KiB pages). Anything this close to 2**63 is unlimited.
_V1_UNLIMITED = (1 << 63) - (1 << 20)
# Read for every member: what the ranking needs. The reported victim's other fields are read for it
# alone (_REPORT_FIELDS); pid 1 also needs its oom_score to rank (0: the global init, never chosen).
_RANK_FIELDS = ("oom_score_adj", "stat", "status")
_REPORT_FIELDS = ("oom_score", "cmdline", "cgroup")


def _unescape(field):
    """mountinfo escapes space, tab, newline and backslash as octal (\\040)."""
    if "\\" not in field:
        return field
    out = []
    index = 0
    while index < len(field):
        if field[index] == "\\" and field[index + 1 : index + 4].isdigit():
            out.append(chr(int(field[index + 1 : index + 4], 8)))
            index += 4
        else:
            out.append(field[index])
            index += 1
    return "".join(out)


def parse_mountinfo(text):
    """Return [{'root', 'mount_point', 'fstype', 'source', 'super_options'}] from mountinfo text."""
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields = left.split()
        tail = right.split()
        if len(fields) < 5 or len(tail) < 2:
            continue
        mounts.append(
            {
                "root": _unescape(fields[3]),
                "mount_point": _unescape(fields[4]),
                "fstype": tail[0],
                "source": _unescape(tail[1]),
                "super_options": tail[2].split(",") if len(tail) > 2 else [],
            }
        )
    return mounts


def _read_text(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def detect_cgroups(mountinfo_path="/proc/self/mountinfo", cgroup_root="/sys/fs/cgroup"):
    """Work out the cgroup layout from mountinfo.

    Returns {'available', 'reason', 'version', 'memory_version', 'memory_mount',
    'memory_mount_root', 'unified_mount'}: version is 'v2' (cgroup2 mounted at cgroup_root),
    'hybrid' (v1 controllers plus a cgroup2 mount, usually cgroup_root/unified) or 'v1';
    memory_version is the version of the hierarchy holding the memory controller; memory_mount
    its mount point and memory_mount_root the mountinfo root (the part of the hierarchy this
    mount namespace sees, '/' with a private cgroup namespace).
    """
    result = {
        "available": False,
        "reason": None,
        "version": None,
        "memory_version": None,
        "memory_mount": None,
        "memory_mount_root": None,
        "unified_mount": None,
    }
    try:
        mounts = parse_mountinfo(_read_text(mountinfo_path))
    except OSError as exc:
        result["reason"] = "cannot read %s: %s" % (mountinfo_path, exc)
        return result
    root = cgroup_root.rstrip("/") or "/"
    v1 = [m for m in mounts if m["fstype"] == "cgroup"]
    v2 = [m for m in mounts if m["fstype"] == "cgroup2"]
    v2_root = [m for m in v2 if m["mount_point"] == root]
    v2_other = [m for m in v2 if m["mount_point"].startswith(root + "/")] or v2
    if v2_root and not v1:
        result["version"] = "v2"
        result["unified_mount"] = root
    elif v1:
        result["version"] = "hybrid" if v2 else "v1"
        result["unified_mount"] = v2_other[0]["mount_point"] if v2 else None
    elif v2:
        result["version"] = "v2"
        result["unified_mount"] = v2[0]["mount_point"]
    else:
        result["reason"] = "no cgroup filesystem in %s" % mountinfo_path
        return result
    result["available"] = True
    memory_v1 = [m for m in v1 if "memory" in m["super_options"]]
    if memory_v1:
        mount = memory_v1[0]
        result["memory_version"] = "v1"
    else:
        mount = (v2_root or v2_other or [None])[0]
        if mount is not None:
            controllers = _read_controllers(mount["mount_point"])
            if controllers is not None and "memory" not in controllers:
                mount = None
        result["memory_version"] = "v2" if mount is not None else None
    if mount is None:
        result["reason"] = "the memory controller is not mounted"
        return result
    result["memory_mount"] = mount["mount_point"]
    result["memory_mount_root"] = mount["root"]
    return result


def _read_controllers(mount_point):
    try:
        return _read_text(os.path.join(mount_point, "cgroup.controllers")).split()
    except OSError:
        return None


def _read_value(directory, name):
    """First token of a cgroup file; None when missing/unreadable."""
    try:
        text = _read_text(os.path.join(directory, name)).split()
    except OSError:
        return None
    return text[0] if text else None


def _read_int(directory, name):
    value = _read_value(directory, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _read_limit(directory, name, version):
    """A limit in bytes; None for unlimited ('max' in v2, ~2**63 in v1) or unreadable."""
    value = _read_value(directory, name)
    if value is None or value == "max":
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    if version == "v1" and number >= _V1_UNLIMITED:
        return None
    return number


def _read_keyed(directory, name):
    """A flat keyed file (memory.events, memory.oom_control) as {key: int}; None when unreadable."""
    try:
        text = _read_text(os.path.join(directory, name))
    except OSError:
        return None
    result = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                result[parts[0]] = int(parts[1])
            except ValueError:
                continue
    return result


def read_memcg(directory, version, path="/"):
    """Read one memory cgroup directory.

    Returns the cgroup entry (without predicted_victim): path, limit_bytes, high_bytes,
    swap_limit_bytes, usage_bytes, peak_bytes, usage_percent, oom, oom_kill, oom_group_kill,
    max_events, high_events, under_oom, oom_kill_disable, failcnt, oom_group, use_hierarchy,
    swappiness, unit, container_id, pod_uid. Keys that the version does not have are None.
    """
    entry = {
        "path": path,
        "limit_bytes": None,
        "high_bytes": None,
        "swap_limit_bytes": None,
        "usage_bytes": None,
        "peak_bytes": None,
        "usage_percent": None,
        "oom": None,
        "oom_kill": None,
        "oom_group_kill": None,
        "max_events": None,
        "high_events": None,
        "under_oom": None,
        "oom_kill_disable": None,
        "failcnt": None,
        "oom_group": None,
        "use_hierarchy": None,
        "swappiness": None,
    }
    if version == "v2":
        entry["limit_bytes"] = _read_limit(directory, "memory.max", version)
        entry["high_bytes"] = _read_limit(directory, "memory.high", version)
        entry["swap_limit_bytes"] = _read_limit(directory, "memory.swap.max", version)
        entry["usage_bytes"] = _read_int(directory, "memory.current")
        entry["peak_bytes"] = _read_int(directory, "memory.peak")
        events = _read_keyed(directory, "memory.events") or {}
        entry["oom"] = events.get("oom")
        entry["oom_kill"] = events.get("oom_kill")
        entry["oom_group_kill"] = events.get("oom_group_kill")
        entry["max_events"] = events.get("max")
        entry["high_events"] = events.get("high")
        group = _read_int(directory, "memory.oom.group")
        entry["oom_group"] = None if group is None else bool(group)
        entry["use_hierarchy"] = True
    else:
        entry["limit_bytes"] = _read_limit(directory, "memory.limit_in_bytes", version)
        memsw = _read_limit(directory, "memory.memsw.limit_in_bytes", version)
        if memsw is not None and entry["limit_bytes"] is not None:
            entry["swap_limit_bytes"] = max(memsw - entry["limit_bytes"], 0)
        entry["usage_bytes"] = _read_int(directory, "memory.usage_in_bytes")
        entry["peak_bytes"] = _read_int(directory, "memory.max_usage_in_bytes")
        control = _read_keyed(directory, "memory.oom_control") or {}
        entry["oom_kill"] = control.get("oom_kill")
        if "under_oom" in control:
            entry["under_oom"] = bool(control["under_oom"])
        if "oom_kill_disable" in control:
            entry["oom_kill_disable"] = bool(control["oom_kill_disable"])
        entry["failcnt"] = _read_int(directory, "memory.failcnt")
        hierarchy = _read_int(directory, "memory.use_hierarchy")
        entry["use_hierarchy"] = True if hierarchy is None else bool(hierarchy)
        entry["swappiness"] = _read_int(directory, "memory.swappiness")
    if entry["limit_bytes"] and entry["usage_bytes"] is not None:
        entry["usage_percent"] = round(100.0 * entry["usage_bytes"] / entry["limit_bytes"], 2)
    entry.update(attribute_cgroup_path(path))
    return entry


def _children(directory):
    try:
        names = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir(follow_symlinks=False))
    except OSError:
        return []
    return names


def _relative(parent, name):
    return parent.rstrip("/") + "/" + name


def read_procs(directory):
    """pids in a cgroup's cgroup.procs, in file order; [] when unreadable."""
    try:
        with open(os.path.join(directory, "cgroup.procs"), "rb") as handle:
            return [int(token) for token in handle.read().split()]
    except (OSError, ValueError):
        return []


def member_pids(directory, recursive=True):
    """pids of a cgroup and (when recursive) its descendants, in the kernel's scan order."""
    pids = read_procs(directory)
    if recursive:
        for name in _children(directory):
            pids.extend(member_pids(os.path.join(directory, name), True))
    return pids


def memcg_total_pages(entry, meminfo):
    """mem_cgroup_get_max() in pages for a read_memcg() entry; host RAM + swap when unlimited."""
    page = _procfs.PAGE_SIZE
    swap_total = ((meminfo or {}).get("swap_total_bytes") or 0) // page
    if entry.get("limit_bytes") is None:
        return _procfs.total_pages(meminfo)
    pages = entry["limit_bytes"] // page
    if entry.get("swappiness") != 0:
        swap = entry.get("swap_limit_bytes")
        swap_pages = swap_total if swap is None else min(swap // page, swap_total)
        pages += swap_pages
    return pages or 1


def memcg_members(directory, entry, proc_root="/proc", *, cache=None, cmdline_max=_procfs.CMDLINE_MAX):
    """Records of a memcg's processes (descendants too unless v1 use_hierarchy is 0), in scan order.

    A record has what rank_memcg() needs (oom_score_adj, stat, status; oom_score for pid 1 only);
    _complete() adds the rest of a report. ``cache`` (a dict pid -> record or None) shares /proc
    reads between the cgroups of one walk. ``cmdline_max`` is kept for callers; cmdlines are read
    by _complete().
    """
    if cache is None:
        cache = {}
    records = []
    seen = set()
    for pid in member_pids(directory, recursive=entry.get("use_hierarchy", True) is not False):
        if pid in seen:
            continue
        seen.add(pid)
        if pid not in cache:
            cache[pid] = _procfs.read_process(pid, proc_root, ("oom_score", *_RANK_FIELDS) if pid == 1 else _RANK_FIELDS)
        if cache[pid] is not None:
            records.append(cache[pid])
    return records


def rank_memcg(records, totalpages):
    """[(badness, record)] of memcg_members() records, the kernel's next victim first."""
    position = {record["pid"]: index for index, record in enumerate(records)}
    return _procfs.rank_processes(records, totalpages, order=lambda record: (position[record["pid"]],))


def predict_memcg_victim(directory, entry, meminfo, proc_root="/proc", *, cache=None, cmdline_max=_procfs.CMDLINE_MAX):
    """Rank the processes of a memcg (and descendants) as the kernel does for a memcg OOM.

    Returns {'predicted_victim': report or None, 'procs': number of processes read,
    'totalpages': the badness scale (memcg_total_pages)}. The report has _procfs.REPORT_KEYS
    with ``badness`` computed against the memcg's totalpages (not the global one).
    """
    if cache is None:
        cache = {}
    totalpages = memcg_total_pages(entry, meminfo)
    records = memcg_members(directory, entry, proc_root, cache=cache, cmdline_max=cmdline_max)
    procs = len(records)
    report = None
    if not entry.get("oom_kill_disable"):
        # The first ranked that is still there; one that vanished meanwhile is not counted.
        for points, record in rank_memcg(records, totalpages):
            if _complete(record, proc_root, cache, cmdline_max):
                report = _procfs.report(record)
                report["badness"] = points
                break
            procs -= 1
    return {"predicted_victim": report, "procs": procs, "totalpages": totalpages}


def _complete(record, proc_root, cache, cmdline_max):
    """Read the report fields a memcg_members() record lacks; False (and forgotten) if it vanished."""
    missing = [field for field in _REPORT_FIELDS if field not in record]
    if missing:
        more = _procfs.read_process(record["pid"], proc_root, missing, cmdline_max)
        if more is None:
            cache[record["pid"]] = None
            return False
        record.update(more)
    return True


def _interesting(entry):
    return bool(entry["limit_bytes"] is not None or entry["high_bytes"] is not None or entry["oom_kill"] or entry["oom"])


def read_cgroups(
    mountinfo_path="/proc/self/mountinfo",
    cgroup_root="/sys/fs/cgroup",
    proc_root="/proc",
    *,
    max_cgroups=MAX_CGROUPS,
    meminfo=None,
    predict=True,
    cmdline_max=_procfs.CMDLINE_MAX,
):
    """Return the ``cgroups`` facts.

    Keys: available, reason, version, memory_version, memory_mount, memory_mount_root,
    unified_mount (see detect_cgroups), truncated (more than ``max_cgroups`` cgroups matched),
    memory_cgroups: a list of read_memcg() entries plus predicted_victim, procs, totalpages
    (see predict_memcg_victim), for every non-root memory cgroup with a limit (memory.max /
    limit_in_bytes, or v2 memory.high) or with OOM events, in pre-order. ``path`` is the path
    in the memory hierarchy as /proc/<pid>/cgroup and the kernel log show it: the mount's
    mountinfo root (``/`` with a private cgroup namespace) joined with the directory under the
    mount.
    """
    result = detect_cgroups(mountinfo_path, cgroup_root)
    result["truncated"] = False
    result["memory_cgroups"] = []
    mount = result["memory_mount"]
    if not mount:
        return result
    if meminfo is None:
        meminfo = read_memory(proc_root)
    version = result["memory_version"]
    cache = {}
    base = result["memory_mount_root"] or "/"
    if not base.startswith("/") or "/.." in base:
        base = "/"
    stack = [(mount, base)]
    while stack:
        directory, path = stack.pop()
        if directory != mount:
            entry = read_memcg(directory, version, path)
            if _interesting(entry):
                if len(result["memory_cgroups"]) >= max_cgroups:
                    result["truncated"] = True
                    break
                if predict:
                    entry.update(predict_memcg_victim(directory, entry, meminfo, proc_root, cache=cache, cmdline_max=cmdline_max))
                else:
                    entry.update({"predicted_victim": None, "procs": None, "totalpages": None})
                result["memory_cgroups"].append(entry)
        for name in reversed(_children(directory)):
            stack.append((os.path.join(directory, name), _relative(path, name)))
    return result
