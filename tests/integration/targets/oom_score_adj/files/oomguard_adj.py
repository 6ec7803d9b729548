# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The test's own oracle, independent of the module: print {pid: oom_score_adj} as JSON.

oomguard_adj.py pid PID...     the given processes (a pid that is gone is left out)
oomguard_adj.py unit UNIT      every process whose /proc/<pid>/cgroup names UNIT as a path part
"""

import json
import os
import sys


def adj(pid):
    with open("/proc/%s/oom_score_adj" % pid) as handle:
        return int(handle.read())


def in_unit(pid, unit):
    with open("/proc/%s/cgroup" % pid) as handle:
        return any(unit in line.strip().split(":", 2)[-1].split("/") for line in handle)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    pids = args if mode == "pid" else [p for p in os.listdir("/proc") if p.isdigit()]
    result = {}
    for pid in pids:
        try:
            if mode == "unit" and not in_unit(pid, args[0]):
                continue
            result[int(pid)] = adj(pid)
        except (OSError, ValueError):
            continue
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
