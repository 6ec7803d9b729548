# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read processes from /proc: OOM scores, memory, owner, cgroup; predict the global OOM victim.

Private to oom.guard (the leading underscore): no compatibility promise to other collections.
Reads only /proc/<pid>/* (and /proc/meminfo through _memory); every reader takes ``proc_root``.
A process that vanishes or cannot be read (hidepid, EACCES) mid-scan is skipped and counted,
never an error.

Speed: a host may run thousands of processes, so the scan reads each file with one os.read()
and works in two passes: a cheap pass over every pid reads only oom_score and oom_score_adj;
stat and status are read only for the processes that may be reported (the top N, the protected
ones, the processes sharing the highest oom_score), cmdline and cgroup only for those reported.

How the kernel picks the victim (mm/oom_kill.c, select_bad_process / oom_evaluate_task /
oom_badness), and what scan_processes() does about each rule:
- badness = rss pages (VmRSS = statm resident = file + anon + shmem) + swap entries (VmSwap) +
  page-table pages (VmPTE), plus oom_score_adj * (totalpages // 1000); totalpages is RAM + swap
  for a global OOM. /proc/<pid>/oom_score is that badness scaled to 0..1333 and so coarse that
  many processes share a value: the prediction takes the processes with the highest oom_score
  (the mapping is monotonic, so the victim is among them) and ranks them by exact badness
  (statm bounds first, status only for those that could win: see _could_win).
- skipped: oom_score_adj -1000, kernel threads (PF_KTHREAD in stat flags), the global init,
  zombies and dead tasks (no mm). pid 1 is taken as the global init only when its oom_score
  reads 0 (the kernel reports 0 for unkillable tasks), so a container's init, which the kernel
  may kill, is still ranked.
- ties: oom_evaluate_task skips a task only when ``points < chosen_points``, so on equal points
  the task found *later* replaces the chosen one. for_each_process walks the task list in
  creation order, so the tie goes to the most recently started process (stat start time, then
  the higher pid).
- not visible from /proc and so not modelled: tasks already chosen as OOM victims or marked
  MMF_OOM_SKIP (the kernel waits for or skips them), tasks in vfork(), tasks flagged
  oom_task_origin (swapoff/KSM unmerge: always chosen first), cpuset/mempolicy-constrained OOMs,
  vm.oom_kill_allocating_task (the allocating task dies instead).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import pwd

from ansible_collections.oom.guard.plugins.module_utils._cgroup_attribution import attribute_cgroup_path
from ansible_collections.oom.guard.plugins.module_utils._memory import read_memory

PF_KTHREAD = 0x00200000
OOM_SCORE_ADJ_MIN = -1000
CMDLINE_MAX = 200
# Files a reader may ask for; each adds the record keys listed in read_process().
ALL_FIELDS = ("oom_score", "oom_score_adj", "stat", "statm", "status", "cmdline", "cgroup")
CHEAP_FIELDS = ("oom_score", "oom_score_adj")

try:
    PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
except (AttributeError, ValueError, OSError):  # pragma: no cover - every Linux has it
    PAGE_SIZE = 4096

_USERS = {}


def read_bytes(path, size=8192):
    """A /proc file in one read (procfs returns a small file whole), unless it fills ``size``.

    A file that fills it is read to its end: /proc/<pid>/status lists every supplementary group
    before VmRSS, so a process in several hundred groups has a status of more than 8 KiB.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, size)
        if len(data) < size:
            return data
        return _read_rest(fd, [data])
    finally:
        os.close(fd)


def read_all_bytes(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        return _read_rest(fd, [])
    finally:
        os.close(fd)


def _read_rest(fd, chunks):
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def user_name(uid):
    """User name for a uid (cached for the life of the process); None when unknown."""
    if uid is None:
        return None
    try:
        return _USERS[uid]
    except KeyError:
        pass
    try:
        name = pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError):
        name = None
    _USERS[uid] = name
    return name


def list_pids(proc_root="/proc"):
    """Numeric entries of proc_root as ints, ascending. Raises OSError when proc_root is unreadable."""
    pids = [int(name) for name in os.listdir(proc_root) if name.isdigit()]
    pids.sort()
    return pids


def comm_keys(names):
    """{comm as /proc/<pid>/comm holds it (bytes): name} for command names."""
    return dict((name.encode("utf-8", "surrogateescape"), name) for name in names)


def _wanted_names(critical_names, running):
    """The command names one pass looks for: ``critical_names``, then the names of ``running``."""
    return list(critical_names or ()) + list(running or ())


def find_by_comm(names, proc_root="/proc"):
    """[(pid, name)] of the processes whose comm is one of ``names``, ascending pid.

    One small read (/proc/<pid>/comm) per process; a process that vanished or cannot be read is
    left out. Raises OSError when proc_root cannot be listed; with no names it is not listed.
    """
    keys = comm_keys(names)
    if not keys:
        return []
    pids = list_pids(proc_root)
    found = []
    os_open, os_read, os_close, rdonly = os.open, os.read, os.close, os.O_RDONLY
    prefix = proc_root + "/"
    for pid in pids:
        try:
            fd = os_open(prefix + str(pid) + "/comm", rdonly)
            try:
                comm = os_read(fd, 64).rstrip(b"\n")
            finally:
                os_close(fd)
        except OSError:
            continue
        if comm in keys:
            found.append((pid, keys[comm]))
    return found


def critical_records(matches, proc_root="/proc"):
    """The ``critical`` entries of scan_processes() for (pid, name) matches of find_by_comm().

    Each is {pid, ppid, comm, oom_score_adj, unit} (stat, oom_score_adj and cgroup read now);
    kernel threads and processes that vanished meanwhile are left out.
    """
    critical = []
    for pid, _name in matches:
        record = read_process(pid, proc_root, ("stat", "oom_score_adj", "cgroup"))
        if record is not None and not record.get("kthread"):
            critical.append(
                {"pid": pid, "ppid": record.get("ppid"), "comm": record["comm"], "oom_score_adj": record["oom_score_adj"], "unit": record.get("unit")}
            )
    return critical


def running_records(matches, running, proc_root="/proc"):
    """Append each (pid, name) match to ``running[name]`` as {'pid', 'argv'} (argv from cmdline).

    ``running`` is {name: list}; a process whose cmdline cannot be read is left out.
    """
    for pid, name in matches:
        try:
            argv = parse_argv(read_all_bytes("%s/%d/cmdline" % (proc_root, pid)))
        except OSError:
            continue
        running[name].append({"pid": pid, "argv": argv})
    return running


def find_processes(proc_root="/proc", *, critical_names=None, running=None):
    """The critical processes and the running daemons without the scores: one pass over /proc.

    Returns critical_records() for ``critical_names`` (None when it is None) and, when
    ``running`` ({name: list}) is given, fills it as running_records() does for its names.
    Raises OSError when proc_root cannot be listed (it is not listed when there is no name to find).
    """
    matches = find_by_comm(_wanted_names(critical_names, running), proc_root)
    return _dispatch_matches(matches, proc_root, critical_names, running)


def _dispatch_matches(matches, proc_root, critical_names, running):
    critical = None
    if critical_names is not None:
        wanted = set(critical_names)
        critical = critical_records([match for match in matches if match[1] in wanted], proc_root)
    if running is not None:
        running_records([match for match in matches if match[1] in running], running, proc_root)
    return critical


def parse_stat(data):
    """Parse /proc/<pid>/stat bytes: {'comm', 'state', 'ppid', 'kthread', 'start_time_ticks'}.

    comm may hold spaces and parentheses, so it runs from the first '(' to the last ')'.
    """
    start = data.find(b"(")
    end = data.rfind(b")")
    comm = data[start + 1 : end].decode("utf-8", "replace")
    rest = data[end + 2 :].split()
    # rest[0] is field 3 (state): field N is rest[N - 3].
    flags = int(rest[6])
    return {
        "comm": comm,
        "state": rest[0].decode("ascii", "replace"),
        "ppid": int(rest[1]),
        "kthread": bool(flags & PF_KTHREAD),
        "start_time_ticks": int(rest[19]),
    }


def parse_statm(data):
    """(size pages, resident pages) from /proc/<pid>/statm; resident is the kernel's get_mm_rss."""
    fields = data.split()
    return int(fields[0]), int(fields[1])


def _kb(value):
    parts = value.split()
    return int(parts[0]) * 1024 if parts else None


_STATUS_KEYS = ((b"\nVmRSS:", "rss_status_bytes"), (b"\nVmSwap:", "swap_bytes"), (b"\nVmPTE:", "pgtables_bytes"))


def _status_value(data, key):
    start = data.find(key)
    if start < 0:
        return None
    start += len(key)
    end = data.find(b"\n", start)
    return data[start : end if end >= 0 else len(data)]


def parse_status(data):
    """Parse /proc/<pid>/status bytes: {'name', 'uid', 'rss_status_bytes', 'swap_bytes',
    'pgtables_bytes'} (memory keys None for tasks without mm: kernel threads, zombies)."""
    name = _status_value(b"\n" + data, b"\nName:")
    uid = _status_value(data, b"\nUid:")
    result = {
        "name": name.strip().decode("utf-8", "replace") if name is not None else None,
        "uid": int(uid.split()[0]) if uid is not None else None,
    }
    for key, field in _STATUS_KEYS:
        value = _status_value(data, key)
        result[field] = _kb(value) if value is not None else None
    return result


def format_cmdline(data, limit=CMDLINE_MAX):
    """NUL-separated argv bytes -> one string (NULs as spaces), cut to ``limit`` characters."""
    text = data.rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace")
    if limit is not None and len(text) > limit:
        text = text[:limit]
    return text


def parse_argv(data):
    """NUL-separated argv bytes -> list of strings."""
    if not data:
        return []
    return [arg.decode("utf-8", "replace") for arg in data.rstrip(b"\0").split(b"\0")]


def parse_cgroup_file(data):
    """Pick the memory cgroup path of a process from /proc/<pid>/cgroup bytes.

    Returns {'cgroup', 'unit', 'container_id', 'pod_uid'}. ``cgroup`` is the path in the
    memory hierarchy: the v1 ``memory`` controller line when there is one, else the v2 ``0::``
    line, else v1 ``name=systemd``. The owner keys come from attribute_cgroup_path on that path,
    each filled in from the other lines when the memory path does not show it (on a hybrid host
    systemd units appear on the name=systemd / unified lines, containers on the memory line).
    """
    memory = unified = named = None
    for line in data.decode("utf-8", "replace").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hid, controllers, path = parts
        if hid == "0" and controllers == "":
            unified = path
        elif "memory" in controllers.split(","):
            memory = path
        elif controllers == "name=systemd":
            named = path
    ordered = [path for path in (memory, unified, named) if path is not None]
    result = {"cgroup": ordered[0] if ordered else None, "unit": None, "container_id": None, "pod_uid": None}
    for path in ordered:
        owners = attribute_cgroup_path(path)
        for key in ("unit", "container_id", "pod_uid"):
            if result[key] is None:
                result[key] = owners.get(key)
    return result


def read_process(pid, proc_root="/proc", fields=ALL_FIELDS, cmdline_max=CMDLINE_MAX):
    """Read one process; None when it vanished or cannot be read.

    Record keys by field: always pid; oom_score; oom_score_adj; stat -> comm, state, ppid,
    kthread, start_time_ticks; statm -> rss_bytes, vm_size_bytes; status -> uid, user, swap_bytes,
    pgtables_bytes (and comm/rss_bytes when stat/statm were not asked for); cmdline -> cmdline
    (``cmdline_max`` characters, None for all) and argv; cgroup -> cgroup, unit, container_id,
    pod_uid.
    """
    unknown = [field for field in fields if field not in ALL_FIELDS]
    if unknown:
        raise ValueError("unknown process fields: %s" % ", ".join(unknown))
    base = "%s/%d/" % (proc_root, pid)
    record = {"pid": pid}
    try:
        for field in fields:
            if field == "oom_score":
                record["oom_score"] = int(read_bytes(base + "oom_score"))
            elif field == "oom_score_adj":
                record["oom_score_adj"] = int(read_bytes(base + "oom_score_adj"))
            elif field == "stat":
                record.update(parse_stat(read_bytes(base + "stat")))
            elif field == "statm":
                size, resident = parse_statm(read_bytes(base + "statm"))
                record["rss_bytes"] = resident * PAGE_SIZE
                record["vm_size_bytes"] = size * PAGE_SIZE
            elif field == "status":
                status = parse_status(read_bytes(base + "status"))
                record["uid"] = status["uid"]
                record["user"] = user_name(status["uid"])
                record["swap_bytes"] = status["swap_bytes"]
                record["pgtables_bytes"] = status["pgtables_bytes"]
                record.setdefault("comm", status["name"])
                if "statm" not in fields:
                    record["rss_bytes"] = status["rss_status_bytes"]
            elif field == "cmdline":
                data = read_all_bytes(base + "cmdline")
                record["cmdline"] = format_cmdline(data, cmdline_max)
                record["argv"] = parse_argv(data)
            else:
                record.update(parse_cgroup_file(read_bytes(base + "cgroup")))
    except (OSError, IndexError, ValueError):
        # ValueError/IndexError: an empty or cut file from a process that is exiting.
        return None
    return record


def iter_processes(proc_root="/proc", fields=CHEAP_FIELDS, counters=None, cmdline_max=CMDLINE_MAX):
    """Yield read_process() records for every pid in proc_root (ascending pid).

    ``counters``, when given, is a dict whose 'scanned' and 'skipped' entries are incremented.
    Raises OSError only when proc_root itself cannot be listed.
    """
    if counters is not None:
        counters.setdefault("scanned", 0)
        counters.setdefault("skipped", 0)
    for pid in list_pids(proc_root):
        record = read_process(pid, proc_root, fields, cmdline_max)
        if counters is not None:
            counters["scanned"] += 1
            if record is None:
                counters["skipped"] += 1
        if record is not None:
            yield record


def total_pages(meminfo):
    """totalram + total swap in pages, as the kernel's global OOM uses; None when unknown."""
    if not meminfo or not meminfo.get("mem_total_bytes"):
        return None
    return (meminfo["mem_total_bytes"] + (meminfo.get("swap_total_bytes") or 0)) // PAGE_SIZE


def badness(record, totalpages):
    """The kernel's oom_badness in pages for a record with rss/swap/pgtables/adj; None if unknown.

    Returns None for oom_score_adj -1000 (the kernel's LONG_MIN: never chosen).
    """
    adj = record.get("oom_score_adj")
    rss = record.get("rss_bytes")
    if adj is None or rss is None or totalpages is None or adj == OOM_SCORE_ADJ_MIN:
        return None
    points = rss // PAGE_SIZE + (record.get("swap_bytes") or 0) // PAGE_SIZE + (record.get("pgtables_bytes") or 0) // PAGE_SIZE
    return points + adj * (totalpages // 1000)


def oom_ineligible_reason(record):
    """Why the kernel would never pick this record (needs stat fields); None when eligible.

    One of 'oom_score_adj_min', 'kthread', 'zombie', 'global_init'.
    """
    if record.get("oom_score_adj") == OOM_SCORE_ADJ_MIN:
        return "oom_score_adj_min"
    if record.get("kthread"):
        return "kthread"
    if record.get("state") in ("Z", "X", "x"):
        return "zombie"
    if record["pid"] == 1 and record.get("oom_score", 0) == 0:
        return "global_init"
    return None


def tie_order(record):
    """Sort key: a higher key is found later by for_each_process and so wins a tie."""
    return (record.get("start_time_ticks") or 0, record["pid"])


def rank_processes(records, totalpages, order=tie_order):
    """Eligible ``records`` in the kernel's order of preference: the first is the victim.

    Highest badness first; on equal badness the record the kernel finds later comes first:
    ``order(record)`` is higher for later (default tie_order: for_each_process order). Each
    record needs stat, statm, status and oom_score_adj. Returns a list of (badness, record).
    """
    ranked = []
    for record in records:
        if oom_ineligible_reason(record):
            continue
        points = badness(record, totalpages)
        if points is not None:
            ranked.append((points, record))
    ranked.sort(key=lambda pair: (pair[0], *order(pair[1])), reverse=True)
    return ranked


def pick_victim(records, totalpages, order=tie_order):
    """The record the kernel would choose among ``records`` (see rank_processes); None if none."""
    ranked = rank_processes(records, totalpages, order)
    return ranked[0][1] if ranked else None


def _read_scores(proc_root, pids, names=None):
    """{pid: {'oom_score', 'oom_score_adj'}} for the pids still there: the hot loop, kept lean.

    With ``names`` (comm_keys(): {comm bytes: name}) the same pass reads /proc/<pid>/comm too and
    returns ``(scores, matches)``, matches being the (pid, name) of the processes whose comm is
    one of them (ascending pid).
    """
    scores = {}
    matches = []
    os_open, os_read, os_close, rdonly = os.open, os.read, os.close, os.O_RDONLY
    prefix = proc_root + "/"
    for pid in pids:
        base = prefix + str(pid)
        try:
            fd = os_open(base + "/oom_score", rdonly)
            try:
                score = int(os_read(fd, 64))
            finally:
                os_close(fd)
            fd = os_open(base + "/oom_score_adj", rdonly)
            try:
                adj = int(os_read(fd, 64))
            finally:
                os_close(fd)
            if names:
                fd = os_open(base + "/comm", rdonly)
                try:
                    comm = os_read(fd, 64).rstrip(b"\n")
                finally:
                    os_close(fd)
                if comm in names:
                    matches.append((pid, names[comm]))
        except (OSError, ValueError):
            continue
        scores[pid] = {"oom_score": score, "oom_score_adj": adj}
    if names is not None:
        return scores, matches
    return scores


def _read_statm(proc_root, pid):
    """(size pages, resident pages) or None."""
    try:
        fd = os.open("%s/%d/statm" % (proc_root, pid), os.O_RDONLY)
        try:
            return parse_statm(os.read(fd, 256))
        finally:
            os.close(fd)
    except (OSError, ValueError, IndexError):
        return None


class _Enricher:
    """Reads and caches the expensive files of the processes that will be reported.

    stat() tells eligibility and the tie order, memory() reads status (VmRSS, VmSwap, VmPTE, uid:
    all the badness needs), enrich() adds stat, cmdline and cgroup for the reported processes.
    """

    def __init__(self, proc_root, cheap, totalpages, cmdline_max):
        self.proc_root = proc_root
        self.cheap = cheap
        self.totalpages = totalpages
        self.cmdline_max = cmdline_max
        self.records = {}
        self.read = {}
        self.low = {}
        self.vanished = set()

    def _add(self, pid, fields):
        record = self.records.get(pid, False)
        if record is None:
            return None
        missing = [field for field in fields if field not in self.read.setdefault(pid, set())]
        if missing:
            more = read_process(pid, self.proc_root, missing, self.cmdline_max)
            if more is None:
                self.vanished.add(pid)
                self.records[pid] = None
                return None
            if record is False:
                record = dict(self.cheap[pid])
                self.records[pid] = record
            record.update(more)
            self.read[pid].update(missing)
            if "status" in missing:
                record["badness"] = None if oom_ineligible_reason(record) else badness(record, self.totalpages)
        return record

    def stat(self, pid):
        return self._add(pid, ("stat",))

    def memory(self, pid):
        return self._add(pid, ("status",))

    def enrich(self, pid):
        return self._add(pid, ("stat", "status", "cmdline", "cgroup"))


def _could_win(enricher, level, totalpages, swap):
    """The pids of one oom_score level whose exact badness could be the highest.

    status (VmSwap, VmPTE) costs twice statm to read, so statm bounds each process first:
    badness >= rss + adj term, and badness <= that + swap (at most the unmapped part of VmSize,
    none without swap) + page tables (taken as at most VmSize / 256 pages, at least 64 pages:
    twice what a fully populated address space needs). Only processes whose upper bound reaches
    the best lower bound are read further. Exactness rests on that page-table bound.
    """
    if len(level) <= 1:
        return level
    scale = (totalpages or 0) // 1000
    bounds = []
    for pid in level:
        pages = _read_statm(enricher.proc_root, pid)
        if pages is None:
            enricher.vanished.add(pid)
            continue
        size, rss = pages
        low = rss + enricher.cheap[pid]["oom_score_adj"] * scale
        enricher.low[pid] = low
        high = low + (max(size - rss, 0) if swap else 0) + max(size // 256, 64)
        bounds.append((pid, low, high))
    if not bounds:
        return []
    best = max(bound[1] for bound in bounds)
    return [bound[0] for bound in bounds if bound[2] >= best]


REPORT_KEYS = (
    "pid",
    "ppid",
    "comm",
    "cmdline",
    "state",
    "uid",
    "user",
    "oom_score",
    "oom_score_adj",
    "badness",
    "rss_bytes",
    "swap_bytes",
    "pgtables_bytes",
    "cgroup",
    "unit",
    "container_id",
    "pod_uid",
)


def report(record):
    """The reported form of an enriched record: exactly REPORT_KEYS."""
    return {key: record.get(key) for key in REPORT_KEYS}


def _report_order(record):
    points = record.get("badness")
    return (record.get("oom_score") or 0, points if points is not None else -(1 << 62), *tie_order(record))


def scan_processes(proc_root="/proc", top=20, *, cmdline_max=CMDLINE_MAX, meminfo=None, critical_names=None, running=None):
    """Return the ``processes`` facts.

    Keys: available, reason, scanned (pids listed), skipped (vanished or unreadable), top (up to
    ``top`` reports, highest oom_score then badness first, kernel threads and zombies left out,
    the predicted victim always included; where a cut falls inside one oom_score level the
    larger rss + adj term goes first in the victim's level, the higher pid elsewhere), protected (every process with a negative oom_score_adj, lowest
    first), predicted_victim (a report or None), totalpages (RAM + swap in pages, the badness
    scale). A report has REPORT_KEYS; ``badness`` is the kernel's oom_badness in pages for a
    global OOM (None when the kernel never picks the process: oom_score_adj -1000, kernel
    thread, zombie, global init). ``meminfo`` is a _memory.read_memory() result.

    With ``critical_names`` (command names), the result also has ``critical``: every running
    process of those names, kernel threads left out, ascending pid, each ``{pid, comm,
    oom_score_adj, unit}``. It is found in the same pass over /proc as the scores (one more small
    read per process), never a second pass.

    With ``running`` ({name: list}, e.g. {'earlyoom': [], ...}), that same pass also finds the
    processes of those command names and appends each to ``running[name]`` as {'pid', 'argv'}
    (see running_records), so that the daemons need no pass of their own. It is left untouched
    when proc_root cannot be listed.
    """
    result = {
        "available": False,
        "reason": None,
        "scanned": 0,
        "skipped": 0,
        "top": [],
        "protected": [],
        "predicted_victim": None,
        "totalpages": None,
    }
    if meminfo is None:
        meminfo = read_memory(proc_root)
    totalpages = total_pages(meminfo)
    swap = bool((meminfo or {}).get("swap_total_bytes", 1))
    result["totalpages"] = totalpages
    try:
        pids = list_pids(proc_root)
    except OSError as exc:
        result["reason"] = "cannot list %s: %s" % (proc_root, exc)
        return result

    critical = None
    if critical_names is None and running is None:
        cheap = _read_scores(proc_root, pids)
    else:
        cheap, matches = _read_scores(proc_root, pids, comm_keys(_wanted_names(critical_names, running)))
        critical = _dispatch_matches(matches, proc_root, critical_names, running)
    skipped = len(pids) - len(cheap)
    result["available"] = True
    result["scanned"] = len(pids)
    enricher = _Enricher(proc_root, cheap, totalpages, cmdline_max)
    # Ties at the cut of the top list go to the higher pids (found later by the kernel).
    ranked = sorted(cheap, key=lambda p: (-cheap[p]["oom_score"], -p))

    # Victim: the highest oom_score level that holds an eligible process; exact badness decides.
    # The kernel reports oom_score 0 for every task it never picks (kthreads, zombies, the
    # global init), so above 0 only oom_score_adj -1000 needs filtering and stat is read only to
    # break a tie; at level 0 stat tells who is eligible.
    victim = None
    index = 0
    while index < len(ranked) and victim is None:
        score = cheap[ranked[index]]["oom_score"]
        level = []
        while index < len(ranked) and cheap[ranked[index]]["oom_score"] == score:
            pid = ranked[index]
            index += 1
            if cheap[pid]["oom_score_adj"] == OOM_SCORE_ADJ_MIN:
                continue
            if score == 0:
                record = enricher.stat(pid)
                if record is None or oom_ineligible_reason(record):
                    continue
            level.append(pid)
        while level and victim is None:
            could = _could_win(enricher, level, totalpages, swap)
            candidates = [record for record in (enricher.memory(pid) for pid in could) if record is not None]
            if len(candidates) == len(could):
                ranking = rank_processes(candidates, totalpages)
                tied = [record["pid"] for points, record in ranking if points == ranking[0][0]]
                if len(tied) > 1:
                    candidates = [record for record in (enricher.stat(pid) for pid in tied) if record is not None]
                victim = pick_victim(candidates, totalpages)
                if victim is not None:
                    victim = enricher.enrich(victim["pid"])
            if victim is None:
                if enricher.vanished.isdisjoint(could):
                    # None of them can be chosen: rank the rest of the level.
                    level = [pid for pid in level if pid not in could and pid not in enricher.vanished]
                else:
                    # One of them vanished meanwhile, and its statm bound may be what left the others
                    # out: bound the level again without it.
                    level = [pid for pid in level if pid not in enricher.vanished]

    chosen = []
    if top and top > 0:
        # Within the victim's oom_score level, the statm lower bounds order the cut.
        floor = -(1 << 62)
        ranked.sort(key=lambda p: (-cheap[p]["oom_score"], -enricher.low.get(p, floor), -p))
        for pid in ranked:
            if len(chosen) >= top:
                break
            record = enricher.stat(pid)
            if record is None or record["kthread"] or record["state"] in ("Z", "X", "x"):
                continue
            chosen.append(pid)
        if victim is not None and victim["pid"] not in chosen:
            chosen = [*chosen[: top - 1], victim["pid"]]
    top_records = [record for record in (enricher.enrich(pid) for pid in chosen) if record is not None]
    top_records.sort(key=_report_order, reverse=True)

    protected = [record for record in (enricher.enrich(pid) for pid in ranked if cheap[pid]["oom_score_adj"] < 0) if record is not None]
    protected.sort(key=lambda r: (r["oom_score_adj"], r["pid"]))

    result["skipped"] = skipped + len(enricher.vanished)
    result["top"] = [report(record) for record in top_records]
    result["protected"] = [report(record) for record in protected]
    result["predicted_victim"] = report(victim) if victim is not None else None
    if critical is not None:
        result["critical"] = critical
    return result
