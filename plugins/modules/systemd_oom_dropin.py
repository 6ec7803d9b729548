#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: systemd_oom_dropin
short_description: Persistent OOM protection and memory limits for a systemd unit, in one drop-in it owns
version_added: 0.1.0
description:
  - Owns one drop-in file, O(root_dir)/<unit>.d/O(name), with the unit's OOM settings
    (C(OOMScoreAdjust=), C(OOMPolicy=), C(Memory*=), C(ManagedOOM*=)) in the section of its unit type
    (C([Service]), C([Slice]), C([Scope]), C([Socket]), C([Mount]) or C([Swap])).
  - Every setting is checked against systemd's grammar before anything is written; a setting that
    does not apply to the unit type, or that the installed systemd does not know yet (with the
    version that added it), is an error, never a silent no-op.
  - Settings for the cgroup v2 memory controller or systemd-oomd (C(MemoryMin=), C(MemoryLow=),
    C(MemoryHigh=), C(MemorySwapMax=), C(ManagedOOM*=)) give a warning on a host whose memory
    controller is on cgroup v1 (v1 or hybrid layout), where systemd accepts and ignores them.
  - Compute, then act once - the whole file is rendered and compared with the file on disk; it is
    written atomically (temporary file in the same directory, then a rename) only when it differs,
    with mode C(0644), owned by root when the module runs as root. Other drop-ins are never touched;
    O(state=absent) removes only this file.
  - A C(<unit>.d) directory that is a symlink resolving outside O(root_dir), or a drop-in path that
    is itself a symlink, is refused.
  - Reports other drop-ins that win over this one (O(name) sorted later in any drop-in directory
    of the unit, its template, its C(-) prefixes or the C(<type>.d) directory, or a file with the
    same name in a higher-priority directory) in RV(overridden_by) and RV(masked_by), with a warning.
  - After a change, reloads systemd (O(daemon_reload)), optionally restarts the unit (O(restart)),
    and returns what systemd then reports (RV(systemd)) and whether the running main process already
    has the C(OOMScoreAdjust=) value (RV(pending_restart), RV(not_applied)).
  - Runs with the target's system Python and its standard library only.
author:
  - oom.guard contributors (@oom-guard)
attributes:
  check_mode:
    description: Validates, renders and compares, reports whether it would change, RV(overridden_by) and what systemd
      reports now; writes nothing, and neither reloads nor restarts anything.
    support: full
  diff_mode:
    description: Returns the drop-in before and after, with its path as the headers.
    support: full
