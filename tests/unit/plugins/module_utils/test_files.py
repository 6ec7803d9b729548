# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare-first atomic file updates: unchanged files keep their inode, failures keep the old file."""

import os
import stat

import pytest

from ansible_collections.oom.guard.plugins.module_utils import _files


class _Failed(Exception):
    pass


class FakeModule:
    """The three AnsibleModule methods _files uses, with the real atomic_move."""

    def __init__(self):
        self.tmpdir = None

    def fail_json(self, **kwargs):
        raise _Failed(kwargs["msg"])

    def backup_local(self, path):
        backup = path + ".bak"
        with open(path, "rb") as src, open(backup, "wb") as dst:
            dst.write(src.read())
        return backup

    def atomic_move(self, src, dest, unsafe_writes=False):
        os.rename(src, dest)


def test_new_file_is_written_with_mode(tmp_path):
    path = str(tmp_path / "50-oom.conf")
    plan = _files.plan_file(path, "[Service]\nOOMScoreAdjust=-500\n")
    assert plan["changed"] is True and plan["exists"] is False
    assert plan["diff"]["before_header"] == path + " (absent)"
    _files.apply_file(FakeModule(), plan, mode=0o640)
    with open(path) as handle:
        assert handle.read() == "[Service]\nOOMScoreAdjust=-500\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert [name for name in os.listdir(str(tmp_path)) if name.endswith(".tmp")] == []


def test_unchanged_file_is_not_rewritten(tmp_path):
    target = tmp_path / "a.conf"
    target.write_text("same\n")
    before = os.stat(str(target))
    plan = _files.plan_file(str(target), "same\n")
    assert plan["changed"] is False
    assert _files.apply_file(FakeModule(), plan) is None
    after = os.stat(str(target))
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_changed_file_is_replaced_with_backup_and_diff(tmp_path):
    target = tmp_path / "a.conf"
    target.write_text("old\n")
    inode = os.stat(str(target)).st_ino
    plan = _files.plan_file(str(target), "new\n")
    assert plan["diff"]["before"] == "old\n" and plan["diff"]["after"] == "new\n"
    backup = _files.apply_file(FakeModule(), plan, backup=True)
    assert target.read_text() == "new\n"
    assert os.stat(str(target)).st_ino != inode
    with open(backup) as handle:
        assert handle.read() == "old\n"


def test_absent_removes_only_when_present(tmp_path):
    target = tmp_path / "a.conf"
    assert _files.plan_file(str(target), "", state="absent")["changed"] is False
    target.write_text("x\n")
    plan = _files.plan_file(str(target), "", state="absent")
    assert plan["changed"] is True
    _files.apply_file(FakeModule(), plan)
    assert not target.exists()


def test_read_only_directory_fails_and_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "a.conf"
    target.write_text("old\n")

    def read_only(**kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(_files.tempfile, "mkstemp", read_only)
    with pytest.raises(_Failed, match=r"cannot write .*Read-only file system.*the file was left as it was"):
        _files.apply_file(FakeModule(), _files.plan_file(str(target), "new\n"))
    assert target.read_text() == "old\n"


def test_write_failure_leaves_old_file(tmp_path, monkeypatch):
    target = tmp_path / "a.conf"
    target.write_text("old\n")

    def no_space(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_files.os, "write", no_space)
    with pytest.raises(_Failed, match=r"cannot write .*No space left on device"):
        _files.apply_file(FakeModule(), _files.plan_file(str(target), "new\n"))
    monkeypatch.undo()
    assert target.read_text() == "old\n"
    assert sorted(os.listdir(str(tmp_path))) == ["a.conf"]


class CopyStatModule(FakeModule):
    """atomic_move as AnsibleModule does it: the existing target's mode is copied onto the new file."""

    def atomic_move(self, src, dest, unsafe_writes=False):
        os.chmod(src, stat.S_IMODE(os.stat(dest).st_mode))
        os.rename(src, dest)


def test_our_mode_wins_over_the_old_files_mode(tmp_path):
    target = tmp_path / "a.conf"
    target.write_text("old\n")
    os.chmod(str(target), 0o600)
    _files.apply_file(CopyStatModule(), _files.plan_file(str(target), "new\n"), mode=0o644)
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o644
