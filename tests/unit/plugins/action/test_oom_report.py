# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oom.guard.oom_report: the action plugin against real hostvars holding real OOM facts (gathered
on this machine by oom_facts), on a real filesystem (a full tmpfs for the failure case)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib
import json
import os
import subprocess
import sys
import types

import pytest
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.template import Templar
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

from ansible_collections.oom.guard.plugins.action.oom_report import ActionModule
from ansible_collections.oom.guard.plugins.module_utils._oom_fleet import fleet_summary

HOSTS = ["web1", "db1", "nofacts1"]


@pytest.fixture(scope="module")
def real_facts():
    """This machine's OOM facts, as the module returns them (every section)."""
    done = subprocess.run(
        [sys.executable, "-m", "ansible_collections.oom.guard.plugins.modules.oom_facts"],
        input=json.dumps({"ANSIBLE_MODULE_ARGS": {"since": "30d"}}),
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    assert not result.get("failed"), result
    return result["ansible_facts"]["oom"]


@pytest.fixture
def task_vars(real_facts):
    """Real hostvars: web1 and db1 hold OOM facts (db1's collected at another time), nofacts1 none."""
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[",".join(HOSTS) + ","])
    variables = VariableManager(loader=loader, inventory=inventory)
    other = copy.deepcopy(real_facts)
    other["collected_at"] = "2026-01-02T03:04:05Z"
    variables.set_host_facts("web1", {"oom": real_facts})
    variables.set_host_facts("db1", {"oom": other})
    hostvars = HostVars(inventory=inventory, variable_manager=variables, loader=loader)
    return {"hostvars": hostvars, "ansible_play_hosts_all": list(HOSTS)}


def run(args, task_vars, check_mode=False):
    task = Task()
    task.args = args
    task.check_mode = check_mode
    loader = DataLoader()
    connection = types.SimpleNamespace(_shell=types.SimpleNamespace(tmpdir=None))
    action = ActionModule(task, connection, PlayContext(), loader, Templar(loader=loader), None)
    return action.run(task_vars=task_vars)


