#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: oom_score_adj
short_description: Protect or sacrifice running processes by setting their oom_score_adj
version_added: 0.1.0
description:
  - Sets C(/proc/<pid>/oom_score_adj) of the running processes that O(pid), O(name), O(pattern), O(pidfile)
    or O(unit) select (any number of them; a process matches when any selector picks it), narrowed by O(user).
  - Reads every matched process's current value first and writes only where it differs, once per thread group
    (the value belongs to the thread group). It runs no command; a thousand processes are one pass over C(/proc).
  - Kernel threads, PID 1 and this task's own processes (itself and its ancestors in its session, such as the
    C(sh -c) wrapper) are never touched; the sshd of the connection can be. When a selector picks them they are
    listed in RV(excluded).
  - A process that exits between being matched and being written is reported V(vanished), not a failure.
  - B(Runtime only.) The value dies with the process; a restarted service starts with its unit's value. Persist
    it with C(OOMScoreAdjust=) through M(oom.guard.systemd_oom_dropin) and use this module for what runs now.
  - Lowering a value below the process's C(oom_score_adj_min) needs CAP_SYS_RESOURCE; see O(partial) and the notes.
  - Runs with the target's system Python and its standard library only.
author:
  - oom.guard contributors (@oom-guard)
attributes:
  check_mode:
    description: Reads the processes and reports what would be written (V(set)), writing nothing.
    support: full
  diff_mode:
    description: Shows each matched process's value before and after, one line per process.
    support: full
options:
  value:
    description:
      - The oom_score_adj to set, from V(-1000) (never killed) to V(1000) (killed first); V(0) is the kernel's default.
      - Anything outside that range is refused before a process is read.
      - A value from V(-17) to V(15) other than V(0) gives a warning, as it looks like the legacy C(oom_adj) scale,
        on which V(-17) meant "never kill"; the warning names the oom_score_adj that value meant.
    type: int
    required: true
  mode:
    description:
      - How O(value) is held.
      - V(exact) writes O(value) to every matched process whose value differs.
      - V(at_most) makes O(value) an upper bound, for protection - a process already below it is left alone (reported
        V(unchanged) with a reason). OpenSSH, for one, puts its own listener at V(-1000); a policy of V(-900) in
        V(exact) mode would weaken it.
      - V(at_least) makes O(value) a lower bound, for preferred victims - a process already above it stays so.
    type: str
    choices: [exact, at_most, at_least]
    default: exact
  pid:
    description:
      - Process ids. A thread id selects its thread group. A pid that is not running gives a warning and matches nothing.
    type: list
    elements: int
  name:
    description:
      - Command names, compared exactly with the kernel's comm (C(/proc/<pid>/stat), what C(ps -o comm) shows), which
        holds at most 15 bytes.
    type: list
    elements: str
  pattern:
    description:
      - A Python regular expression searched for (C(re.search)) in each process's full command line, its arguments
        joined by single spaces. Anchor it (for example V(^/usr/sbin/sshd)) so that a shell command line mentioning the name does not match.
    type: str
  pidfile:
    description:
      - A file holding the pid on its first line, as daemons write it. A missing file or one that does not hold a pid
        fails the task; a pid that is not running gives a warning and matches nothing.
    type: path
  unit:
    description:
      - Systemd units; every process in the unit's cgroup (or below it) matches. A name without a type gets C(.service).
      - A process belongs to the innermost unit on its cgroup path (C(/proc/<pid>/cgroup)), as M(oom.guard.oom_facts)
        reports it; units that hold no processes themselves (slices, targets, timers) are refused.
    type: list
    elements: str
  user:
    description:
      - Narrows the selection to processes whose real uid is one of these user names or numeric uids.
      - An unknown user name fails the task.
    type: list
    elements: str
  min_matches:
    description:
      - Fail, changing nothing, when fewer processes match (after O(user) and the processes never touched are taken
        out). Use it to insist that what a baseline protects is running.
    type: int
    default: 0
  partial:
    description:
      - What to do when the kernel refuses a write (EACCES, typically lowering below C(oom_score_adj_min) without
        CAP_SYS_RESOURCE).
      - V(false) (all or nothing) fails the task and leaves every matched process as it was; writes already done are
        undone (lowerings are written first, and putting a value back up is never refused for that reason).
      - V(true) applies what the kernel allows, reports the rest as V(denied) with a warning, and does not fail.
    type: bool
    default: false
notes:
  - The kernel refuses to lower a process's oom_score_adj below its C(oom_score_adj_min) unless the writer has
    CAP_SYS_RESOURCE. That minimum is set only by writes from a process holding CAP_SYS_RESOURCE, is inherited by
    children, and cannot be read from C(/proc). Without the capability (root in many containers) raising a value and
    lowering it back to the inherited minimum (normally 0) works; negative values are refused. The module learns a
    refusal by trying the lowering, which it does before any raise.
  - The kernel copies a written value to every other process sharing the target's memory (created with C(CLONE_VM)
    but neither as a thread nor by vfork); those are listed in RV(shared_mm) and left as the kernel set them.
  - Values are compared and written on the oom_score_adj scale only; the legacy C(/proc/<pid>/oom_adj) is not used.
