# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oom_facts end to end on this machine: the module's arguments, refusals and facts."""

import os

import psutil
import pytest

from ansible_collections.oom.guard.plugins.modules import oom_facts

from _harness import run_module


def _run(monkeypatch, **args):
    args.setdefault("_ansible_check_mode", True)
    return run_module(monkeypatch, oom_facts.main, args)


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


def _documented(node):
    """{key: contained docs} of a RETURN `contains` mapping."""
    return dict((key, (value or {}).get("contains")) for key, value in (node or {}).items())


def _undocumented(value, docs, path):
    missing = []
    if not isinstance(value, dict) or docs is None:
        return missing
    documented = _documented(docs)
    for key, item in value.items():
        where = "%s.%s" % (path, key)
        if key not in documented:
            missing.append(where)
        elif documented[key] is not None:
            missing.extend(_undocumented(item, documented[key], where))
    return missing


def test_every_returned_key_is_documented(monkeypatch):
    import yaml

    result = _run(monkeypatch)
    returned = yaml.safe_load(oom_facts.RETURN)
    oom_docs = returned["ansible_facts"]["contains"]["oom"]["contains"]
    assert _undocumented(result["ansible_facts"]["oom"], oom_docs, "oom") == []


def _kill_in_cgroup(cgroup, name):
    """Start an allocator named `name` in `cgroup`; return (pid, returncode) once the kernel killed it."""
    import subprocess
    import sys

    code = (
        "import ctypes,sys; ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)\n"
        "open('%s/cgroup.procs', 'w').write('0')\n"
        "hog = []\nwhile True: hog.append(bytearray(b'x' * (1 << 20)))\n" % cgroup
    )
    proc = subprocess.Popen([sys.executable, "-c", code, name])
    return proc.pid, proc.wait(timeout=60)


def test_real_memcg_kills_on_this_machine_are_reported(monkeypatch):
    base = "/sys/fs/cgroup/memory"
    if os.geteuid() != 0 or not os.access(base, os.W_OK):
        pytest.skip("needs root and a writable cgroup v1 memory controller")
    cgroup = "%s/oomguard-unit-%d" % (base, os.getpid())
    os.mkdir(cgroup)
    try:
        with open(cgroup + "/memory.limit_in_bytes", "w") as handle:
            handle.write(str(48 << 20))
        kills = [_kill_in_cgroup(cgroup, "oomguard-ut")]
        result = _run(monkeypatch, sections=["events", "findings"], since="1h")
        after_one = {e["pid"]: e for e in result["ansible_facts"]["oom"]["events"]["kills"]}
        kills += [_kill_in_cgroup(cgroup, "oomguard-ut") for _again in range(3)]
        result = _run(monkeypatch, sections=["events", "findings"], since="1h")
    finally:
        os.rmdir(cgroup)
    assert [code for _pid, code in kills] == [-9] * 4
    assert kills[0][0] in after_one
    oom = result["ansible_facts"]["oom"]
    events = {e["pid"]: e for e in oom["events"]["kills"]}
    for pid, _code in kills:
        event = events[pid]
        assert (event["kind"], event["comm"], event["scope"]) == ("kernel_oom_kill", "oomguard-ut", "memcg")
        assert event["oom_memcg"] == event["task_memcg"] == "/oomguard-unit-%d" % os.getpid()
        assert event["anon_rss_kb"] > 30000
    repeat = [f for f in oom["findings"] if f["id"] == "repeat_victim" and f["evidence"]["comm"] == "oomguard-ut"]
    assert len(repeat) == 1
    assert {pid for pid, _code in kills} <= set(repeat[0]["evidence"]["pids"])


def _comm_reads(monkeypatch):
    """Record every /proc/<pid>/comm opened (by pid) while the module runs."""
    reads = []
    real_open = os.open

    def spy(path, *args, **kwargs):
        parts = str(path).split("/")
        if len(parts) == 4 and parts[1] == "proc" and parts[2].isdigit() and parts[3] == "comm":
            reads.append(int(parts[2]))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    return reads


@pytest.mark.parametrize("sections", [["all"], ["findings", "daemons"], ["daemons"], ["findings"]])
def test_one_pass_over_proc_serves_processes_findings_and_daemons(monkeypatch, tmp_path, sections):
    log = tmp_path / "kern.log"
    log.write_text("")
    reads = _comm_reads(monkeypatch)
    result = _run(monkeypatch, sections=sections, log_file=str(log))
    assert result["failed"] is False
    assert reads and len(reads) == len(set(reads))
    if "daemons" in result["ansible_facts"]["oom"]["sections"]:
        with open("/proc/1/comm") as handle:
            assert result["ansible_facts"]["oom"]["daemons"]["systemd"]["pid1"] is (handle.read().strip() == "systemd" or os.path.isdir("/run/systemd/system"))


@pytest.mark.parametrize("sections", [["findings"], ["processes", "findings"]])
def test_an_unprotected_critical_child_is_found(monkeypatch, sections):
    child = psutil.Popen(["sleep", "30"])
    try:
        result = _run(monkeypatch, sections=sections, critical_processes=["sleep"])
        oom = result["ansible_facts"]["oom"]
        mine = [f for f in oom["findings"] if f["id"] == "critical_process_unprotected" and f["evidence"]["pid"] == child.pid]
        assert len(mine) == 1
        assert mine[0]["evidence"]["comm"] == "sleep" and mine[0]["evidence"]["oom_score_adj"] == 0
    finally:
        child.kill()
        child.wait()
