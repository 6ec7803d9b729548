# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet summary and the node_exporter textfile, from facts shaped as oom_facts returns them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import subprocess
import sys

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.oom.guard.plugins.filter.oom_fleet_summary import FilterModule as SummaryFilters
from ansible_collections.oom.guard.plugins.filter.oom_prometheus_textfile import FilterModule as PrometheusFilters
from ansible_collections.oom.guard.plugins.module_utils import _oom_fleet
from ansible_collections.oom.guard.plugins.module_utils._oom_log import EVENT_KEYS

oom_fleet_summary = SummaryFilters().filters()["oom_fleet_summary"]
oom_prometheus_textfile = PrometheusFilters().filters()["oom_prometheus_textfile"]

PROMCHECK = os.path.join(os.path.dirname(__file__), "..", "..", "..", "integration", "targets", "audit", "files", "promcheck.py")


def kill(pid, comm, time, kind="kernel_oom_kill", **extra):
    event = dict.fromkeys(EVENT_KEYS)
    event.update(
        kind=kind,
        pid=pid,
        comm=comm,
        uid=0,
        oom_score_adj=0,
        total_vm_kb=114924,
        anon_rss_kb=105216,
        file_rss_kb=5972,
        shmem_rss_kb=0,
        pgtables_kb=268,
        scope="memcg",
        constraint="CONSTRAINT_MEMCG",
        oom_memcg="/system.slice/%s.service" % comm,
        task_memcg="/system.slice/%s.service" % comm,
        invoker_comm=comm,
        invoker_pid=pid,
        time_raw="780.513132",
        time=time,
        unit="%s.service" % comm,
        partial=False,
    )
    if kind == "earlyoom_kill":
        event["signal"] = "SIGTERM"
    event.update(extra)
    return event


def proc(pid, comm, oom_score, *, adj=0, rss=59064320, unit=None, container_id=None):
    return {
        "pid": pid,
        "ppid": 1,
        "comm": comm,
        "cmdline": "/usr/bin/%s --serve" % comm,
        "state": "S",
        "uid": 0,
        "user": "root",
        "oom_score": oom_score,
        "oom_score_adj": adj,
        "badness": oom_score * 20,
        "rss_bytes": rss,
        "swap_bytes": 0,
        "pgtables_bytes": 184320,
        "cgroup": "/system.slice/%s" % (unit or "user.slice"),
        "unit": unit,
        "container_id": container_id,
        "pod_uid": None,
    }


def victims(kills):
    found = {}
    for event in kills:
        entry = found.setdefault(event["comm"], {"comm": event["comm"], "count": 0, "last_seen": None, "pids": []})
        entry["count"] += 1
        entry["last_seen"] = event["time"]
        entry["pids"].append(event["pid"])
    return sorted(found.values(), key=lambda entry: -entry["count"])


def finding(ident, severity, message):
    return {"id": ident, "severity": severity, "message": message, "evidence": {}}


