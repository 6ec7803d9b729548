# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings: what in a host's OOM facts deserves attention, with stable ids.

Each finding is {id, severity, message, evidence}. Ids are stable: the baseline role waives
findings by id, so an id never changes meaning. Severity is ``info``, ``warning`` or ``critical``.
Input is the ``ansible_facts.oom`` dict as oom_facts builds it; a section that was not gathered
or is unavailable produces no finding about it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

FINDING_IDS = (
    "oom_kills_in_window",
    "repeat_victim",
    "no_killable_processes",
    "events_incomplete",
    "critical_process_unprotected",
    "panic_on_oom",
    "overcommit_always_without_early_oom",
    "no_swap_without_early_oom",
    "memory_pressure",
    "cgroup_near_limit",
    "early_oom_daemons_conflict",
)

# Processes whose death takes the host or its data with it: the finding wants them protected.
DEFAULT_CRITICAL_PROCESSES = (
    "sshd",
    "systemd-journal",
    "systemd-logind",
    "dbus-daemon",
    "postgres",
    "mysqld",
    "mariadbd",
    "mongod",
    "redis-server",
    "etcd",
    "kubelet",
    "containerd",
    "dockerd",
)


def _finding(ident, severity, message, **evidence):
    return {"id": ident, "severity": severity, "message": message, "evidence": evidence}


def _usable(section):
    return isinstance(section, dict) and section.get("available", True) is not False


def _event_findings(events):
    found = []
    if not _usable(events):
        return found
    kills = events.get("kills") or []
    if kills:
        last = kills[-1]
        found.append(
            _finding(
                "oom_kills_in_window",
                "warning",
                "%d OOM kill(s) since %s; the last killed %s (pid %s)"
                % (len(kills), events.get("since"), last.get("comm") or last.get("task_memcg"), last.get("pid")),
                count=len(kills),
                since=events.get("since"),
                last=last,
            )
        )
    for victim in events.get("repeat_victims") or []:
        found.append(
            _finding(
                "repeat_victim",
                "warning",
                "%s was OOM-killed %d times (last %s): a leak suspect, or a limit set too low" % (victim["comm"], victim["count"], victim.get("last_seen")),
                comm=victim["comm"],
                count=victim["count"],
                pids=victim.get("pids"),
                last_seen=victim.get("last_seen"),
            )
        )
    if events.get("no_killable_count"):
        found.append(
            _finding(
                "no_killable_processes",
                "critical",
                "the kernel ran out of memory with no killable process %d time(s): everything left was protected (-1000) or unkillable"
                % events["no_killable_count"],
                count=events["no_killable_count"],
            )
        )
    if events.get("complete") is False:
        found.append(
            _finding(
                "events_incomplete",
                "info",
                "the log accounts for fewer kills than the kernel counted since boot (%s): %s"
                % (events.get("vmstat_oom_kill"), events.get("incomplete_reason")),
                vmstat_oom_kill=events.get("vmstat_oom_kill"),
                missing=events.get("missing"),
                reason=events.get("incomplete_reason"),
            )
        )
    return found


def _protected_same_name_ancestor(proc, by_pid):
    """The nearest ancestor with the same comm and a negative oom_score_adj, or None.

    A daemon that protects itself may leave its own children killable on purpose: OpenSSH puts its
    listener at -1000 and gives every login the value it started with. Those children are the
    daemon's affair, not an unprotected critical process.
    """
    seen = set()
    parent = by_pid.get(proc.get("ppid"))
    while parent is not None and parent.get("comm") == proc.get("comm") and parent["pid"] not in seen:
        seen.add(parent["pid"])
        if isinstance(parent.get("oom_score_adj"), int) and parent["oom_score_adj"] < 0:
            return parent
        parent = by_pid.get(parent.get("ppid"))
    return None