options:
  unit:
    description:
      - The unit the drop-in is for, by systemd's naming rules - letters, digits and the characters
        C(:), C(-), C(_), C(.), C(\), C(@); at most 255 characters, a known type suffix. A template (V(foo@.service)) configures every
        instance; an instance (V(foo@bar.service)) only that one.
      - OOM settings apply to C(.service), C(.socket), C(.mount), C(.swap), C(.slice) and C(.scope)
        units; which setting applies to which type is listed with each option.
      - The unit does not have to be installed yet (a warning says so).
    type: str
    required: true
  name:
    description:
      - File name of the drop-in inside C(<unit>.d). A plain file name ending in C(.conf).
      - Drop-ins apply in lexical order of their file names; a later one overrides this one.
    type: str
    default: 50-oom-guard.conf
  state:
    description:
      - V(present) writes the drop-in with the given settings (at least one is required); V(absent)
        removes it (no settings may be given).
    type: str
    choices: [present, absent]
    default: present
  root_dir:
    description:
      - The unit directory the drop-in directory lives in, an absolute path.
      - When it is one of the system manager's unit directories (such as V(/etc/systemd/system) or
        V(/run/systemd/system)), the whole systemd search path is checked for overriding drop-ins and
        systemd is reloaded and asked for the unit's state. Any other directory (an image tree, a
        test tree) is treated as a tree of its own - only it is searched, and systemd is not called.
    type: path
    default: /etc/systemd/system
  backup:
    description:
      - Keep a timestamped copy of the previous drop-in next to it before replacing or removing it.
      - The copy does not end in C(.conf), so systemd does not read it.
    type: bool
    default: false
  daemon_reload:
    description:
      - Run C(systemctl daemon-reload) when the drop-in changed, so systemd loads it.
    type: bool
    default: true
  restart:
    description:
      - Restart the unit when the drop-in changed or its running main process does not have the
        C(OOMScoreAdjust=) value yet (C(OOMScoreAdjust=) only takes effect when systemd starts the
        process). Only for C(.service) units that are not templates.
      - A unit that is not running is not started.
    type: bool
    default: false
  oom_score_adjust:
    description:
      - C(OOMScoreAdjust=), -1000 (never kill) to 1000 (kill first). For C(.service), C(.socket),
        C(.mount) and C(.swap) units (systemd.exec(5)).
      - Lowering it below the inherited value needs CAP_SYS_RESOURCE; systemd without it starts
        the unit with the inherited value (see RV(not_applied)).
    type: int
  oom_policy:
    description:
      - C(OOMPolicy=), what systemd does with the unit when the kernel OOM killer kills one of its
        processes. For C(.service) units (systemd 243 or later) and C(.scope) units (systemd 252 or later).
    type: str
    choices: [continue, stop, kill]
  memory_accounting:
    description:
      - C(MemoryAccounting=). For C(.slice), C(.scope), C(.service), C(.socket), C(.mount) and C(.swap) units.
    type: bool
  memory_min:
    description:
      - C(MemoryMin=), memory protected from reclaim - bytes with an optional K, M, G or T suffix (base
        1024), a percent of physical memory (V(10%)) or V(infinity). cgroup v2 only; systemd 240 or later.
        For the same unit types as O(memory_accounting).
    type: str
  memory_low:
    description:
      - C(MemoryLow=), best-effort protection from reclaim, same grammar as O(memory_min). cgroup v2 only;
        systemd 231 or later.
    type: str
  memory_high:
    description:
      - C(MemoryHigh=), the throttling limit, same grammar as O(memory_min) (at least 1 byte). cgroup v2
        only; systemd 231 or later.
    type: str
  memory_max:
    description:
      - C(MemoryMax=), the hard limit (the kernel OOM-kills inside the unit above it), same grammar as
        O(memory_min) (at least 1 byte). systemd 231 or later; on cgroup v1 systemd maps it to
        C(memory.limit_in_bytes).
    type: str
  memory_swap_max:
    description:
      - C(MemorySwapMax=), the swap limit; bytes, K/M/G/T, a percent of the swap size or V(infinity).
        cgroup v2 only; systemd 232 or later.
    type: str
  managed_oom_swap:
    description:
      - C(ManagedOOMSwap=) for systemd-oomd. cgroup v2 only; systemd 247 or later.
    type: str
    choices: [auto, kill]
  managed_oom_memory_pressure:
    description:
      - C(ManagedOOMMemoryPressure=) for systemd-oomd. cgroup v2 only; systemd 247 or later.
    type: str
    choices: [auto, kill]
  managed_oom_memory_pressure_limit:
    description:
      - C(ManagedOOMMemoryPressureLimit=), a percent from V(0%) to V(100%) (the C(%) may be left out).
        cgroup v2 only; systemd 248 or later (systemd 247 spelled it C(ManagedOOMMemoryPressureLimitPercent=)).
    type: str
  managed_oom_preference:
    description:
      - C(ManagedOOMPreference=), how systemd-oomd ranks the unit as a victim. cgroup v2 only; systemd
        248 or later.
    type: str
    choices: [none, avoid, omit]
notes:
  - The drop-in's mode is always C(0644) and its owner root; the usual file options (owner, group,
    mode, SELinux) are deliberately not offered - systemd reads unit files as root and a drop-in
    writable by anyone else would let them change how the unit runs.
  - C(OOMScoreAdjust=) reaches a process only when systemd starts it; memory settings reach a running
    unit at C(daemon-reload).
seealso:
  - module: oom.guard.oom_facts
  - name: systemd.resource-control(5)
    description: The memory and systemd-oomd settings and their grammar.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.resource-control.html
  - name: systemd.unit(5)
    description: Drop-in directories and their precedence.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html
"""

EXAMPLES = r"""
- name: Protect PostgreSQL from the OOM killer, and keep it from being stopped when a worker is killed
  oom.guard.systemd_oom_dropin:
    unit: postgresql@15-main.service
    oom_score_adjust: -900
    oom_policy: continue
    restart: true

- name: Cap a batch service's memory and let systemd-oomd act on it first
  oom.guard.systemd_oom_dropin:
    unit: batch-worker.service
    memory_high: 3G
    memory_max: 4G
    memory_swap_max: "0"
    managed_oom_memory_pressure: kill
    managed_oom_memory_pressure_limit: 60%
    managed_oom_preference: avoid

