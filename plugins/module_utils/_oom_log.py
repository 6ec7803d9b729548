# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse OOM kills out of kernel logs (dmesg, journalctl, kern.log, messages) and the logs of
earlyoom and systemd-oomd.

Private to oom.guard (the leading underscore): no compatibility promise to other collections.
Used by the oom_facts module on the managed host and by the kernel_oom_events filter on the
controller, so that both always agree. Stdlib only; runs on Python 3.8+.

Formats read (each from the kernel's or the daemon's own format strings):

* selection line, kernels before 5.1: ``Out of memory: Kill process N (comm) score S or
  sacrifice child``, 2.6.32 ``... kill process N (comm) score S or a child``, older ``... and
  children``, and the ``Memory cgroup out of memory:`` variants;
* the kill line ``[<reason>: ]Killed process N (comm) total-vm:..kB, anon-rss:..kB,
  file-rss:..kB[, shmem-rss:..kB][, UID:u][ pgtables:..kB][ oom_score_adj:a]``, 2.6.32's
  ``vsz:`` spelling, a bare ``Killed process N (comm)``, RHEL 6 ``Killed process N, UID u,
  (comm) ...`` and RHEL 7 ``Killed process N (comm), UID u, ...``;
* the 4.19+ summary ``oom-kill:constraint=...,oom_memcg=...,task_memcg=...,task=..,pid=..,uid=..``;
* cgroup v1 ``Task in X killed as a result of limit of Y``;
* the header ``<comm> invoked oom-killer: gfp_mask=..., order=..., oom_score_adj=...`` and the
  ``CPU: n [UID: u ]PID: p Comm: c`` (2.6: ``Pid: p, comm: c``) line after it;
* ``Out of memory and no killable processes...`` (counted, not an event) and the rate-limit
  notes ``oom_kill_process: N callbacks suppressed`` / ``printk: N messages suppressed`` among
  the ``_NOTE_LINES`` lines before a header (see "Rate-limit notes" below);
* earlyoom ``sending SIGTERM to process N uid U "comm": badness B, VmRSS M MiB`` (1.6),
  ``... oom_score S, VmRSS M MiB, cmdline "..."`` (1.7), ``... oom_score S, oom_score_adj A, ...``
  (1.8), ``escalating to SIGKILL after T seconds`` and ``process N exited after T seconds``;
* systemd-oomd ``Killed <cgroup> due to memory pressure for <cgroup> being X% > Y% for > T with
  reclaim activity``, ``Killed <cgroup> due to swap used (..) / total (..) being more than X%``,
  ``Killed <cgroup> due to memory used (..) / total (..) and swap used (..) / total (..) being
  more than X%`` and the ``Marked <cgroup> for killing due to ...`` wording of newer releases.

oom_reaper lines, the task table and ``Kill process N (comm) sharing same memory`` are never
kills.

Line prefixes: none, ``<N>`` priority, ``[ 123.456789]`` seconds since boot, ``dmesg -T``
``[Tue Dec  1 03:04:05 2026]``, ``dmesg -x`` ``kern  :err   :``, /dev/kmsg ``6,123,4567,-;``,
CONFIG_PRINTK_CALLER ``[T123]``/``[C1]`` after the timestamp, syslog ``Dec  1 03:04:05 host
kernel:``, RFC 3339 syslog and journald short, short-precise, short-iso and short-iso-precise.
When a syslog/journal prefix names a program, kernel records are taken only from ``kernel``,
earlyoom's only from ``earlyoom`` and systemd-oomd's only from ``systemd-oomd``.

Grouping: a kernel OOM report spans many lines. Per host (the syslog/journal host name, or one
shared group when lines carry none) the parser keeps one open record. The ``invoked oom-killer``
header opens it; the ``CPU:`` line, ``Task in``, the selection line and the ``oom-kill:``
summary add to it; the ``Killed process`` line closes it and emits one event. The victim is
always the task in the ``Killed process`` line, even when the selection line named another task
(its child was sacrificed); the selection's score is kept only when its pid is the victim's, and
the summary's uid and memcgs only when its pid is the victim's. A record that got a selection
or summary line but no ``Killed process`` line before the next header (or a second selection or
summary, more than 60 seconds of log time, or the end of the input) is emitted with
``partial: true``. A header with neither is dropped (the kernel killed nobody, or the victim was
already exiting). A ``Killed process`` line without an open record is an event on its own.

Rate-limit notes: the OOM killer rate-limits its reports (``oom_rs`` in ``oom_kill_process``;
``printk_ratelimit()`` before 2.6.33). ``___ratelimit`` prints the note with the number of
reports it held back when the next report passes the limit, so the note comes right before that
report's header: only a note among the ``_NOTE_LINES`` lines before an ``invoked oom-killer``
header of the same host counts, once. A note anywhere else belongs to another rate limit (a
driver, ``net_ratelimit``) and says nothing about OOM reports. Kernels before 2.6.33 share one
``printk_ratelimit`` among all its callers: there the note before a header also counts the
messages of other callers held back in the same interval.

Times: ``time_raw`` is the line's leading timestamp as printed. ``time`` is ISO 8601 UTC,
``YYYY-MM-DDTHH:MM:SSZ``, with a six-digit fraction ``.ffffffZ`` when the timestamp has
sub-second precision. Seconds since boot become a time only when ``boot_time`` (epoch seconds,
btime of /proc/stat) is given. Timestamps without a zone (syslog, journald short, dmesg -T) are
local time of the logging host; ``utc_offset`` (seconds east of UTC, default 0) converts them.
Syslog's year-less dates take ``year``; without it, the current year, or the previous one when
that would put the date more than a day in the future.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import datetime
import functools
import re
import time as _time

from ansible_collections.oom.guard.plugins.module_utils._cgroup_attribution import attribute_cgroup_path

KIND_KERNEL = "kernel_oom_kill"
KIND_EARLYOOM = "earlyoom_kill"
KIND_SYSTEMD_OOMD = "systemd_oomd_kill"
KINDS = (KIND_KERNEL, KIND_EARLYOOM, KIND_SYSTEMD_OOMD)

# The one list of event keys: the oom_facts RETURN docs and the filter's RETURN docs match it.
EVENT_KEYS = (
    "kind",  # kernel_oom_kill, earlyoom_kill or systemd_oomd_kill
    "pid",  # victim pid (int)
    "comm",  # victim command name as the kernel/daemon printed it
    "uid",  # victim uid (int)
    "score",  # oom badness score (selection line, earlyoom badness/oom_score)
    "oom_score_adj",  # victim oom_score_adj, from the kill line only
    "total_vm_kb",
    "anon_rss_kb",
    "file_rss_kb",
    "shmem_rss_kb",
    "pgtables_kb",
    "scope",  # global or memcg
    "constraint",  # CONSTRAINT_NONE/MEMCG/CPUSET/MEMORY_POLICY; systemd-oomd: ManagedOOMMemoryPressure/ManagedOOMSwap
    "oom_memcg",  # cgroup whose limit was hit (systemd-oomd: the monitored cgroup)
    "task_memcg",  # victim's cgroup (systemd-oomd: the killed cgroup)
    "invoker_comm",  # task that invoked the OOM killer
    "invoker_pid",
    "time_raw",  # leading timestamp of the line as printed
    "time",  # ISO 8601 UTC, or None when it cannot be known
    "unit",  # systemd unit owning task_memcg
    "container_id",
    "pod_uid",
    "partial",  # True when only a selection/summary line was seen, no Killed process line
)
EARLYOOM_EXTRA_KEYS = ("signal",)

