# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""earlyoom_config end to end on files in a temp dir (restart: false; the live daemon is molecule's)."""

import os

import pytest

from ansible_collections.oom.guard.plugins.modules import earlyoom_config

from _harness import run_module


def _run(monkeypatch, check=False, diff=False, **args):
    args.setdefault("version", "1.7")
    args.setdefault("restart", False)
    args["_ansible_check_mode"] = check
    args["_ansible_diff"] = diff
    return run_module(monkeypatch, earlyoom_config.main, args)


@pytest.fixture
def default_file(tmp_path):
    path = tmp_path / "earlyoom"
    path.write_text('# keep me\nEARLYOOM_ARGS="-r 3600"\n')
    return str(path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"mem_term_percent": "5%"}, "mem_term_percent"),
        ({"mem_term_percent": 100}, "mem_term_percent must be a percent from 0.01 to 99, got 100"),
        ({"mem_term_percent": 5, "mem_kill_percent": 10}, "mem_kill_percent (10) is above mem_term_percent (5)"),
        ({"mem_kill_percent": 10}, "mem_term_percent"),
        ({"avoid": ["'(^|/)sshd$'"]}, "it contains a quote"),
        ({"ignore": ["^postgres$"]}, "earlyoom 1.7 does not have --ignore (added in earlyoom 1.8)"),
        ({"sort_by_rss": True, "syslog": True}, "--sort-by-rss (added in earlyoom 1.8), --syslog (added in earlyoom 1.8)"),
        ({"pre_kill_hook": "/bin/true", "version": "1.8.2"}, "earlyoom 1.8.2 does not have -P (added in earlyoom 1.9)"),
        ({"version": "latest"}, "version: cannot read an earlyoom version from 'latest'"),
    ],
)
def test_bad_input_is_refused_and_the_file_untouched(monkeypatch, default_file, args, message):
    before = open(default_file).read()
    result = _run(monkeypatch, path=default_file, **args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert open(default_file).read() == before


def test_check_mode_reports_the_change_with_a_diff_and_writes_nothing(monkeypatch, default_file):
    stat = os.stat(default_file)
    result = _run(monkeypatch, check=True, diff=True, path=default_file, mem_term_percent=5, avoid=["^(sshd|systemd)$"])
    assert result["failed"] is False and result["changed"] is True and result["file_changed"] is True
    assert result["args"] == ["-m", "5", "--avoid", "^(sshd|systemd)$"]
    assert result["line"] == 'EARLYOOM_ARGS="-m 5 --avoid ^(sshd|systemd)$"'
    assert result["previous_args"] == ["-r", "3600"]
    assert result["diff"]["after"] == '# keep me\nEARLYOOM_ARGS="-m 5 --avoid ^(sshd|systemd)$"\n'
    assert result["version"] == "1.7" and result["version_source"] == "given"
    assert os.stat(default_file).st_mtime_ns == stat.st_mtime_ns


def test_apply_then_idempotent(monkeypatch, default_file):
    first = _run(monkeypatch, path=default_file, mem_term_percent=5, mem_kill_percent=2, report_interval=60)
    assert first["changed"] is True
    assert open(default_file).read() == '# keep me\nEARLYOOM_ARGS="-m 5,2 -r 60"\n'
    inode = os.stat(default_file).st_ino
    second = _run(monkeypatch, path=default_file, mem_term_percent=5, mem_kill_percent=2, report_interval=60)
    assert second["changed"] is False and second["previous_args"] == ["-m", "5,2", "-r", "60"]
    assert os.stat(default_file).st_ino == inode


def test_unmodelled_arguments_need_force(monkeypatch, tmp_path):
    path = tmp_path / "earlyoom"
    path.write_text('EARLYOOM_ARGS="-m 5 -p -i"\n')
    refused = _run(monkeypatch, path=str(path), mem_term_percent=5)
    assert refused["failed"] is True and refused["removed_args"] == ["-p", "-i"]
    assert "set force: true to drop them" in refused["msg"]
    forced = _run(monkeypatch, path=str(path), mem_term_percent=5, force=True)
    assert forced["changed"] is True and forced["removed_args"] == ["-p", "-i"]
    assert path.read_text() == 'EARLYOOM_ARGS="-m 5"\n'


def test_missing_file_is_created_with_a_header(monkeypatch, tmp_path):
    path = tmp_path / "new"
    result = _run(monkeypatch, path=str(path), dryrun=True)
    assert result["changed"] is True and result["previous_args"] is None
    assert path.read_text().endswith('\nEARLYOOM_ARGS="--dryrun"\n')
    assert oct(os.stat(str(path)).st_mode & 0o777) == "0o644"
