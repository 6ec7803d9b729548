#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: earlyoom_config
short_description: earlyoom's arguments, typed, checked against the installed version and proven on the running daemon
version_added: 0.1.0
description:
  - Owns the C(EARLYOOM_ARGS) line of C(/etc/default/earlyoom), which Debian's C(earlyoom.service)
    reads through C(EnvironmentFile=) and passes to the daemon as C($EARLYOOM_ARGS). Every other
    line and comment of the file is kept.
  - Each option is typed and validated before anything is written; an option the installed
    earlyoom does not have is refused with the release that added it, because earlyoom exits on an
    unknown option.
  - "The line is rendered as C(EARLYOOM_ARGS=\"word word ...\"). systemd splits C($EARLYOOM_ARGS)
    at whitespace and removes quotes and backslashes on the way, so a regex or path holding
    whitespace, a quote, a backslash, a backtick, a newline or a C($) that is not an end anchor
    is refused instead of being silently changed."
  - Arguments already in the line that this module does not model (C(-p), C(-i), anything unknown)
    are reported in RV(removed_args) and dropped only with O(force=true).
  - After a change the service is restarted (C(systemctl restart earlyoom.service)) and the new
    main process's C(/proc/<pid>/cmdline) is compared with the intended argv; the module fails
    when they differ or when the daemon does not stay up (a crash loop on a bad argument).
  - Runs with the target's system Python and its standard library only.
author:
  - oom.guard contributors (@oom-guard)
attributes:
  check_mode:
    description: Validates everything and reports what would change; writes nothing and restarts nothing.
    support: full
  diff_mode:
    description: Shows the file before and after.
    support: full
