# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_oom_score_adj: input checks, selection (fake /proc in temp dirs and real children checked with
psutil), decisions and writes on real processes of this machine, where root lacks CAP_SYS_RESOURCE."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import re

import psutil
import pytest

from ansible_collections.oom.guard.plugins.module_utils import _oom_score_adj as adj
from ansible_collections.oom.guard.plugins.module_utils import _procfs

CAP = adj.has_cap_sys_resource()


# --- input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-1001, 1001, 5000, True, "10", None, 1.5])
def test_values_off_the_scale_are_refused(value):
    with pytest.raises(adj.InputError, match="value must be an integer from -1000 to 1000"):
        adj.check_value(value)


@pytest.mark.parametrize("value", [-1000, -1, 0, 16, 1000])
def test_values_on_the_scale_pass(value):
    adj.check_value(value)


def test_legacy_scale_matches_the_kernel(children):
    # The kernel converts writes to /proc/<pid>/oom_adj; raising needs no capability, so walk up.
    child = children()[0]
    for oom_adj in range(0, 16):
        with open("/proc/%d/oom_adj" % child.pid, "w") as handle:
            handle.write("%d" % oom_adj)
        assert children.read(child.pid) == adj.legacy_equivalent(oom_adj), oom_adj
    assert adj.legacy_equivalent(-17) == -1000
    assert adj.legacy_equivalent(-5) == -294


@pytest.mark.parametrize(("value", "warned"), [(-17, -1000), (15, 1000), (-1, -58), (5, 294), (0, None), (16, None), (-18, None), (-900, None)])
def test_legacy_warning_names_the_equivalent(value, warned):
    message = adj.legacy_warning(value)
    if warned is None:
        assert message is None
    else:
        assert "legacy oom_adj scale" in message
        assert "is oom_score_adj %d" % warned in message


def test_bad_regex_is_refused():
    with pytest.raises(adj.InputError, match=r"pattern '\(unclosed' is not a valid Python regular expression: missing \)"):
        adj.compile_pattern("(unclosed")


def test_names_longer_than_comm_are_refused():
    adj.check_names(["sshd", "a" * 15])
    with pytest.raises(adj.InputError, match="1 to 15 bytes"):
        adj.check_names(["systemd-journald"])
    with pytest.raises(adj.InputError):
        adj.check_names([""])


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("ssh", "ssh.service"), ("postgresql@15-main", "postgresql@15-main.service"), ("session-3.scope", "session-3.scope"), ("x.socket", "x.socket")],
)
def test_unit_names_get_their_type(unit, expected):
    assert adj.normalize_unit(unit) == expected


@pytest.mark.parametrize("unit", ["system.slice", "multi-user.target", "apt-daily.timer", "", "a/b.service"])
def test_units_without_processes_are_refused(unit):
    with pytest.raises(adj.InputError):
        adj.normalize_unit(unit)


def test_users_by_name_or_uid():
    assert adj.resolve_users(["root", "1234"]) == {0, 1234}
    with pytest.raises(adj.InputError, match="user 'no-such-user-oomg' does not exist on this host"):
        adj.resolve_users(["no-such-user-oomg"])


def test_pidfile_holds_a_pid(tmp_path):
    good = tmp_path / "good.pid"
    good.write_text(" 4242\n")
    assert adj.read_pidfile(str(good)) == 4242
    with pytest.raises(adj.InputError, match="pidfile %s does not exist" % (tmp_path / "nope.pid")):
        adj.read_pidfile(str(tmp_path / "nope.pid"))
    garbage = tmp_path / "garbage.pid"
    garbage.write_text("not-a-pid\n")
    with pytest.raises(
        adj.InputError, match=re.escape("pidfile %s does not hold a process id (its first line must be a positive integer; 10 bytes read)" % garbage)
    ):
        adj.read_pidfile(str(garbage))
    for text in ("", "0\n", "-5\n", "12 13\n"):
        garbage.write_text(text)
        with pytest.raises(adj.InputError, match="does not hold a process id"):
            adj.read_pidfile(str(garbage))
    with pytest.raises(adj.InputError, match="is a directory"):
        adj.read_pidfile(str(tmp_path))


