# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The baseline filter, with facts shaped as oom_facts returns them and units as systemd_service does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.oom.guard.plugins.filter.oom_baseline import FilterModule
from ansible_collections.oom.guard.plugins.module_utils._findings import FINDING_IDS

oom_baseline = FilterModule().filters()["oom_baseline"]

TODAY = "2026-06-15"


def proc(pid, comm, adj, unit=None, cmdline=None, **extra):
    entry = {
        "pid": pid,
        "ppid": 1,
        "comm": comm,
        "cmdline": cmdline if cmdline is not None else "/usr/sbin/%s" % comm,
        "state": "S",
        "uid": 0,
        "user": "root",
        "oom_score": max(0, 20 + adj),
        "oom_score_adj": adj,
        "badness": 1000 + adj,
        "rss_bytes": 8 << 20,
        "swap_bytes": 0,
        "pgtables_bytes": 65536,
        "cgroup": "/system.slice/%s" % unit if unit else "/user.slice",
        "unit": unit,
        "container_id": None,
        "pod_uid": None,
    }
    entry.update(extra)
    return entry


def host_facts():
    """A Debian 12 server: sshd and postgres protected, earlyoom running, two warnings."""
    sshd = proc(612, "sshd", -900, "ssh.service", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups")
    postgres = [proc(pid, "postgres", -800, "postgresql@15-main.service", "postgres: 15/main: checkpointer") for pid in (701, 702, 703)]
    java = proc(900, "java", 0, "app.service", "/usr/bin/java -Xmx2g -jar /srv/app.jar")
    firefox = proc(1500, "firefox-esr", 800, None, "/usr/lib/firefox-esr/firefox-esr")
    journald = proc(230, "systemd-journal", -250, "systemd-journald.service", "/lib/systemd/systemd-journald")
    return {
        "collected_at": "2026-06-15T03:04:05Z",
        "sections": ["memory", "pressure", "sysctl", "processes", "events", "cgroups", "daemons", "findings"],
        "memory": {"available": True, "mem_total_bytes": 8 << 30, "mem_available_bytes": 5 << 30, "swap_total_bytes": 0, "available_percent": 62.5},
        "pressure": {
            "available": True,
            "some": {"avg10": 0.0, "avg60": 0.0, "avg300": 0.0, "total_us": 1200},
            "full": {"avg10": 0.0, "avg60": 0.0, "avg300": 0.0, "total_us": 300},
            "level": "normal",
            "decided_by": None,
            "level_by_available": "normal",
            "level_by_psi": "normal",
            "thresholds": {},
        },
        "sysctl": {
            "vm_panic_on_oom": 0,
            "vm_oom_kill_allocating_task": 0,
            "vm_oom_dump_tasks": 1,
            "vm_overcommit_memory": 0,
            "vm_overcommit_memory_meaning": "heuristic",
            "vm_overcommit_ratio": 50,
            "vm_overcommit_kbytes": 0,
            "vm_swappiness": 60,
            "vm_min_free_kbytes": 67584,
            "vm_watermark_scale_factor": 10,
        },
        "processes": {
            "available": True,
            "scanned": 140,
            "skipped": 0,
            "totalpages": 2097152,
            "top": [firefox, java, journald, sshd, *postgres],
            "protected": [sshd, journald, *postgres],
            "predicted_victim": firefox,
            "critical": [
                {"pid": 612, "comm": "sshd", "oom_score_adj": -900, "unit": "ssh.service"},
                {"pid": 230, "comm": "systemd-journal", "oom_score_adj": -250, "unit": "systemd-journald.service"},
            ]
            + [{"pid": p["pid"], "comm": "postgres", "oom_score_adj": -800, "unit": "postgresql@15-main.service"} for p in postgres],
        },
        "events": {"available": True, "since": "7d", "kills": [], "victims": [], "repeat_victims": [], "no_killable_count": 0, "complete": True},
        "cgroups": {"available": True, "version": "v2", "memory_cgroups": []},
        "daemons": {
            "earlyoom": {
                "installed": True,
                "path": "/usr/bin/earlyoom",
                "version": "1.7",
                "running": True,
                "pid": 480,
                "argv": ["/usr/bin/earlyoom", "-r", "3600"],
                "unit": None,
            },
            "systemd_oomd": {"installed": False, "path": None, "running": False, "pid": None, "argv": None, "unit": None},
            "systemd": {
                "installed": True,
                "path": "/usr/bin/systemctl",
                "pid1": True,
                "version": 252,
                "version_full": "252.39-1~deb12u1",
                "default_oom_policy": "stop",
            },
            "warnings": [],
        },
        "findings": [
            {
                "id": "repeat_victim",
                "severity": "warning",
                "message": "java was OOM-killed 3 times (last 2026-06-14T22:10:00Z): a leak suspect, or a limit set too low",
                "evidence": {"comm": "java", "count": 3, "pids": [880, 890, 900], "last_seen": "2026-06-14T22:10:00Z"},
            },
            {
                "id": "no_swap_without_early_oom",
                "severity": "info",
                "message": "made-up info finding for the severity threshold",
                "evidence": {},
            },
        ],
    }


def units():
    return {
        "ssh.service": {"LoadState": "loaded", "ActiveState": "active", "OOMScoreAdjust": "-900", "OOMPolicy": "continue"},
        "postgresql@15-main.service": {"LoadState": "loaded", "ActiveState": "active", "OOMScoreAdjust": "-800", "OOMPolicy": "stop"},
        "nginx.service": {"LoadState": "not-found", "ActiveState": "inactive", "OOMScoreAdjust": "0", "OOMPolicy": ""},
    }


POLICY = {
    "runtime_protections": [
        {"name": "sshd", "max_oom_score_adj": -500},
        {"unit": "postgresql@15-main.service", "max_oom_score_adj": -500},
        {"name": "nginx", "max_oom_score_adj": -300, "required": False},
    ],
    "systemd_protections": [
        {"unit": "ssh.service", "max_oom_score_adj": -500, "oom_policy": "continue"},
        {"unit": "postgresql@15-main.service", "max_oom_score_adj": -500, "oom_policy": ["stop", "continue"]},
        {"unit": "nginx.service", "max_oom_score_adj": -300, "required": False},
    ],
    "early_oom_daemon": True,
    "sysctl": {"vm.panic_on_oom": 0, "vm.overcommit_memory": [0, 2], "vm.swappiness": {"max": 60}},
    "findings": {"severity": "warning", "ids": ["repeat_victim", "panic_on_oom", "no_swap_without_early_oom"]},
    "pressure": {"max_level": "low"},
}


def run(facts=None, policy=None, **kwargs):
    kwargs.setdefault("host", "db1")
    kwargs.setdefault("groups", ["databases", "debian"])
    kwargs.setdefault("units", units())
    kwargs.setdefault("today", TODAY)
    return oom_baseline(host_facts() if facts is None else facts, POLICY if policy is None else policy, **kwargs)


def by_check(results):
    return {r["check"]: r for r in results}


def statuses(results):
    return {r["check"]: r["status"] for r in results}


# --- evaluation ------------------------------------------------------------------------------


def test_every_check_in_policy_order_with_its_stable_id():
    results = run()
    assert [r["check"] for r in results] == [
        "runtime_protection:sshd",
        "runtime_protection:postgresql@15-main.service",
        "runtime_protection:nginx",
        "systemd_protection:ssh.service",
        "systemd_protection:postgresql@15-main.service",
        "systemd_protection:nginx.service",
        "early_oom_daemon",
        "sysctl:vm.panic_on_oom",
        "sysctl:vm.overcommit_memory",
        "sysctl:vm.swappiness",
        "finding:repeat_victim",
        "finding:panic_on_oom",
        "finding:no_swap_without_early_oom",
        "pressure",
    ]
    for result in results:
        assert set(result) == {"check", "status", "message", "evidence"}
    failing = [r["check"] for r in results if r["status"] != "pass"]
    assert failing == ["finding:repeat_victim"]


def test_runtime_protection_passes_and_lists_the_processes():
    results = by_check(run())
    sshd = results["runtime_protection:sshd"]
    assert sshd["status"] == "pass"
    assert sshd["message"] == "1 process(es) named sshd, oom_score_adj at most -500 (highest -900)"
    assert sshd["evidence"]["processes"] == [{"pid": 612, "comm": "sshd", "oom_score_adj": -900, "unit": "ssh.service"}]
    postgres = results["runtime_protection:postgresql@15-main.service"]
    assert postgres["evidence"]["matched"] == 3


def test_runtime_drift_fails_naming_the_process_and_value():
    facts = host_facts()
    for key in ("top", "protected", "critical"):
        for entry in facts["processes"][key]:
            if entry["pid"] == 702:
                entry["oom_score_adj"] = 0
    facts["processes"]["protected"] = [p for p in facts["processes"]["protected"] if p["oom_score_adj"] < 0]
    result = by_check(run(facts))["runtime_protection:postgresql@15-main.service"]
    assert result["status"] == "fail"
    assert result["message"] == "1 of 3 process(es) in unit postgresql@15-main.service have oom_score_adj above -500 or unreadable: postgres pid 702 (0)"
    assert result["evidence"]["processes"][0] == {"pid": 702, "comm": "postgres", "oom_score_adj": 0, "unit": "postgresql@15-main.service"}


def test_process_found_only_in_critical_list_is_checked():
    facts = host_facts()
    facts["processes"]["top"] = []
    facts["processes"]["protected"] = []
    facts["processes"]["critical"][0]["oom_score_adj"] = 0
    result = by_check(run(facts))["runtime_protection:sshd"]
    assert result["status"] == "fail"
    assert "sshd pid 612 (0)" in result["message"]


def test_missing_process_required_fails_optional_passes():
    policy = {"runtime_protections": [{"name": "mysqld", "max_oom_score_adj": -500}, {"name": "nginx", "max_oom_score_adj": -300, "required": False}]}
    results = by_check(run(policy=policy))
    assert results["runtime_protection:mysqld"]["status"] == "fail"
    assert results["runtime_protection:mysqld"]["message"] == "no running process named mysqld (required)"
    assert results["runtime_protection:nginx"]["status"] == "pass"
    assert results["runtime_protection:nginx"]["message"] == "no running process named nginx (optional)"


def test_pattern_and_custom_id():
    policy = {
        "runtime_protections": [
            {"pattern": r"firefox|chrom", "max_oom_score_adj": 1000, "id": "browsers"},
            {"pattern": r"java .*app\.jar", "max_oom_score_adj": -100},
        ]
    }
    results = run(policy=policy)
    assert [r["check"] for r in results] == ["runtime_protection:browsers", r"runtime_protection:java .*app\.jar"]
    assert [r["status"] for r in results] == ["pass", "fail"]


def test_no_process_facts_fails_every_runtime_check():
    facts = host_facts()
    facts["processes"] = {"available": False, "reason": "cannot list /proc"}
    results = run(facts, {"runtime_protections": POLICY["runtime_protections"]})
    assert {r["status"] for r in results} == {"fail"}
    assert results[0]["message"] == "no process facts to check processes named sshd against"


def test_systemd_protection_reads_what_systemd_reports():
    drifted = units()
    drifted["ssh.service"]["OOMScoreAdjust"] = "500"
    drifted["ssh.service"]["OOMPolicy"] = "kill"
    results = by_check(run(units=drifted))
    ssh = results["systemd_protection:ssh.service"]
    assert ssh["status"] == "fail"
    assert ssh["message"] == "ssh.service: OOMScoreAdjust=500, wanted at most -500; OOMPolicy=kill, wanted continue"
    assert ssh["evidence"]["OOMScoreAdjust"] == 500
    assert (
        results["systemd_protection:postgresql@15-main.service"]["message"] == "postgresql@15-main.service: OOMScoreAdjust=-800 (at most -500), OOMPolicy=stop"
    )
    assert results["systemd_protection:nginx.service"]["status"] == "pass"
    assert results["systemd_protection:nginx.service"]["message"] == "nginx.service is not installed (LoadState=not-found) (optional)"


def test_systemd_required_unit_missing_or_unread_fails():
    policy = {"systemd_protections": [{"unit": "nginx.service", "max_oom_score_adj": -300}, {"unit": "redis-server.service", "oom_policy": "stop"}]}
    results = by_check(run(policy=policy))
    assert results["systemd_protection:nginx.service"]["status"] == "fail"
    assert results["systemd_protection:nginx.service"]["message"] == "nginx.service is not installed (LoadState=not-found) (required)"
    assert results["systemd_protection:redis-server.service"]["message"] == "systemd's state of redis-server.service was not read"


def test_systemd_protection_without_systemd_as_pid1():
    facts = host_facts()
    facts["daemons"]["systemd"]["pid1"] = False
    policy = {"systemd_protections": [{"unit": "ssh.service", "max_oom_score_adj": -500, "required": False}, {"unit": "db.service", "oom_policy": "stop"}]}
    results = run(facts, policy, units={})
    assert [(r["status"], r["message"]) for r in results] == [
        ("pass", "ssh.service: systemd is not PID 1 on this host (optional)"),
        ("fail", "db.service: systemd is not PID 1 on this host (required)"),
    ]


def test_early_oom_daemon():
    facts = host_facts()
    assert by_check(run(facts))["early_oom_daemon"]["message"] == "earlyoom is running (pid 480)"
    facts["daemons"]["earlyoom"]["running"] = False
    result = by_check(run(facts))["early_oom_daemon"]
    assert result["status"] == "fail"
    assert result["message"] == "no early-OOM daemon running: wanted earlyoom or systemd-oomd; installed: earlyoom"
    facts = host_facts()
    only_oomd = {"early_oom_daemon": {"daemons": ["systemd-oomd"]}}
    result = run(facts, only_oomd)[0]
    assert result["status"] == "fail"
    assert result["message"] == "no early-OOM daemon running: wanted systemd-oomd; running: earlyoom; installed: earlyoom"
    assert run(facts, {"early_oom_daemon": False, "pressure": {"max_level": "critical"}})[0]["check"] == "pressure"


def test_sysctl_forms():
    facts = host_facts()
    facts["sysctl"].update(vm_panic_on_oom=1, vm_overcommit_memory=1, vm_swappiness=100, vm_min_free_kbytes=None)
    policy = {
        "sysctl": {
            "vm.panic_on_oom": 0,
            "vm.overcommit_memory": [0, 2],
            "vm.swappiness": {"min": 1, "max": 60},
            "vm.oom_dump_tasks": {"eq": 1},
            "vm.min_free_kbytes": {"min": 65536},
        }
    }
    results = by_check(run(facts, policy))
    assert statuses(results.values()) == {
        "sysctl:vm.panic_on_oom": "fail",
        "sysctl:vm.overcommit_memory": "fail",
        "sysctl:vm.swappiness": "fail",
        "sysctl:vm.oom_dump_tasks": "pass",
        "sysctl:vm.min_free_kbytes": "fail",
    }
    assert results["sysctl:vm.panic_on_oom"]["message"] == "vm.panic_on_oom = 1, wanted == 0"
    assert results["sysctl:vm.overcommit_memory"]["message"] == "vm.overcommit_memory = 1, wanted in [0, 2]"
    assert results["sysctl:vm.swappiness"]["message"] == "vm.swappiness = 100, wanted >= 1 and <= 60"
    assert results["sysctl:vm.oom_dump_tasks"]["message"] == "vm.oom_dump_tasks = 1, == 1"
    assert results["sysctl:vm.min_free_kbytes"]["message"] == "vm.min_free_kbytes could not be read: wanted >= 65536"


def test_findings_at_or_above_severity_one_check_per_known_id():
    results = run(policy={"findings": {"severity": "info"}})
    assert [r["check"] for r in results] == ["finding:%s" % ident for ident in FINDING_IDS]
    failing = by_check(r for r in results if r["status"] == "fail")
    assert set(failing) == {"finding:repeat_victim", "finding:no_swap_without_early_oom"}
    assert failing["finding:repeat_victim"]["message"].startswith("warning: java was OOM-killed 3 times")
    critical_only = by_check(run(policy={"findings": {"severity": "critical", "ignore": ["events_incomplete"]}}))
    assert "finding:events_incomplete" not in critical_only
    assert critical_only["finding:repeat_victim"]["status"] == "pass"
    assert critical_only["finding:repeat_victim"]["message"] == "present only below critical (warning)"
    assert critical_only["finding:panic_on_oom"]["message"] == "not present"


def test_an_unknown_finding_id_from_newer_facts_is_checked():
    facts = host_facts()
    facts["findings"].append({"id": "swap_storm", "severity": "critical", "message": "swapping hard", "evidence": {}})
    result = run(facts, {"findings": {"severity": "warning"}})[-1]
    assert (result["check"], result["status"]) == ("finding:swap_storm", "fail")


def test_findings_not_gathered_fail():
    facts = host_facts()
    del facts["findings"]
    results = run(facts, {"findings": {"severity": "critical", "ids": ["panic_on_oom"]}})
    assert results == [{"check": "finding:panic_on_oom", "status": "fail", "message": "findings were not gathered", "evidence": {"severity": "critical"}}]


def test_pressure_level_limit():
    facts = host_facts()
    facts["pressure"].update(level="medium", decided_by="psi_full_avg10", full={"avg10": 12.5})
    result = run(facts, {"pressure": {"max_level": "low"}})[0]
    assert result["status"] == "fail"
    assert result["message"] == "memory pressure is medium (decided by psi_full_avg10), wanted at most low"
    assert result["evidence"]["psi_full_avg10"] == 12.5
    assert run(facts, {"pressure": {"max_level": "medium"}})[0]["status"] == "pass"
    assert run({}, {"pressure": {"max_level": "medium"}})[0]["message"] == "the memory pressure level is unknown: wanted at most medium"


def test_no_facts_is_failed_checks_not_an_error():
    results = oom_baseline(None, POLICY, host="web1", units={})
    assert {r["status"] for r in results} == {"fail"}
    assert len(results) == 14


# --- waivers ---------------------------------------------------------------------------------


def drifted_facts():
    facts = host_facts()
    facts["daemons"]["earlyoom"]["running"] = False
    facts["sysctl"]["vm_swappiness"] = 100
    return facts


def test_waiver_by_host_and_by_group_and_by_finding():
    waivers = [
        {"host": "db1", "check": "early_oom_daemon", "justification": "OPS-41: earlyoom rollout next sprint"},
        {"group": "databases", "check": "sysctl:vm.swappiness", "justification": "DBA: swappiness per vendor guide", "expires": "2026-06-15"},
        {"group": "all", "finding": "repeat_victim", "justification": "java leak tracked in APP-7"},
        {"host": "web1", "check": "runtime_protection:sshd", "justification": "other host"},
    ]
    results = by_check(run(drifted_facts(), waivers=waivers))
    assert results["early_oom_daemon"]["status"] == "waived"
    assert results["early_oom_daemon"]["message"] == (
        "waived for host db1: OPS-41: earlyoom rollout next sprint (failed: no early-OOM daemon running: wanted earlyoom or systemd-oomd; installed: earlyoom)"
    )
    assert results["early_oom_daemon"]["evidence"]["waiver"]["justification"] == "OPS-41: earlyoom rollout next sprint"
    # expires is the last day the waiver holds
    assert results["sysctl:vm.swappiness"]["status"] == "waived"
    assert results["sysctl:vm.swappiness"]["message"].startswith("waived for group databases until 2026-06-15: DBA")
    assert results["finding:repeat_victim"]["status"] == "waived"
    assert results["runtime_protection:sshd"]["status"] == "pass"


def test_expired_waiver_leaves_the_check_failed_and_says_so():
    waivers = {"waivers": [{"host": "db1", "check": "early_oom_daemon", "justification": "OPS-41", "expires": datetime.date(2026, 6, 14)}]}
    result = by_check(run(drifted_facts(), waivers=waivers))["early_oom_daemon"]
    assert result["status"] == "fail"
    assert result["message"].endswith("(waiver expired 2026-06-14: OPS-41)")
    assert result["evidence"]["expired_waivers"][0]["expires"] == "2026-06-14"


def test_waiver_for_another_group_or_a_passing_check_changes_nothing():
    waivers = [
        {"group": "webservers", "check": "early_oom_daemon", "justification": "web only"},
        {"host": "db1", "check": "sysctl:vm.panic_on_oom", "justification": "passes anyway"},
    ]
    results = by_check(run(drifted_facts(), waivers=waivers))
    assert results["early_oom_daemon"]["status"] == "fail"
    assert results["sysctl:vm.panic_on_oom"]["status"] == "pass"
    assert "waiver" not in results["sysctl:vm.panic_on_oom"]["evidence"]


def test_today_defaults_to_the_utc_date():
    waivers = [
        {"host": "db1", "check": "early_oom_daemon", "justification": "forever"},
        {"host": "db1", "check": "sysctl:vm.swappiness", "justification": "x", "expires": "2000-01-01"},
    ]
    results = by_check(oom_baseline(drifted_facts(), POLICY, waivers=waivers, host="db1", groups=[], units=units()))
    assert results["early_oom_daemon"]["status"] == "waived"
    assert results["sysctl:vm.swappiness"]["status"] == "fail"


# --- validation ------------------------------------------------------------------------------


def error_of(policy=None, waivers=None, **kwargs):
    with pytest.raises(AnsibleFilterError) as info:
        oom_baseline(host_facts(), POLICY if policy is None else policy, waivers=waivers, host="db1", **kwargs)
    return str(info.value)


def test_unknown_policy_key_is_named_with_the_allowed_keys():
    message = error_of({"runtime_protection": [], "pressure": {"max_level": "low"}}, policy_source="baseline policy /srv/ci/policy.yml")
    assert message == (
        "oom_baseline: invalid baseline policy /srv/ci/policy.yml:\n"
        "  - unknown key 'runtime_protection'; allowed keys: runtime_protections, systemd_protections, early_oom_daemon, sysctl, findings, pressure"
    )


def test_policy_must_be_a_mapping_with_a_check():
    assert "must be a mapping with any of the keys runtime_protections" in error_of(["sshd"])
    assert "defines no check: give at least one of runtime_protections" in error_of({})


def test_every_policy_problem_is_reported_at_once():
    policy = {
        "runtime_protections": [
            {"name": "sshd", "unit": "ssh.service", "max_oom_score_adj": -500},
            {"name": "a-very-long-process-name", "max_oom_score_adj": -2000},
            {"pattern": "(", "max_oom_score_adj": 0, "required": "yes"},
            {"name": "nginx", "max": -300},
            "sshd",
        ],
        "systemd_protections": [{"unit": "ssh", "max_oom_score_adj": -500}, {"unit": "ssh.service"}, {"unit": "db.service", "oom_policy": "restart"}],
        "early_oom_daemon": {"daemons": ["oomd"]},
        "sysctl": {"vm.panic": 0, "vm.swappiness": {"max": "60"}, "vm.overcommit_memory": {"min": 2, "max": 0}, "vm.oom_dump_tasks": []},
        "findings": {"severity": "error", "ids": ["repeat_victims"]},
        "pressure": {"max": "low"},
    }
    message = error_of(policy)
    expected = [
        "runtime_protections[0]: needs exactly one of name (command name), unit (systemd unit) or pattern (regex on the command line), got ['name', 'unit']",
        "runtime_protections[1]: name must be a command name of 1 to 15 bytes (the kernel's comm), got 'a-very-long-process-name'",
        "runtime_protections[1]: max_oom_score_adj must be an integer from -1000 to 1000, got -2000",
        "runtime_protections[2]: pattern is not a valid Python regex",
        "runtime_protections[2]: required must be true or false, got 'yes'",
        "runtime_protections[3]: unknown key 'max'; allowed keys: name, unit, pattern, max_oom_score_adj, required, id",
        "runtime_protections[3]: max_oom_score_adj is required (an integer from -1000 to 1000)",
        "runtime_protections[4]: must be a mapping, got str",
        "systemd_protections[0]: unit is required, a systemd unit name such as ssh.service, got 'ssh'",
        "systemd_protections[1]: needs max_oom_score_adj (an integer from -1000 to 1000) and/or oom_policy (continue, stop, kill)",
        "systemd_protections[2]: oom_policy must be one of continue, stop, kill or a list of them, got 'restart'",
        "early_oom_daemon: daemons must be a non-empty list of earlyoom, systemd-oomd, got ['oomd']",
        "sysctl: unknown key 'vm.panic'; allowed keys (the sysctls oom_facts reads): vm.panic_on_oom,",
        "sysctl.vm.swappiness: max must be an integer, got '60'",
        "sysctl.vm.overcommit_memory: min (2) is above max (0)",
        "sysctl.vm.oom_dump_tasks: must be an integer (equal to), a list of integers (one of), or a mapping with eq, in, min and/or max, got []",
        "findings: severity is required, one of info, warning, critical (findings at or above it fail), got 'error'",
        "findings.ids: unknown finding id 'repeat_victims'; known ids: oom_kills_in_window, repeat_victim,",
        "pressure: unknown key 'max'; allowed keys: max_level",
        "pressure: max_level is required, one of normal, low, medium, critical, got None",
    ]
    for line in expected:
        assert "\n  - " + line in message, line
    assert message.count("\n  - ") == len(expected)


def test_duplicate_check_ids_are_refused():
    policy = {"runtime_protections": [{"name": "sshd", "max_oom_score_adj": -500}, {"name": "sshd", "max_oom_score_adj": -900}]}
    assert "runtime_protections[1]: check id runtime_protection:sshd is also the id of runtime_protections[0]; give one of them an id" in error_of(policy)


def test_invalid_waivers_name_the_key_and_the_form():
    waivers = [
        {"host": "db1", "check": "early_oom_daemon", "justification": "   "},
        {"host": "db1", "group": "x", "check": "pressure", "justification": "j"},
        {"host": "db1", "check": "early_oom", "justification": "j"},
        {"host": "db1", "finding": "repeat_victims", "justification": "j"},
        {"host": "db1", "check": "sysctl:vm.nope", "justification": "j"},
        {"host": "db1", "check": "pressure", "justification": "j", "expires": "next week"},
        {"hosts": "db1", "check": "pressure", "justification": "j"},
    ]
    message = error_of(waivers=waivers, waivers_source="baseline waivers waivers.yml")
    assert message.startswith("oom_baseline: invalid baseline waivers waivers.yml:\n")
    for line in (
        "waivers[0]: justification is required: a non-empty string saying why (a ticket, an owner), got '   '",
        "waivers[1]: needs exactly one of host (an inventory host name) or group (an inventory group), got ['host', 'group']",
        "waivers[2]: check must be a check id (runtime_protection:<name>, systemd_protection:<unit>, early_oom_daemon, "
        "sysctl:<name>, finding:<id> or pressure), got 'early_oom'",
        "waivers[3]: finding must be a finding id (oom_kills_in_window,",
        "waivers[4]: check sysctl:vm.nope names no sysctl oom_facts reads",
        "waivers[5]: expires must be a date YYYY-MM-DD (the last day the waiver holds), got 'next week'",
        "waivers[6]: unknown key 'hosts'; allowed keys: host, group, check, finding, justification, expires",
    ):
        assert "\n  - " + line in message, line
    assert "unknown key 'waiver'; allowed keys: waivers" in error_of(waivers={"waiver": []})
    assert "must be a list of waivers, or a mapping with the list under waivers, got str" in error_of(waivers="db1")


def test_empty_waivers_forms_are_accepted():
    assert run(waivers=None) == run(waivers=[]) == run(waivers={"waivers": None}) == run(waivers={})


def test_bad_call_arguments():
    with pytest.raises(AnsibleFilterError, match=r"expected the host's ansible_facts\.oom"):
        oom_baseline("facts", POLICY)
    with pytest.raises(AnsibleFilterError, match="groups must be a list"):
        oom_baseline({}, POLICY, groups="databases")
    with pytest.raises(AnsibleFilterError, match="today must be a date"):
        oom_baseline({}, POLICY, today="tomorrow")


def test_input_is_not_modified():
    facts, policy = host_facts(), copy.deepcopy(POLICY)
    before = copy.deepcopy((facts, policy))
    run(facts, policy, waivers=[{"group": "all", "check": "pressure", "justification": "j"}])
    assert (facts, policy) == before
