# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the unit tests: real child processes to select and write to, and a spy on
the files a reader opens. Also the Hypothesis profile of every property test here."""

import os
import shutil
import subprocess
import time
import uuid

import psutil
import pytest
from hypothesis import HealthCheck, settings

# No timing in tests: `make test` runs the unit tests beside a qemu guest and podman scenarios, and
# an example that takes longer there says nothing about the code. Tests keep their own
# max_examples; this only drops Hypothesis' per-example deadline and its too-slow health check.
settings.register_profile("oom-guard", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("oom-guard")


def read_adj(pid):
    with open("/proc/%d/oom_score_adj" % pid) as handle:
        return int(handle.read())


@pytest.fixture
def children(tmp_path):
    """Start sleeping children with a unique command name (a copy of sleep); kill them afterwards.

    ``children(count, argv0=None)`` starts them and returns their Popen objects once exec is done
    (their comm is ``children.comm``); ``children.read(pid)`` reads a process's oom_score_adj.
    """
    started = []
    comm = "oomg-%s" % uuid.uuid4().hex[:8]
    binary = tmp_path / comm
    shutil.copy("/bin/sleep", str(binary))

    def spawn(count=1, argv0=None):
        procs = [subprocess.Popen([argv0 or str(binary), "300"], executable=str(binary)) for _index in range(count)]
        started.extend(procs)
        deadline = time.time() + 30
        for proc in procs:
            while time.time() < deadline:  # until exec is done and comm is the copy's name
                try:
                    if psutil.Process(proc.pid).name() == comm:
                        break
                except psutil.NoSuchProcess:
                    break
                time.sleep(0.005)
        return procs

    spawn.comm = comm
    spawn.read = read_adj
    yield spawn
    for proc in started:
        proc.kill()
    for proc in started:
        proc.wait()


@pytest.fixture
def spy_opens(monkeypatch):
    """``spy_opens()`` records every path ``os.open`` is called with from then on; returns that list."""

    def start():
        opened = []
        real_open = os.open

        def spy(path, *args, **kwargs):
            opened.append(str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", spy)
        return opened

    return start