# Log time between two lines of one kernel report beyond which an open record is stale.
_RECORD_GAP_SECONDS = 60.0
_RECORD_GAP_US = _RECORD_GAP_SECONDS * 1000000
# Kernel lines are under 1 KiB; cutting longer candidates bounds regex work on hostile input.
# Comms are at most 15 bytes (TASK_COMM_LEN 16); the patterns accept up to 64 characters.
_MAX_LINE = 8192
_CHUNK = 1 << 20

_MONTHS = {
    "Jan": 1,
    "Feb": 2,
    "Mar": 3,
    "Apr": 4,
    "May": 5,
    "Jun": 6,
    "Jul": 7,
    "Aug": 8,
    "Sep": 9,
    "Oct": 10,
    "Nov": 11,
    "Dec": 12,
}

_PREFIX_RE = re.compile(
    r"^(?:<\d{1,3}>)?"
    r"(?:(?P<iso>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)"
    r"|(?P<bsd>[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?))"
    r" +(?P<host>\S+) +(?P<prog>[^\s\[:]+)(?:\[\d+\])?: "
    r"|^(?P<kmsg>\d{1,3}),\d+,(?P<kmsg_us>\d+),[^;]*;"
)
_INNER_RE = re.compile(
    r"(?:<\d{1,3}>)?"
    r"(?:[a-z]+ *:[a-z]+ *: )?"
    r"(?:\[ *(?P<mono>\d+\.\d+)\]|\[(?P<human>[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \d{4})\])?"
    r"(?:\[ *[TC]\d+\])? ?"
)

_KILLED_RE = re.compile(
    r"(?:(?P<reason>Memory cgroup out of memory|Out of memory(?: \(oom_kill_allocating_task\))?): )?"
    r"Killed process (?P<pid>\d+)"
    r"(?:, UID (?P<uid6>\d+), \((?P<comm6>.{0,64})\)| \((?P<comm>.{0,64})\)(?:, UID (?P<uid7>\d+),)?)"
    r" (?:total-vm|vsz):(?P<vm>\d+)kB, anon-rss:(?P<anon>\d+)kB, file-rss:(?P<file>\d+)kB"
    r"(?:, shmem-rss:(?P<shmem>\d+)kB)?(?:, UID:(?P<uid>\d+))?(?: pgtables:(?P<pgt>\d+)kB)?"
    r"(?: oom_score_adj:(?P<adj>-?\d+))?"
)
_KILLED_BARE_RE = re.compile(
    r"(?:(?P<reason>Memory cgroup out of memory|Out of memory(?: \(oom_kill_allocating_task\))?): )?"
    r"Killed process (?P<pid>\d+) \((?P<comm>.{0,64})\)\s*$"
)
_SELECT_RE = re.compile(
    r"(?P<reason>Memory cgroup out of memory|Out of [Mm]emory(?: \(oom_kill_allocating_task\))?): "
    r"[Kk]ill process (?P<pid>\d+) \((?P<comm>.{0,64})\) (?:with )?score (?P<score>-?\d+)"
    r" (?:or sacrifice child|or a child|and children)"
)
# The summary's fields. Each lazy gap is written _ANY_TO_COMMA rather than ".*?": what follows it
# always opens with a comma, so it matches the same text, found in the same order, but steps from
# comma to comma instead of character by character (three times faster). _SUMMARY_TAIL_RE is
# the end every match has: a line without it is dismissed before the backtracking of the gaps,
# which on a long line of commas and keys runs for seconds.
_ANY_TO_COMMA = r"[^,\n]*(?:,[^,\n]*)*?"
_SUMMARY_RE = re.compile(
    r"oom-kill:constraint=(?P<constraint>[A-Z_]+)," + _ANY_TO_COMMA + r"(?:,oom_memcg=(?P<oom_memcg>" + _ANY_TO_COMMA + r")|,global_oom)?"
    r"(?:,task_memcg=(?P<task_memcg>" + _ANY_TO_COMMA + r"))?,task=(?P<comm>.{0,64}),pid=(?P<pid>\d+),uid=(?P<uid>\d+)\s*$"
)
_SUMMARY_TAIL_RE = re.compile(r",task=.{0,64},pid=\d+,uid=\d+\s*$")
_TASK_IN_RE = re.compile(r"Task in (?P<task>\S.*) killed as a result of limit of (?P<oom>\S.*?)\s*$")
_INVOKED_RE = re.compile(r"^(?P<comm>.*?) invoked oom-killer: gfp_mask=")
_CPU_RE = re.compile(
    r"(?:CPU: \d+ (?:UID: \d+ )?PID: (?P<pid>\d+) Comm: |Pid: (?P<pid26>\d+), comm: )"
    r"(?P<comm>.*?)(?: Kdump: loaded)? +(?:Not tainted|Tainted)"
)
_SUPPRESSED_RE = re.compile(
    r"(?:^|\s)(?P<who>printk|oom_kill_process|__oom_kill_process|dump_header|out_of_memory|oom_reaper): "
    r"(?P<n>\d+) (?:callbacks|messages) suppressed"
)
_EARLYOOM_RE = re.compile(
    r"sending (?P<sig>SIG[A-Z0-9]+) to process (?P<pid>\d+)(?: uid (?P<uid>\d+))? \"(?P<comm>.{0,64})\": "
    r"(?:badness (?P<badness>-?\d+)|oom_score (?P<oom_score>-?\d+))(?:, oom_score_adj (?P<adj>-?\d+))?"
    r".*?, VmRSS \d+ MiB"
)
_EARLYOOM_ESCALATE_RE = re.compile(r"escalating to (?P<sig>SIG[A-Z0-9]+) after")
_OOMD_RE = re.compile(
    r"(?:Killed|Marked) (?P<cgroup>/\S*)(?: for killing)? due to (?P<what>memory pressure|memory used|swap used)(?: for (?P<monitored>/\S*))?"
)

_EVENT_TEMPLATE = dict.fromkeys(EVENT_KEYS)


class _Record(object):
    """One open kernel OOM report of one host. The class attributes are the defaults, so that
    opening a record (once per report) runs no __init__; an instance sets only what it saw."""

    invoker_comm = None
    invoker_pid = None
    scope = None
    constraint = None
    oom_memcg = None
    task_memcg = None
    sel = None
    summary = None
    time_raw = None
    time = None
    stamp = None
    has_header = False


