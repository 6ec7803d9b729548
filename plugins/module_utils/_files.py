# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic, compare-first file updates for the modules that own a file (drop-ins, EARLYOOM_ARGS).

Compute, then act once: the caller renders the whole desired content; ``plan_file`` says whether
it differs from what is on disk (and builds the diff); ``apply_file`` writes only when it does,
through a temporary file in the same directory and ``atomic_move``, so a reader never sees a
half-written file and a failed run leaves the old file in place. An unchanged file is never
rewritten (its mtime and inode stay). Nothing here writes in check mode: callers call
``apply_file`` only outside check mode.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import tempfile


def read_file(path):
    """(exists, text) of a regular file; a missing file is (False, ''). Other errors raise OSError."""
    try:
        with open(path, "rb") as handle:
            return True, handle.read().decode("utf-8")
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return False, ""
        raise


def plan_file(path, content, state="present"):
    """What would change: {'path', 'exists', 'changed', 'before', 'after', 'diff'}.

    ``content`` is the full desired text (ignored for ``state='absent'``). ``diff`` has the
    before/after texts with headers, as Ansible's diff mode shows them.
    """
    exists, before = read_file(path)
    if state == "absent":
        after = ""
        changed = exists
    else:
        after = content
        changed = (not exists) or before != content
    diff = {
        "before": before,
        "after": after,
        "before_header": path if exists else "%s (absent)" % path,
        "after_header": path if state != "absent" else "%s (absent)" % path,
    }
    return {"path": path, "exists": exists, "changed": changed, "before": before, "after": after, "diff": diff}


def _own(path, mode):
    os.chmod(path, mode)
    if os.geteuid() == 0:
        os.chown(path, 0, 0)


def apply_file(module, plan, mode=0o644, backup=False):
    """Carry out a plan from ``plan_file``; returns the backup file's path or None.

    Writes a temporary file beside the target, fsyncs it, sets ``mode`` and moves it into place
    with ``module.atomic_move``. A backup gets ``mode`` too, and root as owner when we run as root.
    Removal (state absent) unlinks the file. Any failure leaves the
    old file as it was and fails the module with the path and the reason.
    """
    path = plan["path"]
    backup_file = None
    if not plan["changed"]:
        return None
    if backup and plan["exists"]:
        backup_file = module.backup_local(path)
        # backup_local keeps the old file's owner and mode; the copy is ours: root's, and the mode we own.
        if backup_file:
            _own(backup_file, mode)
    if plan["after"] == "" and plan["diff"]["after_header"].endswith("(absent)"):
        try:
            os.unlink(path)
        except OSError as exc:
            module.fail_json(msg="cannot remove %s: %s" % (path, exc.strerror or exc), path=path)
        return backup_file
    directory = os.path.dirname(path) or "."
    fd, tmp = None, None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
        os.write(fd, plan["after"].encode("utf-8"))
        os.fsync(fd)
        os.close(fd)
        fd = None
        os.chmod(tmp, mode)
    except OSError as exc:
        if fd is not None:
            os.close(fd)
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        module.fail_json(msg="cannot write %s: %s (the file was left as it was)" % (path, exc.strerror or exc), path=path)
    module.atomic_move(tmp, path, unsafe_writes=False)
    # atomic_move copies an existing target's mode onto the new file: the mode we own wins.
    os.chmod(path, mode)
    return backup_file