def host_facts(
    *, collected_at="2026-12-01T03:14:36Z", kills=(), level="normal", earlyoom=False, oomd=False, critical=(), protected=(), findings=(), victim=None
):
    """A complete ansible_facts.oom as oom_facts returns it (values from a real Debian 12 run)."""
    kills = list(kills)
    return {
        "collected_at": collected_at,
        "sections": ["memory", "pressure", "sysctl", "processes", "events", "cgroups", "daemons", "findings"],
        "memory": {
            "available": True,
            "reason": None,
            "mem_total_bytes": 25276514304,
            "mem_free_bytes": 23792627712,
            "mem_available_bytes": 24736489472,
            "swap_total_bytes": 0,
            "swap_free_bytes": 0,
            "commit_limit_bytes": 12638257152,
            "committed_as_bytes": 182530048,
            "available_percent": 97.86 if level == "normal" else 4.2,
        },
        "pressure": {
            "available": True,
            "reason": None,
            "some": {"avg10": 0.0 if level == "normal" else 41.5, "avg60": 0.0, "avg300": 0.0, "total_us": 50492},
            "full": {"avg10": 0.0 if level == "normal" else 30.1, "avg60": 0.0, "avg300": 0.0, "total_us": 14244},
            "level": level,
            "decided_by": None if level == "normal" else "both",
            "level_by_available": level,
            "level_by_psi": level,
            "thresholds": {"available_percent": {"low": 20, "medium": 10, "critical": 5}, "psi_full_avg10": {"low": 5, "medium": 10, "critical": 25}},
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
            "reason": None,
            "scanned": 75,
            "skipped": 0,
            "totalpages": 6171024,
            "top": [victim] if victim else [],
            "protected": list(protected),
            "predicted_victim": victim,
            "critical": list(critical),
        },
        "events": {
            "available": True,
            "since": "7d",
            "since_time": "2026-11-24T03:14:36Z",
            "kills": kills,
            "sources": [{"name": "dmesg", "available": True, "events": len(kills), "reason": None}],
            "victims": victims(kills),
            "repeat_victims": [entry for entry in victims(kills) if entry["count"] >= 2],
            "vmstat_oom_kill": len(kills),
            "complete": True,
            "incomplete_reason": None,
            "missing": 0,
            "no_killable_count": 0,
            "ratelimited": False,
            "lines_scanned": 1763,
        },
        "cgroups": {
            "available": True,
            "reason": None,
            "version": "hybrid",
            "memory_version": "v1",
            "memory_mount": "/sys/fs/cgroup/memory",
            "memory_mount_root": "/",
            "unified_mount": "/sys/fs/cgroup/unified",
            "truncated": False,
            "memory_cgroups": [],
        },
        "daemons": {
            "earlyoom": {
                "installed": earlyoom,
                "path": "/usr/bin/earlyoom" if earlyoom else None,
                "version": None,
                "running": earlyoom,
                "pid": None,
                "argv": None,
                "unit": None,
            },
            "systemd_oomd": {"installed": oomd, "path": None, "running": oomd, "pid": None, "argv": None, "unit": None},
            "systemd": {
                "installed": True,
                "path": "/usr/bin/systemctl",
                "pid1": True,
                "version": 252,
                "version_full": "252.38-1~deb12u1",
                "default_oom_policy": "stop",
            },
            "warnings": [],
        },
        "findings": list(findings),
    }


def fleet():
    """web1: repeated kills, no early-OOM daemon; db1: protected, earlyoom, clean; cache1: critical pressure."""
    web_kills = [
        kill(32357, "java", "2026-12-01T01:10:02.479784Z"),
        kill(32575, "java", "2026-12-01T03:14:21.513132Z"),
        kill(32601, "node", "2026-11-30T22:01:00Z", kind="earlyoom_kill"),
    ]
    web_kills.sort(key=lambda event: event["time"])
    web = host_facts(
        kills=web_kills,
        critical=[{"pid": 812, "comm": "sshd", "oom_score_adj": 0, "unit": "ssh.service"}],
        victim=proc(4242, "java", 668, rss=2147483648, unit="tomcat.service"),
        findings=[
            finding("oom_kills_in_window", "warning", "3 OOM kill(s) since 7d; the last killed java (pid 32575)"),
            finding("repeat_victim", "warning", "java was OOM-killed 2 times"),
            finding("critical_process_unprotected", "warning", "sshd (pid 812) has oom_score_adj 0"),
            finding("no_swap_without_early_oom", "warning", "no swap and no early-OOM daemon"),
        ],
    )
    db = host_facts(
        collected_at="2026-12-01T03:14:40Z",
        earlyoom=True,
        critical=[
            {"pid": 700, "comm": "postgres", "oom_score_adj": -900, "unit": "postgresql.service"},
            {"pid": 650, "comm": "sshd", "oom_score_adj": -1000, "unit": "ssh.service"},
        ],
        protected=[proc(700, "postgres", 0, adj=-900, unit="postgresql.service"), proc(650, "sshd", 0, adj=-1000, unit="ssh.service")],
        victim=proc(5100, "backup-agent", 120, unit="backup.service"),
    )
    cache = host_facts(
        collected_at="2026-12-01T03:13:59Z",
        level="critical",
        oomd=True,
        victim=proc(9000, "redis-server", 900, adj=0, rss=8589934592, unit="redis-server.service"),
        critical=[{"pid": 9000, "comm": "redis-server", "oom_score_adj": 0, "unit": "redis-server.service"}],
        findings=[
            finding("memory_pressure", "critical", "memory pressure is critical (decided by both)"),
            finding("critical_process_unprotected", "warning", "redis-server (pid 9000) has oom_score_adj 0"),
        ],
    )
    return {"web1": web, "db1": db, "cache1": cache}