options:
  path:
    description:
      - The file that holds C(EARLYOOM_ARGS), an absolute path. Written with mode C(0644), owned by root
        when the module runs as root.
    type: path
    default: /etc/default/earlyoom
  mem_term_percent:
    description:
      - C(-m) SIGTERM threshold, available memory in percent of total (a plain number, never a C(%) suffix).
      - From 0.01 to 99 (earlyoom refuses C(-m 100)).
    type: float
  mem_kill_percent:
    description:
      - C(-m) SIGKILL threshold in percent (the C(KILL) of C(-m TERM,KILL)); needs O(mem_term_percent)
        and must not exceed it. earlyoom's default is half the term threshold.
    type: float
  swap_term_percent:
    description:
      - C(-s) SIGTERM threshold, free swap in percent of total, from 0.01 to 100 (C(100) makes earlyoom ignore swap).
    type: float
  swap_kill_percent:
    description:
      - C(-s) SIGKILL threshold in percent; needs O(swap_term_percent) and must not exceed it.
    type: float
  mem_term_kib:
    description:
      - C(-M) SIGTERM threshold, available memory in KiB; at most the host's C(MemTotal).
        With both C(-m) and C(-M) earlyoom uses the lower.
    type: int
  mem_kill_kib:
    description:
      - C(-M) SIGKILL threshold in KiB; needs O(mem_term_kib) and must not exceed it.
    type: int
  swap_term_kib:
    description:
      - C(-S) SIGTERM threshold, free swap in KiB; at most the host's C(SwapTotal) (earlyoom 1.7 exits
        on C(-S) above it, so a host without swap cannot take C(-S) at all).
    type: int
  swap_kill_kib:
    description:
      - C(-S) SIGKILL threshold in KiB; needs O(swap_term_kib) and must not exceed it.
    type: int
  report_interval:
    description:
      - C(-r) seconds between memory reports in the log; V(0) turns them off.
    type: int
  prefer:
    description:
      - C(--prefer) POSIX extended regexes; a process whose comm matches gets 300 added to its score.
      - earlyoom matches the comm (C(/proc/<pid>/comm), at most 15 bytes), not the command line.
        Several regexes are joined into one, C((a)|(b)), because earlyoom keeps only the last C(--prefer).
      - "Write them unquoted: V(^(java|chromium\\)$), not V('^(java|chromium\\)$') (quotes would be
        removed or, on other systemd versions, become part of the regex; earlyoom issues #57, #285, #380)."
    type: list
    elements: str
  avoid:
    description:
      - C(--avoid) POSIX extended regexes; a matching process gets 300 subtracted from its score.
        Same rules as O(prefer).
    type: list
    elements: str
  ignore:
    description:
      - C(--ignore) POSIX extended regexes; matching processes are never killed (earlyoom 1.8+).
        Same rules as O(prefer).
    type: list
    elements: str
  ignore_root_user:
    description: C(--ignore-root-user), never kill processes of root (earlyoom 1.8+).
    type: bool
    default: false
  sort_by_rss:
    description: C(--sort-by-rss), pick the victim by largest RSS instead of oom_score (earlyoom 1.8+).
    type: bool
    default: false
  kill_process_group:
    description: C(-g), kill the victim's whole process group (earlyoom 1.7+).
    type: bool
    default: false
  notify:
    description: C(-n), D-Bus notifications (shown by systembus-notify in a desktop session).
    type: bool
    default: false
  pre_kill_hook:
    description:
      - C(-P), absolute path of a program earlyoom runs before each kill (added after earlyoom 1.8.2, treated as 1.9).
    type: path
  post_kill_hook:
    description:
      - C(-N), absolute path of a program earlyoom runs after each kill (earlyoom 1.7+ semantics),
        with C(EARLYOOM_PID), C(EARLYOOM_UID) and C(EARLYOOM_NAME) in its environment.
    type: path
  dryrun:
    description: C(--dryrun), log what would be killed, kill nothing.
    type: bool
    default: false
  debug:
    description: C(-d), debug messages.
    type: bool
    default: false
  syslog:
    description: C(--syslog), log to syslog instead of stdout/stderr (earlyoom 1.8+).
    type: bool
    default: false
  version:
    description:
      - The earlyoom version to check the options against (V(1.7), V(1.8.2)). Default is the
        installed one, read from C(earlyoom -v); give it when earlyoom is not installed yet.
    type: str
  force:
    description:
      - Drop arguments of the existing line that this module does not model. Without it the module
        fails and lists them.
    type: bool
    default: false
  backup:
    description:
      - Keep a timestamped copy of the file before changing it.
    type: bool
    default: false
  restart:
    description:
      - Restart C(earlyoom.service) when the file changed, or when the running daemon's argv differs
        from the intended one, and check the new daemon's argv. earlyoom reads its arguments only
        at start. V(false) only writes the file.
    type: bool
    default: true
  restart_timeout:
    description:
      - Seconds to wait for the restarted daemon to be up with its new arguments.
    type: int
    default: 15
notes:
  - The live check waits about a second after the new process appears, so that an earlyoom that
    exits at once on a bad argument (systemd then restarts it over and over) is caught.
  - "C(/bin/sh) sourcing the file (the SysV init script) splits C($EARLYOOM_ARGS) unquoted and may
    glob-expand a regex with C([...]) against the current directory; the systemd unit does not."
seealso:
  - name: earlyoom manual page
    description: What each option does.
    link: https://github.com/rfjakob/earlyoom/blob/master/MANPAGE.md
  - name: systemd.service(5), Command lines
    description: How C($VAR) in C(ExecStart=) is split into arguments.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html#Command%20lines
"""

EXAMPLES = r"""
- name: Act at 5 % available memory, SIGKILL at 2 %, ignore swap, keep sshd and systemd last
  oom.guard.earlyoom_config:
    mem_term_percent: 5
    mem_kill_percent: 2
    swap_term_percent: 100
    report_interval: 3600
    avoid: ['^(sshd|systemd|systemd-journal)$']
    prefer: ['^(java|chromium)$']

- name: Check a configuration against an earlyoom that is not installed yet
  oom.guard.earlyoom_config:
    path: /tmp/earlyoom.default
    version: "1.8.2"
    mem_term_kib: 1048576
    sort_by_rss: true
    ignore: ['^postgres$']
    restart: false
  check_mode: true

- name: Take over a hand-written line that has -p in it
  oom.guard.earlyoom_config:
    mem_term_percent: 10
    force: true
  register: earlyoom
