# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic writes under SIGKILL, and the mode every written file gets.

A real process is killed at random points while it writes: first the systemd_oom_dropin module
itself, run as Ansible runs it (a fresh Python reading its arguments from a file), then a loop of
``_files.apply_file`` replacing a large file over and over, which spends most of its time inside
the write. After every kill the target must be exactly the old or the new content, never a mix.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.oom.guard.plugins.module_utils import _files
from ansible_collections.oom.guard.plugins.module_utils._systemd_dropin import render
from ansible_collections.oom.guard.plugins.modules import systemd_oom_dropin

MODULE = os.path.abspath(systemd_oom_dropin.__file__)
# <collroot>/ansible_collections/oom/guard/plugins/modules/systemd_oom_dropin.py
COLLROOT = MODULE.rsplit(os.sep + "ansible_collections" + os.sep, 1)[0]
KILLS = 12


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([COLLROOT, *sys.path])
    return env


def _run_module(args_path, kill_after=None):
    """Run the module as a process; with ``kill_after`` SIGKILL it after that many seconds."""
    proc = subprocess.Popen([sys.executable, MODULE, args_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    if kill_after is None:
        out, err = proc.communicate(timeout=60)
        return proc.returncode, out, err
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def _args_file(tmp_path, name, root_dir, value):
    path = tmp_path / name
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"unit": "victim.service", "root_dir": str(root_dir), "oom_score_adjust": value}}))
    return str(path)


def test_module_killed_at_random_points_leaves_the_old_or_the_new_drop_in(tmp_path):
    root = tmp_path / "system"
    target = root / "victim.service.d" / "50-oom-guard.conf"
    contents = {value: render("Service", [("OOMScoreAdjust", str(value))]) for value in (100, 200)}
    args = {value: _args_file(tmp_path, "args-%d.json" % value, root, value) for value in contents}
    started = time.time()
    rc, out, err = _run_module(args[100])
    duration = time.time() - started
    assert rc == 0, err
    assert json.loads(out)["changed"] is True
    assert target.read_text() == contents[100]

    rng = random.Random(9)
    killed = rounds = 0
    current = 100
    # Rounds go on until KILLS of them were killed midway: on a loaded machine a run can finish
    # before its kill (the first run's duration is only a guide), and such a round proves less.
    while killed < KILLS and rounds < 4 * KILLS:
        rounds += 1
        wanted = 300 - current
        rc, _out, _err = _run_module(args[wanted], kill_after=rng.uniform(0, duration * 1.2))
        text = target.read_text()
        assert text in (contents[100], contents[200]), "partial drop-in after SIGKILL: %r" % text
        killed += rc == -signal.SIGKILL
        current = 100 if text == contents[100] else 200
    assert killed == KILLS, "only %d of %d runs were killed before they finished" % (killed, rounds)
    leftovers = [name for name in os.listdir(str(target.parent)) if name != target.name]
    # A temporary file may survive a SIGKILL: hidden and not *.conf, so systemd never reads it.
    assert all(name.startswith(".50-oom-guard.conf.") and name.endswith(".tmp") for name in leftovers)
    # The next complete run converges whatever was left.
    rc, out, err = _run_module(args[200])
    assert rc == 0, err
    assert target.read_text() == contents[200]


WRITER = r"""
import json, sys
from ansible.module_utils import basic
basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": {}}).encode()
basic._ANSIBLE_PROFILE = "legacy"
module = basic.AnsibleModule(argument_spec={})
from ansible_collections.oom.guard.plugins.module_utils import _files
path, first, second = sys.argv[1], sys.argv[2], sys.argv[3]
texts = [open(first).read(), open(second).read()]
sys.stdout.write("ready\n")
sys.stdout.flush()
index = 0
while True:
    index += 1
    _files.apply_file(module, _files.plan_file(path, texts[index % 2]))
"""


def test_writer_loop_killed_at_random_points_never_leaves_a_partial_file(tmp_path):
    target = tmp_path / "earlyoom"
    # Large, different texts of the same length: a torn write would show as a mix of the two.
    texts = [('EARLYOOM_ARGS="-r %d"\n' % n) + ("#%s\n" % (chr(65 + n) * 70)) * 6000 for n in (1, 2)]
    sources = []
    for index, text in enumerate(texts):
        source = tmp_path / ("text-%d" % index)
        source.write_text(text)
        sources.append(str(source))
    target.write_text(texts[0])
    rng = random.Random(19)
    for _round in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target), *sources], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
        assert proc.stdout.readline() == b"ready\n", proc.stderr.read()
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        assert target.read_text() in texts, "partial file after SIGKILL"
    leftovers = [name for name in os.listdir(str(tmp_path)) if name.startswith(".earlyoom.")]
    assert all(name.endswith(".tmp") for name in leftovers)


@pytest.fixture
def module(monkeypatch):
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": {}})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    return basic.AnsibleModule(argument_spec={})


@pytest.mark.parametrize("old_mode", [None, 0o600, 0o666, 0o755])
def test_written_files_are_0644_whatever_the_umask_and_the_old_mode(tmp_path, module, old_mode):
    path = tmp_path / "50-oom-guard.conf"
    if old_mode is not None:
        path.write_text("old\n")
        os.chmod(str(path), old_mode)
    old_umask = os.umask(0o077)
    try:
        _files.apply_file(module, _files.plan_file(str(path), "new\n"), mode=0o644)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o644
    assert path.read_text() == "new\n"


def test_a_backup_is_0644_and_root_whatever_the_old_file_was(tmp_path, module):
    path = tmp_path / "earlyoom"
    path.write_text("old\n")
    os.chmod(str(path), 0o600)
    if os.geteuid() == 0:
        os.chown(str(path), 65534, 65534)
    backup = _files.apply_file(module, _files.plan_file(str(path), "new\n"), mode=0o644, backup=True)
    st = os.stat(backup)
    assert stat.S_IMODE(st.st_mode) == 0o644
    with open(backup) as handle:
        assert handle.read() == "old\n"
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (0, 0)