def _process_findings(critical):
    found = []
    by_pid = dict((proc.get("pid"), proc) for proc in critical or [])
    for proc in critical or []:
        if proc.get("oom_score_adj") is not None and proc["oom_score_adj"] >= 0 and _protected_same_name_ancestor(proc, by_pid) is None:
            found.append(
                _finding(
                    "critical_process_unprotected",
                    "warning",
                    "%s (pid %s) has oom_score_adj %s: the OOM killer may take it; protect it with a negative value"
                    % (proc["comm"], proc["pid"], proc["oom_score_adj"]),
                    pid=proc["pid"],
                    comm=proc["comm"],
                    oom_score_adj=proc["oom_score_adj"],
                    unit=proc.get("unit"),
                )
            )
    return found


def _early_oom_running(daemons):
    if not _usable(daemons):
        return None
    return bool((daemons.get("earlyoom") or {}).get("running") or (daemons.get("systemd_oomd") or {}).get("running"))


def _system_findings(facts):
    found = []
    sysctl = facts.get("sysctl")
    daemons = facts.get("daemons")
    memory = facts.get("memory")
    early = _early_oom_running(daemons)
    if _usable(sysctl):
        values = sysctl.get("values", sysctl)
        panic = values.get("vm_panic_on_oom")
        if panic:
            found.append(
                _finding(
                    "panic_on_oom",
                    "critical",
                    "vm.panic_on_oom=%s: an OOM panics the kernel (the whole host goes down) instead of killing one process" % panic,
                    vm_panic_on_oom=panic,
                )
            )
        if values.get("vm_overcommit_memory") == 1 and early is False:
            found.append(
                _finding(
                    "overcommit_always_without_early_oom",
                    "warning",
                    "vm.overcommit_memory=1 (always overcommit) and no early-OOM daemon: the kernel OOM killer is the only brake",
                    vm_overcommit_memory=1,
                )
            )
    if _usable(memory) and memory.get("swap_total_bytes") == 0 and early is False:
        found.append(
            _finding(
                "no_swap_without_early_oom",
                "warning",
                "no swap and no early-OOM daemon (earlyoom or systemd-oomd): memory exhaustion hits the kernel OOM killer directly",
                swap_total_bytes=0,
            )
        )
    if _usable(daemons) and (daemons.get("earlyoom") or {}).get("running") and (daemons.get("systemd_oomd") or {}).get("running"):
        found.append(
            _finding(
                "early_oom_daemons_conflict",
                "warning",
                "earlyoom and systemd-oomd both run: two early-OOM killers act on the same pressure; keep one",
            )
        )
    pressure = facts.get("pressure")
    if isinstance(pressure, dict) and pressure.get("level") in ("medium", "critical"):
        found.append(
            _finding(
                "memory_pressure",
                "critical" if pressure["level"] == "critical" else "warning",
                "memory pressure is %s (decided by %s)" % (pressure["level"], pressure.get("decided_by")),
                level=pressure["level"],
                decided_by=pressure.get("decided_by"),
                available_percent=(memory or {}).get("available_percent"),
                psi_full_avg10=((pressure.get("full") or {}).get("avg10")),
            )
        )
    return found


def _cgroup_findings(cgroups, near_percent):
    found = []
    if not _usable(cgroups):
        return found
    for entry in cgroups.get("memory_cgroups") or []:
        usage = entry.get("usage_percent")
        if usage is not None and usage >= near_percent:
            found.append(
                _finding(
                    "cgroup_near_limit",
                    "warning",
                    "memory cgroup %s is at %.1f%% of its limit" % (entry.get("path"), usage),
                    path=entry.get("path"),
                    usage_percent=usage,
                    limit_bytes=entry.get("limit_bytes"),
                    unit=entry.get("unit"),
                    container_id=entry.get("container_id"),
                    pod_uid=entry.get("pod_uid"),
                )
            )
    return found


def compute_findings(facts, critical_processes=None, cgroup_near_percent=90.0):
    """All findings for one host's facts, most severe first (stable order within a severity)."""
    found = []
    found.extend(_event_findings(facts.get("events")))
    found.extend(_process_findings(critical_processes))
    found.extend(_system_findings(facts))
    found.extend(_cgroup_findings(facts.get("cgroups"), cgroup_near_percent))
    rank = {"critical": 0, "warning": 1, "info": 2}
    return sorted(found, key=lambda item: rank[item["severity"]])