# --- the fleet summary ------------------------------------------------------------------------


def test_rows_are_worst_first_with_status_and_every_key():
    summary = oom_fleet_summary(fleet())
    assert [row["host"] for row in summary["hosts"]] == ["cache1", "web1", "db1"]
    assert [row["status"] for row in summary["hosts"]] == ["critical", "warning", "ok"]
    keys = set(summary["hosts"][0])
    assert all(set(row) == keys for row in summary["hosts"])
    assert summary["schema"] == 1
    assert summary["generated_at"] == "2026-12-01T03:14:40Z"
    assert summary["collected_from"] == "2026-12-01T03:13:59Z"
    assert summary["since"] == ["7d"]


def test_host_row_details():
    rows = {row["host"]: row for row in oom_fleet_summary(fleet())["hosts"]}
    web = rows["web1"]
    assert web["kills"]["count"] == 3
    assert web["kills"]["by_kind"] == {"kernel_oom_kill": 2, "earlyoom_kill": 1}
    assert web["kills"]["by_comm"] == {"java": 2, "node": 1}
    assert web["kills"]["first_time"] == "2026-11-30T22:01:00Z"
    assert web["kills"]["last"]["pid"] == 32575
    assert web["kills"]["last"]["unit"] == "java.service"
    assert web["kills"]["repeat_victims"] == ["java"]
    assert web["early_oom"] == {"earlyoom": "absent", "systemd_oomd": "absent", "active": "none"}
    assert web["protection"]["critical_unprotected"] == [{"comm": "sshd", "pid": 812, "oom_score_adj": 0, "unit": "ssh.service"}]
    assert web["protection"]["coverage_percent"] == 0.0
    assert web["predicted_victim"]["comm"] == "java"
    assert web["findings_by_severity"] == {"critical": 0, "warning": 4, "info": 0}
    db = rows["db1"]
    assert db["protection"]["protected_count"] == 2
    assert [proc["comm"] for proc in db["protection"]["protected"]] == ["sshd", "postgres"]
    assert db["protection"]["coverage_percent"] == 100.0
    assert db["early_oom"]["active"] == "earlyoom"
    assert db["kills"]["last"] is None
    cache = rows["cache1"]
    assert cache["pressure"] == {"level": "critical", "decided_by": "both", "psi_available": True, "psi_some_avg10": 41.5, "psi_full_avg10": 30.1}
    assert cache["early_oom"]["active"] == "systemd-oomd"
    assert cache["memory"]["available_percent"] == 4.2


def test_totals():
    totals = oom_fleet_summary(fleet())["totals"]
    assert totals["hosts"] == 3
    assert totals["by_status"] == {"critical": 1, "warning": 1, "ok": 1, "unknown": 0}
    assert totals["kills"] == 3
    assert totals["kills_by_kind"] == {"kernel_oom_kill": 2, "earlyoom_kill": 1, "systemd_oomd_kill": 0}
    assert totals["hosts_with_kills"] == 1
    assert totals["findings"] == 6
    assert totals["findings_by_severity"] == {"critical": 1, "warning": 5, "info": 0}
    assert totals["findings_by_id"]["critical_process_unprotected"] == 2
    assert totals["pressure"] == {"normal": 2, "low": 0, "medium": 0, "critical": 1, "unknown": 0}
    assert totals["early_oom"] == {"earlyoom": 1, "systemd-oomd": 1, "both": 0, "none": 1, "unknown": 0}
    assert totals["protected_processes"] == 2
    assert (totals["critical_processes"], totals["critical_unprotected"]) == (4, 2)
    assert totals["protection_coverage_percent"] == 50.0


def test_victims_findings_and_predictions_across_the_fleet():
    facts = fleet()
    extra = kill(41000, "java", "2026-12-01T03:00:00Z")
    facts["db1"]["events"]["kills"] = [extra]
    facts["db1"]["events"]["victims"] = victims([extra])
    summary = oom_fleet_summary(facts, top=2)
    assert summary["top_victims"] == [
        {"comm": "java", "count": 3, "hosts": ["db1", "web1"], "last_seen": "2026-12-01T03:14:21.513132Z"},
        {"comm": "node", "count": 1, "hosts": ["web1"], "last_seen": "2026-11-30T22:01:00Z"},
    ]
    assert [(proc["host"], proc["comm"]) for proc in summary["predicted_victims"]] == [("cache1", "redis-server"), ("web1", "java")]
    assert summary["findings"][0] == {
        "host": "cache1",
        "id": "memory_pressure",
        "severity": "critical",
        "message": "memory pressure is critical (decided by both)",
    }
    assert [item["severity"] for item in summary["findings"]] == ["critical"] + ["warning"] * 5