- name: Limit every user session together
  oom.guard.systemd_oom_dropin:
    unit: user.slice
    memory_max: 80%

- name: Bake a drop-in into an image tree (systemd is not called)
  oom.guard.systemd_oom_dropin:
    unit: sshd.service
    root_dir: /srv/image/etc/systemd/system
    oom_score_adjust: -1000

- name: Remove the drop-in again
  oom.guard.systemd_oom_dropin:
    unit: batch-worker.service
    state: absent
"""

RETURN = r"""
path:
  description: The drop-in file.
  returned: always
  type: str
  sample: /etc/systemd/system/postgresql@15-main.service.d/50-oom-guard.conf
unit_type:
  description: The unit type, from the suffix.
  returned: always
  type: str
  sample: service
section:
  description: The section the settings go in.
  returned: always
  type: str
  sample: Service
content:
  description: The drop-in as rendered (empty for O(state=absent)).
  returned: always
  type: str
  sample: "# Managed by oom.guard.systemd_oom_dropin: changes made here are overwritten.\n[Service]\nOOMScoreAdjust=-900\nOOMPolicy=continue\n"
settings:
  description: The settings written, as systemd keys and values.
  returned: always
  type: dict
  sample: {"OOMScoreAdjust": "-900", "OOMPolicy": "continue"}
backup_file:
  description: The copy of the previous drop-in, when O(backup) made one.
  returned: when a backup was made
  type: str
  sample: /etc/systemd/system/postgresql@15-main.service.d/50-oom-guard.conf.12345.2026-12-01@03:04:05~
overridden_by:
  description:
    - Keys of this drop-in that another drop-in sets again and wins (it sorts later), with that
      drop-in's path and value. Empty when this drop-in wins for every key.
  returned: always
  type: list
  elements: dict
  sample: [{"key": "OOMScoreAdjust", "path": "/etc/systemd/system/postgresql@.service.d/90-local.conf", "value": "0"}]
masked_by:
  description: A drop-in with the same name in a higher-priority directory, which systemd reads instead of this one.
  returned: always
  type: str
  sample: /etc/systemd/system.control/postgresql@15-main.service.d/50-oom-guard.conf
systemd:
  description: What systemd reports for the unit, after the reload and restart when there was one.
  returned: always
  type: dict
  contains:
    managed:
      description: Whether systemd reads O(root_dir) (otherwise nothing else is filled in).
      type: bool
    version:
      description: The systemd version (C(systemctl --version)), or null when unknown.
      type: int
    cgroup_memory:
      description: Where the memory controller is - V(v1), V(v2) or null when unknown.
      type: str
    reloaded:
      description: Whether C(systemctl daemon-reload) ran.
      type: bool
    restarted:
      description: Whether the unit was restarted.
      type: bool
    installed:
      description: Whether systemd knows the unit (its LoadState is not C(not-found)); null when not asked.
      type: bool
    properties:
      description: C(systemctl show) of the managed properties plus C(LoadState), C(ActiveState),
        C(MainPID), C(NeedDaemonReload) and C(DropInPaths); sizes are bytes as systemd shows them.
      type: dict
      sample: {"OOMScoreAdjust": "-900", "OOMPolicy": "continue", "MainPID": "4242", "ActiveState": "active"}
    dropin_loaded:
      description: Whether systemd lists this drop-in in C(DropInPaths) (null when not asked or absent).
      type: bool
pending_restart:
  description:
    - The running main process started before the drop-in was written and does not have the
      C(OOMScoreAdjust=) value yet; a restart would apply it.
  returned: always
  type: bool
not_applied:
  description:
    - Values systemd did not apply, each with the reason - a loaded value that differs from the drop-in
      (another drop-in wins, or the value was not reloaded), or an C(OOMScoreAdjust=) that the main
      process, started after the drop-in, does not have (for a negative value, systemd without
      CAP_SYS_RESOURCE starts the unit with the inherited value).
  returned: always
  type: list
  elements: dict
  sample: [{"key": "OOMScoreAdjust", "configured": "-500", "actual": 0, "pid": 812, "reason": "systemd (PID 1) lacks CAP_SYS_RESOURCE ..."}]
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oom.guard.plugins.module_utils import _cgroups, _daemons, _files
from ansible_collections.oom.guard.plugins.module_utils import _systemd_dropin as dropin