# --- host state -----------------------------------------------------------------------------


def test_cap_sys_resource_is_bit_24_of_capeff(tmp_path):
    (tmp_path / "self").mkdir()
    status = tmp_path / "self" / "status"
    status.write_text("Name:\tx\nCapEff:\t000001fffeffffff\n")
    assert adj.has_cap_sys_resource(str(tmp_path)) is False
    status.write_text("Name:\tx\nCapEff:\t000001ffffffffff\n")
    assert adj.has_cap_sys_resource(str(tmp_path)) is True
    status.write_text("Name:\tx\n")
    assert adj.has_cap_sys_resource(str(tmp_path)) is False


def test_lineage_is_this_process_and_its_ancestors_in_its_session():
    # Beyond the session (over SSH: sshd) ancestors stay selectable: sshd is what gets protected.
    session = os.getsid(0)
    expected = {os.getpid()}
    for parent in psutil.Process().parents():
        if os.getsid(parent.pid) != session:
            break
        expected.add(parent.pid)
    assert adj.task_lineage() == expected
    outside = [p.pid for p in psutil.Process().parents() if os.getsid(p.pid) != session]
    assert not adj.task_lineage() & set(outside)


def test_a_new_session_is_its_own_task():
    import subprocess
    import sys

    code = (
        "import json, sys; sys.path[:0] = %r; "
        "from ansible_collections.oom.guard.plugins.module_utils import _oom_score_adj as a; "
        "print(json.dumps(sorted(a.task_lineage())))"
    )
    out = subprocess.run([sys.executable, "-c", code % sys.path], capture_output=True, text=True, check=True, start_new_session=True).stdout
    import json

    lineage = json.loads(out)
    assert len(lineage) == 1 and os.getpid() not in lineage


def test_a_thread_id_maps_to_its_thread_group():
    import threading

    ready = threading.Event()
    done = threading.Event()
    tids = []

    def worker():
        tids.append(threading.get_native_id())
        ready.set()
        done.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    ready.wait(10)
    try:
        assert tids[0] != os.getpid()
        assert adj.tgid_of(tids[0]) == os.getpid()
        assert adj.tgid_of(os.getpid()) == os.getpid()
    finally:
        done.set()
        thread.join()


# --- selection on a fake /proc --------------------------------------------------------------


def make_proc(root, pid, *, comm="proc", ppid=1, flags=0x400000, uid=0, adj_value=0, cmdline=None, cgroup="0::/user.slice/session-1.scope\n", tgid=None):
    directory = os.path.join(str(root), str(pid))
    os.makedirs(directory)
    rest = ["S", str(ppid)] + ["0"] * 4 + [str(flags)] + ["0"] * 12 + [str(1000 + pid)] + ["0"] * 30
    files = {
        "stat": "%d (%s) %s\n" % (pid, comm, " ".join(rest)),
        "status": "Name:\t%s\nTgid:\t%d\nUid:\t%d\t%d\t%d\t%d\n" % (comm, tgid or pid, uid, uid, uid, uid),
        "oom_score_adj": "%d\n" % adj_value,
        "cmdline": ("\0".join(cmdline) + "\0") if cmdline else "",
        "cgroup": cgroup,
    }
    for name, text in files.items():
        with open(os.path.join(directory, name), "w", encoding="utf-8") as handle:
            handle.write(text)