seealso:
  - name: Kernel documentation of /proc/<pid>/oom_score_adj
    description: How oom_score_adj changes the OOM killer's choice.
    link: https://www.kernel.org/doc/html/latest/filesystems/proc.html
  - name: systemd.exec OOMScoreAdjust=
    description: The persistent way to give a service its value.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#OOMScoreAdjust=
"""

EXAMPLES = r"""
# Values: -1000 makes a process unkillable by the OOM killer (the kernel then kills something else, or panics
# when nothing else is left), so keep it for what must survive. -900 to -500 protects strongly and still lets
# the kernel pick the process in the last resort. Positive values make a process the preferred victim.

- name: Keep remote access alive through an OOM (the sshd listener must be running); never weaken OpenSSH's own -1000
  oom.guard.oom_score_adj:
    unit: [ssh.service]
    value: -900
    mode: at_most
    min_matches: 1
  become: true

- name: Protect the databases, all of each service's processes (postmaster and its backends)
  oom.guard.oom_score_adj:
    unit: [postgresql@15-main.service, mariadb.service, redis-server.service]
    value: -800

- name: Protect the web servers less than the databases, so a runaway worker still loses to a browser
  oom.guard.oom_score_adj:
    name: [nginx, apache2]
    value: -500

- name: Sacrifice browsers and IDEs of a desktop user first (a renderer already at 1000 stays there)
  oom.guard.oom_score_adj:
    pattern: '(^|/)(firefox|firefox-esr|chrome|chromium|code|idea|pycharm)( |$)'
    user: [alice]
    value: 800
    mode: at_least

- name: A daemon known by its pidfile
  oom.guard.oom_score_adj:
    pidfile: /run/haproxy.pid
    value: -500

- name: Apply what the kernel allows in a container without CAP_SYS_RESOURCE, report the rest
  oom.guard.oom_score_adj:
    name: [java]
    value: -500
    partial: true
  register: java_adj

- name: Show what the kernel refused
  ansible.builtin.debug:
    msg: "{{ java_adj.processes | selectattr('status', 'equalto', 'denied') | map(attribute='pid') | list }}"
"""

RETURN = r"""
value:
  description: The value asked for.
  returned: always
  type: int
  sample: -900
mode:
  description: How the value was held (O(mode)).
  returned: always
  type: str
  sample: at_most
matched:
  description: How many processes (thread groups) matched.
  returned: always
  type: int
  sample: 3
processes:
  description:
    - One entry per matched process, ascending pid.
    - C(before) is the value read, C(after) the value now (in check mode the value that would be written; null when
      the process vanished), C(changed) whether it was (or would be) written.
    - C(status) is V(set) (written, or would be in check mode), V(unchanged), V(vanished) (exited before the write)
      or V(denied) (the kernel refused; only with O(partial=true)); C(reason) says why for the last two, else null.
  returned: always
  type: list
  elements: dict
  contains:
    pid:
      description: The process id (thread-group id).
      type: int
    comm:
      description: The command name.
      type: str
    user:
      description: The owner's user name, null when unknown.
      type: str
    before:
      description: oom_score_adj before.
      type: int
    after:
      description: oom_score_adj after.
      type: int
    changed:
      description: Whether this process's value was (or would be) written.
      type: bool
    status:
      description: V(set), V(unchanged), V(vanished) or V(denied).
      type: str
    reason:
      description:
        - Why a process vanished or was denied, or why O(mode=at_most) or O(mode=at_least) left it unchanged, for
          example C(already below -900) followed by the mode.
      type: str
  sample:
    - {pid: 812, comm: sshd, user: root, before: 0, after: -900, changed: true, status: set, reason: null}
counts:
  description: How many processes ended in each status.
  returned: always
  type: dict
  sample: {set: 1, unchanged: 2, vanished: 0, denied: 0}
