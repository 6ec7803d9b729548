# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oom_facts end to end on this machine: the module's arguments, refusals and facts."""

import json

import psutil
import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.oom.guard.plugins.modules import oom_facts


class _Exit(Exception):
    pass


def _run(monkeypatch, **args):
    args.setdefault("_ansible_check_mode", True)
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    result = {}

    def exit_json(self, **kwargs):
        result.update(kwargs, failed=False)
        raise _Exit()

    def fail_json(self, **kwargs):
        result.update(kwargs, failed=True)
        raise _Exit()

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    with pytest.raises(_Exit):
        oom_facts.main()
    return result


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"since": "yesterday"}, "since: cannot read 'yesterday': expected a duration such as 30m"),
        ({"top": -1}, "top must be 0 or a positive integer, got -1"),
        ({"max_cgroups": -5}, "max_cgroups must be 0 or a positive integer, got -5"),
        ({"cgroup_near_limit_percent": 101}, "cgroup_near_limit_percent must be a percent from 0 to 100"),
        ({"critical_processes": ["a-name-longer-than-15"]}, "critical_processes entries must be command names of 1 to 15 bytes"),
        (
            {"pressure_thresholds": {"psi_full_avg10": {"low": 30, "medium": 10, "critical": 5}}},
            "pressure_thresholds.psi_full_avg10 must be ordered low <= medium",
        ),
        ({"sections": ["memory", "bogus"]}, "value of sections must be one or more of"),
    ],
)
def test_bad_input_is_refused_naming_the_option(monkeypatch, args, message):
    result = _run(monkeypatch, **args)
    assert result["failed"] is True
    assert message in result["msg"]


def test_facts_of_this_machine_agree_with_psutil(monkeypatch, tmp_path):
    log = tmp_path / "kern.log"
    log.write_text("[  100.000100] Out of memory: Killed process 4242 (java) total-vm:4kB, anon-rss:4kB, file-rss:0kB, shmem-rss:0kB\n")
    result = _run(monkeypatch, log_file=str(log), since="2000-01-01", top=5)
    assert result["failed"] is False
    assert result["changed"] is False
    oom = result["ansible_facts"]["oom"]
    assert oom["sections"] == list(oom_facts.SECTIONS)
    assert oom["memory"]["mem_total_bytes"] == psutil.virtual_memory().total
    assert len(oom["processes"]["top"]) <= 5
    assert oom["processes"]["scanned"] >= len(psutil.pids()) - 50
    victim = oom["processes"]["predicted_victim"]
    assert victim is not None and victim["pid"] != 1
    with open("/proc/%d/oom_score" % victim["pid"]) as handle:
        top_score = max(p["oom_score"] for p in oom["processes"]["top"])
        assert int(handle.read()) >= top_score - 5
    assert [(e["pid"], e["comm"], e["scope"]) for e in oom["events"]["kills"]] == [(4242, "java", "global")]
    assert oom["events"]["complete"] is None
    assert oom["events"]["incomplete_reason"] == "not judged for a log_file"
    assert isinstance(oom["findings"], list)


def test_sections_select_what_is_gathered(monkeypatch):
    result = _run(monkeypatch, sections=["memory", "sysctl"])
    oom = result["ansible_facts"]["oom"]
    assert sorted(oom) == ["collected_at", "memory", "sections", "sysctl"]
    with open("/proc/sys/vm/overcommit_memory") as handle:
        assert oom["sysctl"]["vm_overcommit_memory"] == int(handle.read())


def test_raised_oom_score_adj_of_a_child_is_seen(monkeypatch):
    child = psutil.Popen(["sleep", "30"])
    try:
        with open("/proc/%d/oom_score_adj" % child.pid, "w") as handle:
            handle.write("1000")
        result = _run(monkeypatch, sections=["processes"])
        processes = result["ansible_facts"]["oom"]["processes"]
        # With adj 1000 the child's oom_score is near 1000: it leads the ranking (another process
        # with adj 1000 and more memory could only tie or beat it, never a normal one).
        assert processes["predicted_victim"]["oom_score_adj"] == 1000
        mine = [p for p in processes["top"] if p["pid"] == child.pid]
        assert mine and mine[0]["oom_score_adj"] == 1000 and mine[0]["comm"] == "sleep"
        assert mine[0]["oom_score"] >= 990
    finally:
        child.kill()
        child.wait()