@pytest.fixture
def fake_proc(tmp_path):
    root = tmp_path / "proc"
    make_proc(root, 1, comm="systemd", ppid=0, cmdline=["/sbin/init"], cgroup="0::/init.scope\n")
    make_proc(root, 2, comm="kthreadd", ppid=0, flags=0x208040)
    make_proc(root, 40, comm="sshd", cmdline=["sshd: /usr/sbin/sshd -D [listener]"], cgroup="0::/system.slice/ssh.service\n")
    make_proc(root, 41, comm="sshd", ppid=40, cmdline=["sshd: root@notty"], cgroup="0::/user.slice/user-0.slice/session-1.scope\n")
    make_proc(
        root,
        50,
        comm="postgres",
        uid=105,
        adj_value=-900,
        cmdline=["/usr/lib/postgresql/15/bin/postgres", "-D", "/var/lib/pg"],
        cgroup="0::/system.slice/system-postgresql.slice/postgresql@15-main.service\n",
    )
    make_proc(
        root,
        51,
        comm="postgres",
        ppid=50,
        uid=105,
        cmdline=["postgres: 15/main: checkpointer"],
        cgroup="0::/system.slice/system-postgresql.slice/postgresql@15-main.service\n",
    )
    make_proc(root, 60, comm="firefox-esr", uid=1000, adj_value=100, cmdline=["/usr/lib/firefox-esr/firefox-esr"])
    make_proc(root, 70, comm="python3", ppid=41, cmdline=["/usr/bin/python3"])
    # pid 61 is a thread of 60: /proc/61 resolves, but /proc does not list it
    make_proc(root, 61, comm="firefox-esr", uid=1000, tgid=60)
    os.rename(str(root / "61"), str(root / ".61"))
    return root


def pids(selection):
    return [entry["pid"] for entry in selection.matched]


def test_select_by_name_skips_what_is_never_touched(fake_proc):
    selection = adj.Selection(names=["sshd", "systemd", "kthreadd"], proc_root=str(fake_proc), lineage={70, 41}).run()
    assert pids(selection) == [40]
    assert selection.excluded == [
        {"pid": 1, "comm": "systemd", "reason": "init"},
        {"pid": 2, "comm": "kthreadd", "reason": "kernel_thread"},
        {"pid": 41, "comm": "sshd", "reason": "task_process"},
    ]
    assert selection.matched[0] == {"pid": 40, "comm": "sshd", "uid": 0, "user": "root", "before": 0, "start_time_ticks": 1040}


def test_select_by_pattern_on_the_full_cmdline(fake_proc):
    selection = adj.Selection(pattern=adj.compile_pattern(r"postgres.* -D /var/lib/pg$"), proc_root=str(fake_proc), lineage=set()).run()
    assert pids(selection) == [50]
    assert selection.matched[0]["before"] == -900
    selection = adj.Selection(pattern=adj.compile_pattern("firefox"), proc_root=str(fake_proc), lineage=set()).run()
    assert pids(selection) == [60]


def test_select_by_unit_takes_every_process_in_its_cgroup(fake_proc):
    selection = adj.Selection(units=["postgresql@15-main.service", "ssh.service"], proc_root=str(fake_proc), lineage=set()).run()
    assert pids(selection) == [40, 50, 51]


def test_user_narrows_every_selector(fake_proc):
    selection = adj.Selection(names=["postgres", "sshd", "firefox-esr"], uids={105}, proc_root=str(fake_proc), lineage=set()).run()
    assert pids(selection) == [50, 51]


def test_explicit_pids_thread_ids_and_missing(fake_proc):
    os.rename(str(fake_proc / ".61"), str(fake_proc / "61"))  # reachable as /proc/61 (tid), not listed below
    selection = adj.Selection(pids=[61, 40, 999, 1], proc_root=str(fake_proc), lineage=set())
    selection.run()
    assert pids(selection) == [40, 60]
    assert selection.missing == [999]
    assert selection.excluded == [{"pid": 1, "comm": "systemd", "reason": "init"}]
    assert selection.scanned == 0  # no pass over /proc for explicit pids


def test_union_of_selectors_is_one_entry_per_process(fake_proc):
    selection = adj.Selection(
        pids=[40], names=["sshd"], units=["ssh.service"], pattern=adj.compile_pattern("sshd"), proc_root=str(fake_proc), lineage=set()
    ).run()
    assert pids(selection) == [40, 41]


# --- selection on this machine ----------------------------------------------------------------