def test_hostvars_shape_and_hosts_without_facts():
    facts = fleet()
    hostvars = {
        "web1": {"ansible_host": "10.0.0.1", "ansible_facts": {"oom": facts["web1"], "distribution": "Debian"}},
        "db1": {"ansible_facts": {"oom": facts["db1"]}},
        "down1": {"ansible_host": "10.0.0.9"},
        "other": {"ansible_facts": {"oom": facts["cache1"]}},
    }
    summary = oom_fleet_summary(hostvars, hosts=["db1", "web1", "down1", "never-in-inventory"])
    assert [row["host"] for row in summary["hosts"]] == ["web1", "db1", "down1", "never-in-inventory"]
    down = summary["hosts"][2]
    assert down["status"] == "unknown"
    assert down["has_facts"] is False
    assert down["kills"]["count"] == 0
    assert down["predicted_victim"] is None
    assert summary["totals"]["by_status"]["unknown"] == 2
    assert summary["totals"]["with_facts"] == 2
    assert summary["totals"]["pressure"]["unknown"] == 2
    # {'oom': facts} is accepted too, for facts read back from a fact cache
    assert oom_fleet_summary({"web1": {"oom": facts["web1"]}})["hosts"][0]["kills"]["count"] == 3


def test_partial_sections_give_nulls_not_errors():
    facts = fleet()["web1"]
    only_events = {"collected_at": facts["collected_at"], "sections": ["events"], "events": facts["events"]}
    row = oom_fleet_summary({"web1": only_events})["hosts"][0]
    assert row["status"] == "ok"
    assert row["kills"]["count"] == 3
    assert row["pressure"]["level"] is None
    assert row["predicted_victim"] is None
    assert row["early_oom"]["active"] == "unknown"
    unavailable = dict(facts, processes={"available": False, "reason": "hidepid"}, memory={"available": False, "reason": "no /proc"})
    row = oom_fleet_summary({"web1": unavailable})["hosts"][0]
    assert row["protection"]["coverage_percent"] is None
    assert row["memory"]["available_percent"] is None


def test_timeline_buckets_per_host():
    timeline = oom_fleet_summary(fleet())["timeline"]
    # 7 days in at most 48 buckets: 6 h steps, aligned to 00/06/12/18 UTC
    assert timeline["bucket_seconds"] == 6 * 3600
    assert timeline["start"] == "2026-11-24T00:00:00Z"
    assert timeline["buckets"][1] == "2026-11-24T06:00:00Z"
    assert timeline["end"] == "2026-12-01T06:00:00Z"
    lanes = {lane["host"]: lane for lane in timeline["lanes"]}
    assert [lane["host"] for lane in timeline["lanes"]] == ["cache1", "web1", "db1"]
    web = lanes["web1"]
    assert web["total"] == 3
    assert len(web["counts"]) == len(timeline["buckets"])
    last = timeline["buckets"].index("2026-12-01T00:00:00Z")
    evening = timeline["buckets"].index("2026-11-30T18:00:00Z")
    assert web["counts"][last] == 2
    assert web["by_kind"]["kernel_oom_kill"][last] == 2
    assert web["by_kind"]["earlyoom_kill"][evening] == 1
    assert lanes["db1"]["total"] == 0
    assert timeline["max_count"] == 2
    assert timeline["ticks"][0] == {"index": 0, "label": "11-24 00:00"}


