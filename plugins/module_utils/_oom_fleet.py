# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet view of OOM facts: one summary dict for reports, and a node_exporter textfile per host.

Input is what ``oom_facts`` returns under ``ansible_facts.oom``, for one host or keyed by host.
Everything here is a pure function of that input: the same facts always give the same summary and
the same metrics text (no clock is read), so reports can be diffed and a textfile only changes
when the facts do. Used on the controller by the filters ``oom_fleet_summary`` and
``oom_prometheus_textfile``; standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import re
import time

from collections.abc import Mapping

KINDS = ("kernel_oom_kill", "earlyoom_kill", "systemd_oomd_kill")
SEVERITIES = ("critical", "warning", "info")
PRESSURE_LEVELS = ("normal", "low", "medium", "critical")
STATUSES = ("critical", "warning", "ok", "unknown")
EARLY_OOM_STATES = ("earlyoom", "systemd-oomd", "both", "none", "unknown")

# Chart buckets are whole, readable steps, aligned to the epoch (a 6 h bucket starts at 00, 06, ...).
BUCKET_STEPS = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400)

_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z$")


def parse_time(value):
    """ISO 8601 UTC as oom_facts writes it (``2026-12-01T03:04:05Z``, optional fraction) -> epoch seconds, or None."""
    if not isinstance(value, str):
        return None
    match = _ISO.match(value)
    if not match:
        return None
    parts = [int(part) for part in match.groups()[:6]]
    try:
        seconds = calendar.timegm((parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    fraction = match.group(7)
    return seconds + (float("0." + fraction) if fraction else 0.0)


def format_time(epoch, form="%Y-%m-%dT%H:%M:%SZ"):
    return time.strftime(form, time.gmtime(epoch))


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _usable(section):
    return isinstance(section, dict) and section.get("available", True) is not False


def _daemon_state(daemon):
    if not isinstance(daemon, dict):
        return None
    if daemon.get("running"):
        return "running"
    return "installed" if daemon.get("installed") else "absent"


def _early_oom(daemons):
    if not _usable(daemons) or not daemons:
        return {"earlyoom": None, "systemd_oomd": None, "active": "unknown"}
    earlyoom = _daemon_state(daemons.get("earlyoom"))
    oomd = _daemon_state(daemons.get("systemd_oomd"))
    running = [name for name, state in (("earlyoom", earlyoom), ("systemd-oomd", oomd)) if state == "running"]
    active = "both" if len(running) == 2 else (running[0] if running else "none")
    return {"earlyoom": earlyoom, "systemd_oomd": oomd, "active": active}


def _process_brief(proc):
    if not isinstance(proc, dict):
        return None
    return {
        "pid": proc.get("pid"),
        "comm": proc.get("comm"),
        "user": proc.get("user"),
        "oom_score": proc.get("oom_score"),
        "oom_score_adj": proc.get("oom_score_adj"),
        "rss_bytes": proc.get("rss_bytes"),
        "swap_bytes": proc.get("swap_bytes"),
        "unit": proc.get("unit"),
        "container_id": proc.get("container_id"),
        "pod_uid": proc.get("pod_uid"),
        "cmdline": proc.get("cmdline"),
    }


def _kill_brief(kill):
    return {
        "time": kill.get("time"),
        "kind": kill.get("kind"),
        "comm": kill.get("comm"),
        "pid": kill.get("pid"),
        "scope": kill.get("scope"),
        "anon_rss_kb": kill.get("anon_rss_kb"),
        "unit": kill.get("unit"),
        "container_id": kill.get("container_id"),
        "pod_uid": kill.get("pod_uid"),
    }


def _count(values):
    counted = {}
    for value in values:
        counted[value] = counted.get(value, 0) + 1
    return counted


def _empty_host(host):
    return {
        "host": host,
        "status": "unknown",
        "has_facts": False,
        "collected_at": None,
        "sections": [],
        "memory": {"total_bytes": None, "available_bytes": None, "available_percent": None, "swap_total_bytes": None, "swap_free_bytes": None},
        "pressure": {"level": None, "decided_by": None, "psi_available": None, "psi_some_avg10": None, "psi_full_avg10": None},
        "kills": {
            "count": 0,
            "since": None,
            "since_time": None,
            "by_kind": {},
            "by_comm": {},
            "first_time": None,
            "last": None,
            "undated": 0,
            "events": [],
            "vmstat_oom_kill": None,
            "complete": None,
            "incomplete_reason": None,
            "no_killable_count": 0,
            "repeat_victims": [],
        },
        "victims": [],
        "predicted_victim": None,
        "protection": {
            "protected_count": 0,
            "protected": [],
            "critical_total": 0,
            "critical_protected": 0,
            "critical_unprotected": [],
            "coverage_percent": None,
        },
        "early_oom": {"earlyoom": None, "systemd_oomd": None, "active": "unknown"},
        "cgroups": {"version": None, "memory_version": None, "limited": 0, "near_limit": 0, "oom_kills": 0},
        "sysctl": {"panic_on_oom": None, "overcommit_memory": None, "overcommit_memory_meaning": None, "swappiness": None},
        "findings": [],
        "findings_by_severity": dict.fromkeys(SEVERITIES, 0),
    }


def host_summary(host, facts):
    """One host's OOM facts -> the report row for it (every key present, null when unknown).

    ``facts`` is ``ansible_facts.oom``; None or an empty dict gives a row with status ``unknown``.
    """
    row = _empty_host(host)
    if not isinstance(facts, dict) or not facts:
        return row
    row["has_facts"] = True
    row["collected_at"] = facts.get("collected_at")
    row["sections"] = list(_list(facts.get("sections")))

    memory = facts.get("memory")
    if _usable(memory):
        row["memory"] = {
            "total_bytes": memory.get("mem_total_bytes"),
            "available_bytes": memory.get("mem_available_bytes"),
            "available_percent": memory.get("available_percent"),
            "swap_total_bytes": memory.get("swap_total_bytes"),
            "swap_free_bytes": memory.get("swap_free_bytes"),
        }

    pressure = facts.get("pressure")
    if isinstance(pressure, dict):
        row["pressure"] = {
            "level": pressure.get("level"),
            "decided_by": pressure.get("decided_by"),
            "psi_available": pressure.get("available"),
            "psi_some_avg10": _dict(pressure.get("some")).get("avg10"),
            "psi_full_avg10": _dict(pressure.get("full")).get("avg10"),
        }

    events = facts.get("events")
    if isinstance(events, dict):
        kills = [kill for kill in _list(events.get("kills")) if isinstance(kill, dict)]
        times = sorted(kill["time"] for kill in kills if parse_time(kill.get("time")) is not None)
        row["kills"] = {
            "count": len(kills),
            "since": events.get("since"),
            "since_time": events.get("since_time"),
            "by_kind": _count(kill.get("kind") for kill in kills),
            "by_comm": _count(kill.get("comm") or "?" for kill in kills),
            "first_time": times[0] if times else None,
            "last": _kill_brief(kills[-1]) if kills else None,
            "undated": len(kills) - len(times),
            "events": [_kill_brief(kill) for kill in kills],
            "vmstat_oom_kill": events.get("vmstat_oom_kill"),
            "complete": events.get("complete"),
            "incomplete_reason": events.get("incomplete_reason"),
            "no_killable_count": events.get("no_killable_count") or 0,
            "repeat_victims": [victim.get("comm") for victim in _list(events.get("repeat_victims")) if isinstance(victim, dict)],
        }
        row["victims"] = [
            {"comm": victim.get("comm"), "count": victim.get("count") or 0, "last_seen": victim.get("last_seen")}
            for victim in _list(events.get("victims"))
            if isinstance(victim, dict)
        ]

    processes = facts.get("processes")
    if _usable(processes):
        row["predicted_victim"] = _process_brief(processes.get("predicted_victim"))
        protected = [proc for proc in _list(processes.get("protected")) if isinstance(proc, dict)]
        critical = [proc for proc in _list(processes.get("critical")) if isinstance(proc, dict)]
        unprotected = [
            {"comm": proc.get("comm"), "pid": proc.get("pid"), "oom_score_adj": proc.get("oom_score_adj"), "unit": proc.get("unit")}
            for proc in critical
            if proc.get("oom_score_adj") is None or proc["oom_score_adj"] >= 0
        ]
        row["protection"] = {
            "protected_count": len(protected),
            "protected": sorted(
                (
                    {"comm": proc.get("comm"), "pid": proc.get("pid"), "oom_score_adj": proc.get("oom_score_adj"), "unit": proc.get("unit")}
                    for proc in protected
                ),
                key=lambda proc: (proc["oom_score_adj"] if proc["oom_score_adj"] is not None else 0, str(proc["comm"]), proc["pid"] or 0),
            ),
            "critical_total": len(critical),
            "critical_protected": len(critical) - len(unprotected),
            "critical_unprotected": unprotected,
            "coverage_percent": round(100.0 * (len(critical) - len(unprotected)) / len(critical), 1) if critical else None,
        }

    if "daemons" in facts:
        row["early_oom"] = _early_oom(facts.get("daemons"))

    cgroups = facts.get("cgroups")
    if _usable(cgroups):
        entries = [entry for entry in _list(cgroups.get("memory_cgroups")) if isinstance(entry, dict)]
        row["cgroups"] = {
            "version": cgroups.get("version"),
            "memory_version": cgroups.get("memory_version"),
            "limited": sum(1 for entry in entries if entry.get("limit_bytes") is not None),
            "near_limit": 0,
            "oom_kills": sum(entry.get("oom_kill") or 0 for entry in entries),
        }

    sysctl = facts.get("sysctl")
    if isinstance(sysctl, dict):
        row["sysctl"] = {
            "panic_on_oom": sysctl.get("vm_panic_on_oom"),
            "overcommit_memory": sysctl.get("vm_overcommit_memory"),
            "overcommit_memory_meaning": sysctl.get("vm_overcommit_memory_meaning"),
            "swappiness": sysctl.get("vm_swappiness"),
        }

    findings = [
        {"id": finding.get("id"), "severity": finding.get("severity"), "message": finding.get("message")}
        for finding in _list(facts.get("findings"))
        if isinstance(finding, dict)
    ]
    rank = {severity: index for index, severity in enumerate(SEVERITIES)}
    findings.sort(key=lambda finding: rank.get(finding["severity"], len(SEVERITIES)))
    row["findings"] = findings
    by_severity = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        if finding["severity"] in by_severity:
            by_severity[finding["severity"]] += 1
    row["findings_by_severity"] = by_severity
    row["cgroups"]["near_limit"] = sum(1 for finding in findings if finding["id"] == "cgroup_near_limit")

    if by_severity["critical"] or row["pressure"]["level"] == "critical":
        row["status"] = "critical"
    elif by_severity["warning"] or row["pressure"]["level"] == "medium":
        row["status"] = "warning"
    else:
        row["status"] = "ok"
    return row


def _plain(value):
    """Mappings and sequences as plain dicts and lists (hostvars hand out lazy Mapping views)."""
    if isinstance(value, Mapping):
        return dict((key, _plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _facts_of(value):
    """Accept oom facts, a host's vars (``ansible_facts.oom``) or ``{'oom': ...}``."""
    if not isinstance(value, Mapping):
        return None
    if "ansible_facts" in value:
        facts = value["ansible_facts"]
        return facts.get("oom") if isinstance(facts, Mapping) else None
    if "collected_at" in value or "sections" in value:
        return value
    if isinstance(value.get("oom"), Mapping):
        return value["oom"]
    # a host's variables without OOM facts
    return None


def _bucket_step(span, max_buckets):
    for step in BUCKET_STEPS:
        if span / step <= max_buckets:
            return step
    return int(span / max_buckets) + 1


def _tick_format(step, span):
    if step >= 86400:
        return "%m-%d"
    if span > 86400:
        return "%m-%d %H:%M"
    return "%H:%M"


def _timeline(rows, max_buckets):
    starts = [parse_time(row["kills"]["since_time"]) for row in rows if row["has_facts"]]
    ends = [parse_time(row["collected_at"]) for row in rows if row["has_facts"]]
    kill_times = [parse_time(kill["time"]) for row in rows for kill in row["kills"]["events"]]
    kill_times = [moment for moment in kill_times if moment is not None]
    starts = [moment for moment in starts if moment is not None]
    ends = [moment for moment in ends if moment is not None]
    if kill_times:
        starts.append(min(kill_times))
        ends.append(max(kill_times))
    if not starts or not ends:
        return {"start": None, "end": None, "bucket_seconds": None, "buckets": [], "ticks": [], "lanes": [], "max_count": 0, "undated": 0}
    start, end = min(starts), max(ends)
    end = max(end, start + 60)
    step = _bucket_step(end - start, max_buckets)
    first = int(start // step) * step
    count = int((end - first) // step) + 1
    buckets = [first + index * step for index in range(count)]
    form = _tick_format(step, end - start)
    every = max(1, (count + 4) // 8)
    ticks = [{"index": index, "label": format_time(moment, form)} for index, moment in enumerate(buckets) if index % every == 0]
    lanes = []
    max_count = 0
    undated = 0
    for row in rows:
        by_kind = {kind: [0] * count for kind in KINDS}
        totals = [0] * count
        for kill in row["kills"]["events"]:
            moment = parse_time(kill["time"])
            if moment is None:
                undated += 1
                continue
            index = min(count - 1, max(0, int((moment - first) // step)))
            totals[index] += 1
            by_kind.setdefault(kill["kind"] if kill["kind"] in by_kind else "kernel_oom_kill", [0] * count)[index] += 1
        max_count = max([max_count, *totals])
        lanes.append(
            {
                "host": row["host"],
                "status": row["status"],
                "total": sum(totals),
                "counts": totals,
                "by_kind": by_kind,
            }
        )
    return {
        "start": format_time(first),
        "end": format_time(first + count * step),
        "bucket_seconds": step,
        "buckets": [format_time(moment) for moment in buckets],
        "ticks": ticks,
        "lanes": lanes,
        "max_count": max_count,
        "undated": undated,
    }


def fleet_summary(facts_by_host, hosts=None, top=10, max_buckets=48):
    """``{host: oom facts}`` -> the fleet summary every report format is rendered from.

    ``hosts`` picks and orders the hosts (a host without facts gets status ``unknown``);
    ``top`` bounds the victim lists; ``max_buckets`` bounds the chart's time buckets.
    """
    if hosts is None:
        hosts = sorted(facts_by_host)
    rows = [host_summary(host, _plain(_facts_of(facts_by_host[host] if host in facts_by_host else None))) for host in hosts]
    status_rank = {status: index for index, status in enumerate(STATUSES)}
    rows.sort(key=lambda row: (status_rank[row["status"]], -row["kills"]["count"], row["host"]))

    with_facts = [row for row in rows if row["has_facts"]]
    totals = {
        "hosts": len(rows),
        "with_facts": len(with_facts),
        "by_status": dict.fromkeys(STATUSES, 0),
        "kills": 0,
        "kills_by_kind": dict.fromkeys(KINDS, 0),
        "hosts_with_kills": 0,
        "undated_kills": 0,
        "findings": 0,
        "findings_by_severity": dict.fromkeys(SEVERITIES, 0),
        "findings_by_id": {},
        "pressure": dict.fromkeys((*PRESSURE_LEVELS, "unknown"), 0),
        "early_oom": dict.fromkeys(EARLY_OOM_STATES, 0),
        "protected_processes": 0,
        "critical_processes": 0,
        "critical_unprotected": 0,
        "protection_coverage_percent": None,
        "incomplete_hosts": 0,
    }
    victims = {}
    predicted = []
    findings = []
    for row in rows:
        totals["by_status"][row["status"]] += 1
        if not row["has_facts"]:
            totals["pressure"]["unknown"] += 1
            totals["early_oom"]["unknown"] += 1
            continue
        kills = row["kills"]
        totals["kills"] += kills["count"]
        totals["undated_kills"] += kills["undated"]
        totals["hosts_with_kills"] += 1 if kills["count"] else 0
        totals["incomplete_hosts"] += 1 if kills["complete"] is False else 0
        for kind, number in kills["by_kind"].items():
            totals["kills_by_kind"][kind] = totals["kills_by_kind"].get(kind, 0) + number
        level = row["pressure"]["level"] if row["pressure"]["level"] in PRESSURE_LEVELS else "unknown"
        totals["pressure"][level] += 1
        totals["early_oom"][row["early_oom"]["active"]] += 1
        protection = row["protection"]
        totals["protected_processes"] += protection["protected_count"]
        totals["critical_processes"] += protection["critical_total"]
        totals["critical_unprotected"] += len(protection["critical_unprotected"])
        for finding in row["findings"]:
            totals["findings"] += 1
            if finding["severity"] in totals["findings_by_severity"]:
                totals["findings_by_severity"][finding["severity"]] += 1
            totals["findings_by_id"][finding["id"]] = totals["findings_by_id"].get(finding["id"], 0) + 1
            findings.append(dict(finding, host=row["host"]))
        for victim in row["victims"]:
            entry = victims.setdefault(victim["comm"], {"comm": victim["comm"], "count": 0, "hosts": [], "last_seen": None})
            entry["count"] += victim["count"]
            entry["hosts"].append(row["host"])
            if victim["last_seen"] and (entry["last_seen"] is None or victim["last_seen"] > entry["last_seen"]):
                entry["last_seen"] = victim["last_seen"]
        if row["predicted_victim"]:
            predicted.append(dict(row["predicted_victim"], host=row["host"]))
    if totals["critical_processes"]:
        covered = totals["critical_processes"] - totals["critical_unprotected"]
        totals["protection_coverage_percent"] = round(100.0 * covered / totals["critical_processes"], 1)

    severity_rank = {severity: index for index, severity in enumerate(SEVERITIES)}
    findings.sort(key=lambda finding: (severity_rank.get(finding["severity"], len(SEVERITIES)), finding["host"]))
    top_victims = sorted(victims.values(), key=lambda entry: (-entry["count"], str(entry["comm"])))
    for entry in top_victims:
        entry["hosts"] = sorted(set(entry["hosts"]))
    predicted.sort(key=lambda proc: (-(proc["oom_score"] or 0), proc["host"]))
    collected = sorted(row["collected_at"] for row in with_facts if row["collected_at"])
    return {
        "schema": 1,
        "generated_at": collected[-1] if collected else None,
        "collected_from": collected[0] if collected else None,
        "since": sorted({row["kills"]["since"] for row in with_facts if row["kills"]["since"]}),
        "totals": totals,
        "hosts": rows,
        "top_victims": top_victims[:top],
        "predicted_victims": predicted[:top],
        "findings": findings,
        "timeline": _timeline(rows, max_buckets),
    }


# --- node_exporter textfile ------------------------------------------------------------------

_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def _label_value(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _help_text(text):
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


class _Exposition(object):
    def __init__(self, prefix):
        self.prefix = prefix
        self.lines = []

    def family(self, name, kind, text, samples):
        """samples: [(labels dict or None, value)]; a family with no samples is left out."""
        name = self.prefix + name
        if not _METRIC_NAME.match(name):
            raise ValueError("invalid metric name %r" % name)
        if not samples:
            return
        self.lines.append("# HELP %s %s" % (name, _help_text(text)))
        self.lines.append("# TYPE %s %s" % (name, kind))
        for labels, value in samples:
            rendered = ",".join('%s="%s"' % (key, _label_value(labels[key])) for key in sorted(labels or {}))
            self.lines.append("%s%s %s" % (name, "{%s}" % rendered if rendered else "", _number(value)))

    def text(self):
        return "".join(line + "\n" for line in self.lines)


def prometheus_textfile(facts, max_comms=20, prefix="oom_guard_"):
    """One host's OOM facts -> node_exporter textfile content (Prometheus text format 0.0.4).

    Only values that change when the host's OOM state changes are exported (no collection time,
    no PSI averages, no MemAvailable): rewriting the file is then a change only when something
    happened. Victim commands beyond the ``max_comms`` most killed are summed as ``comm="other"``.
    """
    facts = facts if isinstance(facts, dict) else {}
    out = _Exposition(prefix)
    events = facts.get("events")
    if isinstance(events, dict):
        kills = [kill for kill in _list(events.get("kills")) if isinstance(kill, dict)]
        per_comm = _count(kill.get("comm") or "?" for kill in kills)
        keep = {item[0] for item in sorted(per_comm.items(), key=lambda item: (-item[1], item[0]))[: max(0, max_comms)]}
        series = {}
        for kill in kills:
            comm = kill.get("comm") or "?"
            key = (kill.get("kind") or "unknown", comm if comm in keep else "other")
            series[key] = series.get(key, 0) + 1
        samples = [({"kind": kind, "comm": comm}, number) for (kind, comm), number in sorted(series.items())]
        out.family(
            "kills",
            "gauge",
            "OOM kills in the facts window (oom_facts since=%s), by killer and victim command." % (events.get("since") or "?"),
            samples,
        )
        out.family("kills_window", "gauge", "All OOM kills in the facts window.", [(None, len(kills))])
        times = [parse_time(kill.get("time")) for kill in kills]
        times = [moment for moment in times if moment is not None]
        if times:
            out.family("last_kill_timestamp_seconds", "gauge", "When the last OOM kill in the window happened, epoch seconds.", [(None, int(max(times)))])
        if events.get("vmstat_oom_kill") is not None:
            out.family(
                "kernel_oom_kills_total",
                "counter",
                "OOM kills counted by the kernel since boot (/proc/vmstat oom_kill).",
                [(None, int(events["vmstat_oom_kill"]))],
            )
        if events.get("complete") is not None:
            out.family("events_complete", "gauge", "1 when the logs account for every kernel OOM kill since boot.", [(None, bool(events["complete"]))])
    pressure = facts.get("pressure")
    if isinstance(pressure, dict) and pressure.get("level") in PRESSURE_LEVELS:
        level = pressure["level"]
        out.family("pressure_level", "gauge", "Memory pressure level: 0 normal, 1 low, 2 medium, 3 critical.", [(None, PRESSURE_LEVELS.index(level))])
        out.family(
            "pressure_state",
            "gauge",
            "1 for the current memory pressure level, 0 for the others.",
            [({"level": name}, name == level) for name in PRESSURE_LEVELS],
        )
    processes = facts.get("processes")
    if _usable(processes) and processes:
        protected = _list(processes.get("protected"))
        critical = [proc for proc in _list(processes.get("critical")) if isinstance(proc, dict)]
        unprotected = sum(1 for proc in critical if proc.get("oom_score_adj") is None or proc["oom_score_adj"] >= 0)
        out.family("protected_processes", "gauge", "Processes with a negative oom_score_adj.", [(None, len(protected))])
        out.family(
            "critical_processes",
            "gauge",
            "Running critical processes (oom_facts critical_processes), protected (oom_score_adj < 0) or not.",
            [({"state": "protected"}, len(critical) - unprotected), ({"state": "unprotected"}, unprotected)],
        )
    findings = facts.get("findings")
    if isinstance(findings, list):
        by_severity = dict.fromkeys(SEVERITIES, 0)
        for finding in findings:
            if isinstance(finding, dict) and finding.get("severity") in by_severity:
                by_severity[finding["severity"]] += 1
        out.family("findings", "gauge", "oom_facts findings by severity.", [({"severity": severity}, by_severity[severity]) for severity in SEVERITIES])
    daemons = facts.get("daemons")
    if _usable(daemons) and daemons:
        samples = []
        for label, key in (("earlyoom", "earlyoom"), ("systemd-oomd", "systemd_oomd")):
            if isinstance(daemons.get(key), dict):
                samples.append(({"daemon": label}, bool(daemons[key].get("running"))))
        out.family("early_oom_daemon_running", "gauge", "1 when the early-OOM daemon runs.", samples)
    return out.text()