FILE_MODE = 0o644
DIR_MODE = 0o755
ENVIRON = {"LC_ALL": "C", "SYSTEMD_COLORS": "0"}
SHOW_EXTRA = ("LoadState", "ActiveState", "SubState", "MainPID", "ExecMainStartTimestampMonotonic", "NeedDaemonReload", "DropInPaths")


def argument_spec():
    return dict(
        unit=dict(type="str", required=True),
        name=dict(type="str", default="50-oom-guard.conf"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        root_dir=dict(type="path", default="/etc/systemd/system"),
        backup=dict(type="bool", default=False),
        daemon_reload=dict(type="bool", default=True),
        restart=dict(type="bool", default=False),
        oom_score_adjust=dict(type="int"),
        oom_policy=dict(type="str", choices=["continue", "stop", "kill"]),
        memory_accounting=dict(type="bool"),
        memory_min=dict(type="str"),
        memory_low=dict(type="str"),
        memory_high=dict(type="str"),
        memory_max=dict(type="str"),
        memory_swap_max=dict(type="str"),
        managed_oom_swap=dict(type="str", choices=["auto", "kill"]),
        managed_oom_memory_pressure=dict(type="str", choices=["auto", "kill"]),
        managed_oom_memory_pressure_limit=dict(type="str"),
        managed_oom_preference=dict(type="str", choices=["none", "avoid", "omit"]),
    )


def build_module():
    return AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)


class Systemd:
    """systemctl through run_command (argv lists, C locale); failures carry rc/stdout/stderr."""

    def __init__(self, module):
        self.module = module
        self.systemctl = module.get_bin_path("systemctl")

    def run(self, *args):
        return self.module.run_command([self.systemctl, *args], environ_update=ENVIRON)

    def must(self, *args):
        rc, out, err = self.run(*args)
        if rc != 0:
            self.module.fail_json(msg="systemctl %s failed (rc=%s): %s" % (" ".join(args), rc, err.strip() or out.strip()), rc=rc, stdout=out, stderr=err)
        return out

    def version(self):
        rc, out, _err = self.run("--version")
        return _daemons.parse_systemd_version(out)[0] if rc == 0 else None

    def show(self, unit, keys):
        rc, out, _err = self.run("show", "--property=" + ",".join(keys), "--", unit)
        if rc != 0:
            return None
        shown = _daemons.parse_show(out)
        return shown[0] if shown else {}


def _fail(module, exc, **extra):
    module.fail_json(msg=str(exc), **extra)


def _settings(params):
    return {option: params[option] for option in dropin.SETTING_OPTIONS}


def _validate(module, unit, systemd_version):
    params = module.params
    try:
        dropin.validate_dropin_name(params["name"])
    except dropin.DropinError as exc:
        _fail(module, exc)
    given = {option: value for option, value in _settings(params).items() if value is not None}
    if params["state"] == "absent":
        if given:
            module.fail_json(msg="state=absent removes the drop-in and takes no settings; got %s" % ", ".join(sorted(given)))
        return {"section": dropin.SECTIONS.get(unit["type"]), "entries": [], "v2_only": []}
    if unit["type"] not in dropin.SECTIONS:
        module.fail_json(
            msg="unit: .%s units take no OOM settings (%s is not protected by any of them); OOM settings apply to .%s units"
            % (unit["type"], unit["name"], ", .".join(sorted(dropin.SECTIONS)))
        )
    if not given:
        module.fail_json(msg="state=present needs at least one setting: %s" % ", ".join(dropin.SETTING_OPTIONS))
    try:
        planned = dropin.plan_settings(unit, given, systemd_version=systemd_version)
    except dropin.DropinError as exc:
        _fail(module, exc)
    if params["restart"] and (unit["type"] != "service" or unit["form"] == "template"):
        module.fail_json(msg="restart: only a .service unit that is not a template can be restarted; %s cannot" % unit["name"])
    return planned


def _check_paths(module, root_dir, directory, path):
    outside = dropin.outside_root(root_dir, directory)
    if outside:
        module.fail_json(
            msg="refusing to write: %s resolves to %s, outside root_dir %s (a symlinked drop-in directory)" % (directory, outside, root_dir), path=path
        )
    if os.path.islink(path):
        module.fail_json(msg="refusing to touch %s: it is a symlink (to %s), not a drop-in this module owns" % (path, os.readlink(path)), path=path)
    if os.path.exists(path) and not os.path.isfile(path):
        module.fail_json(msg="refusing to touch %s: it is not a regular file" % path, path=path)


