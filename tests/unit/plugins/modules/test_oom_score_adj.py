# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oom_score_adj end to end on this machine: arguments, refusals, check/diff mode and real writes
to child processes of this test (selected by a unique command name, so nothing else is touched)."""

import collections
import os

import psutil
import pytest

from ansible_collections.oom.guard.plugins.module_utils import _oom_score_adj as adj
from ansible_collections.oom.guard.plugins.modules import oom_score_adj

from _harness import run_module


def _run(monkeypatch, **args):
    return run_module(monkeypatch, oom_score_adj.main, args, forbid_commands=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"name": ["x"], "value": 1001}, "value must be an integer from -1000 to 1000 (the oom_score_adj scale), got 1001"),
        ({"name": ["x"], "value": -1001}, "value must be an integer from -1000 to 1000 (the oom_score_adj scale), got -1001"),
        ({"name": ["x"], "value": "high"}, "argument 'value' is of type"),
        ({"value": 5}, "one of the following is required: pid, name, pattern, pidfile, unit"),
        ({"user": ["root"], "value": 5}, "one of the following is required: pid, name, pattern, pidfile, unit"),
        ({"pattern": "(sshd", "value": 5}, "pattern '(sshd' is not a valid Python regular expression: missing ), unterminated subpattern at position 0"),
        ({"pidfile": "/nonexistent/oomg.pid", "value": 5}, "pidfile /nonexistent/oomg.pid does not exist"),
        ({"name": ["systemd-journald"], "value": 5}, "name entries must be command names of 1 to 15 bytes"),
        ({"name": ["x"], "value": 5, "min_matches": -1}, "min_matches must be 0 or a positive integer, got -1"),
        ({"unit": ["system.slice"], "value": 5}, "unit 'system.slice' holds no processes of its own"),
        ({"name": ["x"], "user": ["no-such-user-oomg"], "value": 5}, "user 'no-such-user-oomg' does not exist on this host"),
        ({"pid": [0], "value": 5}, "pid entries must be positive process ids, got 0"),
    ],
)
def test_bad_input_is_refused_before_anything_is_read(monkeypatch, args, message):
    def no_reading(*a, **k):
        raise AssertionError("nothing may be read for bad input")

    monkeypatch.setattr(adj.Selection, "run", no_reading)
    result = _run(monkeypatch, **args)
    assert result["failed"] is True
    assert message in result["msg"]


def test_pidfile_with_garbage_is_refused(monkeypatch, tmp_path):
    pidfile = tmp_path / "garbage.pid"
    pidfile.write_text("hello\n")
    result = _run(monkeypatch, pidfile=str(pidfile), value=5)
    assert result["failed"] is True
    assert result["msg"] == "pidfile %s does not hold a process id (its first line must be a positive integer; 6 bytes read)" % pidfile


def test_raise_check_mode_diff_idempotence_and_lower_back(monkeypatch, children, tmp_path):
    procs = children(2)
    pids = sorted(p.pid for p in procs)
    check = _run(monkeypatch, name=[children.comm], value=500, _ansible_check_mode=True, _ansible_diff=True)
    assert check["failed"] is False and check["changed"] is True
    assert [(p["pid"], p["before"], p["after"], p["status"], p["changed"]) for p in check["processes"]] == [(pid, 0, 500, "set", True) for pid in pids]
    assert [children.read(pid) for pid in pids] == [0, 0]  # check mode wrote nothing
    assert check["diff"]["before"] == "".join("%d %s: 0\n" % (pid, children.comm) for pid in pids)
    assert check["diff"]["after"] == "".join("%d %s: 500\n" % (pid, children.comm) for pid in pids)

    applied = _run(monkeypatch, name=[children.comm], value=500, _ansible_diff=True)
    assert applied["changed"] is True and applied["matched"] == 2
    assert applied["counts"] == {"set": 2, "unchanged": 0, "vanished": 0, "denied": 0}
    assert [children.read(pid) for pid in pids] == [500, 500]
    assert applied["shared_mm"] == [] and applied["excluded"] == []
    assert applied["cap_sys_resource"] is adj.has_cap_sys_resource()

    again = _run(monkeypatch, name=[children.comm], value=500)
    assert again["changed"] is False
    assert {p["status"] for p in again["processes"]} == {"unchanged"}
    assert "diff" not in again

    pidfile = tmp_path / "one.pid"
    pidfile.write_text("%d\n" % pids[0])
    down = _run(monkeypatch, pidfile=str(pidfile), value=0)
    assert [(p["pid"], p["before"], p["after"], p["status"]) for p in down["processes"]] == [(pids[0], 500, 0, "set")]
    assert [children.read(pid) for pid in pids] == [0, 500]


@pytest.mark.skipif(adj.has_cap_sys_resource(), reason="needs a machine without CAP_SYS_RESOURCE")
def test_refused_lowering_fails_with_the_exact_message_and_changes_nothing(monkeypatch, children):
    procs = children(2)
    with open("/proc/%d/oom_score_adj" % procs[0].pid, "w") as handle:
        handle.write("300")
    result = _run(monkeypatch, pid=[procs[0].pid, procs[1].pid], value=-500)
    assert result["failed"] is True
    first = min(procs, key=lambda p: p.pid)
    before = children.read(first.pid)
    assert result["msg"] == (
        "cannot lower the oom_score_adj of pid %d (%s) from %d to -500: the kernel refused the write (Permission denied (EACCES)). "
        "Going below a process's oom_score_adj_min needs CAP_SYS_RESOURCE, which this task's process lacks (root without it, as in many containers). "
        "Instead, persist the value with OOMScoreAdjust= in the service's unit (oom.guard.systemd_oom_dropin): systemd sets it as PID 1, "
        "normally with every capability, each time the service starts; or run this task where root has CAP_SYS_RESOURCE. "
        "Nothing was changed. partial=true applies what the kernel allows and reports the rest as denied." % (first.pid, children.comm, before)
    )
    assert result["changed"] is False
    assert [children.read(procs[0].pid), children.read(procs[1].pid)] == [300, 0]

    partial = _run(monkeypatch, pid=[procs[0].pid, procs[1].pid], value=-500, partial=True)
    assert partial["failed"] is False and partial["changed"] is False
    assert partial["counts"]["denied"] == 2
    assert len([w for w in partial["warnings"] if "the kernel refused" in w]) == 2


def test_min_matches_fails_changing_nothing(monkeypatch, children):
    procs = children(2)
    result = _run(monkeypatch, name=[children.comm], value=300, min_matches=3)
    assert result["failed"] is True
    assert result["msg"] == "min_matches: 2 process(es) matched, at least 3 required; nothing was changed"
    assert result["matched"] == 2
    assert [children.read(p.pid) for p in procs] == [0, 0]


def test_at_most_never_weakens_a_stronger_value(monkeypatch, children):
    procs = children(2)
    _run(monkeypatch, pid=[procs[1].pid], value=700)
    result = _run(monkeypatch, name=[children.comm], value=400, mode="at_most")
    assert (result["failed"], result["changed"], result["mode"]) == (False, True, "at_most")
    by_pid = dict((p["pid"], p) for p in result["processes"])
    assert (by_pid[procs[0].pid]["status"], by_pid[procs[0].pid]["reason"]) == ("unchanged", "already below 400 (mode=at_most)")
    assert (by_pid[procs[1].pid]["status"], by_pid[procs[1].pid]["before"], by_pid[procs[1].pid]["after"]) == ("set", 700, 400)
    assert [children.read(p.pid) for p in procs] == [0, 400]
    again = _run(monkeypatch, name=[children.comm], value=400, mode="at_most")
    assert again["changed"] is False and again["counts"]["unchanged"] == 2
    exact = _run(monkeypatch, name=[children.comm], value=400, mode="exact")
    assert exact["changed"] is True and [children.read(p.pid) for p in procs] == [400, 400]
    bad = _run(monkeypatch, name=[children.comm], value=400, mode="max")
    assert bad["failed"] is True and "value of mode must be one of: exact, at_most, at_least, got: max" in bad["msg"]


def test_legacy_values_warn_with_the_equivalent(monkeypatch, children):
    children(1)
    result = _run(monkeypatch, name=[children.comm], value=5)
    assert any("legacy oom_adj scale" in w and "oom_score_adj 294" in w for w in result["warnings"])


def test_missing_pid_warns_and_matches_nothing(monkeypatch):
    free = max(psutil.pids()) + 100000
    result = _run(monkeypatch, pid=[free], value=10)
    assert result["failed"] is False and result["matched"] == 0 and result["changed"] is False
    assert "pid %d is not running; it matches nothing" % free in result["warnings"]


def test_init_and_this_task_are_excluded(monkeypatch):
    result = _run(monkeypatch, pid=[1, os.getpid()], value=10, _ansible_check_mode=True)
    assert result["matched"] == 0
    assert {(s["pid"], s["reason"]) for s in result["excluded"]} == {(1, "init"), (os.getpid(), "task_process")}


def test_a_process_exiting_mid_run_is_vanished_not_a_failure(monkeypatch, children):
    procs = children(3)
    victim = procs[1]
    real_apply = adj.apply

    def apply_after_exit(entries, value, **kwargs):
        victim.kill()
        victim.wait()
        return real_apply(entries, value, **kwargs)

    monkeypatch.setattr(adj, "apply", apply_after_exit)
    result = _run(monkeypatch, name=[children.comm], value=200)
    assert result["failed"] is False and result["changed"] is True
    statuses = {p["pid"]: (p["status"], p["after"]) for p in result["processes"]}
    assert statuses[victim.pid] == ("vanished", None)
    assert [statuses[p.pid] for p in procs if p is not victim] == [("set", 200), ("set", 200)]
    assert result["counts"]["vanished"] == 1


def test_a_thousand_processes_in_one_pass(monkeypatch, children):
    procs = children(1000)
    pids = sorted(p.pid for p in procs)
    writes = collections.Counter()
    reads = collections.Counter()
    real_write, real_read = adj.write_oom_score_adj, adj.read_process

    def counting_write(pid, value, *args, **kwargs):
        writes[pid] += 1
        return real_write(pid, value, *args, **kwargs)

    def counting_read(pid, *args, **kwargs):
        reads[pid] += 1
        return real_read(pid, *args, **kwargs)

    monkeypatch.setattr(adj, "write_oom_score_adj", counting_write)
    monkeypatch.setattr(adj.apply, "__kwdefaults__", dict(adj.apply.__kwdefaults__, write=counting_write))
    monkeypatch.setattr(adj, "read_process", counting_read)
    result = _run(monkeypatch, name=[children.comm], value=333, min_matches=1000)
    assert result["failed"] is False, result.get("msg")
    assert result["matched"] == 1000
    assert result["counts"]["set"] == 1000
    assert [children.read(pid) for pid in pids] == [333] * 1000
    # one write per process, each process read once (run_command is never called: see _run)
    assert sorted(writes) == pids and set(writes.values()) == {1}
    assert all(reads[pid] == 1 for pid in pids)