def tree(path):
    """{name: (sha256, inode, mtime_ns)} of a directory, or None when it is missing."""
    if not os.path.isdir(str(path)):
        return None
    found = {}
    for name in sorted(os.listdir(str(path))):
        full = os.path.join(str(path), name)
        with open(full, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        stat = os.stat(full)
        found[name] = (digest, stat.st_ino, stat.st_mtime_ns)
    return found


def test_writes_the_summary_and_each_hosts_facts(tmp_path, task_vars, real_facts):
    dest = tmp_path / "report" / "nested"
    result = run({"dest": str(dest)}, task_vars)
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert sorted(os.listdir(str(dest))) == ["db1.json", "report.json", "web1.json"]
    assert result["written"] == ["db1.json", "report.json", "web1.json"]
    assert result["skipped_hosts"] == ["nofacts1"]
    assert [entry["name"] for entry in result["files"]] == ["db1.json", "report.json", "web1.json"]
    assert oct(os.stat(str(dest / "web1.json")).st_mode & 0o777) == "0o644"
    assert oct(os.stat(str(dest)).st_mode & 0o777) == "0o755"
    # Each host's file is its full facts, as to_nice_json(indent=2) writes them, with a final newline.
    text = (dest / "web1.json").read_text()
    assert text.endswith("}\n") and text.startswith('{\n  "')
    assert json.loads(text) == json.loads(json.dumps(real_facts))
    # The summary is computed from hostvars when not given: every host, the one without facts unknown.
    report = json.loads((dest / "report.json").read_text())
    expected = fleet_summary({"web1": real_facts, "db1": json.loads((dest / "db1.json").read_text())}, hosts=HOSTS)
    assert report == json.loads(json.dumps(expected))
    assert report["totals"]["hosts"] == 3 and report["totals"]["by_status"]["unknown"] == 1
    assert result["totals"]["hosts"] == 3
    assert json.loads((dest / "db1.json").read_text())["collected_at"] == "2026-01-02T03:04:05Z"


def test_a_second_run_changes_nothing_and_rewrites_nothing(tmp_path, task_vars):
    dest = tmp_path / "report"
    files = {"report.html": "<html>ok</html>\n", "report.md": "# ok\n"}
    assert run({"dest": str(dest), "files": files}, task_vars)["changed"] is True
    before = tree(dest)
    again = run({"dest": str(dest), "files": files}, task_vars)
    assert again["changed"] is False and again["written"] == []
    assert tree(dest) == before  # same content, same inodes, same mtimes
    # One changed input rewrites that file only.
    changed = run({"dest": str(dest), "files": dict(files, **{"report.md": "# changed\n"})}, task_vars)
    assert changed["written"] == ["report.md"]
    after = tree(dest)
    assert after["report.md"] != before["report.md"]
    assert dict((k, v) for k, v in after.items() if k != "report.md") == dict((k, v) for k, v in before.items() if k != "report.md")


def test_check_mode_writes_nothing(tmp_path, task_vars):
    dest = tmp_path / "report"
    result = run({"dest": str(dest)}, task_vars, check_mode=True)
    assert result["changed"] is True and result["written"] == []
    assert all(entry["changed"] for entry in result["files"])
    assert not dest.exists()
    run({"dest": str(dest)}, task_vars)
    before = tree(dest)
    result = run({"dest": str(dest), "files": {"extra.txt": "x"}}, task_vars, check_mode=True)
    assert [entry["name"] for entry in result["files"] if entry["changed"]] == ["extra.txt"]
    assert tree(dest) == before


def test_formats_hosts_summary_and_mode(tmp_path, task_vars):
    dest = tmp_path / "report"
    summary = {"schema": 1, "totals": {"hosts": 7}}
    result = run({"dest": str(dest), "formats": ["json"], "hosts": ["db1"], "summary": summary, "mode": "0600"}, task_vars)
    assert sorted(os.listdir(str(dest))) == ["report.json"]
    assert json.loads((dest / "report.json").read_text()) == summary
    assert result["totals"] == {"hosts": 7}
    assert oct(os.stat(str(dest / "report.json")).st_mode & 0o777) == "0o600"
    run({"dest": str(dest), "formats": ["facts"], "hosts": ["db1"], "mode": 0o640}, task_vars)
    assert sorted(os.listdir(str(dest))) == ["db1.json", "report.json"]
    assert oct(os.stat(str(dest / "db1.json")).st_mode & 0o777) == "0o640"
    # A relative dest is taken from the current directory.
    here = os.getcwd()
    try:
        os.chdir(str(tmp_path))
        result = run({"dest": "rel", "formats": ["json"]}, task_vars)
    finally:
        os.chdir(here)
    assert result["dest"] == str(tmp_path / "rel") and (tmp_path / "rel" / "report.json").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        ({"files": {"../escape.html": "x"}}, "files: '../escape.html' is not a usable file name"),
        ({"files": {".hidden": "x"}}, "files: '.hidden' is not a usable file name"),
        ({"files": {"a/b.html": "x"}}, "files: 'a/b.html' is not a usable file name"),
        ({"files": {"x" * 256: "x"}}, "at most 255 bytes"),
        ({"files": {"report.html": ["not", "text"]}}, "files: the content of 'report.html' must be a string"),
        ({"files": {"report.json": "{}"}}, "report.json is written from the summary"),
        ({"files": {"web1.json": "{}"}, "formats": ["facts"]}, "hosts: web1.json would overwrite files: web1.json"),
        ({"hosts": ["web1", "../../etc/x"]}, "hosts: '../../etc/x' is not a usable file name"),
        ({"hosts": ["web1", "h" * 251]}, "hosts: '%s' is too long to name its file %s.json: at most 255 bytes with .json" % ("h" * 251, "h" * 251)),
        ({"formats": ["html"]}, "formats"),
        ({"mode": "rw-r--r--"}, "mode: expected an octal file mode as a quoted string with its leading zero, such as '0644'"),
        ({"mode": "99999"}, "mode: expected an octal file mode as a quoted string"),
        # 0640 unquoted in YAML is 416, which ansible-core 2.17/2.18 template into '416' (0o416 if taken).
        ({"mode": "416"}, "got '416'"),
        ({"mode": 640}, "(unquoted in YAML, 0644 is the number 420), got 640"),  # 0o1200: the sticky bit
        ({"mode": "04755"}, "got '04755'"),
        ({"mode": True}, "got True"),
        ({"top": -1}, "top: expected 0 or more"),
        ({"max_buckets": 0}, "max_buckets: expected 1 or more"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_fails_naming_the_option_and_changes_nothing(tmp_path, task_vars, args, message):
    dest = tmp_path / "report"
    run({"dest": str(dest), "files": {"keep.txt": "old\n"}}, task_vars)
    before = tree(dest)
    try:
        result = run(dict({"dest": str(dest)}, **args), task_vars)
    except Exception as exc:  # ActionBase refuses unknown options by raising
        result = {"failed": True, "msg": str(exc)}
    assert result.get("failed") is True, result
    assert message in result["msg"]
    assert tree(dest) == before


def test_a_given_mode_is_set_on_unchanged_files_too(tmp_path, task_vars):
    # Tightening the mode of an existing report takes effect: the content stays (same inode, same
    # mtime), the mode is set in place and reported; check mode only reports it.
    dest = tmp_path / "report"
    files = {"report.md": "# ok\n"}
    assert run({"dest": str(dest), "files": files}, task_vars)["changed"] is True
    before = tree(dest)
    assert oct(os.stat(str(dest / "web1.json")).st_mode & 0o777) == "0o644"
    result = run({"dest": str(dest), "files": files, "mode": "0640"}, task_vars, check_mode=True)
    assert result["changed"] is True and result["written"] == []
    assert all(entry["changed"] and entry["mode_changed"] for entry in result["files"]), result["files"]
    assert oct(os.stat(str(dest / "web1.json")).st_mode & 0o777) == "0o644"
    result = run({"dest": str(dest), "files": files, "mode": "0640"}, task_vars)
    assert result["changed"] is True and result["written"] == []
    assert [entry["name"] for entry in result["files"] if entry["mode_changed"]] == ["db1.json", "report.json", "report.md", "web1.json"]
    assert tree(dest) == before
    assert sorted(oct(os.stat(str(dest / name)).st_mode & 0o777) for name in os.listdir(str(dest))) == ["0o640"] * 4
    again = run({"dest": str(dest), "files": files, "mode": "0640"}, task_vars)
    assert again["changed"] is False and not any(entry["changed"] or entry["mode_changed"] for entry in again["files"])


def test_a_given_mode_reaches_the_file_a_skipped_host_kept_from_an_earlier_run(tmp_path, task_vars):
    dest = tmp_path / "report"
    run({"dest": str(dest)}, task_vars)
    (dest / "nofacts1.json").write_text('{"from": "an earlier run"}\n')  # nofacts1 has no facts now
    os.chmod(str(dest / "nofacts1.json"), 0o644)
    # Without mode it is none of the task's business.
    result = run({"dest": str(dest)}, task_vars)
    assert "nofacts1.json" not in [entry["name"] for entry in result["files"]]
    result = run({"dest": str(dest), "mode": "0600"}, task_vars)
    assert result["skipped_hosts"] == ["nofacts1"]
    assert [entry["name"] for entry in result["files"]] == ["db1.json", "nofacts1.json", "report.json", "web1.json"]
    assert all(entry["mode_changed"] for entry in result["files"])
    assert (dest / "nofacts1.json").read_text() == '{"from": "an earlier run"}\n'
    assert sorted(oct(os.stat(str(dest / name)).st_mode & 0o777) for name in os.listdir(str(dest))) == ["0o600"] * 4
    assert run({"dest": str(dest), "mode": "0600"}, task_vars)["changed"] is False


def test_a_mode_that_cannot_be_set_changes_nothing(tmp_path, task_vars, monkeypatch):
    from ansible_collections.oom.guard.plugins.action import oom_report as plugin

    dest = tmp_path / "report"
    files = {"a.md": "a\n", "b.md": "b\n", "c.md": "c\n"}
    run({"dest": str(dest), "formats": [], "files": files}, task_vars)
    before = tree(dest)
    real_chmod = os.chmod

    def chmod(path, mode):
        if os.path.basename(str(path)) == "c.md" and mode == 0o600:
            raise PermissionError(1, "Operation not permitted")
        real_chmod(path, mode)

    monkeypatch.setattr(plugin.os, "chmod", chmod)
    # a.md's content changes (staged), b.md's and c.md's modes change; c.md's cannot.
    result = run({"dest": str(dest), "formats": [], "files": dict(files, **{"a.md": "new\n"}), "mode": "0600"}, task_vars)
    assert result["failed"] and result["msg"].startswith("mode: cannot set the mode of %s: " % (dest / "c.md"))
    assert "(no report file was changed)" in result["msg"]
    assert tree(dest) == before  # a.md not replaced, no temporary file left
    assert sorted(oct(os.stat(str(dest / name)).st_mode & 0o777) for name in os.listdir(str(dest))) == ["0o644"] * 3


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_mode_for_another_users_file_fails_before_anything_changes(tmp_path, task_vars, monkeypatch, check_mode):
    from ansible_collections.oom.guard.plugins.action import oom_report as plugin

    dest = tmp_path / "report"
    files = {"a.md": "a\n", "b.md": "b\n"}
    run({"dest": str(dest), "formats": [], "files": files}, task_vars)
    before = tree(dest)
    monkeypatch.setattr(plugin.os, "geteuid", lambda: 4321)  # the files are root's
    result = run({"dest": str(dest), "formats": [], "files": dict(files, **{"a.md": "new\n"}), "mode": "0640"}, task_vars, check_mode=check_mode)
    assert result["failed"] is True
    assert result["msg"] == (
        "mode: cannot set the mode of %s: it belongs to uid 0, and this task runs as uid 4321 (only the owner or root may change it);"
        " nothing was changed" % (dest / "b.md")
    )
    assert tree(dest) == before


def test_without_mode_a_new_file_is_0644_and_a_rewritten_one_keeps_its_mode(tmp_path, task_vars):
    dest = tmp_path / "report"
    run({"dest": str(dest), "formats": [], "files": {"report.md": "# one\n"}}, task_vars)
    os.chmod(str(dest / "report.md"), 0o600)
    result = run({"dest": str(dest), "formats": [], "files": {"report.md": "# two\n", "new.md": "x\n"}}, task_vars)
    assert result["written"] == ["new.md", "report.md"]
    assert not any(entry["mode_changed"] for entry in result["files"])
    assert (dest / "report.md").read_text() == "# two\n"
    assert oct(os.stat(str(dest / "report.md")).st_mode & 0o777) == "0o600"
    assert oct(os.stat(str(dest / "new.md")).st_mode & 0o777) == "0o644"
    # Unchanged files are left alone whatever their mode.
    assert run({"dest": str(dest), "formats": [], "files": {"report.md": "# two\n"}}, task_vars)["changed"] is False


def test_the_directory_is_synced_after_the_renames(tmp_path, task_vars, monkeypatch):
    from ansible_collections.oom.guard.plugins.action import oom_report as plugin

    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.path.isdir("/proc/self/fd/%d" % fd) and os.path.realpath("/proc/self/fd/%d" % fd))
        real_fsync(fd)

    monkeypatch.setattr(plugin.os, "fsync", fsync)
    dest = tmp_path / "report"
    run({"dest": str(dest), "formats": [], "files": {"a.md": "a\n", "b.md": "b\n"}}, task_vars)
    # Each staged file, then the directory holding the renames, last.
    assert synced == [False, False, str(dest)]
    synced.clear()
    run({"dest": str(dest), "formats": [], "files": {"a.md": "a\n", "b.md": "b\n"}}, task_vars)
    assert synced == []  # nothing written, nothing synced


def test_a_directory_in_place_of_a_report_file_fails_first(tmp_path, task_vars):
    dest = tmp_path / "report"
    run({"dest": str(dest), "formats": ["facts"]}, task_vars)
    (dest / "report.json").mkdir()
    before = tree_names = sorted(os.listdir(str(dest)))
    result = run({"dest": str(dest)}, task_vars)
    assert result["failed"] and "report.json is a directory or a symbolic link" in result["msg"]
    assert sorted(os.listdir(str(dest))) == before == tree_names


@pytest.fixture
def full_tmpfs(tmp_path):
    """A 64 KiB tmpfs (real ENOSPC); unmounted afterwards."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % done.stderr.strip())
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_leaves_every_old_file_and_no_temporary_file(full_tmpfs, task_vars):
    small = {"report.html": "old html\n", "report.md": "old md\n"}
    assert run({"dest": str(full_tmpfs), "formats": [], "files": small}, task_vars)["changed"]
    before = tree(full_tmpfs)
    # Both files change; the second does not fit: neither is replaced.
    big = {"report.html": "new html\n", "report.md": "x" * (200 * 1024)}
    result = run({"dest": str(full_tmpfs), "formats": [], "files": big}, task_vars)
    assert result["failed"] and "No space left on device" in result["msg"] and "no report file was changed" in result["msg"]
    assert tree(full_tmpfs) == before  # no .tmp left over, old contents, old inodes


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize(
    "args",
    [
        {"formats": []},
        {"formats": ["facts"], "hosts": ["nofacts1"]},  # every host unreachable: no facts to write
    ],
)
def test_nothing_to_write_succeeds_and_creates_no_directory(tmp_path, task_vars, args, check_mode):
    dest = tmp_path / "report"
    result = run(dict({"dest": str(dest)}, **args), task_vars, check_mode=check_mode)
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["files"] == [] and result["written"] == []
    assert result["dest"] == str(dest)
    assert result["skipped_hosts"] == args.get("hosts", [])
    assert not dest.exists()
    # An existing report directory is left as it was.
    run({"dest": str(dest), "files": {"keep.txt": "old\n"}}, task_vars)
    before = tree(dest)
    result = run(dict({"dest": str(dest)}, **args), task_vars, check_mode=check_mode)
    assert not result.get("failed"), result
    assert result["changed"] is False and result["written"] == []
    assert tree(dest) == before


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("args", [{"formats": []}, {}], ids=["nothing-to-write", "something-to-write"])
def test_a_dest_that_cannot_be_a_directory_fails_naming_dest(tmp_path, task_vars, args, check_mode):
    """A dest that is a file, lies under a file or is a dangling link is a wrong path, whatever is to be written."""
    regular = tmp_path / "report.txt"
    regular.write_text("not a directory\n")
    dangling = tmp_path / "link"
    dangling.symlink_to(tmp_path / "gone")
    cases = [
        (regular, "dest: %s is not a directory" % regular),
        (regular / "sub", "dest: cannot use %s: Not a directory" % (regular / "sub")),
        (dangling, "dest: %s is a symbolic link to nothing" % dangling),
    ]
    for dest, message in cases:
        result = run(dict({"dest": str(dest)}, **args), task_vars, check_mode=check_mode)
        assert result.get("failed") is True, result
        assert message in result["msg"]
    assert regular.read_text() == "not a directory\n"
    assert sorted(os.listdir(str(tmp_path))) == ["link", "report.txt"]
    assert not (tmp_path / "gone").exists()


@pytest.mark.parametrize("dest", ["", None])
def test_an_empty_dest_fails_and_writes_nothing_in_the_current_directory(tmp_path, task_vars, dest):
    here = os.getcwd()
    try:
        os.chdir(str(tmp_path))
        result = run({"dest": dest}, task_vars)
    finally:
        os.chdir(here)
    assert result.get("failed") is True, result
    assert "dest: expected the report directory, got an empty path" in result["msg"]
    assert os.listdir(str(tmp_path)) == []


def test_a_host_listed_twice_is_one_host_of_the_report(tmp_path, task_vars):
    dest = tmp_path / "report"
    result = run({"dest": str(dest), "hosts": ["web1", "nofacts1", "web1", "nofacts1"]}, task_vars)
    assert not result.get("failed"), result
    assert result["written"] == ["report.json", "web1.json"]
    assert result["skipped_hosts"] == ["nofacts1"]
    assert result["totals"]["hosts"] == 2
    assert json.loads((dest / "report.json").read_text())["totals"]["hosts"] == 2


def test_a_host_named_report_names_the_summary_it_would_overwrite(tmp_path, real_facts):
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=["report,"])
    variables = VariableManager(loader=loader, inventory=inventory)
    variables.set_host_facts("report", {"oom": real_facts})
    task_vars = {"hostvars": HostVars(inventory=inventory, variable_manager=variables, loader=loader), "ansible_play_hosts_all": ["report"]}
    dest = tmp_path / "report"
    result = run({"dest": str(dest)}, task_vars)
    assert result.get("failed") is True, result
    assert result["msg"] == "hosts: report.json would overwrite the summary's report.json (formats=[json])"
    assert not dest.exists()
    result = run({"dest": str(dest), "formats": ["facts"]}, task_vars)
    assert result["written"] == ["report.json"]