def test_selection_agrees_with_psutil(children):
    procs = children(3)
    expected = sorted(p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == children.comm)
    assert expected == sorted(p.pid for p in procs)
    by_name = adj.Selection(names=[children.comm]).run()
    assert pids(by_name) == expected
    assert all(entry["before"] == 0 and entry["user"] == "root" for entry in by_name.matched)
    by_pattern = adj.Selection(pattern=adj.compile_pattern(r"/%s 300$" % children.comm)).run()
    assert pids(by_pattern) == expected
    by_pid = adj.Selection(pids=expected[:2]).run()
    assert pids(by_pid) == expected[:2]
    assert [e["start_time_ticks"] for e in by_pid.matched] == [_procfs.read_process(p, fields=("stat",))["start_time_ticks"] for p in expected[:2]]
    # this test's own process is never selected, even by a pattern that matches it
    me = adj.Selection(pattern=adj.compile_pattern("pytest")).run()
    assert os.getpid() not in pids(me)
    assert os.getpid() in [s["pid"] for s in me.excluded] or "pytest" not in " ".join(psutil.Process().cmdline())


def test_kernel_threads_and_init_are_never_matched_on_this_machine():
    kthreadd = [p.pid for p in psutil.process_iter(["name", "ppid"]) if p.info["name"] == "kthreadd"]
    selection = adj.Selection(pids=[1, *kthreadd]).run()
    assert selection.matched == []
    assert {s["reason"] for s in selection.excluded} <= {"init", "kernel_thread"}


# --- decide and write on real processes -----------------------------------------------------


def test_plan_writes_only_where_the_value_differs():
    entries = adj.plan([{"pid": 5, "comm": "a", "before": 0}, {"pid": 6, "comm": "b", "before": 500}, {"pid": 7, "comm": "c", "before": 300}], 300)
    assert [e["action"] for e in entries] == ["raise", "lower", None]
    assert [e["status"] for e in entries] == ["unchanged"] * 3


@pytest.mark.parametrize("mode", ["exact", "at_most", "at_least"])
def test_plan_modes_hold_a_bound(mode):
    # OpenSSH's listener at -1000, a session at 0, one at the value, one at -950 (below -900)
    matched = [{"pid": 1, "comm": "a", "before": -1000}, {"pid": 2, "comm": "b", "before": 0}, {"pid": 3, "comm": "c", "before": -900}]
    matched.append({"pid": 4, "comm": "d", "before": -950})
    entries = adj.plan(matched, -900, mode)
    expected = {
        "exact": (["raise", "lower", None, "raise"], [None] * 4),
        "at_most": ([None, "lower", None, None], ["already below -900 (mode=at_most)", None, None, "already below -900 (mode=at_most)"]),
        "at_least": (["raise", None, None, "raise"], [None, "already above -900 (mode=at_least)", None, None]),
    }[mode]
    assert [e["action"] for e in entries] == expected[0]
    assert [e["reason"] for e in entries] == expected[1]
    assert all(e["status"] == "unchanged" and not e["changed"] for e in entries)


def test_plan_refuses_an_unknown_mode():
    with pytest.raises(adj.InputError, match="mode must be one of exact, at_most, at_least, got 'max'"):
        adj.plan([], 0, "max")


def test_at_least_leaves_a_likelier_victim_and_raises_the_rest(children):
    procs = children(2)
    with open("/proc/%d/oom_score_adj" % procs[0].pid, "w") as handle:
        handle.write("900")
    entries = adj.apply(adj.plan(adj.Selection(names=[children.comm]).run().matched, 600, "at_least"), 600)
    by_pid = dict((e["pid"], e) for e in entries)
    assert (by_pid[procs[0].pid]["status"], by_pid[procs[0].pid]["reason"]) == ("unchanged", "already above 600 (mode=at_least)")
    assert (by_pid[procs[1].pid]["status"], by_pid[procs[1].pid]["after"]) == ("set", 600)
    assert [children.read(p.pid) for p in procs] == [900, 600]
    # at_most 300: both are above it, both lowered (down to 300 >= 0 needs no capability)
    down = adj.apply(adj.plan(adj.Selection(names=[children.comm]).run().matched, 300, "at_most"), 300)
    assert [(e["status"], e["before"], e["after"]) for e in down] == [("set", 900, 300), ("set", 600, 300)]
    assert [children.read(p.pid) for p in procs] == [300, 300]