def test_timeline_short_window_and_undated_kills():
    facts = fleet()["web1"]
    facts["events"]["since"] = "1h"
    facts["events"]["since_time"] = "2026-12-01T02:14:36Z"
    facts["events"]["kills"] = [kill(1, "a", "2026-12-01T03:00:10Z"), kill(2, "b", None, time_raw="12.5"), kill(3, "a", "2026-12-01T03:04:59Z")]
    summary = oom_fleet_summary({"h": facts})
    timeline = summary["timeline"]
    assert timeline["bucket_seconds"] == 300
    assert timeline["undated"] == 1
    assert summary["hosts"][0]["kills"]["undated"] == 1
    assert summary["totals"]["undated_kills"] == 1
    lane = timeline["lanes"][0]
    assert lane["total"] == 2
    assert lane["counts"][timeline["buckets"].index("2026-12-01T03:00:00Z")] == 2
    assert timeline["ticks"][0]["label"] == "02:10"


def test_empty_fleet():
    summary = oom_fleet_summary({}, hosts=[])
    assert summary["hosts"] == []
    assert summary["generated_at"] is None
    assert summary["timeline"]["lanes"] == []
    assert summary["totals"]["protection_coverage_percent"] is None


def test_deterministic_and_json_safe():
    first = oom_fleet_summary(fleet())
    second = oom_fleet_summary(copy.deepcopy(fleet()))
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert json.loads(json.dumps(first)) == first


def test_filter_refuses_bad_input():
    with pytest.raises(AnsibleFilterError, match="expected a dict of host -> OOM facts"):
        oom_fleet_summary(["web1"])
    with pytest.raises(AnsibleFilterError, match="hosts must be a list of host names"):
        oom_fleet_summary(fleet(), hosts="web1")
    with pytest.raises(AnsibleFilterError, match="top and max_buckets must be integers"):
        oom_fleet_summary(fleet(), top="many")
    with pytest.raises(AnsibleFilterError, match="max_buckets 1 or more"):
        oom_fleet_summary(fleet(), max_buckets=0)


def test_parse_time():
    assert _oom_fleet.parse_time("2026-12-01T03:14:21.513132Z") == pytest.approx(1796094861.513132)
    assert _oom_fleet.parse_time("2026-12-01T03:14:21Z") == 1796094861
    assert _oom_fleet.parse_time("Dec  1 03:14:21") is None
    assert _oom_fleet.parse_time(None) is None


# --- the node_exporter textfile ---------------------------------------------------------------


def promcheck(tmp_path, text, python=sys.executable, *args):
    path = tmp_path / "oom_guard.prom"
    path.write_text(text, encoding="utf-8")
    return subprocess.run([python, PROMCHECK, str(path), *args], capture_output=True, text=True, check=False)


def samples(text):
    return [line for line in text.splitlines() if not line.startswith("#")]


def test_textfile_metrics():
    text = oom_prometheus_textfile(fleet()["web1"])
    lines = samples(text)
    assert 'oom_guard_kills{comm="java",kind="kernel_oom_kill"} 2' in lines
    assert 'oom_guard_kills{comm="node",kind="earlyoom_kill"} 1' in lines
    assert "oom_guard_kills_window 3" in lines
    assert "oom_guard_last_kill_timestamp_seconds 1796094861" in lines
    assert "oom_guard_kernel_oom_kills_total 3" in lines
    assert "oom_guard_events_complete 1" in lines
    assert "oom_guard_pressure_level 0" in lines
    assert 'oom_guard_pressure_state{level="normal"} 1' in lines
    assert 'oom_guard_pressure_state{level="critical"} 0' in lines
    assert "oom_guard_protected_processes 0" in lines
    assert 'oom_guard_critical_processes{state="unprotected"} 1' in lines
    assert 'oom_guard_findings{severity="warning"} 4' in lines
    assert 'oom_guard_findings{severity="critical"} 0' in lines
    assert 'oom_guard_early_oom_daemon_running{daemon="earlyoom"} 0' in lines
    assert "# TYPE oom_guard_kernel_oom_kills_total counter" in text.splitlines()
    assert text.endswith("\n")


def test_textfile_is_stable_across_runs():
    # A later gathering with the same OOM state (new collection time, PSI and MemAvailable moved)
    # must give the same bytes: the role's copy then changes nothing.
    before = fleet()["db1"]
    after = copy.deepcopy(before)
    after["collected_at"] = "2026-12-01T04:00:00Z"
    after["memory"]["available_percent"] = 91.3
    after["memory"]["mem_available_bytes"] -= 10**9
    after["pressure"]["some"]["avg10"] = 0.42
    after["processes"]["predicted_victim"]["pid"] = 5200
    assert oom_prometheus_textfile(before) == oom_prometheus_textfile(after)
    after["events"]["kills"] = [kill(1, "x", "2026-12-01T03:59:00Z")]
    assert oom_prometheus_textfile(before) != oom_prometheus_textfile(after)


