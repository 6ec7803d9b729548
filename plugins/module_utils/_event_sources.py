# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a host keeps its OOM records, and reading them into events.

Kernel records come from, in this order: the journal (kernel transport, every boot it keeps),
``dmesg`` (this boot's ring buffer), ``/var/log/kern.log`` and ``/var/log/messages`` (with their
first uncompressed rotation); the same kill seen by several sources is reported once
(``_oom_log.dedupe_events``). earlyoom and systemd-oomd report their kills in their units' journal.
A source that is missing or unreadable is reported in ``sources`` with the reason, never raised.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible_collections.oom.guard.plugins.module_utils import _oom_log

KERNEL_FILES = ("/var/log/kern.log.1", "/var/log/kern.log", "/var/log/messages.1", "/var/log/messages")
DAEMON_UNITS = (("earlyoom_kill", "earlyoom.service"), ("systemd_oomd_kill", "systemd-oomd.service"))


def boot_time(proc_root="/proc"):
    """Epoch seconds of the boot (``btime`` in /proc/stat), or None."""
    try:
        with open(os.path.join(proc_root, "stat"), "rb") as handle:
            for line in handle:
                if line.startswith(b"btime "):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def vmstat_oom_kill(proc_root="/proc"):
    """The kernel's count of OOM kills since boot (/proc/vmstat ``oom_kill``, 4.13+), or None."""
    try:
        with open(os.path.join(proc_root, "vmstat"), "rb") as handle:
            for line in handle:
                if line.startswith(b"oom_kill "):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _journal_since(cutoff):
    return "@%d" % int(cutoff)


def _journal(run_command, journalctl, matches, cutoff):
    """Run journalctl with ISO timestamps (precise where this systemd knows the format)."""
    last = None
    for output in ("short-iso-precise", "short-iso"):
        argv = [journalctl, "--no-pager", "--quiet", "--output", output, "--since", _journal_since(cutoff), *list(matches)]
        rc, out, err = run_command(argv)
        if rc == 0:
            return out, None
        last = (err or out or "").strip().splitlines()
        if last and "output" not in last[-1].lower():
            break
    return None, "journalctl failed: %s" % (last[-1] if last else "no output")


def collect_events(run_command, since_cutoff, *, which=None, log_file=None, proc_root="/proc", now=None):
    """Read OOM events from the host's sources (or from ``log_file`` alone).

    ``run_command(argv) -> (rc, stdout, stderr)``; ``which(name) -> path or None``.
    Returns {'events', 'sources', 'no_killable_count', 'ratelimited', 'lines_scanned', 'boot_time',
    'kernel_kills_this_boot'}: ``sources`` is a list of {'name', 'available', 'events', 'reason'}
    in reading order; ``events`` are sorted by time (unknown times first);
    ``kernel_kills_this_boot`` is None for a ``log_file`` or an unknown boot time.
    Events before ``since_cutoff`` are dropped (events with unknown time are kept).
    """
    btime = boot_time(proc_root)
    now = time.time() if now is None else now
    # Read back to the boot at least, so the kills of this boot can be held against the kernel's
    # own counter (/proc/vmstat oom_kill) even when the window is shorter than the uptime.
    query_cutoff = since_cutoff if btime is None else min(since_cutoff, btime)
    collected = []
    sources = []
    totals = {"no_killable_count": 0, "ratelimited": False, "lines_scanned": 0}

    def take(name, text, reason=None, kinds=None):
        if text is None:
            sources.append({"name": name, "available": False, "events": 0, "reason": reason})
            return
        result = _oom_log.parse_kernel_log(text, boot_time=btime, now=now, kinds=kinds)
        events = result["events"]
        collected.extend(events)
        totals["no_killable_count"] += result["no_killable_count"]
        totals["ratelimited"] = totals["ratelimited"] or result["ratelimited"]
        totals["lines_scanned"] += result["lines_scanned"]
        sources.append({"name": name, "available": True, "events": len(events), "reason": result["read_error"]})

    if log_file:
        try:
            with open(log_file, "rb") as handle:
                take(log_file, handle)
        except OSError as exc:
            take(log_file, None, "cannot read %s: %s" % (log_file, exc.strerror or exc))
    else:
        journalctl = which("journalctl") if which else None
        if journalctl:
            out, reason = _journal(run_command, journalctl, ["_TRANSPORT=kernel"], query_cutoff)
            take("journal (kernel)", out, reason, kinds=["kernel_oom_kill"])
        else:
            take("journal (kernel)", None, "journalctl not found")
        dmesg = which("dmesg") if which else None
        if dmesg:
            rc, out, err = run_command([dmesg])
            take("dmesg", out if rc == 0 else None, "dmesg failed: %s" % (err or out).strip() if rc != 0 else None, kinds=["kernel_oom_kill"])
        else:
            take("dmesg", None, "dmesg not found")
        for path in KERNEL_FILES:
            if not os.path.exists(path):
                continue
            try:
                with open(path, "rb") as handle:
                    take(path, handle, kinds=["kernel_oom_kill"])
            except OSError as exc:
                take(path, None, "cannot read %s: %s" % (path, exc.strerror or exc))
        for kind, unit in DAEMON_UNITS:
            if not journalctl:
                continue
            out, reason = _journal(run_command, journalctl, ["--unit", unit], query_cutoff)
            take("journal (%s)" % unit, out, reason, kinds=[kind])

    everything = sorted(_oom_log.dedupe_events(collected), key=lambda event: _oom_log.event_epoch(event) or 0.0)
    this_boot = None
    if btime is not None and not log_file:
        this_boot = sum(1 for event in everything if event["kind"] == "kernel_oom_kill" and (_oom_log.event_epoch(event) or 0) >= btime - 1)
    result = {
        "events": _oom_log.filter_since(everything, since_cutoff),
        "sources": sources,
        "boot_time": btime,
        "kernel_kills_this_boot": this_boot,
    }
    result.update(totals)
    return result