def test_raise_then_lower_back_to_zero_and_again_unchanged(children):
    procs = children(2)
    matched = adj.Selection(names=[children.comm]).run().matched
    entries = adj.apply(adj.plan(matched, 500), 500)
    assert [(e["status"], e["before"], e["after"], e["changed"]) for e in entries] == [("set", 0, 500, True)] * 2
    assert [children.read(p.pid) for p in procs] == [500, 500]
    again = adj.apply(adj.plan(adj.Selection(names=[children.comm]).run().matched, 500), 500)
    assert [(e["status"], e["changed"]) for e in again] == [("unchanged", False)] * 2
    # lowering back to the inherited oom_score_adj_min (0) needs no capability
    down = adj.apply(adj.plan(adj.Selection(names=[children.comm]).run().matched, 0), 0)
    assert [(e["status"], e["before"], e["after"]) for e in down] == [("set", 500, 0)] * 2
    assert [children.read(p.pid) for p in procs] == [0, 0]


def test_check_mode_writes_nothing(children):
    proc = children()[0]
    entries = adj.apply(adj.plan(adj.Selection(pids=[proc.pid]).run().matched, 700), 700, check_mode=True)
    assert [(e["status"], e["after"], e["changed"]) for e in entries] == [("set", 700, True)]
    assert children.read(proc.pid) == 0


@pytest.mark.skipif(CAP, reason="needs a machine without CAP_SYS_RESOURCE")
def test_going_below_the_minimum_is_refused_and_nothing_changes(children):
    procs = children(3)
    for proc, value in zip(procs, (300, 0, 600)):
        with open("/proc/%d/oom_score_adj" % proc.pid, "w") as handle:
            handle.write(str(value))
    entries = adj.plan(adj.Selection(names=[children.comm]).run().matched, -100)
    with pytest.raises(adj.WriteRefused) as refused:
        adj.apply(entries, -100)
    assert refused.value.error.errno == errno.EACCES
    assert refused.value.restore_failures == []
    assert [children.read(p.pid) for p in procs] == [300, 0, 600]
    message = adj.refused_message(refused.value.entry, -100, CAP)
    entry = refused.value.entry
    assert message.startswith(
        "cannot lower the oom_score_adj of pid %d (%s) from %d to -100: the kernel refused the write (Permission denied (EACCES))."
        % (entry["pid"], children.comm, entry["before"])
    )
    assert "CAP_SYS_RESOURCE" in message and "oom.guard.systemd_oom_dropin" in message and "Nothing was changed." in message


def test_a_refusal_after_other_writes_undoes_them(children):
    procs = children(3)
    for proc, value in zip(procs, (300, 600, 0)):
        with open("/proc/%d/oom_score_adj" % proc.pid, "w") as handle:
            handle.write(str(value))
    victim = procs[1].pid
    calls = []

    def write(pid, value, start, proc_root):
        calls.append((pid, value))
        if pid == victim and value == 100:
            raise OSError(errno.EACCES, os.strerror(errno.EACCES))
        adj.write_oom_score_adj(pid, value, start, proc_root)

    entries = adj.plan(adj.Selection(names=[children.comm]).run().matched, 100)
    with pytest.raises(adj.WriteRefused) as refused:
        adj.apply(entries, 100, write=write)
    assert refused.value.entry["pid"] == victim
    # lowerings first (300 -> 100 done, 600 -> 100 refused), the raise (0 -> 100) never tried; the lowering undone
    assert calls == [(procs[0].pid, 100), (victim, 100), (procs[0].pid, 300)]
    assert [children.read(p.pid) for p in procs] == [300, 600, 0]