- name: Show what was dropped
  ansible.builtin.debug:
    var: earlyoom.removed_args
"""

RETURN = r"""
args:
  description: The arguments earlyoom is meant to run with.
  returned: always
  type: list
  elements: str
  sample: ["-m", "5,2", "-s", "100", "-r", "3600", "--avoid", "^(sshd|systemd)$"]
argv:
  description: The intended full command line (the binary, then RV(args)).
  returned: always
  type: list
  elements: str
  sample: ["/usr/bin/earlyoom", "-m", "5,2", "-s", "100", "-r", "3600"]
line:
  description: The C(EARLYOOM_ARGS) line as written to the file.
  returned: always
  type: str
  sample: EARLYOOM_ARGS="-m 5,2 -s 100 -r 3600"
version:
  description: The earlyoom version the options were checked against.
  returned: always
  type: str
  sample: "1.7"
version_source:
  description: V(installed) (read from C(earlyoom -v)) or V(given) (the O(version) option).
  returned: always
  type: str
  sample: installed
previous_args:
  description: The arguments the file gave earlyoom before (null when nothing assigned C(EARLYOOM_ARGS)).
  returned: always
  type: list
  elements: str
  sample: ["-r", "3600"]
removed_args:
  description: Arguments of the previous line this module does not model, dropped because of O(force).
  returned: always
  type: list
  elements: str
  sample: ["-p"]
file_changed:
  description: Whether the file was (or in check mode would be) changed.
  returned: always
  type: bool
restart_needed:
  description: Whether the service needed a restart (the file changed or the daemon ran other arguments).
  returned: always
  type: bool
restarted:
  description: Whether the service was restarted (never in check mode).
  returned: always
  type: bool
daemon:
  description: The running earlyoom after the module ran (before it, in check mode).
  returned: always
  type: dict
  contains:
    running:
      description: Whether an earlyoom process runs.
      type: bool
    pid:
      description: Its pid, or null.
      type: int
    argv:
      description: Its argv from C(/proc/<pid>/cmdline), or null.
      type: list
      elements: str
    matches:
      description: Whether that argv is exactly the intended one.
      type: bool
backup_file:
  description: The backup's path, when O(backup) made one.
  returned: changed and backup
  type: str
  sample: /etc/default/earlyoom.12345.2026-12-01@03:04:05~
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oom.guard.plugins.module_utils import _daemons, _earlyoom_args, _files, _memory, _procfs

UNIT = _daemons.UNITS["earlyoom"]
ENV = {"LC_ALL": "C", "SYSTEMD_COLORS": "0"}
SETTLE_SECONDS = 1.2
HEADER = ["# earlyoom's arguments; the EARLYOOM_ARGS line is managed by oom.guard.earlyoom_config."]
VALUE_OPTIONS = (
    "mem_term_percent",
    "mem_kill_percent",
    "swap_term_percent",
    "swap_kill_percent",
    "mem_term_kib",
    "mem_kill_kib",
    "swap_term_kib",
    "swap_kill_kib",
    "report_interval",
    "prefer",
    "avoid",
    "ignore",
    "pre_kill_hook",
    "post_kill_hook",
)


def argument_spec():
    spec = {
        "path": {"type": "path", "default": _earlyoom_args.DEFAULT_PATH},
        "mem_term_percent": {"type": "float"},
        "mem_kill_percent": {"type": "float"},
        "swap_term_percent": {"type": "float"},
        "swap_kill_percent": {"type": "float"},
        "mem_term_kib": {"type": "int"},
        "mem_kill_kib": {"type": "int"},
        "swap_term_kib": {"type": "int"},
        "swap_kill_kib": {"type": "int"},
        "report_interval": {"type": "int"},
        "prefer": {"type": "list", "elements": "str"},
        "avoid": {"type": "list", "elements": "str"},
        "ignore": {"type": "list", "elements": "str"},
        "pre_kill_hook": {"type": "path"},
        "post_kill_hook": {"type": "path"},
        "version": {"type": "str"},
        "force": {"type": "bool", "default": False},
        "backup": {"type": "bool", "default": False},
        "restart": {"type": "bool", "default": True},
        "restart_timeout": {"type": "int", "default": 15},
    }
    for name in _earlyoom_args.FLAGS:
        spec[name] = {"type": "bool", "default": False}
    return spec