def test_textfile_escapes_labels_and_caps_comms():
    facts = fleet()["web1"]
    facts["events"]["kills"] = [kill(index, "w%d" % (index % 4), "2026-12-01T03:00:%02dZ" % index) for index in range(12)]
    facts["events"]["kills"].append(kill(99, 'odd "name"\\x', "2026-12-01T03:01:00Z"))
    text = oom_prometheus_textfile(facts, max_comms=2)
    lines = samples(text)
    assert 'oom_guard_kills{comm="w0",kind="kernel_oom_kill"} 3' in lines
    assert 'oom_guard_kills{comm="w1",kind="kernel_oom_kill"} 3' in lines
    assert 'oom_guard_kills{comm="other",kind="kernel_oom_kill"} 7' in lines
    uncapped = oom_prometheus_textfile(facts)
    assert 'oom_guard_kills{comm="odd \\"name\\"\\\\x",kind="kernel_oom_kill"} 1' in samples(uncapped)


def test_textfile_leaves_out_sections_not_gathered():
    facts = fleet()["web1"]
    text = oom_prometheus_textfile({"collected_at": facts["collected_at"], "sections": ["pressure"], "pressure": facts["pressure"]})
    assert [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")] == ["oom_guard_pressure_level", "oom_guard_pressure_state"]


@pytest.mark.parametrize("host", ["web1", "db1", "cache1"])
def test_textfile_is_valid_exposition_format(tmp_path, host):
    facts = fleet()[host]
    facts["events"]["kills"].append(kill(77, 'quote"back\\slash', "2026-12-01T03:02:00Z"))
    result = promcheck(tmp_path, oom_prometheus_textfile(facts))
    assert result.returncode == 0, result.stdout + result.stderr


def test_textfile_parses_with_prometheus_client(tmp_path):
    # Debian's python3-prometheus-client (requirements/apt.txt), through the system Python.
    system = "/usr/bin/python3"
    if subprocess.run([system, "-c", "import prometheus_client"], capture_output=True, check=False).returncode:
        pytest.skip("python3-prometheus-client is not installed")
    facts = fleet()["web1"]
    facts["events"]["kills"].append(kill(77, 'quote"back\\slash', "2026-12-01T03:02:00Z"))
    result = promcheck(tmp_path, oom_prometheus_textfile(facts), system, "--require-parser")
    assert result.returncode == 0, result.stdout + result.stderr
    parsed = json.loads(result.stdout)["parsed"]
    kills = {sample[1]["comm"]: sample[2] for sample in parsed["oom_guard_kills"]}
    assert kills == {"java": 2.0, "node": 1.0, 'quote"back\\slash': 1.0}
    # prometheus_client names a counter's family without _total
    assert parsed["oom_guard_kernel_oom_kills"][0][2] == 3.0


def test_promcheck_rejects_broken_text(tmp_path):
    bad = [
        "oom_guard_x 1\n",  # no HELP/TYPE
        "# HELP oom_guard_x x\n# TYPE oom_guard_x gauge\noom_guard_x 1 1796094861000\n",  # timestamp
        '# HELP oom_guard_x x\n# TYPE oom_guard_x gauge\noom_guard_x{comm="a"b"} 1\n',  # unescaped quote
        "# HELP oom_guard_x x\n# TYPE oom_guard_x gauge\noom_guard_x 1",  # no trailing newline
        "# HELP oom_guard_x x\n# TYPE oom_guard_x gauge\noom_guard_x 1\noom_guard_x 2\n",  # duplicate series
        "# HELP oom_guard_x x\n# TYPE oom_guard_x counter\noom_guard_x 1\n",  # counter without _total
    ]
    for text in bad:
        assert promcheck(tmp_path, text).returncode == 1, text


def test_textfile_filter_refuses_bad_input():
    with pytest.raises(AnsibleFilterError, match=r"expected a host's ansible_facts\.oom dict"):
        oom_prometheus_textfile("facts")
    with pytest.raises(AnsibleFilterError, match="max_comms must be 0 or more"):
        oom_prometheus_textfile({}, max_comms=-1)
    assert oom_prometheus_textfile({}) == ""