class _Line(object):
    """The prefix of one candidate line: host, program, times and the message body."""

    __slots__ = ("body", "host", "prog", "stamp", "time", "time_raw")


def _int(text):
    return None if text is None else int(text)


def _format_us(epoch_us, fraction):
    """epoch microseconds -> ISO 8601 UTC text (fraction printed only when known)."""
    seconds, micro = divmod(epoch_us, 1000000)
    moment = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=seconds)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += ".%06d" % micro
    return text + "Z"


def _safe_format(epoch_us, fraction):
    try:
        return _format_us(epoch_us, fraction)
    except (ValueError, OverflowError):
        return None


def _split_fraction(text):
    """'12.5' -> (12, 500000, True); '12' -> (12, 0, False)."""
    dot = text.find(".")
    comma = text.find(",")
    if dot == -1 or (comma != -1 and comma < dot):
        dot = comma
    if dot != -1:
        return int(text[:dot] or 0), int((text[dot + 1 :] + "000000")[:6]), True
    return int(text), 0, False


class _Clock(object):
    """Turns the timestamps of line prefixes into epoch microseconds."""

    def __init__(self, boot_time, year, utc_offset, now):
        self.boot_us = None
        if boot_time is not None:
            self.boot_us = round(float(boot_time) * 1000000)
        self.year = int(year) if year is not None else None
        self.offset_us = round(float(utc_offset or 0) * 1000000)
        self.now = float(now) if now is not None else _time.time()
        # Lines of one report share their timestamp: converting each text once is enough.
        self.cache = {}
        self.mono_cache = {}

    def convert(self, kind, raw):
        """(ISO text, epoch microseconds) of a prefix timestamp; (None, None) when unreadable."""
        key = (kind, raw)
        known = self.cache.get(key)
        if known is None:
            try:
                if kind == "iso":
                    usec = self.iso(raw)
                    frac = "." in raw[19:] or "," in raw[19:]
                elif kind == "bsd":
                    usec = self.bsd(raw)
                    frac = "." in raw
                else:
                    usec = self.human(raw)
                    frac = False
                known = (_format_us(usec, frac), usec)
            except (ValueError, KeyError, OverflowError, AttributeError):
                known = (None, None)
            if len(self.cache) > 4096:
                self.cache.clear()
            self.cache[key] = known
        return known

    def mono(self, raw):
        """(time_raw, stamp, time) of the text in a dmesg "[ 123.456789]" prefix, False when it
        is no such timestamp. Lines of one report share their timestamp: kept in a cache."""
        mono = raw.lstrip(" ")
        whole, dot, frac = mono.partition(".")
        known = False
        if dot and whole.isdecimal() and frac.isdecimal():
            usec = int(whole) * 1000000 + int((frac + "000000")[:6])
            known = (mono, ("mono", usec), None if self.boot_us is None else _safe_format(self.boot_us + usec, True))
        if len(self.mono_cache) > 4096:
            self.mono_cache.clear()
        self.mono_cache[raw] = known
        return known

    def local(self, fields, micro):
        """(year, month, day, hh, mm, ss) local time of the logging host -> epoch microseconds."""
        datetime.datetime(*fields)  # validates (ValueError on 30 Feb)
        return (calendar.timegm((*fields, 0, 0, 0)) * 1000000 + micro) - self.offset_us

    def bsd(self, text):
        month_name, day, clock = text.split()
        hh, mm, sec = clock.split(":")
        ss, micro, _frac = _split_fraction(sec)
        month = _MONTHS[month_name]
        rest = (month, int(day), int(hh), int(mm), ss)
        if self.year is not None:
            return self.local((self.year, *rest), micro)
        year = (datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=int(self.now))).year
        stamp = self.local((year, *rest), micro)
        if stamp > (self.now + 86400) * 1000000:
            stamp = self.local((year - 1, *rest), micro)
        return stamp

    def iso(self, text):
        match = re.match(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(Z|[+-]\d\d:?\d\d)?$", text)
        year, month, day, hh, mm, ss = (int(x) for x in match.group(1, 2, 3, 4, 5, 6))
        micro = int((match.group(7) + "000000")[:6]) if match.group(7) else 0
        zone = match.group(8)
        datetime.datetime(year, month, day, hh, mm, ss)
        stamp = calendar.timegm((year, month, day, hh, mm, ss, 0, 0, 0)) * 1000000 + micro
        if zone is None:
            return stamp - self.offset_us
        if zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            stamp -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * 1000000
        return stamp

    def human(self, text):
        _wday, month_name, day, clock, year = text.split()
        hh, mm, ss = clock.split(":")
        return self.local((int(year), _MONTHS[month_name], int(day), int(hh), int(mm), int(ss)), 0)


def _parse_prefix(line, clock):
    """Split a candidate line into its prefix fields and message body (never raises on text)."""
    info = _Line()
    info.host = info.prog = None
    if line[:1] == "[":
        # The common dmesg form "[ 123.456789] body", read without the regexes (neither
        # _PREFIX_RE nor the <N>/dmesg -x parts of _INNER_RE can match a line opening with "[").
        close = line.find("]", 1, 40)
        if close != -1:
            after = line[close + 1 : close + 2]
            if after != "[":
                raw = line[1:close]
                known = clock.mono_cache.get(raw)
                if known is None:
                    known = clock.mono(raw)
                if known:
                    info.time_raw, info.stamp, info.time = known
                    info.body = line[close + 2 :] if after == " " else line[close + 1 :]
                    return info
    info.time_raw = info.time = info.stamp = None
    pos = 0
    match = _PREFIX_RE.match(line)
    if match:
        pos = match.end()
        if match.group("kmsg") is not None:
            usec = int(match.group("kmsg_us"))
            info.time_raw = match.group("kmsg_us")
            info.stamp = ("mono", usec)
            if clock.boot_us is not None:
                info.time = _safe_format(clock.boot_us + usec, True)
        else:
            info.host = match.group("host")
            info.prog = match.group("prog")
            raw = match.group("iso")
            kind = "iso"
            if raw is None:
                raw = match.group("bsd")
                kind = "bsd"
            info.time_raw = raw
            info.time, usec = clock.convert(kind, raw)
            if usec is not None:
                info.stamp = ("wall", usec)
    inner = _INNER_RE.match(line, pos)
    if inner and inner.end() > pos:
        mono = inner.group("mono")
        human = inner.group("human")
        if mono is not None and info.time_raw is None:
            info.time_raw = mono
            whole, micro, _frac = _split_fraction(mono)
            usec = whole * 1000000 + micro
            info.stamp = ("mono", usec)
            if clock.boot_us is not None:
                info.time = _safe_format(clock.boot_us + usec, True)
        elif human is not None and info.time_raw is None:
            info.time_raw = human
            info.time, usec = clock.convert("human", human)
            if usec is not None:
                info.stamp = ("wall", usec)
        pos = inner.end()
    info.body = line[pos:]
    return info


def _new_event(kind, line):
    event = _EVENT_TEMPLATE.copy()
    event["kind"] = kind
    event["time_raw"] = line.time_raw
    event["time"] = line.time
    event["partial"] = False
    return event


@functools.lru_cache(maxsize=1024)
def _owner_of(path):
    """(unit, container_id, pod_uid) of a cgroup path: kills in one cgroup repeat, so cached."""
    owner = attribute_cgroup_path(path)
    return owner["unit"], owner["container_id"], owner["pod_uid"]


def _attribute(event, path):
    if not path or not isinstance(path, str):
        event["unit"] = event["container_id"] = event["pod_uid"] = None
        return
    event["unit"], event["container_id"], event["pod_uid"] = _owner_of(path)


def _scope_of(reason):
    if not reason:
        return None
    return "memcg" if reason.startswith("Memory cgroup") else "global"


def _scope_of_constraint(constraint):
    return "memcg" if constraint == "CONSTRAINT_MEMCG" else "global"


class _Parser(object):
    """Streaming state: open records per host, counters, events in completion order."""

    def __init__(self, clock, kinds):
        self.clock = clock
        self.kinds = kinds
        self.records = {}
        self.last_earlyoom = {}
        self.events = []
        self.no_killable_count = 0
        self.suppressed = 0
        self.ratelimited = False
        self.lines_scanned = 0
        self.unreadable_lines = 0
        self.awaiting_cpu = 0
        # Set by the scanner just before it hands over a header line: (key, text) of the
        # rate-limit notes among the _NOTE_LINES lines before it; the key (a line number, or a
        # block number and offset) tells a note seen before by another header. ``notes_counted``
        # holds the keys of the notes counted (each counts once, for a header of its host).
        # ``note_tail`` carries the notes at the end of a block (lines from its end, key, text)
        # to the headers at the start of the next ones; ``blocks`` numbers the blocks.
        self.notes = None
        self.notes_counted = set()
        self.note_tail = None
        self.blocks = 0

    # -- kernel records -------------------------------------------------------------------
    def _record(self, host, line, create=True):
        record = self.records.get(host)
        stamp = line.stamp
        if record is not None and stamp is not None:
            last = record.stamp
            if last is not None and last is not stamp and last[0] == stamp[0] and abs(stamp[1] - last[1]) > _RECORD_GAP_US:
                self._flush(host)
                record = None
        if record is None:
            if not create:
                return None
            record = _Record()
            self.records[host] = record
        if stamp is not None:
            record.stamp = stamp
        return record

    def _flush(self, host):
        record = self.records.pop(host, None)
        if record is None:
            return
        if record.has_header and record.invoker_pid is None:
            self.awaiting_cpu = max(0, self.awaiting_cpu - 1)
        source = record.summary or record.sel
        if source is None:
            return
        event = dict(_EVENT_TEMPLATE)
        event["kind"] = KIND_KERNEL
        event["pid"] = source["pid"]
        event["comm"] = source["comm"]
        event["uid"] = record.summary["uid"] if record.summary else None
        if record.sel is not None and record.sel["pid"] == source["pid"]:
            event["score"] = record.sel["score"]
        self._fill_from_record(event, record, source["pid"])
        event["time_raw"] = record.time_raw
        event["time"] = record.time
        event["partial"] = True
        self._emit(event)

    def _fill_from_record(self, event, record, pid):
        event["scope"] = record.scope
        event["constraint"] = record.constraint
        event["oom_memcg"] = record.oom_memcg
        event["task_memcg"] = record.task_memcg
        summary = record.summary
        if summary is not None and summary["pid"] == pid:
            event["oom_memcg"] = summary["oom_memcg"] or event["oom_memcg"]
            event["task_memcg"] = summary["task_memcg"] or event["task_memcg"]
        event["invoker_comm"] = record.invoker_comm
        event["invoker_pid"] = record.invoker_pid
        _attribute(event, event["task_memcg"])

    def _emit(self, event):
        if self.kinds is None or event["kind"] in self.kinds:
            self.events.append(event)

    def _killed(self, match, line):
        host = line.host
        record = self._record(host, line, create=False)
        self.records.pop(host, None)
        if record is not None and record.has_header and record.invoker_pid is None:
            self.awaiting_cpu = max(0, self.awaiting_cpu - 1)
        event = _new_event(KIND_KERNEL, line)
        if match.re is _KILLED_RE:
            # The groups in the order of _KILLED_RE (match.groups() is the cheapest read of them).
            reason, pid, uid6, comm6, comm, uid7, vm, anon, file_rss, shmem, uid, pgt, adj = match.groups()
            if comm is None:
                comm = comm6
            uid = uid or uid6 or uid7
            event["total_vm_kb"] = int(vm)
            event["anon_rss_kb"] = int(anon)
            event["file_rss_kb"] = int(file_rss)
            if shmem is not None:
                event["shmem_rss_kb"] = int(shmem)
            if pgt is not None:
                event["pgtables_kb"] = int(pgt)
            if adj is not None:
                event["oom_score_adj"] = int(adj)
        else:
            reason, pid, comm = match.group("reason", "pid", "comm")
            uid = None
        pid = int(pid)
        event["pid"] = pid
        event["comm"] = comm
        event["uid"] = None if uid is None else int(uid)
        if record is not None:
            self._fill_from_record(event, record, pid)
            sel = record.sel
            if sel is not None and sel["pid"] == pid:
                event["score"] = sel["score"]
            summary = record.summary
            if uid is None and summary is not None and summary["pid"] == pid:
                event["uid"] = summary["uid"]
        if reason:
            event["scope"] = "memcg" if reason.startswith("Memory cgroup") else "global"
        if record is None:
            _attribute(event, None)
        if self.kinds is None or KIND_KERNEL in self.kinds:
            self.events.append(event)

    def _kernel(self, line):
        body = line.body
        if "Killed process" in body:
            match = _KILLED_RE.search(body) or _KILLED_BARE_RE.search(body)
            if match:
                self._killed(match, line)
            return
        if "invoked oom-killer" in body:
            match = _INVOKED_RE.match(body)
            if match:
                host = line.host
                if self.notes:
                    self._count_notes(host)
                self._flush(host)
                record = self.records[host] = _Record()
                record.stamp = line.stamp
                record.has_header = True
                record.invoker_comm = match.group("comm")
                self.awaiting_cpu += 1
            return
        if "ill process" in body:
            match = _SELECT_RE.search(body)
            if match:
                record = self._record(line.host, line)
                if record.sel is not None:
                    self._flush(line.host)
                    record = self._record(line.host, line)
                reason, pid, comm, score = match.group("reason", "pid", "comm", "score")
                record.sel = {"pid": int(pid), "comm": comm, "score": int(score)}
                record.scope = _scope_of(reason) or record.scope
                record.time_raw, record.time = line.time_raw, line.time
            return
        if "oom-kill:constraint=" in body:
            match = _SUMMARY_RE.search(body) if _SUMMARY_TAIL_RE.search(body) else None
            if match:
                record = self._record(line.host, line)
                if record.summary is not None:
                    self._flush(line.host)
                    record = self._record(line.host, line)
                constraint, pid, comm, uid, oom_memcg, task_memcg = match.group("constraint", "pid", "comm", "uid", "oom_memcg", "task_memcg")
                record.summary = {"pid": int(pid), "comm": comm, "uid": int(uid), "oom_memcg": oom_memcg, "task_memcg": task_memcg}
                record.constraint = constraint
                record.scope = _scope_of_constraint(record.constraint)
                if record.sel is None:
                    record.time_raw, record.time = line.time_raw, line.time
            return
        if "killed as a result of limit of" in body:
            match = _TASK_IN_RE.search(body)
            if match:
                record = self._record(line.host, line)
                record.task_memcg, record.oom_memcg = match.group("task", "oom")
                record.scope = "memcg"
            return
        if "no killable processes" in body:
            self.no_killable_count += 1
            record = self.records.get(line.host)
            if record is not None and record.sel is None and record.summary is None:
                self.records.pop(line.host, None)
                if record.has_header and record.invoker_pid is None:
                    self.awaiting_cpu = max(0, self.awaiting_cpu - 1)
            return

    def _count_notes(self, host):
        """Count the rate-limit notes handed over with a kernel header of ``host`` (not counted
        yet). A note the parser fails on is an unreadable line; the header still opens its record."""
        for key, text in self.notes:
            if key in self.notes_counted:
                continue
            try:
                note = self._prefix(text)
                if note.host != host or (note.prog is not None and note.prog != "kernel"):
                    continue
                match = _SUPPRESSED_RE.search(note.body)
                if match is None:
                    continue
                count = int(match.group("n"))
            except Exception:  # pylint: disable=broad-except
                # Never-raise contract: a malformed note must not cost the report its header.
                self.notes_counted.add(key)
                self.unreadable_lines += 1
                continue
            self.notes_counted.add(key)
            self.ratelimited = True
            self.suppressed += count

    def _cpu(self, line):
        record = self.records.get(line.host)
        if record is None or not record.has_header or record.invoker_pid is not None:
            return
        match = _CPU_RE.search(line.body)
        if match is None:
            return
        pid, pid26, comm = match.group("pid", "pid26", "comm")
        if (record.invoker_comm or "").endswith(comm):
            record.invoker_pid = int(pid or pid26)
            self.awaiting_cpu = max(0, self.awaiting_cpu - 1)

    # -- daemons ------------------------------------------------------------------------------
    def _earlyoom(self, line):
        body = line.body
        if "sending SIG" in body:
            match = _EARLYOOM_RE.search(body)
            if match:
                event = _new_event(KIND_EARLYOOM, line)
                event["pid"] = int(match.group("pid"))
                event["comm"] = match.group("comm")
                event["uid"] = _int(match.group("uid"))
                event["score"] = _int(match.group("badness") or match.group("oom_score"))
                event["oom_score_adj"] = _int(match.group("adj"))
                event["signal"] = match.group("sig")
                self.last_earlyoom[line.host] = event
                self._emit(event)
            return
        if "escalating to SIG" in body:
            match = _EARLYOOM_ESCALATE_RE.search(body)
            event = self.last_earlyoom.get(line.host)
            if match and event is not None:
                event["signal"] = match.group("sig")
            return
        if body.startswith("dryrun, not actually sending"):
            event = self.last_earlyoom.pop(line.host, None)
            if event is not None:
                for index in range(len(self.events) - 1, -1, -1):
                    if self.events[index] is event:
                        del self.events[index]
                        break

    def _oomd(self, line):
        match = _OOMD_RE.search(line.body)
        if not match:
            return
        event = _new_event(KIND_SYSTEMD_OOMD, line)
        event["task_memcg"] = match.group("cgroup")
        if match.group("what") == "memory pressure":
            event["constraint"] = "ManagedOOMMemoryPressure"
            event["oom_memcg"] = match.group("monitored")
        else:
            event["constraint"] = "ManagedOOMSwap"
        _attribute(event, event["task_memcg"])
        self._emit(event)

    # -- dispatch -----------------------------------------------------------------------------
    def candidate(self, text):
        """A line that holds a marker. It can also be the CPU line a report waits for, when the
        invoker's name holds a marker (``killall``, ``fill``, ``dryrun``): that is read too."""
        if len(text) > _MAX_LINE:
            text = text[:_MAX_LINE]
        for phrase in _PHRASES:
            if phrase in text:
                break
        else:
            if "dryrun" not in text:
                if self.awaiting_cpu and ("CPU:" in text or "Pid:" in text):
                    self.cpu_candidate(text)
                return
        line = _parse_prefix(text.rstrip("\r\n"), self.clock)
        prog = line.prog
        kernel = prog is None or prog == "kernel"
        if kernel:
            self._kernel(line)
        body = line.body
        if prog != "kernel":
            if (prog is None or prog == "earlyoom") and ("SIG" in body or "dryrun" in body):
                self._earlyoom(line)
            elif (prog is None or prog == "systemd-oomd") and " due to " in body:
                self._oomd(line)
        if kernel and self.awaiting_cpu and ("CPU:" in body or "Pid:" in body):
            self._cpu(line)

    def _prefix(self, text):
        """The prefix of a raw line, cut to _MAX_LINE characters first."""
        return _parse_prefix(text[:_MAX_LINE].rstrip("\r\n"), self.clock)

    def cpu_candidate(self, text):
        line = self._prefix(text)
        if line.prog is None or line.prog == "kernel":
            self._cpu(line)

    def finish(self):
        for host in list(self.records):
            self._flush(host)


# Every line the parser acts on contains one of these: "ill" covers Kill/Killed/killed/killer/
# killable and systemd-oomd's Killed/killing, and "SIG" earlyoom's "sending SIG" and "escalating
# to SIG" (as in _scan_lines, so an escalation is read however far it is from its kill). Each
# marker costs one C-speed bytes.find pass over a block, so there are as few as can be; no
# shorter list covers the lines, and these needles are among the cheapest to search for
# (bytes.find skips ahead while the text holds none of a needle's letters: "SIG" costs a fifth
# less than "sending SIG").
# Three kinds of lines are looked for only next to another one, which saves a pass over the
# text each: the CPU line of a record within _FOLLOW_WINDOW bytes after its "invoked
# oom-killer" header (and only while a record waits for one), earlyoom's "dryrun" note within
# _FOLLOW_WINDOW bytes after its "sending SIG" line, and the rate-limit notes among the
# _NOTE_LINES lines before a header (the only place the kernel prints the OOM killer's; see the
# module docstring).
_MARKERS = ("ill", "SIG")
_FOLLOW_WINDOW = 8192
_NOTE_LINES = 8
# A candidate line must hold one of these phrases to be worth parsing.
_PHRASES = (
    "Killed process",
    "invoked oom-killer",
    "ill process",
    "oom-kill:",
    "as a result of limit",
    "no killable",
    "sending SIG",
    "escalating to SIG",
    " due to ",
)


class _Needles(object):
    """The markers in the type of a block: blocks read from a binary file stay bytes, and only
    the candidate lines are decoded (decoding a whole log costs more than scanning it)."""

    def __init__(self, kind):
        def conv(text):
            return text.encode("ascii") if kind is bytes else text

        self.newline = conv("\n")
        self.markers = tuple(conv(m) for m in _MARKERS)
        self.cpu = (conv("CPU:"), conv("Pid:"))
        self.dryrun = conv("dryrun")
        self.note = conv("suppressed")
        self.header = conv("invoked oom-killer")
        self.is_bytes = kind is bytes


_NEEDLES = {bytes: _Needles(bytes), str: _Needles(str)}


def _count_newlines(block, begin, stop, needles):
    """Newlines in ``block[begin:stop]``. For bytes ``len - len(replace)``: bytes.replace finds
    a byte with memchr, three times as fast as the byte-by-byte loop of bytes.count."""
    newline = needles.newline
    if not needles.is_bytes:
        return block.count(newline, begin, stop)
    length = len(block)
    if begin + length - stop > (stop - begin) >> 4:
        # A region of a much bigger text: count in a copy of it.
        part = block[begin:stop]
        return len(part) - len(part.replace(newline, b""))
    # (Nearly) the whole block, as read from a file: count in all of it, less the cut lines.
    count = length - len(block.replace(newline, b""))
    if begin:
        count -= block.count(newline, 0, begin)
    if stop < length:
        count -= block.count(newline, stop, length)
    return count


def _candidate_lines(block, markers, newline, begin, stop):
    """{start: end} of the lines of ``block[begin:stop]`` that contain one of ``markers`` (C-speed
    finds; ``end`` is the offset of the line's newline, or ``stop``). ``begin`` is 0 or follows
    a newline."""
    ends = {}
    low = begin - 1 if begin else 0
    find = block.find
    for marker in markers:
        pos = find(marker, begin, stop)
        while pos != -1:
            end = find(newline, pos, stop)
            if end == -1:
                end = stop
            ends[block.rfind(newline, low, pos) + 1] = end
            pos = find(marker, end, stop)
    return ends


def _scan_gap(parser, block, lo, needles, *, cpu_stop, dryrun_stop, low, stop):
    """The follower lines from ``lo`` on (up to the next candidate line): CPU lines before
    ``cpu_stop`` while a record waits for one, earlyoom "dryrun" notes before ``dryrun_stop``.
    ``low`` bounds the search back for a line start; ``stop`` is the end of the block's region."""
    newline = needles.newline
    find = block.find
    starts = []
    if lo < cpu_stop and parser.awaiting_cpu:
        for marker in needles.cpu:
            pos = find(marker, lo, cpu_stop)
            while pos != -1:
                starts.append(block.rfind(newline, low, pos) + 1)
                pos = find(marker, pos + 1, cpu_stop)
    if lo < dryrun_stop:
        pos = find(needles.dryrun, lo, dryrun_stop)
        while pos != -1:
            starts.append(block.rfind(newline, low, pos) + 1)
            pos = find(needles.dryrun, pos + 1, dryrun_stop)
    if len(starts) > 1:
        starts = sorted(set(starts))
    for start in starts:
        end = find(newline, start, stop)
        line = block[start : stop if end == -1 else end]
        if needles.is_bytes:
            line = line.decode("utf-8", "replace")
        try:
            if "dryrun" in line or "escalating to SIG" in line:
                parser.candidate(line)
            elif parser.awaiting_cpu:
                parser.cpu_candidate(line)
        except Exception:  # pylint: disable=broad-except
            # Never-raise contract: one malformed line must not cost the caller the rest of the log.
            parser.unreadable_lines += 1


def _lines_back(block, floor, hi, newline, count):
    """Starts of up to ``count`` lines before the line start ``hi``, nearest first, none before
    ``floor`` (a line start)."""
    starts = []
    rfind = block.rfind
    while len(starts) < count and hi > floor:
        hi = max(rfind(newline, floor, hi - 1) + 1, floor)
        starts.append(hi)
    return starts


def _note_lines(parser, block, starts, hi, needles):
    """(lines back, key, text) of the lines among ``starts`` (from _lines_back(..., hi, ...)) that
    hold a rate-limit note. A header line is never a note."""
    if not starts or block.find(needles.note, starts[-1], hi) == -1:
        return []
    notes = []
    for back, start in enumerate(starts):
        text = block[start:hi]
        hi = start
        if needles.note in text and needles.header not in text:
            notes.append((back, (parser.blocks, start), text.decode("utf-8", "replace") if needles.is_bytes else text))
    return notes


def _notes_before(parser, block, start, *, begin, needles):
    """(key, text) of the notes among the _NOTE_LINES lines before the header line at ``start``,
    with those carried over from the blocks before when the lines reach back to ``begin``."""
    starts = _lines_back(block, begin, start, needles.newline, _NOTE_LINES)
    notes = [(key, text) for _back, key, text in _note_lines(parser, block, starts, start, needles)]
    tail = parser.note_tail
    if tail and (starts[-1] if starts else start) == begin:
        notes += [(key, text) for back, key, text in tail if back + len(starts) < _NOTE_LINES]
    return notes


def _carry_notes(parser, block, *, begin, stop, needles):
    """Keep the notes among the last _NOTE_LINES lines of ``block[begin:stop]`` for the headers
    at the start of the next block (with those carried into this block, when it is that short)."""
    starts = _lines_back(block, begin, stop, needles.newline, _NOTE_LINES)
    tail = _note_lines(parser, block, starts, stop, needles)
    if parser.note_tail and (starts[-1] if starts else stop) == begin:
        tail += [(back + len(starts), key, text) for back, key, text in parser.note_tail if back + len(starts) < _NOTE_LINES]
    parser.note_tail = tail or None


def _scan_block(parser, block, begin, stop):
    """Scan the whole lines of ``block[begin:stop]`` at once (never copied): only candidate
    lines reach Python-level work. ``begin`` is 0 or follows a newline."""
    if begin >= stop:
        return
    needles = _NEEDLES[str if isinstance(block, str) else bytes]
    newline = needles.newline
    is_bytes = needles.is_bytes
    parser.lines_scanned += _count_newlines(block, begin, stop, needles) + (0 if block[stop - 1 : stop] == newline else 1)
    ends = _candidate_lines(block, needles.markers, newline, begin, stop)
    low = begin - 1 if begin else 0
    # Followers of a line at the end of the previous block are looked for from the block start.
    cpu_stop = min(stop, begin + _FOLLOW_WINDOW) if parser.awaiting_cpu else begin
    dryrun_stop = min(stop, begin + _FOLLOW_WINDOW) if parser.last_earlyoom else begin
    candidate = parser.candidate
    lo = begin
    parser.blocks += 1
    for start, end in sorted(ends.items()):
        if start > lo and ((lo < cpu_stop and parser.awaiting_cpu) or lo < dryrun_stop):
            _scan_gap(parser, block, lo, needles, cpu_stop=min(start, cpu_stop), dryrun_stop=min(start, dryrun_stop), low=low, stop=stop)
        lo = end
        line = block[start:end].decode("utf-8", "replace") if is_bytes else block[start:end]
        if "invoked oom-killer" in line:
            cpu_stop = max(cpu_stop, min(stop, lo + _FOLLOW_WINDOW))
            parser.notes = _notes_before(parser, block, start, begin=begin, needles=needles)
        if "sending SIG" in line:
            dryrun_stop = max(dryrun_stop, min(stop, lo + _FOLLOW_WINDOW))
        try:
            candidate(line)
        except Exception:  # pylint: disable=broad-except
            # Never-raise contract: one malformed line must not cost the caller the rest of the log.
            parser.unreadable_lines += 1
        parser.notes = None
    if stop > lo and ((lo < cpu_stop and parser.awaiting_cpu) or lo < dryrun_stop):
        _scan_gap(parser, block, lo, needles, cpu_stop=cpu_stop, dryrun_stop=dryrun_stop, low=low, stop=stop)
    _carry_notes(parser, block, begin=begin, stop=stop, needles=needles)


def _text_blocks(text):
    """(text, begin, end) regions of whole lines of a big string (or bytes): never copied."""
    newline = b"\n" if isinstance(text, bytes) else "\n"
    length = len(text)
    start = 0
    while start < length:
        end = text.find(newline, start + _CHUNK)
        end = length if end == -1 else end + 1
        yield text, start, end
        start = end


def _stream_blocks(stream):
    """(block, begin, end) regions of whole lines read from a file object, a chunk at a time
    (bytes stay bytes). A chunk is scanned in place; only the line cut by a chunk boundary is
    joined into a block of its own."""
    rest = None
    while True:
        data = stream.read(_CHUNK)
        if not data:
            break
        if isinstance(data, (bytes, bytearray)):
            data = bytes(data)
            newline = b"\n"
        elif isinstance(data, str):
            newline = "\n"
        else:
            break
        begin = 0
        if rest:
            first = data.find(newline)
            if first == -1:
                rest += data
                continue
            begin = first + 1
            yield rest + data[:begin], 0, len(rest) + begin
        cut = data.rfind(newline, begin) + 1
        if cut > begin:
            yield data, begin, cut
            rest = data[cut:]
        else:
            rest = data[begin:]
    if rest:
        yield rest, 0, len(rest)


def _items(source):
    """Lines of a list or other iterable, as text."""
    for item in source:
        line = item
        if line.__class__ is not str:
            if isinstance(line, (bytes, bytearray)):
                line = bytes(line).decode("utf-8", "replace")
            elif isinstance(line, str):
                line = str(line)
            else:
                continue
        if line.find("\n", 0, len(line) - 1) != -1:
            yield from line.splitlines()
        else:
            yield line


def _handle(parser, handler, line):
    try:
        handler(line)
    except Exception:  # pylint: disable=broad-except
        # Never-raise contract: one malformed line must not cost the caller the rest of the log.
        parser.unreadable_lines += 1


def _scan_lines(parser, lines):
    candidate = parser.candidate
    cpu_candidate = parser.cpu_candidate
    notes = []  # (line number, text) of the rate-limit notes among the last _NOTE_LINES lines
    for line in lines:
        parser.lines_scanned += 1
        if "ill" in line or "SIG" in line or "suppressed" in line or "dryrun" in line:
            # Cheap substring checks first; see _MARKERS.
            if "invoked oom-killer" in line:
                number = parser.lines_scanned
                notes = [(at, text) for at, text in notes if number - at <= _NOTE_LINES]
                parser.notes = notes
            elif "suppressed" in line:
                number = parser.lines_scanned
                # A note _NOTE_LINES lines back is out of reach of any header from here on.
                notes = [(at, text) for at, text in notes if number - at < _NOTE_LINES]
                notes.append((number, line))
            if "ill" in line or "SIG" in line or "dryrun" in line:
                _handle(parser, candidate, line)
            elif parser.awaiting_cpu and ("CPU:" in line or "Pid:" in line):
                _handle(parser, cpu_candidate, line)
            parser.notes = None
        elif parser.awaiting_cpu and ("CPU:" in line or "Pid:" in line):
            _handle(parser, cpu_candidate, line)


def _scan(parser, source):
    if source is None:
        return
    if isinstance(source, bytearray):
        source = bytes(source)
    if isinstance(source, (str, bytes)):
        for block, begin, end in _text_blocks(source):
            _scan_block(parser, block, begin, end)
    elif callable(getattr(source, "read", None)):
        for block, begin, end in _stream_blocks(source):
            _scan_block(parser, block, begin, end)
    else:
        _scan_lines(parser, _items(source))


def parse_kernel_log(source, *, boot_time=None, year=None, utc_offset=0, now=None, kinds=None):
    """Parse OOM kills from a log.

    ``source`` is a string, bytes, a list of lines or any iterable of lines (a file object is
    read once, line by line). Returns a dict: ``events`` (list of event dicts, keys
    ``EVENT_KEYS`` plus ``signal`` for earlyoom), ``no_killable_count`` (``Out of memory and no
    killable processes`` lines), ``ratelimited`` (the OOM killer held reports back: a
    ``callbacks suppressed`` / ``messages suppressed`` note among the lines before a header),
    ``suppressed_callbacks`` (the reports those notes count), ``lines_scanned``, ``unreadable_lines``
    (candidate lines the parser failed on and skipped) and ``read_error`` (text of the error that
    stopped reading the source early, else None). ``kinds`` limits the events to those kinds.
    Never raises: on unusable arguments or input it returns what it could read.
    """
    result = {
        "events": [],
        "no_killable_count": 0,
        "ratelimited": False,
        "suppressed_callbacks": 0,
        "lines_scanned": 0,
        "unreadable_lines": 0,
        "read_error": None,
    }
    parser = None
    try:
        if isinstance(kinds, str):
            kinds = [kinds]
        kinds_set = None if kinds is None else set(k for k in kinds if isinstance(k, str))
        try:
            clock = _Clock(boot_time, year, utc_offset, now)
        except (TypeError, ValueError, OverflowError):
            clock = _Clock(None, None, 0, None)
        parser = _Parser(clock, kinds_set)
        _scan(parser, source)
        parser.finish()
    except Exception as exc:  # pylint: disable=broad-except
        # Never-raise contract (e.g. a file object failing mid-read): keep what was parsed.
        result["read_error"] = "%s: %s" % (type(exc).__name__, exc)
    if parser is not None:
        result["events"] = parser.events
        result["no_killable_count"] = parser.no_killable_count
        result["ratelimited"] = parser.ratelimited
        result["suppressed_callbacks"] = parser.suppressed
        result["lines_scanned"] = parser.lines_scanned
        result["unreadable_lines"] = parser.unreadable_lines
    return result


def parse_oom_events(source, *, boot_time=None, year=None, utc_offset=0, now=None, kinds=None):
    """The events of ``parse_kernel_log`` as a plain list."""
    return parse_kernel_log(source, boot_time=boot_time, year=year, utc_offset=utc_offset, now=now, kinds=kinds)["events"]


# -- times --------------------------------------------------------------------------------------

_ISO_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?\s*(Z|[+-]\d\d:?\d\d)?$")
_DURATION_RE = re.compile(r"^(\d+)\s*([smhdw])$")
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
SINCE_FORMS = "a duration such as 30m, 24h, 7d or 2w (units s, m, h, d, w), or an ISO 8601 date or datetime such as 2026-12-01 or 2026-12-01T03:04:05Z"


@functools.lru_cache(maxsize=4096)
def _iso_to_epoch(text):
    """Epoch seconds of an ISO 8601 text, None when it is not one (ValueError for a bad date).
    Cached: events are placed in time several times over (dedupe, sort, window, summaries)."""
    match = _ISO_RE.match(text.strip())
    if not match:
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    hh = int(match.group(4) or 0)
    mm = int(match.group(5) or 0)
    ss = int(match.group(6) or 0)
    micro = int((match.group(7) + "000000")[:6]) if match.group(7) else 0
    datetime.datetime(year, month, day, hh, mm, ss)
    epoch = calendar.timegm((year, month, day, hh, mm, ss, 0, 0, 0)) + micro / 1000000.0
    zone = match.group(8)
    if zone and zone != "Z":
        digits = zone[1:].replace(":", "")
        delta = int(digits[:2]) * 3600 + int(digits[2:]) * 60
        epoch -= delta if zone[0] == "+" else -delta
    return epoch


def event_epoch(event):
    """Epoch seconds of an event's ``time``, or None when unknown or unreadable."""
    try:
        value = event.get("time")
        if not value:
            return None
        return _iso_to_epoch(value)
    except (AttributeError, TypeError, ValueError, OverflowError):
        return None


def parse_since(value, now=None):
    """``24h``/``7d``/``30m``/``2w``/``90s`` or an ISO 8601 date/datetime -> epoch cutoff (float).

    An ISO value without a zone is UTC. Raises ValueError naming the allowed forms otherwise.
    """
    if isinstance(value, str):
        text = value.strip()
        match = _DURATION_RE.match(text)
        if match:
            current = _time.time() if now is None else float(now)
            return current - int(match.group(1)) * _DURATION_SECONDS[match.group(2)]
        try:
            epoch = _iso_to_epoch(text)
        except (ValueError, OverflowError):
            epoch = None
        if epoch is not None:
            return epoch
    raise ValueError("cannot read %r as a time: expected %s" % (value, SINCE_FORMS))


def filter_since(events, cutoff):
    """Events at or after ``cutoff`` (epoch seconds). Events whose time is unknown are kept:
    a kill that cannot be placed in time is not evidence that it is old."""
    kept = []
    for event in events:
        epoch = event_epoch(event)
        if epoch is None or epoch >= cutoff:
            kept.append(event)
    return kept


# -- deduplication ------------------------------------------------------------------------------


def dedupe_events(events, tolerance=3.0):
    """Drop the copies of one kill seen through several sources (journalctl -k, dmesg, kern.log).

    Two events are one kill when kind, pid and comm are equal and either both times are known
    and at most ``tolerance`` seconds apart (sources round and stamp differently: dmesg's boot
    offset plus btime versus syslog's receive time), or a time is unknown and the raw
    timestamps are equal. The first event is kept, its None fields filled from the copies, and
    ``partial`` becomes False if any copy saw the Killed process line. Order is kept.
    """
    kept = []
    index = {}
    for event in events:
        try:
            key = (event.get("kind"), event.get("pid"), event.get("comm"))
        except AttributeError:
            continue
        epoch = event_epoch(event)
        twin = None
        for candidate, candidate_epoch in index.get(key, ()):
            if epoch is not None and candidate_epoch is not None:
                if abs(epoch - candidate_epoch) <= tolerance:
                    twin = candidate
                    break
            elif candidate.get("time_raw") == event.get("time_raw"):
                twin = candidate
                break
        if twin is None:
            copy = dict(event)
            kept.append(copy)
            index.setdefault(key, []).append((copy, epoch))
            continue
        for name, value in event.items():
            if twin.get(name) is None and value is not None:
                twin[name] = value
        if twin.get("partial") and event.get("partial") is False:
            twin["partial"] = False
    return kept


# -- summaries ----------------------------------------------------------------------------------


def summarize_victims(events):
    """Per victim command: [{'comm', 'count', 'last_seen', 'pids'}], most killed first.

    ``last_seen`` is the latest known ``time`` (None when no kill of it has a time); ``pids``
    in order of appearance. Events without a comm (systemd-oomd kills cgroups) are skipped.
    """
    victims = {}
    for event in events:
        comm = event.get("comm")
        if comm is None:
            continue
        entry = victims.get(comm)
        if entry is None:
            entry = victims[comm] = {"comm": comm, "count": 0, "last_seen": None, "pids": [], "_epoch": None}
        entry["count"] += 1
        pid = event.get("pid")
        if pid is not None and pid not in entry["pids"]:
            entry["pids"].append(pid)
        epoch = event_epoch(event)
        if epoch is not None and (entry["_epoch"] is None or epoch > entry["_epoch"]):
            entry["_epoch"] = epoch
            entry["last_seen"] = event.get("time")
    result = sorted(victims.values(), key=lambda item: (-item["count"], item["comm"]))
    for entry in result:
        del entry["_epoch"]
    return result


def repeat_victims(events, min_count=2):
    """The ``summarize_victims`` entries killed at least ``min_count`` times."""
    return [entry for entry in summarize_victims(events) if entry["count"] >= min_count]


def kill_coverage(kernel_kills_found, vmstat_oom_kill, ratelimited=False):
    """Do the parsed kernel kills account for /proc/vmstat ``oom_kill`` (kills since boot)?

    ``kernel_kills_found``: kernel_oom_kill events found for this boot. ``vmstat_oom_kill``:
    the counter, or None when the kernel has none (before 4.13). Returns
    {'complete': bool, 'verifiable': bool, 'missing': int, 'reason': str or None}.
    """
    found = int(kernel_kills_found or 0)
    if vmstat_oom_kill is None:
        return {"complete": True, "verifiable": False, "missing": 0, "reason": "not verifiable: /proc/vmstat has no oom_kill counter (kernel older than 4.13)"}
    counter = int(vmstat_oom_kill)
    if found >= counter:
        reason = None
        if found > counter:
            reason = "the log holds more kills than the counter: events from before the last boot were counted"
        return {"complete": True, "verifiable": True, "missing": 0, "reason": reason}
    missing = counter - found
    if ratelimited:
        reason = "kernel rate-limited its reports (callbacks suppressed)"
    elif found == 0:
        reason = "no kill reports in the log: log rotated or truncated, or the kernel log is not readable"
    else:
        reason = "log rotated or truncated: the earliest reports since boot are gone"
    return {"complete": False, "verifiable": True, "missing": missing, "reason": reason}