def _needs_fixing(path):
    """Mode or owner drift of an unchanged drop-in (root-owned only when we run as root)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    wrong_owner = os.geteuid() == 0 and (st.st_uid != 0 or st.st_gid != 0)
    return (st.st_mode & 0o7777) != FILE_MODE or wrong_owner


def _fix_attributes(path):
    os.chmod(path, FILE_MODE)
    if os.geteuid() == 0:
        os.chown(path, 0, 0)


def _write(module, plan, directory):
    if plan["after"] and not os.path.isdir(directory):
        try:
            os.makedirs(directory, DIR_MODE)
        except OSError as exc:
            module.fail_json(msg="cannot create %s: %s" % (directory, exc.strerror or exc), path=plan["path"])
    backup_file = _files.apply_file(module, plan, mode=FILE_MODE, backup=module.params["backup"])
    if plan["after"]:
        _fix_attributes(plan["path"])
    return backup_file


def _process_state(systemd, unit, entries, path, *, file_written):
    """(pending_restart, not_applied entry or None) for OOMScoreAdjust= in the running main process.

    When systemd has another OOMScoreAdjust= loaded (another drop-in wins, no reload yet), that is
    reported by the loaded-value comparison, not here. ``file_written``: False in check mode when
    the drop-in would change, so the running process cannot have the new value yet.
    """
    configured = dict(entries).get("OOMScoreAdjust")
    shown = systemd.show(unit["name"], ["MainPID", "ExecMainStartTimestampMonotonic", "OOMScoreAdjust"]) or {}
    try:
        pid = int(shown.get("MainPID") or 0)
        started = int(shown.get("ExecMainStartTimestampMonotonic") or 0)
    except ValueError:
        pid, started = 0, 0
    if configured is None or not pid:
        return False, None
    if file_written and shown.get("OOMScoreAdjust") != configured:
        return False, None
    mtime = None
    if file_written:
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            mtime = None
    actual = dropin.read_oom_score_adj(pid)
    state = dropin.main_process_state(
        int(configured),
        pid,
        actual,
        started_monotonic_usec=started,
        file_mtime=mtime,
        monotonic_offset=time.time() - time.monotonic(),
        cap_sys_resource=dropin.has_capability(dropin.CAP_SYS_RESOURCE),
    )
    if state["applied"] is False:
        return False, {"key": "OOMScoreAdjust", "configured": configured, "actual": actual, "pid": pid, "reason": state["reason"]}
    return state["pending_restart"], None


def run(module):
    params = module.params
    try:
        unit = dropin.parse_unit_name(params["unit"])
    except dropin.DropinError as exc:
        _fail(module, exc)
    root_dir = params["root_dir"]
    if not os.path.isabs(root_dir):
        # A relative directory would be resolved against the module's working directory on the host.
        module.fail_json(msg="root_dir: %r must be an absolute path such as /etc/systemd/system" % root_dir)
    dirs, managed = dropin.search_path(root_dir)
    systemd = Systemd(module) if managed else None
    if systemd is not None and systemd.systemctl is None:
        module.warn("systemctl not found: systemd versions are not checked and systemd is not reloaded")
        systemd = None
    systemd_version = systemd.version() if systemd else None
    planned = _validate(module, unit, systemd_version)
    entries = planned["entries"]
    section = planned["section"]

    directory = os.path.join(root_dir, unit["name"] + ".d")
    path = os.path.join(directory, params["name"])
    _check_paths(module, root_dir, directory, path)
    content = dropin.render(section, entries) if params["state"] == "present" else ""
    plan = _files.plan_file(path, content, params["state"])
    fix_attributes = params["state"] == "present" and not plan["changed"] and _needs_fixing(path)
    changed = plan["changed"] or fix_attributes

    result = {
        "changed": changed,
        "path": path,
        "unit_type": unit["type"],
        "section": section,
        "content": content,
        "settings": dict(entries),
        "overridden_by": [],
        "masked_by": None,
        "pending_restart": False,
        "not_applied": [],
        "systemd": {
            "managed": managed,
            "version": systemd_version,
            "cgroup_memory": None,
            "reloaded": False,
            "restarted": False,
            "installed": None,
            "dropin_loaded": None,
            "properties": {},
        },
    }
    if module._diff:
        result["diff"] = plan["diff"]

    cgroups = _cgroups.detect_cgroups() if managed else {}
    result["systemd"]["cgroup_memory"] = cgroups.get("memory_version")
    if planned["v2_only"] and cgroups.get("available") and cgroups.get("memory_version") != "v2":
        module.warn(
            "%s: %s only act on the cgroup v2 memory controller (or systemd-oomd, which needs it); this host's memory controller is on cgroup %s "
            "(%s layout), so systemd accepts them and does nothing"
            % (unit["name"], ", ".join(k + "=" for k in planned["v2_only"]), cgroups.get("memory_version"), cgroups.get("version"))
        )

    if params["state"] == "present":
        overrides = dropin.find_overrides(unit, path, [key for key, _value in entries], dirs, section=section)
        result["overridden_by"] = overrides["overridden_by"]
        result["masked_by"] = overrides["masked_by"]
        if overrides["masked_by"]:
            module.warn(
                "%s is masked by %s (same name, higher-priority directory): systemd reads that file instead, none of these settings apply"
                % (path, overrides["masked_by"])
            )
        for item in overrides["overridden_by"]:
            module.warn(
                "%s= from %s is overridden by %s (%s=%s): the unit does not get this value" % (item["key"], path, item["path"], item["key"], item["value"])
            )

    if not module.check_mode:
        if plan["changed"]:
            result["backup_file"] = _write(module, plan, directory)
            if result["backup_file"] is None:
                result.pop("backup_file")
        elif fix_attributes:
            _fix_attributes(path)

    if systemd is None:
        module.exit_json(**result)

    if not module.check_mode and plan["changed"] and params["daemon_reload"]:
        systemd.must("daemon-reload")
        result["systemd"]["reloaded"] = True

    keys = [key for key, _value in entries] or [entry["key"] for entry in dropin.SETTINGS]
    shown = None if unit["form"] == "template" else systemd.show(unit["name"], keys + list(SHOW_EXTRA))
    if shown is not None:
        result["systemd"]["installed"] = shown.get("LoadState") not in (None, "not-found")
        if not result["systemd"]["installed"] and params["state"] == "present":
            module.warn("%s is not installed (yet): the drop-in is in place and applies once the unit is installed" % unit["name"])
    elif unit["form"] == "template":
        module.warn("%s is a template: systemd reports nothing for it; the drop-in applies to every instance" % unit["name"])

    if shown is not None and result["systemd"]["installed"] and params["state"] == "present":
        written = not (module.check_mode and plan["changed"])
        pending, not_applied = _process_state(systemd, unit, entries, path, file_written=written)
        active = shown.get("ActiveState") in ("active", "activating", "reloading")
        if params["restart"] and active and (plan["changed"] or pending) and not module.check_mode:
            systemd.must("restart", "--", unit["name"])
            result["systemd"]["restarted"] = True
            result["changed"] = True
            pending, not_applied = _process_state(systemd, unit, entries, path, file_written=True)
        shown = systemd.show(unit["name"], keys + list(SHOW_EXTRA)) or shown
        result["pending_restart"] = pending
        if written:
            loaded = dropin.compare_loaded(entries, shown)
            if shown.get("NeedDaemonReload") == "yes":
                module.warn("systemd has not loaded the current unit files of %s yet (NeedDaemonReload=yes): run daemon-reload" % unit["name"])
            for item in loaded:
                item["reason"] = "systemd has %s=%s loaded, not %s" % (item["key"], item["loaded"], item["configured"])
                result["not_applied"].append(item)
        if not_applied:
            result["not_applied"].append(not_applied)
        if pending:
            module.warn(
                "%s: %s"
                % (
                    unit["name"],
                    "the running main process does not have OOMScoreAdjust=%s yet; restart the unit (restart: true) to apply it"
                    % dict(entries)["OOMScoreAdjust"],
                )
            )
        for item in result["not_applied"]:
            module.warn("%s: %s= not applied: %s" % (unit["name"], item["key"], item["reason"]))
        dropin_paths = (shown.get("DropInPaths") or "").split()
        result["systemd"]["dropin_loaded"] = path in dropin_paths if written else None
    if shown is not None:
        result["systemd"]["properties"] = {key: shown.get(key) for key in keys + list(SHOW_EXTRA) if key in shown}
    module.exit_json(**result)


def main():
    run(build_module())


if __name__ == "__main__":
    main()
