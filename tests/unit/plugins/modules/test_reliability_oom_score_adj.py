# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oom_score_adj under faults and hostile input, on this machine's real /proc.

A harness keeps spawning and reaping short-lived processes under a command name of their own while
the module runs again and again on that name: processes exit between match and write. The module
must never fail, and must never report a change it did not make.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import threading

import pytest

from ansible_collections.oom.guard.plugins.modules import oom_score_adj

from _harness import run_module

COMM = "oomg-rel-churn"
RUNS = 24


def _run(monkeypatch, **args):
    return run_module(monkeypatch, oom_score_adj.main, args, forbid_commands=True)


@pytest.fixture
def churn(tmp_path):
    """A thread that keeps a few short-lived processes named COMM alive, reaping each as it exits."""
    binary = tmp_path / COMM
    shutil.copy("/bin/sleep", str(binary))
    stop = threading.Event()
    spawned = []

    def spawn():
        children = []
        while not stop.is_set():
            for delay in ("0.01", "0.2", "0.6"):
                children.append(subprocess.Popen([str(binary), delay]))
            spawned.append(len(children))
            for child in children:
                child.wait()
            children = []

    thread = threading.Thread(target=spawn)
    thread.start()
    yield spawned
    stop.set()
    thread.join()


def _adj(pid):
    try:
        with open("/proc/%d/oom_score_adj" % pid) as handle:
            return int(handle.read())
    except (OSError, ValueError):
        return None


def test_processes_exiting_between_match_and_write_are_never_a_failure_or_a_bogus_change(monkeypatch, churn):
    statuses = set()
    for run in range(RUNS):
        value = 100 + (run % 2) * 100
        result = _run(monkeypatch, name=[COMM], value=value, _ansible_diff=True)
        assert not result["failed"], result.get("msg")
        processes = result["processes"]
        for entry in processes:
            statuses.add(entry["status"])
            assert entry["status"] in ("set", "unchanged", "vanished")
            assert entry["changed"] == (entry["status"] == "set")
            if entry["status"] == "set":
                assert entry["after"] == value and entry["before"] != value
            if entry["status"] == "unchanged":
                assert entry["before"] == value == entry["after"]
            if entry["status"] == "vanished":
                assert entry["after"] is None
        assert result["changed"] == any(entry["changed"] for entry in processes)
        assert result["counts"] == {status: sum(1 for entry in processes if entry["status"] == status) for status in ("set", "unchanged", "vanished", "denied")}
        assert result["matched"] == len(processes)
        for entry in processes:
            if entry["status"] == "set":
                now = _adj(entry["pid"])
                # Still running: it has the value (or, reaped and reused in between, is gone from our name).
                assert now in (None, value) or not _is(entry["pid"], COMM)
    assert sum(churn) > 0
    assert "set" in statuses


def _is(pid, comm):
    try:
        with open("/proc/%d/comm" % pid) as handle:
            return handle.read().strip() == comm
    except OSError:
        return False


def test_a_pidfile_symlinked_to_a_secret_does_not_leak_it(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("root:s3cret-token:19000:0:99999:7:::\n")
    link = tmp_path / "daemon.pid"
    os.symlink(str(secret), str(link))
    result = _run(monkeypatch, pidfile=str(link), value=100)
    assert result["failed"]
    assert "does not hold a process id" in result["msg"]
    assert "s3cret" not in result["msg"]


@pytest.mark.parametrize("selector", ["name", "pid", "unit"])
def test_an_empty_selector_list_is_refused(monkeypatch, selector):
    result = _run(monkeypatch, value=100, **{selector: []})
    assert result["failed"]
    assert selector in result["msg"]
