# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading processes as an unprivileged user, with /proc entries it may not read.

A forked child drops to nobody (root here has CAP_SETUID) and scans a /proc copy in which one
process directory is mode 000 and one process's stat is mode 000, then the real /proc: the
readable processes are reported, the others are counted as skipped, nothing raises.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import tempfile

import pytest

from ansible_collections.oom.guard.plugins.module_utils import _procfs

NOBODY = 65534
FILES = ("stat", "status", "statm", "oom_score", "oom_score_adj", "cmdline", "cgroup", "comm")

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")


def _as_nobody(function):
    """Run ``function()`` in a child with uid/gid nobody; return its JSON-able result or raise its error."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            payload = {"result": function()}
        except BaseException as exc:  # pylint: disable=broad-except
            payload = {"error": "%s: %s" % (type(exc).__name__, exc)}
        os.write(write_end, json.dumps(payload).encode())
        os._exit(0)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    payload = json.loads(b"".join(chunks))
    assert "error" not in payload, payload.get("error")
    return payload["result"]


@pytest.fixture
def proc_copy():
    """Three real processes copied into a tree nobody can reach: this one, its parent, and PID 1."""
    root = tempfile.mkdtemp(prefix="oomguard-rel-proc-")
    os.chmod(root, 0o755)
    pids = [os.getpid(), os.getppid(), 1]
    for pid in pids:
        os.mkdir(os.path.join(root, str(pid)))
        for name in FILES:
            try:
                shutil.copyfile("/proc/%d/%s" % (pid, name), os.path.join(root, str(pid), name))
            except OSError:
                pass
    shutil.copyfile("/proc/meminfo", os.path.join(root, "meminfo"))
    os.chmod(os.path.join(root, str(pids[1])), 0o000)
    os.chmod(os.path.join(root, str(pids[2]), "stat"), 0o000)
    yield root, pids
    os.chmod(os.path.join(root, str(pids[1])), 0o755)
    shutil.rmtree(root)


def test_unreadable_entries_are_skipped_and_the_rest_reported(proc_copy):
    root, pids = proc_copy
    result = _as_nobody(lambda: _procfs.scan_processes(proc_root=root, top=10))
    reported = [entry["pid"] for entry in result["top"]]
    assert result["available"] is True
    assert result["scanned"] == 3
    assert pids[0] in reported
    assert pids[1] not in reported and pids[2] not in reported
    assert result["skipped"] >= 2


def test_the_real_proc_is_read_as_nobody():
    result = _as_nobody(lambda: _procfs.scan_processes(top=5))
    assert result["available"] is True
    assert result["scanned"] > 0 and result["top"]