excluded:
  description:
    - Processes a selector picked that are never touched, each C({pid, comm, reason}); C(reason) is V(kernel_thread),
      V(init) or V(task_process) (this task's own process or an ancestor in its session).
  returned: always
  type: list
  elements: dict
  sample: [{pid: 1, comm: systemd, reason: init}]
shared_mm:
  description:
    - Processes that were not written but whose value the kernel changed along with a written one, because they
      share its memory (C(CLONE_VM)); each C({pid, comm, before, after}). Left as the kernel set them.
  returned: always
  type: list
  elements: dict
  sample: []
cap_sys_resource:
  description: Whether the task's process holds CAP_SYS_RESOURCE (and so may lower values freely).
  returned: always
  type: bool
  sample: false
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oom.guard.plugins.module_utils import _oom_score_adj as adj

SELECTORS = ("pid", "name", "pattern", "pidfile", "unit")


def argument_spec():
    return {
        "value": {"type": "int", "required": True},
        "mode": {"type": "str", "choices": list(adj.MODES), "default": "exact"},
        "pid": {"type": "list", "elements": "int"},
        "name": {"type": "list", "elements": "str"},
        "pattern": {"type": "str"},
        "pidfile": {"type": "path"},
        "unit": {"type": "list", "elements": "str"},
        "user": {"type": "list", "elements": "str"},
        "min_matches": {"type": "int", "default": 0},
        "partial": {"type": "bool", "default": False},
    }


def build_module():
    return AnsibleModule(
        argument_spec=argument_spec(),
        required_one_of=[list(SELECTORS)],
        supports_check_mode=True,
    )


def _selection(module):
    """Validate everything before a process is read; return a Selection ready to run."""
    params = module.params
    adj.check_value(params["value"])
    for selector in ("pid", "name", "unit"):
        if params[selector] is not None and not params[selector]:
            raise adj.InputError("%s must list at least one entry when given (an empty list would silently select nothing); leave it out instead" % selector)
    if params["pattern"] is not None and not params["pattern"]:
        raise adj.InputError("pattern must not be empty (it would match every process); leave it out instead")
    if params["min_matches"] < 0:
        raise adj.InputError("min_matches must be 0 or a positive integer, got %d" % params["min_matches"])
    pids = list(params["pid"] or [])
    adj.check_pids(pids)
    names = params["name"] or []
    adj.check_names(names)
    pattern = adj.compile_pattern(params["pattern"]) if params["pattern"] is not None else None
    units = [adj.normalize_unit(unit) for unit in params["unit"] or []]
    uids = adj.resolve_users(params["user"]) if params["user"] else None
    if params["pidfile"]:
        pids.append(adj.read_pidfile(params["pidfile"]))
    return adj.Selection(pids=pids, names=names, pattern=pattern, units=units, uids=uids)


def run(module):
    params = module.params
    value = params["value"]
    try:
        selection = _selection(module)
    except adj.InputError as exc:
        module.fail_json(msg=str(exc))
    warning = adj.legacy_warning(value)
    if warning:
        module.warn(warning)
    selection.run()
    for pid in selection.missing:
        module.warn("pid %d is not running; it matches nothing" % pid)
    cap = adj.has_cap_sys_resource()
    entries = adj.plan(selection.matched, value, params["mode"])
    result = {
        "changed": False,
        "value": value,
        "mode": params["mode"],
        "matched": len(entries),
        "processes": [],
        "counts": adj.counts(entries),
        "excluded": selection.excluded,
        "shared_mm": [],
        "cap_sys_resource": cap,
    }
    if len(entries) < params["min_matches"]:
        result["processes"] = [adj.report(entry) for entry in entries]
        module.fail_json(
            msg="min_matches: %d process(es) matched, at least %d required; nothing was changed" % (len(entries), params["min_matches"]),
            **result,
        )

    writes = [entry for entry in entries if entry["action"]]
    before = adj.snapshot() if writes and not module.check_mode else None
    try:
        adj.apply(entries, value, check_mode=module.check_mode, partial=params["partial"])
    except adj.WriteRefused as refused:
        result["processes"] = [adj.report(entry) for entry in entries]
        result["counts"] = adj.counts(entries)
        result["changed"] = any(entry["changed"] for entry in entries)
        module.fail_json(msg=adj.refused_message(refused.entry, value, cap, refused.restore_failures), **result)
    if before is not None:
        written = set(entry["pid"] for entry in entries if entry["status"] == "set")
        result["shared_mm"] = adj.shared_mm_changes(before, adj.snapshot(), written, value)

    if module.check_mode and not cap:
        lowering = [entry for entry in entries if entry["action"] == "lower"]
        if lowering:
            module.warn(
                "check mode: %d process(es) would be lowered (first: pid %d from %d to %d) and this task lacks CAP_SYS_RESOURCE; "
                "the kernel refuses values below a process's oom_score_adj_min, which /proc does not show, so only the real run "
                "can tell" % (len(lowering), lowering[0]["pid"], lowering[0]["before"], value)
            )
    for entry in entries:
        if entry["status"] == "denied":
            module.warn("pid %d (%s): the kernel refused %d -> %d: %s" % (entry["pid"], entry["comm"], entry["before"], value, entry["reason"]))
    result["processes"] = [adj.report(entry) for entry in entries]
    result["counts"] = adj.counts(entries)
    result["changed"] = any(entry["changed"] for entry in entries)
    if module._diff:
        result["diff"] = adj.render_diff(entries)
    return result


def main():
    module = build_module()
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
