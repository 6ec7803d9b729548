# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Select running processes, decide their oom_score_adj, write it: the logic of oom_score_adj.

Private to oom.guard (the leading underscore): no compatibility promise to other collections.
Reads /proc/<pid>/* through _procfs and writes only /proc/<pid>/oom_score_adj; every function
takes ``proc_root``. Runs no command: a thousand matched processes are one pass over /proc.

What the kernel does on a write (fs/proc/base.c, __set_oom_adj), and what follows for us:
- The value lives in the signal struct, shared by every thread of a thread group: one write per
  tgid. /proc lists only thread-group leaders; a thread id given as ``pid`` is mapped to its tgid.
- A write below the task's ``oom_score_adj_min`` fails with EACCES unless the writer has
  CAP_SYS_RESOURCE. ``oom_score_adj_min`` is only ever set by a write from a task that *has*
  CAP_SYS_RESOURCE (to the value written); it is inherited on fork. /proc does not show it. On a
  host where nobody holds CAP_SYS_RESOURCE it stays at the inherited value (0 from init), so
  raising and lowering back down to 0 works and anything below 0 is refused.
  Because the minimum cannot be read, a lowering is only known to be allowed by trying it:
  apply() writes the lowerings first and, when one is refused and a partial apply is not
  allowed, writes the old values back to the ones already lowered (raising is never refused
  by that rule) before anything is raised; every process is left as it was.
- The kernel copies the value to every other process sharing the target's mm (CLONE_VM
  without CLONE_THREAD or CLONE_VFORK), except kernel threads and init. Those processes change
  along; shared_mm_changes() reports them from snapshots taken around the writes.
- A task that exits between selection and write makes the write fail with ESRCH or the open
  with ENOENT: the process is ``vanished``, never an error. The write goes through a
  directory fd of /proc/<pid> whose start time is checked first, so a reused pid is never
  written to.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import pwd
import re

from ansible_collections.oom.guard.plugins.module_utils._procfs import list_pids, parse_stat, read_process

VALUE_MIN = -1000
VALUE_MAX = 1000
LEGACY_MIN = -17
LEGACY_MAX = 15
CAP_SYS_RESOURCE = 24
COMM_MAX_BYTES = 15
UNIT_SUFFIXES = (".service", ".scope", ".socket", ".mount", ".swap")
_UNITS_WITHOUT_PROCESSES = (".slice", ".target", ".timer", ".path", ".device", ".automount")
STATUSES = ("set", "unchanged", "vanished", "denied")
# How the value is held: exactly, or as a bound that a value already beyond it satisfies.
MODES = ("exact", "at_most", "at_least")
REPORT_KEYS = ("pid", "comm", "user", "before", "after", "changed", "status", "reason")

_VANISHED_ERRNOS = (errno.ENOENT, errno.ESRCH)
_DENIED_ERRNOS = (errno.EACCES, errno.EPERM)


class InputError(ValueError):
    """Bad module input; the message is shown as is."""


class WriteRefused(Exception):
    """An all-or-nothing apply stopped: ``entry`` could not be written, the others were restored."""

    def __init__(self, entry, error, restore_failures):
        Exception.__init__(self, error)
        self.entry = entry
        self.error = error
        self.restore_failures = restore_failures


# --- input ----------------------------------------------------------------------------------


def check_value(value):
    """Raise InputError unless value is on the oom_score_adj scale."""
    if isinstance(value, bool) or not isinstance(value, int) or not VALUE_MIN <= value <= VALUE_MAX:
        raise InputError("value must be an integer from %d to %d (the oom_score_adj scale), got %r" % (VALUE_MIN, VALUE_MAX, value))


def legacy_equivalent(oom_adj):
    """The oom_score_adj the kernel derives from a legacy oom_adj (fs/proc/base.c oom_adj_write)."""
    if oom_adj == LEGACY_MAX:
        return VALUE_MAX  # the kernel keeps the maximum attainable
    magnitude = abs(oom_adj) * VALUE_MAX // -LEGACY_MIN  # C division truncates toward zero
    return magnitude if oom_adj >= 0 else -magnitude


def legacy_warning(value):
    """A warning when ``value`` looks like the legacy oom_adj scale (-17..15, not 0); else None."""
    if value == 0 or not LEGACY_MIN <= value <= LEGACY_MAX:
        return None
    return (
        "value %d looks like the legacy oom_adj scale (-17..15); oom_score_adj runs from -1000 to 1000, where %d barely "
        "changes anything. The oom_adj %d is oom_score_adj %d: use that if the legacy scale was meant." % (value, value, value, legacy_equivalent(value))
    )


def compile_pattern(pattern):
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InputError("pattern %r is not a valid Python regular expression: %s" % (pattern, exc)) from None


def check_names(names):
    for name in names:
        if not name or len(name.encode("utf-8")) > COMM_MAX_BYTES:
            raise InputError("name entries must be command names of 1 to 15 bytes (the kernel's comm, as ps -o comm shows it), got %r" % name)


def check_pids(pids):
    for pid in pids:
        if pid < 1:
            raise InputError("pid entries must be positive process ids, got %d" % pid)


def normalize_unit(name):
    """A systemd unit name with its type: 'ssh' -> 'ssh.service'. Raises InputError for slices and the like."""
    name = name.strip()
    if not name or "/" in name:
        raise InputError("unit entries must be systemd unit names such as ssh.service, got %r" % name)
    if name.endswith(UNIT_SUFFIXES):
        return name
    if name.endswith(_UNITS_WITHOUT_PROCESSES):
        raise InputError("unit %r holds no processes of its own: name a unit of type %s (for a slice, name its services)" % (name, ", ".join(UNIT_SUFFIXES)))
    return name + ".service"


def resolve_users(users):
    """User names or numeric uids -> set of uids. Raises InputError for an unknown name."""
    uids = set()
    for user in users:
        text = str(user).strip()
        if text.isdigit():
            uids.add(int(text))
            continue
        try:
            uids.add(pwd.getpwnam(text).pw_uid)
        except KeyError:
            raise InputError("user %r does not exist on this host" % text) from None
    return uids


def read_pidfile(path):
    """The pid in a pidfile (first line, surrounding blanks allowed). Raises InputError."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(4096)
    except FileNotFoundError:
        raise InputError("pidfile %s does not exist" % path) from None
    except IsADirectoryError:
        raise InputError("pidfile %s is a directory" % path) from None
    except OSError as exc:
        raise InputError("pidfile %s cannot be read: %s" % (path, exc.strerror or exc)) from None
    lines = data.strip().splitlines()
    text = lines[0].strip() if lines else b""
    # The content is never quoted: a pidfile pointing at another file must not leak it into logs.
    if not text.isdigit() or int(text) < 1:
        raise InputError("pidfile %s does not hold a process id (its first line must be a positive integer; %d bytes read)" % (path, len(data)))
    return int(text)


# --- host state -----------------------------------------------------------------------------


def has_cap_sys_resource(proc_root="/proc"):
    """Whether this process's effective capabilities hold CAP_SYS_RESOURCE (CapEff bit 24)."""
    try:
        with open("%s/self/status" % proc_root, "rb") as handle:
            for line in handle:
                if line.startswith(b"CapEff:"):
                    return bool(int(line.split()[1], 16) >> CAP_SYS_RESOURCE & 1)
    except (OSError, ValueError, IndexError):
        pass
    return False


def tgid_of(pid, proc_root="/proc"):
    """The thread-group id of a pid or thread id; None when it is not running."""
    try:
        with open("%s/%d/status" % (proc_root, pid), "rb") as handle:
            for line in handle:
                if line.startswith(b"Tgid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pid


def task_lineage(proc_root="/proc", pid=None):
    """This task's own processes: never selected.

    That is this process and its ancestors within its session (the ``sh -c`` wrapper and, with
    become, sudo): they are new on every run, so matching them (a ``pattern`` on ``python``)
    could never be idempotent. Ancestors in other sessions are selectable on purpose: over SSH
    the next one is sshd, the first process an operator protects.
    """
    pid = os.getpid() if pid is None else pid
    try:
        session = os.getsid(pid)
    except OSError:
        return {pid}
    seen = set()
    while pid and pid not in seen:
        try:
            if os.getsid(pid) != session:
                break
        except OSError:
            break
        seen.add(pid)
        record = read_process(pid, proc_root, fields=("stat",))
        if record is None:
            break
        pid = record["ppid"]
    return seen


# --- selection ------------------------------------------------------------------------------


class Selection:
    """The processes a set of selectors picks, and those it picked but must never touch.

    ``matched`` is a list of records (pid, comm, uid, user, before, start_time_ticks), ascending
    pid, one per thread group. ``excluded`` lists {pid, comm, reason} for matches that are
    kernel threads (V(kernel_thread)), init (V(init)) or this task's own processes, itself and its
    ancestors in its session (V(task_process)). ``missing`` lists pids given explicitly that are not running.

    Every process is read once: with ``name``, ``pattern`` or ``unit`` one pass over /proc
    reads stat and oom_score_adj of every process, plus cmdline for ``pattern`` and cgroup for
    ``unit``; with only ``pid`` / ``pidfile`` just those processes are read. A ``unit`` matches
    a process whose innermost systemd unit on its cgroup path is that unit (the attribution
    _procfs reports as ``unit``), that is every process in the unit's cgroup or below it.
    """

    def __init__(self, *, pids=(), names=(), pattern=None, units=(), uids=None, proc_root="/proc", lineage=None):
        self.proc_root = proc_root
        self.pids = list(pids)
        self.names = set(names)
        self.pattern = pattern
        self.units = set(units)
        self.uids = uids
        self.lineage = task_lineage(proc_root) if lineage is None else lineage
        self.matched = []
        self.excluded = []
        self.missing = []
        self.scanned = 0

    def _fields(self):
        fields = ["stat", "oom_score_adj", "status"]
        if self.pattern is not None:
            fields.append("cmdline")
        if self.units:
            fields.append("cgroup")
        return tuple(fields)

    def _selected(self, record, explicit):
        if record["pid"] in explicit or record["comm"] in self.names:
            return True
        if self.pattern is not None and self.pattern.search(record.get("cmdline") or ""):
            return True
        return bool(self.units) and record.get("unit") in self.units

    def _keep(self, record):
        """Apply ``user`` and the never-touch rules; record the match or the skip."""
        if self.uids is not None and record.get("uid") not in self.uids:
            return
        reason = None
        if record.get("kthread"):
            reason = "kernel_thread"
        elif record["pid"] == 1:
            reason = "init"
        elif record["pid"] in self.lineage:
            reason = "task_process"
        if reason:
            self.excluded.append({"pid": record["pid"], "comm": record.get("comm"), "reason": reason})
            return
        self.matched.append(
            {
                "pid": record["pid"],
                "comm": record.get("comm"),
                "uid": record.get("uid"),
                "user": record.get("user"),
                "before": record["oom_score_adj"],
                "start_time_ticks": record.get("start_time_ticks"),
            }
        )

    def run(self):
        explicit = set()
        for pid in self.pids:
            tgid = tgid_of(pid, self.proc_root)
            if tgid is None:
                self.missing.append(pid)
            else:
                explicit.add(tgid)
        fields = self._fields()
        if self.names or self.pattern is not None or self.units:
            candidates = list_pids(self.proc_root)
            self.scanned = len(candidates)
            # A tgid named explicitly is always listed; a thread id is not, its tgid is.
            extra = explicit.difference(candidates)
            candidates.extend(sorted(extra))
        else:
            candidates = sorted(explicit)
        for pid in candidates:
            record = read_process(pid, self.proc_root, fields=fields, cmdline_max=None)
            if record is None:
                if pid in explicit:
                    self.missing.append(pid)
                continue
            if self._selected(record, explicit):
                self._keep(record)
        self.matched.sort(key=lambda entry: entry["pid"])
        return self


# --- decide and act -------------------------------------------------------------------------


def _action(before, value, mode):
    """None when ``before`` already satisfies ``value`` under ``mode``, else 'lower' or 'raise'."""
    if before == value or (mode == "at_most" and before < value) or (mode == "at_least" and before > value):
        return None
    return "lower" if value < before else "raise"


def plan(matched, value, mode="exact"):
    """One entry per matched process: its report keys plus ``action`` (None, 'lower' or 'raise').

    ``mode`` ``exact`` writes every value that differs. ``at_most`` treats ``value`` as an upper
    bound: a process already below it (more protected, such as OpenSSH's listener at -1000 against
    a policy of -900) is left alone and reported ``unchanged`` with the reason. ``at_least`` is the
    same for a lower bound (a process already likelier to be killed stays so).
    """
    if mode not in MODES:
        raise InputError("mode must be one of %s, got %r" % (", ".join(MODES), mode))
    entries = []
    for record in matched:
        before = record["before"]
        action = _action(before, value, mode)
        reason = None
        if action is None and before != value:
            reason = "already %s %d (mode=%s)" % ("below" if before < value else "above", value, mode)
        entries.append(
            {
                "pid": record["pid"],
                "comm": record["comm"],
                "user": record.get("user"),
                "before": before,
                "after": before,
                "changed": False,
                "status": "unchanged",
                "reason": reason,
                "action": action,
                "start_time_ticks": record.get("start_time_ticks"),
            }
        )
    return entries


class Vanished(Exception):
    """The process exited (or its pid was reused) before the write."""


def write_oom_score_adj(pid, value, start_time_ticks=None, proc_root="/proc"):
    """Write ``value`` to the oom_score_adj of ``pid``; raise Vanished when it is gone.

    The open directory fd pins the process: after the start time read through it matches,
    the write cannot land on another process that got the same pid. Other OSErrors (EACCES)
    propagate.
    """
    try:
        dirfd = os.open("%s/%d" % (proc_root, pid), os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        if exc.errno in _VANISHED_ERRNOS:
            raise Vanished(pid) from None
        raise
    try:
        if start_time_ticks is not None:
            try:
                fd = os.open("stat", os.O_RDONLY, dir_fd=dirfd)
                try:
                    stat = parse_stat(os.read(fd, 4096))
                finally:
                    os.close(fd)
            except (OSError, ValueError, IndexError):
                raise Vanished(pid) from None
            if stat["start_time_ticks"] != start_time_ticks:
                raise Vanished(pid)
        try:
            fd = os.open("oom_score_adj", os.O_WRONLY | os.O_TRUNC, dir_fd=dirfd)
            try:
                os.write(fd, b"%d\n" % value)
            finally:
                os.close(fd)
        except OSError as exc:
            if exc.errno in _VANISHED_ERRNOS:
                raise Vanished(pid) from None
            raise
    finally:
        os.close(dirfd)


def _restore(done, write, proc_root):
    """Write the old values back, last written first; return the entries that could not be restored."""
    failures = []
    for entry in reversed(done):
        try:
            write(entry["pid"], entry["before"], entry["start_time_ticks"], proc_root)
        except Vanished:
            continue
        except OSError as exc:
            failures.append({"pid": entry["pid"], "comm": entry["comm"], "value": entry["after"], "error": os.strerror(exc.errno or 0)})
            continue
        entry.update(after=entry["before"], changed=False, status="unchanged")
    return failures


def apply(entries, value, *, check_mode=False, partial=False, proc_root="/proc", write=write_oom_score_adj):
    """Write ``value`` where it differs; update ``entries`` in place and return them.

    Lowerings go first: they are the writes the kernel may refuse (below oom_score_adj_min
    without CAP_SYS_RESOURCE, or a security module), raises after them. A refused write
    (EACCES/EPERM) is ``denied`` when ``partial``; otherwise every write done so far is undone
    and WriteRefused is raised, so the processes are left as they were. In check mode nothing
    is written and a needed write is reported as ``set``.
    """
    pending = [entry for entry in entries if entry["action"] == "lower"] + [entry for entry in entries if entry["action"] == "raise"]
    done = []
    for entry in pending:
        if check_mode:
            entry.update(after=value, changed=True, status="set")
            continue
        try:
            write(entry["pid"], value, entry["start_time_ticks"], proc_root)
        except Vanished:
            entry.update(after=None, status="vanished", reason="exited before the write")
            continue
        except OSError as exc:
            reason = "%s (%s)" % (os.strerror(exc.errno or 0), errno.errorcode.get(exc.errno, exc.errno))
            if partial and exc.errno in _DENIED_ERRNOS:
                entry.update(status="denied", reason=reason)
                continue
            entry["reason"] = reason
            raise WriteRefused(entry, exc, _restore(done, write, proc_root)) from None
        entry.update(after=value, changed=True, status="set")
        done.append(entry)
    return entries


def report(entry):
    return {key: entry.get(key) for key in REPORT_KEYS}


def counts(entries):
    tally = dict((status, 0) for status in STATUSES)
    for entry in entries:
        tally[entry["status"]] += 1
    return tally


def snapshot(proc_root="/proc"):
    """{pid: oom_score_adj} of every process now (a process gone mid-read is left out)."""
    values = {}
    for pid in list_pids(proc_root):
        try:
            fd = os.open("%s/%d/oom_score_adj" % (proc_root, pid), os.O_RDONLY)
            try:
                values[pid] = int(os.read(fd, 32))
            finally:
                os.close(fd)
        except (OSError, ValueError):
            continue
    return values


def shared_mm_changes(before, after, written, value, proc_root="/proc"):
    """Processes not written by us whose value became ``value`` across the writes.

    The kernel copies a written value to every process sharing the target's mm; nothing else
    changes another process's oom_score_adj, barring a concurrent writer. Returns
    [{pid, comm, before, after}], ascending pid.
    """
    changed = []
    for pid in sorted(after):
        if pid in written or pid not in before:
            continue
        if before[pid] != after[pid] and after[pid] == value:
            record = read_process(pid, proc_root, fields=("stat",)) or {}
            changed.append({"pid": pid, "comm": record.get("comm"), "before": before[pid], "after": after[pid]})
    return changed


def render_diff(entries):
    """{'before', 'after', headers} text, one line per matched process: '<pid> <comm>: <value>'."""
    before = []
    after = []
    for entry in entries:
        label = "%d %s" % (entry["pid"], entry["comm"])
        before.append("%s: %d\n" % (label, entry["before"]))
        shown = "(vanished)" if entry["status"] == "vanished" else "%d" % entry["after"]
        if entry["status"] == "denied":
            shown += " (denied)"
        after.append("%s: %s\n" % (label, shown))
    return {
        "before_header": "oom_score_adj before",
        "after_header": "oom_score_adj after",
        "before": "".join(before),
        "after": "".join(after),
    }


def refused_message(entry, value, has_cap, restore_failures=()):
    """The failure message for a refused write: pid, values, the capability, what to do instead."""
    lowering = value < entry["before"]
    head = "cannot %s the oom_score_adj of pid %d (%s) from %d to %d: the kernel refused the write (%s)." % (
        "lower" if lowering else "raise",
        entry["pid"],
        entry["comm"],
        entry["before"],
        value,
        entry.get("reason") or "Permission denied (EACCES)",
    )
    if lowering and not has_cap:
        why = (
            " Going below a process's oom_score_adj_min needs CAP_SYS_RESOURCE, which this task's process lacks"
            " (root without it, as in many containers)."
            " Instead, persist the value with OOMScoreAdjust= in the service's unit (oom.guard.systemd_oom_dropin):"
            " systemd sets it as PID 1, normally with every capability, each time the service starts;"
            " or run this task where root has CAP_SYS_RESOURCE."
        )
    elif lowering:
        why = " This task has CAP_SYS_RESOURCE, so a security module (SELinux, AppArmor) refused it: see its log."
    else:
        why = " Raising is refused only by file permissions (a process of another user: use become) or a security module."
    if restore_failures:
        left = ", ".join("pid %d (%s) left at %s: %s" % (f["pid"], f["comm"], f["value"], f["error"]) for f in restore_failures)
        tail = " The writes already done were undone except: %s." % left
    else:
        tail = " Nothing was changed."
    return head + why + tail + " partial=true applies what the kernel allows and reports the rest as denied."
