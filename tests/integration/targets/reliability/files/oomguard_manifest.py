# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print, as JSON, everything that must not change under a refused module run.

Usage: oomguard_manifest.py [--proc] [--skip PREFIX]... ROOT...
For each ROOT (a file or a directory tree, symlinks not followed): every entry's type, mode, owner,
and the sha256 of a file or the target of a symlink; a missing ROOT is recorded as missing.
Entries whose name starts with a --skip PREFIX are left out with everything below them (Ansible's
own module payloads in /tmp while this very script runs). With --proc also the oom_score_adj of every running process ({pid: value}); processes that come
and go between two manifests are compared only where both have them. Shares no code with oom.guard.
"""

import hashlib
import json
import os
import stat
import sys


def entry(path):
    st = os.lstat(path)
    item = {"mode": "%04o" % stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid}
    if stat.S_ISLNK(st.st_mode):
        item.update(type="link", target=os.readlink(path))
    elif stat.S_ISDIR(st.st_mode):
        item["type"] = "dir"
    elif stat.S_ISREG(st.st_mode):
        with open(path, "rb") as handle:
            item.update(type="file", sha256=hashlib.sha256(handle.read()).hexdigest())
    else:
        item["type"] = "other"
    return item


def tree(root, skip=()):
    found = {}
    if not os.path.lexists(root):
        return {root: "missing"}
    found[root] = entry(root)
    if found[root]["type"] == "dir":
        for base, dirs, files in os.walk(root):
            dirs[:] = [name for name in dirs if not name.startswith(skip)]
            for name in dirs + [name for name in files if not name.startswith(skip)]:
                path = os.path.join(base, name)
                found[path] = entry(path)
    return found


def oom_score_adj():
    values = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/oom_score_adj" % name) as handle:
                    values[name] = int(handle.read())
            except (OSError, ValueError):
                pass
    return values


def main(argv):
    proc = "--proc" in argv
    skip = tuple(argv[index + 1] for index, arg in enumerate(argv[:-1]) if arg == "--skip")
    roots = [arg for index, arg in enumerate(argv) if arg not in ("--proc", "--skip") and (index == 0 or argv[index - 1] != "--skip")]
    result = {"files": {}}
    for root in roots:
        result["files"].update(tree(root, skip))
    if proc:
        result["oom_score_adj"] = oom_score_adj()
    json.dump(result, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
