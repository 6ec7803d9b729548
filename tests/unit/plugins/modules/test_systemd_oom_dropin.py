# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd_oom_dropin end to end on a temporary tree (root_dir outside systemd: systemd is not called)."""

import os
import stat

import pytest

from ansible_collections.oom.guard.plugins.modules import systemd_oom_dropin

from _harness import run_module


def _run(monkeypatch, **args):
    return run_module(monkeypatch, systemd_oom_dropin.main, args)


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "etc" / "systemd" / "system"
    path.mkdir(parents=True)
    return str(path)


def test_create_unchanged_change_absent(monkeypatch, root):
    path = os.path.join(root, "db.service.d", "50-oom-guard.conf")
    checked = _run(monkeypatch, unit="db.service", root_dir=root, oom_score_adjust=-900, _ansible_check_mode=True, _ansible_diff=True)
    assert checked["changed"] is True and not os.path.exists(os.path.dirname(path))
    assert "OOMScoreAdjust=-900" in checked["diff"]["after"]

    created = _run(monkeypatch, unit="db.service", root_dir=root, oom_score_adjust=-900, oom_policy="continue")
    assert created["changed"] is True and created["path"] == path and created["systemd"]["managed"] is False
    with open(path) as handle:
        assert handle.read().splitlines()[1:] == ["[Service]", "OOMScoreAdjust=-900", "OOMPolicy=continue"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    inode = os.stat(path).st_ino

    again = _run(monkeypatch, unit="db.service", root_dir=root, oom_score_adjust=-900, oom_policy="continue")
    assert again["changed"] is False and os.stat(path).st_ino == inode

    os.chmod(path, 0o666)
    fixed = _run(monkeypatch, unit="db.service", root_dir=root, oom_score_adjust=-900, oom_policy="continue")
    assert fixed["changed"] is True and stat.S_IMODE(os.stat(path).st_mode) == 0o644

    changed = _run(monkeypatch, unit="db.service", root_dir=root, oom_score_adjust=-500, backup=True, _ansible_diff=True)
    assert changed["changed"] is True and "OOMScoreAdjust=-900" in changed["diff"]["before"]
    assert os.path.exists(changed["backup_file"]) and not changed["backup_file"].endswith(".conf")

    other = os.path.join(root, "db.service.d", "90-local.conf")
    with open(other, "w") as handle:
        handle.write("[Service]\nOOMScoreAdjust=0\n")
    overridden = _run(monkeypatch, unit="db.service", root_dir=root, oom_score_adjust=-500)
    assert overridden["overridden_by"] == [{"key": "OOMScoreAdjust", "path": other, "value": "0"}]
    assert any("overridden by " + other in w for w in overridden["warnings"])

    removed = _run(monkeypatch, unit="db.service", root_dir=root, state="absent")
    assert removed["changed"] is True and not os.path.exists(path) and os.path.exists(other)
    assert _run(monkeypatch, unit="db.service", root_dir=root, state="absent")["changed"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"unit": "bad unit.service", "oom_score_adjust": 1}, "contains ' '"),
        ({"unit": "db", "oom_score_adjust": 1}, "has no type suffix"),
        ({"unit": "db.service", "oom_score_adjust": 1001}, "1001 is out of range"),
        ({"unit": "db.service", "memory_max": "1k"}, "memory_max: cannot read '1k'"),
        ({"unit": "db.service", "managed_oom_memory_pressure_limit": "150%"}, "more than 100%"),
        ({"unit": "user.slice", "oom_score_adjust": -5}, "does not apply to .slice units"),
        ({"unit": "backup.timer", "memory_max": "1G"}, ".timer units take no OOM settings"),
        ({"unit": "db.service", "name": "../x.conf", "oom_score_adjust": 1}, "must be a plain file name"),
        ({"unit": "db.service", "name": "oom.txt", "oom_score_adjust": 1}, "must end in .conf"),
        ({"unit": "db.service"}, "state=present needs at least one setting"),
        ({"unit": "db.service", "state": "absent", "memory_max": "1G"}, "takes no settings"),
        ({"unit": "user.slice", "memory_max": "1G", "restart": True}, "restart: only a .service unit"),
        ({"unit": "db@.service", "memory_max": "1G", "restart": True}, "restart: only a .service unit"),
        ({"unit": "db.service", "oom_policy": "bogus"}, "value of oom_policy must be one of"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(monkeypatch, root, args, message):
    result = _run(monkeypatch, root_dir=root, **args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert os.listdir(root) == []


def test_symlinked_dropin_dir_out_of_root_is_refused(monkeypatch, root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(str(outside), os.path.join(root, "db.service.d"))
    result = _run(monkeypatch, unit="db.service", root_dir=root, oom_score_adjust=1)
    assert result["failed"] is True and "outside root_dir" in result["msg"]
    assert os.listdir(str(outside)) == []


def test_symlinked_dropin_file_is_refused(monkeypatch, root, tmp_path):
    os.makedirs(os.path.join(root, "db.service.d"))
    os.symlink("/dev/null", os.path.join(root, "db.service.d", "50-oom-guard.conf"))
    result = _run(monkeypatch, unit="db.service", root_dir=root, state="absent")
    assert result["failed"] is True and "is a symlink" in result["msg"]
    assert os.path.islink(os.path.join(root, "db.service.d", "50-oom-guard.conf"))
