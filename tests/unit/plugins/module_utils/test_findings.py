# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings from OOM facts: each id fires on its evidence and stays quiet without it."""

from ansible_collections.oom.guard.plugins.module_utils import _findings


def _ids(found):
    return [item["id"] for item in found]


def _quiet_host():
    return {
        "memory": {"available": True, "swap_total_bytes": 1 << 30, "available_percent": 80.0},
        "pressure": {"available": True, "level": "normal", "decided_by": None, "full": {"avg10": 0.0}},
        "sysctl": {"vm_panic_on_oom": 0, "vm_overcommit_memory": 0},
        "daemons": {"available": True, "earlyoom": {"running": True}, "systemd_oomd": {"running": False}},
        "events": {"available": True, "kills": [], "repeat_victims": [], "no_killable_count": 0, "complete": True, "since": "7d"},
        "cgroups": {"available": True, "memory_cgroups": [{"path": "/a.service", "usage_percent": 50.0}]},
    }


def test_quiet_host_has_no_findings():
    assert _findings.compute_findings(_quiet_host(), critical_processes=[{"pid": 10, "comm": "sshd", "oom_score_adj": -900}]) == []


def test_logins_under_a_protected_listener_are_not_unprotected_critical_processes():
    # OpenSSH: listener at -1000, per-connection monitor and the login's sshd back at 0 by design;
    # a second sshd (another daemon, not a child of a protected one) at 0 is still reported.
    critical = [
        {"pid": 500, "ppid": 1, "comm": "sshd", "oom_score_adj": -1000},
        {"pid": 900, "ppid": 500, "comm": "sshd", "oom_score_adj": 0},
        {"pid": 905, "ppid": 900, "comm": "sshd", "oom_score_adj": 0},
        {"pid": 700, "ppid": 1, "comm": "sshd", "oom_score_adj": 0},
        {"pid": 701, "ppid": 700, "comm": "sshd", "oom_score_adj": 0},
        {"pid": 801, "ppid": 500, "comm": "postgres", "oom_score_adj": 0},
    ]
    found = _findings.compute_findings(_quiet_host(), critical_processes=critical)
    assert sorted(f["evidence"]["pid"] for f in found if f["id"] == "critical_process_unprotected") == [700, 701, 801]


def test_every_finding_with_its_evidence():
    facts = _quiet_host()
    kill = {"pid": 42, "comm": "java", "task_memcg": "/x"}
    facts["events"].update(
        kills=[kill, kill],
        repeat_victims=[{"comm": "java", "count": 2, "pids": [42, 43], "last_seen": "2026-12-01T00:00:00Z"}],
        no_killable_count=1,
        complete=False,
        vmstat_oom_kill=5,
        missing=3,
        incomplete_reason="log rotated or truncated",
    )
    facts["sysctl"] = {"vm_panic_on_oom": 1, "vm_overcommit_memory": 1}
    facts["daemons"] = {"available": True, "earlyoom": {"running": False}, "systemd_oomd": {"running": False}}
    facts["memory"]["swap_total_bytes"] = 0
    facts["pressure"].update(level="critical", decided_by="psi_full_avg10", full={"avg10": 40.0})
    facts["cgroups"]["memory_cgroups"].append({"path": "/db.service", "usage_percent": 95.5, "limit_bytes": 100, "unit": "db.service"})
    found = _findings.compute_findings(facts, [{"pid": 7, "comm": "postgres", "oom_score_adj": 0, "unit": "postgresql.service"}])
    assert _ids(found) == [
        "no_killable_processes",
        "panic_on_oom",
        "memory_pressure",
        "oom_kills_in_window",
        "repeat_victim",
        "critical_process_unprotected",
        "overcommit_always_without_early_oom",
        "no_swap_without_early_oom",
        "cgroup_near_limit",
        "events_incomplete",
    ]
    by_id = {item["id"]: item for item in found}
    assert by_id["repeat_victim"]["evidence"] == {"comm": "java", "count": 2, "pids": [42, 43], "last_seen": "2026-12-01T00:00:00Z"}
    assert by_id["critical_process_unprotected"]["evidence"] == {"pid": 7, "comm": "postgres", "oom_score_adj": 0, "unit": "postgresql.service"}
    assert by_id["cgroup_near_limit"]["evidence"]["path"] == "/db.service"
    assert by_id["memory_pressure"]["severity"] == "critical"
    assert by_id["events_incomplete"]["evidence"]["missing"] == 3
    assert set(by_id) <= set(_findings.FINDING_IDS)


def test_two_early_oom_daemons_conflict():
    facts = _quiet_host()
    facts["daemons"]["systemd_oomd"]["running"] = True
    assert _ids(_findings.compute_findings(facts)) == ["early_oom_daemons_conflict"]


def test_unavailable_sections_give_no_findings():
    facts = {
        "memory": {"available": False, "swap_total_bytes": None},
        "daemons": {"available": False},
        "events": {"available": False, "kills": [{"pid": 1}]},
        "cgroups": {"available": False, "memory_cgroups": [{"usage_percent": 99.0}]},
    }
    assert _findings.compute_findings(facts) == []


def test_medium_pressure_is_a_warning_low_is_nothing():
    facts = _quiet_host()
    facts["pressure"]["level"] = "low"
    assert _findings.compute_findings(facts) == []
    facts["pressure"]["level"] = "medium"
    assert [(f["id"], f["severity"]) for f in _findings.compute_findings(facts)] == [("memory_pressure", "warning")]
