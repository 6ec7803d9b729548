# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat
import subprocess

import pytest

from ansible_collections.oom.guard.plugins.module_utils import _daemons


def write(path, data, mode=None):
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode())
    if mode is not None:
        os.chmod(path, mode)


def executable(root, path):
    write(os.path.join(str(root), path.lstrip("/")), "#!/bin/sh\n", stat.S_IRWXU)


def process(proc, pid, comm, argv):
    write(os.path.join(str(proc), str(pid), "comm"), comm + "\n")
    write(os.path.join(str(proc), str(pid), "cmdline"), "\0".join(argv) + "\0")


class Runner:
    """A fake run_command: answers by argv[1:], records every call."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, argv):
        self.calls.append(list(argv))
        key = " ".join(argv[1:])
        if key not in self.answers:
            raise AssertionError("unexpected command %r" % (argv,))
        answer = self.answers[key]
        if isinstance(answer, Exception):
            raise answer
        return answer


SHOW_UNITS = "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n\nLoadState=masked\nActiveState=inactive\nUnitFileState=masked\n"


@pytest.mark.parametrize(
    "text, expected",
    [("earlyoom 1.7\n", "1.7"), ("earlyoom v1.6.2-3-gabc\n", "1.6.2-3-gabc"), ("", None), ("something else", None)],
)
def test_parse_earlyoom_version(text, expected):
    assert _daemons.parse_earlyoom_version(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("systemd 252 (252.39-1~deb12u1)\n+PAM +AUDIT\n", (252, "252.39-1~deb12u1")),
        ("systemd 239\n+PAM\n", (239, "239")),
        ("", (None, None)),
        ("bash: systemctl: not found", (None, None)),
    ],
)
def test_parse_systemd_version(text, expected):
    assert _daemons.parse_systemd_version(text) == expected


def test_parse_show_multiple_units():
    assert _daemons.parse_show(SHOW_UNITS) == [
        {"LoadState": "loaded", "ActiveState": "active", "UnitFileState": "enabled"},
        {"LoadState": "masked", "ActiveState": "inactive", "UnitFileState": "masked"},
    ]


def test_everything_installed_and_running(tmp_path):
    root, proc = tmp_path / "root", tmp_path / "proc"
    executable(root, "/usr/bin/earlyoom")
    executable(root, "/usr/bin/systemctl")
    executable(root, "/lib/systemd/systemd-oomd")
    process(proc, 1, "systemd", ["/sbin/init"])
    process(proc, 300, "earlyoom", ["/usr/bin/earlyoom", "-m", "5", "-s", "10", "--prefer", "^(chrome)$"])
    process(proc, 301, "systemd-oomd", ["/lib/systemd/systemd-oomd"])
    process(proc, 302, "bash", ["bash"])
    runner = Runner(
        {
            "-v": (0, "earlyoom 1.7\n", ""),
            "--version": (0, "systemd 252 (252.39-1~deb12u1)\n+PAM\n", ""),
            "show --property=DefaultOOMPolicy": (0, "DefaultOOMPolicy=stop\n", ""),
            "show --property=LoadState,ActiveState,UnitFileState earlyoom.service systemd-oomd.service": (0, SHOW_UNITS, ""),
        }
    )
    result = _daemons.read_daemons(runner, str(proc), str(root), search_path=["/usr/bin"])
    assert result == {
        "earlyoom": {
            "installed": True,
            "path": "/usr/bin/earlyoom",
            "version": "1.7",
            "running": True,
            "pid": 300,
            "argv": ["/usr/bin/earlyoom", "-m", "5", "-s", "10", "--prefer", "^(chrome)$"],
            "unit": {"load_state": "loaded", "active_state": "active", "unit_file_state": "enabled"},
        },
        "systemd_oomd": {
            "installed": True,
            "path": "/lib/systemd/systemd-oomd",
            "running": True,
            "pid": 301,
            "argv": ["/lib/systemd/systemd-oomd"],
            "unit": {"load_state": "masked", "active_state": "inactive", "unit_file_state": "masked"},
        },
        "systemd": {
            "installed": True,
            "path": "/usr/bin/systemctl",
            "pid1": True,
            "version": 252,
            "version_full": "252.39-1~deb12u1",
            "default_oom_policy": "stop",
        },
        "warnings": [],
    }
    assert runner.calls[0] == ["/usr/bin/earlyoom", "-v"]


def test_nothing_installed_runs_nothing(tmp_path):
    runner = Runner({})
    result = _daemons.read_daemons(runner, str(tmp_path / "proc"), str(tmp_path), search_path=["/usr/bin"])
    assert runner.calls == []
    assert result["earlyoom"] == {"installed": False, "path": None, "version": None, "running": False, "pid": None, "argv": None, "unit": None}
    assert result["systemd_oomd"]["installed"] is False
    assert result["systemd"] == {
        "installed": False,
        "path": None,
        "pid1": False,
        "version": None,
        "version_full": None,
        "default_oom_policy": None,
    }
    assert result["warnings"] == []


def test_earlyoom_fallback_path_and_running_without_package(tmp_path):
    root, proc = tmp_path / "root", tmp_path / "proc"
    executable(root, "/usr/bin/earlyoom")
    process(proc, 44, "earlyoom", ["earlyoom", "-r", "3600"])
    runner = Runner({"-v": (0, "", "earlyoom v1.8\n")})
    result = _daemons.read_daemons(runner, str(proc), str(root), search_path=["/nowhere"])
    assert result["earlyoom"]["path"] == "/usr/bin/earlyoom"
    assert result["earlyoom"]["version"] == "1.8"  # read from stderr too
    assert result["earlyoom"]["argv"] == ["earlyoom", "-r", "3600"]


def test_old_systemd_not_pid1_and_failing_commands(tmp_path):
    root, proc = tmp_path / "root", tmp_path / "proc"
    executable(root, "/bin/systemctl")
    executable(root, "/usr/local/bin/earlyoom")
    process(proc, 1, "bash", ["bash"])
    runner = Runner({"--version": (0, "systemd 239\n", ""), "-v": OSError(2, "No such file")})
    result = _daemons.read_daemons(runner, str(proc), str(root), search_path=["/usr/local/bin", "/bin"])
    assert result["systemd"]["version"] == 239
    assert result["systemd"]["pid1"] is False
    assert result["systemd"]["default_oom_policy"] is None
    assert result["earlyoom"]["version"] is None
    assert len(result["warnings"]) == 1 and "earlyoom version" in result["warnings"][0]


def test_systemd_243_needed_for_default_oom_policy(tmp_path):
    root, proc = tmp_path / "root", tmp_path / "proc"
    executable(root, "/usr/bin/systemctl")
    process(proc, 1, "systemd", ["/lib/systemd/systemd"])
    runner = Runner(
        {
            "--version": (0, "systemd 241 (241-7)\n", ""),
            "show --property=LoadState,ActiveState,UnitFileState earlyoom.service systemd-oomd.service": (1, "", "Failed to connect to bus"),
        }
    )
    result = _daemons.read_daemons(runner, str(proc), str(root), search_path=["/usr/bin"])
    assert [call[1] for call in runner.calls] == ["--version", "show"]
    assert result["systemd"]["default_oom_policy"] is None
    assert result["earlyoom"]["unit"] is None
    assert "Failed to connect to bus" in result["warnings"][0]


def test_pid1_from_run_systemd_system(tmp_path):
    root, proc = tmp_path / "root", tmp_path / "proc"
    executable(root, "/usr/bin/systemctl")
    os.makedirs(str(root / "run" / "systemd" / "system"))
    process(proc, 1, "init", ["/sbin/init"])
    runner = Runner(
        {
            "--version": (0, "systemd 252 (252.39-1~deb12u1)\n", ""),
            "show --property=DefaultOOMPolicy": (0, "DefaultOOMPolicy=\n", ""),
            "show --property=LoadState,ActiveState,UnitFileState earlyoom.service systemd-oomd.service": (0, SHOW_UNITS, b""),
        }
    )
    result = _daemons.read_daemons(runner, str(proc), str(root), search_path=["/usr/bin"])
    assert result["systemd"]["pid1"] is True
    assert result["systemd"]["default_oom_policy"] is None
    assert result["systemd_oomd"]["unit"]["load_state"] == "masked"


def test_find_daemons_unreadable_proc(tmp_path):
    assert _daemons.find_daemons(("earlyoom",), str(tmp_path / "missing")) == {"earlyoom": []}


def test_find_daemons_skips_the_vanished_and_other_names(tmp_path):
    proc = tmp_path / "proc"
    process(proc, 10, "earlyoom", ["earlyoom", "-m", "4"])
    process(proc, 11, "earlyoom", ["earlyoom"])
    os.remove(str(proc / "11" / "cmdline"))  # gone before its cmdline was read
    process(proc, 12, "earlyoom-x", ["earlyoom-x"])
    os.makedirs(str(proc / "13"))  # gone before its comm was read
    process(proc, 14, "systemd", ["/lib/systemd/systemd", "--user"])
    assert _daemons.find_daemons(("earlyoom", "systemd-oomd", "systemd"), str(proc)) == {
        "earlyoom": [{"pid": 10, "argv": ["earlyoom", "-m", "4"]}],
        "systemd-oomd": [],
        "systemd": [{"pid": 14, "argv": ["/lib/systemd/systemd", "--user"]}],
    }


def test_read_daemons_takes_the_callers_pass_over_proc(tmp_path):
    """With ``running`` (the caller's own pass found the daemons) /proc is not read again."""
    root, proc = tmp_path / "root", tmp_path / "proc"
    executable(root, "/usr/bin/earlyoom")
    process(proc, 1, "systemd", ["/sbin/init"])
    process(proc, 300, "earlyoom", ["/usr/bin/earlyoom", "-m", "5"])
    runner = Runner({"-v": (0, "earlyoom 1.7\n", "")})
    own = _daemons.read_daemons(runner, str(proc), str(root), search_path=["/usr/bin"])
    running = _daemons.empty_running()
    assert sorted(running) == sorted(_daemons.DAEMON_COMMS)
    running.update(_daemons.find_daemons(_daemons.DAEMON_COMMS, str(proc)))
    given = _daemons.read_daemons(runner, str(tmp_path / "no-proc"), str(root), search_path=["/usr/bin"], running=running)
    assert given == own
    assert given["earlyoom"]["pid"] == 300 and given["systemd"]["pid1"] is True


def test_real_host():
    """This machine: whatever is installed, the reader must not raise and must agree with /proc."""

    def run_command(argv):
        done = subprocess.run(argv, capture_output=True, check=False)
        return done.returncode, done.stdout.decode(), done.stderr.decode()

    result = _daemons.read_daemons(run_command)
    if result["systemd"]["installed"]:
        assert isinstance(result["systemd"]["version"], int)
    found = _daemons.find_daemons(("earlyoom",))
    assert result["earlyoom"]["running"] is bool(found["earlyoom"])