def build_module():
    return AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        required_by={
            "mem_kill_percent": "mem_term_percent",
            "swap_kill_percent": "swap_term_percent",
            "mem_kill_kib": "mem_term_kib",
            "swap_kill_kib": "swap_term_kib",
        },
    )


def _run(module, argv):
    return module.run_command(argv, environ_update=ENV)


def _version(module, binary):
    """(version, source); fails when neither given nor readable."""
    given = module.params["version"]
    if given:
        try:
            _earlyoom_args.version_tuple(given)
        except _earlyoom_args.ArgsError as exc:
            module.fail_json(msg="version: %s" % exc)
        return given.lstrip("v"), "given"
    if binary is None:
        module.fail_json(msg="earlyoom is not installed (no earlyoom executable found): install it first or give version")
    rc, out, err = _run(module, [binary, "-v"])
    version = _daemons.parse_earlyoom_version(out) or _daemons.parse_earlyoom_version(err)
    if version is None:
        module.fail_json(msg="could not read the earlyoom version from %s -v" % binary, rc=rc, stdout=out, stderr=err)
    return version, "installed"


def _journal_tail(module):
    journalctl = module.get_bin_path("journalctl")
    if not journalctl:
        return []
    rc, out, _err = _run(module, [journalctl, "--unit", UNIT, "--lines", "15", "--no-pager", "--output", "short-iso"])
    return out.splitlines() if rc == 0 else []


def _show(module, systemctl):
    rc, out, err = _run(module, [systemctl, "show", "--property=MainPID,ActiveState,NRestarts", UNIT])
    shown = _daemons.parse_show(out)
    if rc != 0 or not shown:
        module.fail_json(msg="systemctl show %s failed" % UNIT, rc=rc, stdout=out, stderr=err)
    unit = shown[0]
    try:
        pid = int(unit.get("MainPID") or 0)
    except ValueError:
        pid = 0
    return pid, unit.get("ActiveState"), unit.get("NRestarts")


def _argv_of(pid):
    try:
        return _procfs.parse_argv(_procfs.read_all_bytes("/proc/%d/cmdline" % pid))
    except OSError:
        return None


def _restart_and_verify(module, intended):
    """Restart the unit, wait for its main process to exec and stay up; return (pid, argv)."""
    systemctl = module.get_bin_path("systemctl", required=True)
    rc, out, err = _run(module, [systemctl, "restart", UNIT])
    if rc != 0:
        module.fail_json(msg="systemctl restart %s failed" % UNIT, rc=rc, stdout=out, stderr=err, intended_argv=intended, journal=_journal_tail(module))
    deadline = time.time() + module.params["restart_timeout"]
    state = None
    while time.time() < deadline:
        pid, active, restarts = _show(module, systemctl)
        state = (pid, active, restarts)
        argv = _argv_of(pid) if pid > 0 else None
        # Until systemd has exec'd the binary, the child's argv is "(earlyoom)".
        if argv and not argv[0].startswith("("):
            time.sleep(SETTLE_SECONDS)
            if _show(module, systemctl) == (pid, "active", restarts):
                return pid, argv
        time.sleep(0.2)
    module.fail_json(
        msg="%s is not running after the restart (MainPID=%s, ActiveState=%s, NRestarts=%s): earlyoom probably exits on one of its arguments"
        % ((UNIT, *tuple(state or (None, None, None)))),
        intended_argv=intended,
        journal=_journal_tail(module),
    )
    return None, None


def _same_argv(argv, intended):
    return bool(argv) and os.path.basename(argv[0]) == os.path.basename(intended[0]) and argv[1:] == intended[1:]