def test_partial_applies_what_it_can_and_reports_denied(children):
    procs = children(2)
    with open("/proc/%d/oom_score_adj" % procs[0].pid, "w") as handle:
        handle.write("300")
    if not CAP:
        entries = adj.apply(adj.plan(adj.Selection(names=[children.comm]).run().matched, -100), -100, partial=True)
        assert [e["status"] for e in entries] == ["denied", "denied"]
        assert all(e["reason"] == "Permission denied (EACCES)" for e in entries)
        assert [children.read(p.pid) for p in procs] == [300, 0]

    def write(pid, value, start, proc_root):
        if pid == procs[0].pid:
            raise OSError(errno.EACCES, "denied")
        adj.write_oom_score_adj(pid, value, start, proc_root)

    entries = adj.apply(adj.plan(adj.Selection(names=[children.comm]).run().matched, 50), 50, partial=True, write=write)
    assert sorted((e["pid"], e["status"], e["after"]) for e in entries) == sorted([(procs[0].pid, "denied", 300), (procs[1].pid, "set", 50)])
    assert adj.counts(entries) == {"set": 1, "unchanged": 0, "vanished": 0, "denied": 1}


def test_a_process_that_exits_before_the_write_is_vanished(children):
    procs = children(2)
    entries = adj.plan(adj.Selection(names=[children.comm]).run().matched, 400)
    procs[0].kill()
    procs[0].wait()
    entries = adj.apply(entries, 400)
    assert sorted((e["pid"], e["status"], e["after"], e["changed"]) for e in entries) == sorted(
        [(procs[0].pid, "vanished", None, False), (procs[1].pid, "set", 400, True)]
    )
    assert children.read(procs[1].pid) == 400


def test_a_reused_pid_is_never_written(children):
    proc = children()[0]
    start = _procfs.read_process(proc.pid, fields=("stat",))["start_time_ticks"]
    with pytest.raises(adj.Vanished):
        adj.write_oom_score_adj(proc.pid, 900, start - 1)
    assert children.read(proc.pid) == 0
    adj.write_oom_score_adj(proc.pid, 900, start)
    assert children.read(proc.pid) == 900


def test_a_vanished_process_during_undo_is_skipped(children):
    procs = children(2)
    with open("/proc/%d/oom_score_adj" % procs[0].pid, "w") as handle:
        handle.write("300")

    def write(pid, value, start, proc_root):
        if pid == procs[1].pid:
            procs[0].kill()
            procs[0].wait()
            raise OSError(errno.EACCES, "denied")
        adj.write_oom_score_adj(pid, value, start, proc_root)

    entries = adj.plan(adj.Selection(names=[children.comm]).run().matched, 100)
    with pytest.raises(adj.WriteRefused) as refused:
        adj.apply(entries, 100, write=write)
    assert refused.value.restore_failures == []


def test_shared_mm_changes_are_the_processes_that_followed():
    before = {10: 0, 11: 0, 12: 0, 13: 5}
    after = {10: 300, 11: 300, 12: 0, 13: 300, 14: 300}
    assert [c["pid"] for c in adj.shared_mm_changes(before, after, {10}, 300, proc_root="/nonexistent")] == [11, 13]


def test_snapshot_agrees_with_proc(children):
    snap = adj.snapshot()
    assert snap[os.getpid()] == children.read(os.getpid())
    assert len(snap) >= len(psutil.pids()) - 50


def test_diff_is_one_line_per_process():
    entries = [
        {"pid": 5, "comm": "sshd", "before": 0, "after": -900, "status": "set"},
        {"pid": 6, "comm": "gone", "before": 0, "after": None, "status": "vanished"},
        {"pid": 7, "comm": "java", "before": 0, "after": 0, "status": "denied"},
    ]
    diff = adj.render_diff(entries)
    assert diff["before"] == "5 sshd: 0\n6 gone: 0\n7 java: 0\n"
    assert diff["after"] == "5 sshd: -900\n6 gone: (vanished)\n7 java: 0 (denied)\n"
    assert diff["before_header"] == "oom_score_adj before"
