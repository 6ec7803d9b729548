# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""oom.guard.oom_report: the fleet report's files, written on the controller in one step.

Runs entirely in the controller's worker process: no module is shipped anywhere, so a fleet of any
size costs one task, not one module run per file and per host (which was most of the audit's time).
Documentation: plugins/modules/oom_report.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import stat
import tempfile

from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.plugins.action import ActionBase
from ansible.plugins.filter.core import to_nice_json

from ansible_collections.oom.guard.plugins.module_utils._oom_fleet import _facts_of, _plain, fleet_summary

FORMATS = ("json", "facts")
# Plain file names: no directory part, not hidden, no NUL; what every filesystem takes.
_NAME = re.compile(r"^[^/\x00.][^/\x00]*$")
_MAX_NAME = 255
# The mode of a new file when ``mode`` is not given (a rewritten file keeps its own).
_NEW_FILE_MODE = 0o644

ARGUMENT_SPEC = {
    "dest": {"type": "path", "required": True},
    "hosts": {"type": "list", "elements": "str"},
    "formats": {"type": "list", "elements": "str", "choices": list(FORMATS), "default": list(FORMATS)},
    "files": {"type": "dict", "default": {}},
    "summary": {"type": "dict"},
    "top": {"type": "int", "default": 10},
    "max_buckets": {"type": "int", "default": 48},
    "mode": {"type": "raw"},
}


def _mode(value):
    """The permission bits of a report file: an octal string with its leading zero (V('0644')) or
    a number up to 0o777. None when not given. Strict on purpose: YAML reads an unquoted 0640 as
    the number 416, which some ansible-core versions template into the string '416' (and 640
    unquoted is 0o1200): neither may pass for a mode."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        mode = value
    elif isinstance(value, str) and re.match(r"^0[0-7]{3}$", value.strip()):
        mode = int(value.strip(), 8)
    else:
        mode = -1
    if mode < 0 or mode > 0o777:
        raise AnsibleActionFail(
            "mode: expected an octal file mode as a quoted string with its leading zero, such as '0644' (unquoted in YAML, 0644 is"
            " the number 420), got %r" % (value,)
        )
    return mode


def _check_name(option, name):
    if not isinstance(name, str) or not _NAME.match(name) or len(to_bytes(name)) > _MAX_NAME:
        raise AnsibleActionFail(
            "%s: %r is not a usable file name: expected a plain name (no '/', not starting with '.', no NUL, at most %d bytes)" % (option, name, _MAX_NAME)
        )


def _check_dest(dest):
    """Fail unless ``dest`` is a directory or missing (created when there is something to write):
    a path that cannot be the report directory is an error even with nothing to write."""
    try:
        is_dir = stat.S_ISDIR(os.stat(dest).st_mode)
    except FileNotFoundError:
        if os.path.islink(dest):
            raise AnsibleActionFail("dest: %s is a symbolic link to nothing; remove it or pick another dest" % dest) from None
        return
    except OSError as exc:
        raise AnsibleActionFail("dest: cannot use %s: %s" % (dest, to_native(exc.strerror or exc))) from exc
    if not is_dir:
        raise AnsibleActionFail("dest: %s is not a directory" % dest)


def _read(path):
    """(content, os.stat_result) of a file, or (None, None) when it is missing."""
    try:
        with open(path, "rb") as handle:
            return handle.read(), os.fstat(handle.fileno())
    except FileNotFoundError:
        return None, None


def _check_owner(dest, chmods):
    """Fail, before anything is written, when a file whose mode is to be set belongs to another
    user: only its owner (or root) may change it. ``chmods``: (name, stat_result) as read."""
    uid = os.geteuid()
    if uid == 0:
        return
    for name, info in chmods:
        path = os.path.join(dest, name)
        owner = info.st_uid
        if owner != uid:
            raise AnsibleActionFail(
                "mode: cannot set the mode of %s: it belongs to uid %d, and this task runs as uid %d (only the owner or root may change it);"
                " nothing was changed" % (path, owner, uid)
            )


def _sync_directory(path):
    """Make the renames in ``path`` durable (best effort: not every filesystem syncs a directory)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _stage(directory, name, data, mode):
    """A temporary file beside the target holding ``data`` (fsynced, with ``mode``): its path."""
    fd, tmp = tempfile.mkstemp(prefix=".%s." % name, suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        try:
            return dict(result, **self._run(args, task_vars))
        except AnsibleActionFail as exc:
            result.update(failed=True, msg=to_text(exc.message))
            return result

    def _run(self, args, task_vars):
        check_mode = bool(self._task.check_mode)
        if not args["dest"]:
            # abspath('') is the current directory: an unset variable must not write the report there.
            raise AnsibleActionFail("dest: expected the report directory, got an empty path")
        dest = os.path.abspath(os.path.expanduser(args["dest"]))
        mode = _mode(args["mode"])
        if args["top"] < 0:
            raise AnsibleActionFail("top: expected 0 or more, got %d" % args["top"])
        if args["max_buckets"] < 1:
            raise AnsibleActionFail("max_buckets: expected 1 or more, got %d" % args["max_buckets"])
        hostvars = task_vars.get("hostvars") or {}
        hosts = args["hosts"]
        if hosts is None:
            hosts = task_vars.get("ansible_play_hosts_all") or []
        # A host listed twice (a union of groups) is one host of the report, with one file.
        hosts = list(dict.fromkeys(hosts))
        summary = args["summary"]
        if summary is None:
            summary = fleet_summary(hostvars, hosts=hosts, top=args["top"], max_buckets=args["max_buckets"])

        # Every name and every text first: bad input fails before anything is written.
        wanted = {}
        for name, content in args["files"].items():
            _check_name("files", name)
            if not isinstance(content, str):
                raise AnsibleActionFail("files: the content of %r must be a string (rendered text), got %s" % (name, type(content).__name__))
            wanted[name] = to_bytes(content, errors="surrogate_or_strict")
        if "json" in args["formats"]:
            if "report.json" in wanted:
                raise AnsibleActionFail("files: report.json is written from the summary with formats=[json]; drop one of them")
            wanted["report.json"] = to_bytes(to_nice_json(_plain(summary), indent=2) + "\n")
        skipped = []
        if "facts" in args["formats"]:
            for host in hosts:
                _check_name("hosts", host)
                name = "%s.json" % host
                if len(to_bytes(name)) > _MAX_NAME:
                    raise AnsibleActionFail("hosts: %r is too long to name its file %s.json: at most %d bytes with .json" % (host, host, _MAX_NAME))
                facts = _facts_of(hostvars[host]) if host in hostvars else None
                if not isinstance(facts, Mapping):
                    skipped.append(host)
                    continue
                if name in wanted:
                    other = "the summary's report.json (formats=[json])" if name == "report.json" and "json" in args["formats"] else "files: %s" % name
                    raise AnsibleActionFail("hosts: %s.json would overwrite %s" % (host, other))
                wanted[name] = to_bytes(to_nice_json(_plain(facts), indent=2) + "\n")

        _check_dest(dest)
        files = []
        changed_names = []
        modes = {}
        chmods = []  # (name, stat_result as read) of the unchanged files whose mode is to be set
        for name in sorted(wanted):
            path = os.path.join(dest, name)
            if os.path.isdir(path) or os.path.islink(path):
                raise AnsibleActionFail("dest: %s is a directory or a symbolic link, not a report file; remove it or pick another dest" % path)
            try:
                before, info = _read(path)
            except OSError as exc:
                raise AnsibleActionFail("dest: cannot read %s: %s" % (path, to_native(exc.strerror or exc))) from exc
            before_mode = None if info is None else stat.S_IMODE(info.st_mode)
            modes[name] = mode if mode is not None else (before_mode if before_mode is not None else _NEW_FILE_MODE)
            content_changed = before != wanted[name]
            # A given mode holds for every file of the report, unchanged ones too.
            mode_changed = not content_changed and mode is not None and before_mode != mode
            files.append({"name": name, "path": path, "changed": content_changed or mode_changed, "mode_changed": mode_changed})
            if content_changed:
                changed_names.append(name)
            elif mode_changed:
                chmods.append((name, info))
        if mode is not None:
            # The <host>.json an earlier run wrote for a host skipped now: its content stays, and
            # it gets the given mode like every other file of the report.
            for host in skipped:
                name = "%s.json" % host
                path = os.path.join(dest, name)
                try:
                    info = os.lstat(path)
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    raise AnsibleActionFail("dest: cannot read %s: %s" % (path, to_native(exc.strerror or exc))) from exc
                if not stat.S_ISREG(info.st_mode):
                    continue
                mode_changed = stat.S_IMODE(info.st_mode) != mode
                files.append({"name": name, "path": path, "changed": mode_changed, "mode_changed": mode_changed})
                if mode_changed:
                    chmods.append((name, info))
            files.sort(key=lambda entry: entry["name"])
        _check_owner(dest, chmods)

        if not check_mode:
            self._write(dest, wanted, changed_names, modes=modes, chmods=chmods, mode=mode)
        return {
            "changed": bool(changed_names or chmods),
            "dest": dest,
            "files": files,
            "written": [] if check_mode else changed_names,
            "skipped_hosts": skipped,
            "totals": summary.get("totals") if isinstance(summary, Mapping) else None,
        }

    @staticmethod
    def _write(dest, wanted, names, *, modes, chmods, mode):
        """Stage every changed file first, then set the mode of the unchanged ones, then rename
        the staged files into place: a failure while writing (a full disk, a read-only directory)
        or setting a mode leaves every old file as it was, mode included. With nothing to write,
        nothing is done: a missing dest is not created."""
        if not names and not chmods:
            return
        try:
            os.makedirs(dest, 0o755, exist_ok=True)
        except OSError as exc:
            raise AnsibleActionFail("dest: cannot create %s: %s" % (dest, to_native(exc.strerror or exc))) from exc
        staged = []
        try:
            for name in names:
                staged.append((_stage(dest, name, wanted[name], modes[name]), os.path.join(dest, name)))
        except OSError as exc:
            for tmp, _path in staged:
                os.unlink(tmp)
            failed = names[len(staged)]
            raise AnsibleActionFail("dest: cannot write %s in %s: %s (no report file was changed)" % (failed, dest, to_native(exc.strerror or exc))) from exc
        done = []
        try:
            for name, info in chmods:
                path = os.path.join(dest, name)
                os.chmod(path, mode)
                done.append((path, stat.S_IMODE(info.st_mode)))
        except OSError as exc:
            for path, before in reversed(done):
                try:
                    os.chmod(path, before)
                except OSError:
                    pass
            for tmp, _path in staged:
                os.unlink(tmp)
            failed = chmods[len(done)][0]
            raise AnsibleActionFail(
                "mode: cannot set the mode of %s: %s (no report file was changed)" % (os.path.join(dest, failed), to_native(exc.strerror or exc))
            ) from exc
        for tmp, path in staged:
            os.replace(tmp, path)
        _sync_directory(dest)