def run(module):
    params = module.params
    binary = _daemons.find_binary("earlyoom")
    version, version_source = _version(module, binary)

    memory = _memory.read_memory()
    mem_total_kib = memory["mem_total_bytes"] // 1024 if memory.get("mem_total_bytes") else None
    swap_total_kib = memory["swap_total_bytes"] // 1024 if memory.get("swap_total_bytes") is not None else None
    typed = {name: params[name] for name in VALUE_OPTIONS}
    typed.update({name: params[name] for name in _earlyoom_args.FLAGS})
    try:
        args = _earlyoom_args.build_args(typed, mem_total_kib=mem_total_kib, swap_total_kib=swap_total_kib)
        line = _earlyoom_args.render_line(args)
    except _earlyoom_args.ArgsError as exc:
        module.fail_json(msg=str(exc))
    missing = _earlyoom_args.unsupported(_earlyoom_args.flags_of(args), version)
    if missing:
        module.fail_json(
            msg="earlyoom %s does not have %s; earlyoom exits on an unknown option"
            % (version, ", ".join("%s (added in earlyoom %s)" % pair for pair in missing)),
            version=version,
            unsupported=[flag for flag, _since in missing],
        )

    path = params["path"]
    if not os.path.isabs(path):
        # A relative file would be resolved against the module's working directory on the host.
        module.fail_json(msg="path: %r must be an absolute path such as %s" % (path, _earlyoom_args.DEFAULT_PATH))
    try:
        exists, text = _files.read_file(path)
        previous = _earlyoom_args.current_args(text)
    except OSError as exc:
        module.fail_json(msg="cannot read %s: %s" % (path, exc.strerror or exc))
    except _earlyoom_args.ArgsError as exc:
        module.fail_json(msg="%s: %s" % (path, exc))
    unmodelled = _earlyoom_args.unmodelled_args(previous)
    if unmodelled and not params["force"]:
        module.fail_json(
            msg="%s has arguments this module does not model: %s; set force: true to drop them" % (path, " ".join(unmodelled)),
            removed_args=unmodelled,
            previous_args=previous,
        )
    plan = _files.plan_file(path, _earlyoom_args.render_file(text, line, header=None if exists else HEADER))

    running = _daemons.find_daemons(("earlyoom",))["earlyoom"]
    daemon_argv = running[0]["argv"] if running else None
    intended = [(daemon_argv[0] if daemon_argv else None) or binary or "/usr/bin/earlyoom", *args]
    drifted = bool(running) and not _same_argv(daemon_argv, intended)
    restart_needed = params["restart"] and (plan["changed"] or drifted)

    result = {
        "changed": plan["changed"] or restart_needed,
        "args": args,
        "argv": intended,
        "line": line,
        "version": version,
        "version_source": version_source,
        "previous_args": previous,
        "removed_args": unmodelled,
        "file_changed": plan["changed"],
        "restart_needed": restart_needed,
        "restarted": False,
        "daemon": {
            "running": bool(running),
            "pid": running[0]["pid"] if running else None,
            "argv": daemon_argv,
            "matches": bool(running) and not drifted,
        },
    }
    if module._diff:
        result["diff"] = plan["diff"]
    if module.check_mode:
        return result

    backup_file = _files.apply_file(module, plan, mode=0o644, backup=params["backup"])
    if plan["changed"] and os.geteuid() == 0:
        # atomic_move keeps the old file's owner; systemd and /bin/sh read this file as root.
        os.chown(path, 0, 0)
    if backup_file:
        result["backup_file"] = backup_file
    if restart_needed:
        pid, argv = _restart_and_verify(module, intended)
        result["restarted"] = True
        result["daemon"] = {"running": True, "pid": pid, "argv": argv, "matches": _same_argv(argv, intended)}
        if not result["daemon"]["matches"]:
            module.fail_json(
                msg="the restarted earlyoom (pid %d) runs %s, not the intended %s" % (pid, argv, intended),
                intended_argv=intended,
                running_argv=argv,
                **{key: value for key, value in result.items() if key not in ("changed",)},
            )
    elif not running:
        module.warn("earlyoom is not running; %s takes effect when %s starts" % (path, UNIT))
    return result


def main():
    module = build_module()
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
