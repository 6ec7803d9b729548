#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: oom_facts
short_description: Everything a Linux host knows about the OOM killer, as facts
version_added: 0.1.0
description:
  - Gathers, under C(ansible_facts.oom), which process the kernel would kill next, every OOM kill
    the host's logs show (kernel, earlyoom, systemd-oomd), the OOM sysctls, memory and PSI
    pressure, memory cgroups with limits or OOM events, and the state of earlyoom and systemd-oomd,
    plus C(findings) that point at what deserves attention.
  - Reads C(/proc), C(/sys/fs/cgroup), the journal, C(dmesg) and C(/var/log); changes nothing.
  - A missing source (no PSI, no journal, no earlyoom, no permission) gives a warning and
    C(available=false) in its section, never a failure.
  - Can run inside C(gather_facts) by listing it in C(ansible_facts_modules).
  - Runs with the target's system Python and its standard library only.
author:
  - oom.guard contributors (@oom-guard)
attributes:
  check_mode:
    description: Gathers the same facts in check mode; it never changes anything.
    support: full
  diff_mode:
    description: Nothing is changed, so there is no diff.
    support: none
  facts:
    description: Returns C(ansible_facts.oom).
    support: full
options:
  sections:
    description:
      - What to gather. V(all) gathers every section.
      - C(findings) needs the sections it reasons about; missing ones produce no finding.
    type: list
    elements: str
    choices: [all, memory, pressure, sysctl, processes, events, cgroups, daemons, findings]
    default: [all]
  top:
    description:
      - How many processes to report in C(processes.top), highest oom_score first.
    type: int
    default: 20
  cmdline_max:
    description:
      - Reported command lines are cut to this many characters.
    type: int
    default: 200
  since:
    description:
      - The window for OOM events, as a duration (V(30m), V(24h), V(7d), V(2w); units s, m, h, d, w)
        or an ISO 8601 date or date-time (V(2026-12-01), V(2026-12-01T03:04:05Z)).
    type: str
    default: 7d
  log_file:
    description:
      - Parse this file for OOM events instead of the host's journal, C(dmesg) and C(/var/log) files,
        for logs collected elsewhere, tests and benchmarks.
      - Completeness against C(/proc/vmstat) is not judged for a O(log_file).
    type: path
  events_scope:
    description:
      - Which kernel OOM kills belong to this host.
      - V(auto) - inside a container whose id this host can see (podman and docker bind-mount C(/etc/hostname) from a
        directory named after it), only kills of that container's processes (a shared kernel logs every container's kills);
        elsewhere every kill, as V(host).
      - V(host) - every kill the kernel logged.
      - earlyoom and systemd-oomd kills come from this host's own journal and are always kept.
    type: str
    choices: [auto, host]
    default: auto
  max_cgroups:
    description:
      - At most this many memory cgroups are reported (C(cgroups.truncated) says when more matched).
    type: int
    default: 200
  pressure_thresholds:
    description:
      - Where the memory pressure levels start. The level is the worse of the two inputs' levels.
    type: dict
    suboptions:
      available_percent:
        description:
          - MemAvailable as a percent of MemTotal below which the level is reached.
        type: dict
        suboptions:
          low:
            description: Level C(low) below this percent.
            type: float
            default: 20
          medium:
            description: Level C(medium) below this percent.
            type: float
            default: 10
          critical:
            description: Level C(critical) below this percent.
            type: float
            default: 5
      psi_full_avg10:
        description:
          - PSI C(full avg10) of C(/proc/pressure/memory) (percent of time all tasks stalled) at or above which the level is reached.
        type: dict
        suboptions:
          low:
            description: Level C(low) from this percent.
            type: float
            default: 5
          medium:
            description: Level C(medium) from this percent.
            type: float
            default: 10
          critical:
            description: Level C(critical) from this percent.
            type: float
            default: 25
  critical_processes:
    description:
      - Command names (comm, at most 15 characters) that should never be the OOM killer's choice;
        each running one with C(oom_score_adj >= 0) gives the finding C(critical_process_unprotected), unless an
        ancestor of the same name is protected (a daemon leaving its own children killable on purpose, as OpenSSH
        does with logins under its -1000 listener).
    type: list
    elements: str
    default: [sshd, systemd-journal, systemd-logind, dbus-daemon, postgres, mysqld, mariadbd, mongod, redis-server, etcd, kubelet, containerd, dockerd]
  cgroup_near_limit_percent:
    description:
      - A memory cgroup using at least this percent of its limit gives the finding C(cgroup_near_limit).
    type: float
    default: 90
notes:
  - Pids in kernel log events are the pids of the kernel's initial pid namespace; inside a container
    they differ from the container's own pids.
  - Reading the kernel log needs CAP_SYSLOG where C(kernel.dmesg_restrict=1); without it the
    C(dmesg) source is reported unavailable with a warning.
  - The predicted victim follows the kernel's own ranking (oom_badness) for a global OOM; each memory
    cgroup entry carries the victim the kernel would pick for an OOM inside that cgroup.
seealso:
  - name: Kernel documentation of /proc/<pid>/oom_score_adj
    description: How oom_score and oom_score_adj are computed.
    link: https://www.kernel.org/doc/html/latest/filesystems/proc.html
  - name: PSI - Pressure Stall Information
    description: What the some/full averages of /proc/pressure/memory mean.
    link: https://docs.kernel.org/accounting/psi.html
"""

EXAMPLES = r"""
- name: Gather OOM facts
  oom.guard.oom_facts:

- name: Show who the kernel would kill next
  ansible.builtin.debug:
    msg: "{{ ansible_facts.oom.processes.predicted_victim }}"

- name: Only kills of the last day and the pressure level
  oom.guard.oom_facts:
    sections: [events, memory, pressure]
    since: 24h

- name: Analyse a kernel log collected from another machine
  oom.guard.oom_facts:
    sections: [events]
    log_file: /tmp/node-17-kern.log
    since: "2026-01-01"

- name: Gather OOM facts with the other facts (play level)
  hosts: all
  vars:
    ansible_facts_modules: [ansible.builtin.setup, oom.guard.oom_facts]
  tasks:
    - name: Fail on critical findings
      ansible.builtin.assert:
        that: ansible_facts.oom.findings | selectattr('severity', 'equalto', 'critical') | list | length == 0
"""

RETURN = r"""
ansible_facts:
  description: Facts to add to C(ansible_facts).
  returned: always
  type: complex
  contains:
    oom:
      description: Everything gathered, one key per section. Sizes are bytes unless the name ends in C(_kb).
      returned: always
      type: complex
      contains:
        collected_at:
          description: When the facts were gathered, ISO 8601 UTC.
          returned: always
          type: str
          sample: "2026-12-01T03:04:05Z"
        sections:
          description: The sections gathered.
          returned: always
          type: list
          elements: str
          sample: [memory, pressure, sysctl, processes, events, cgroups, daemons, findings]
        memory:
          description: From C(/proc/meminfo).
          returned: when the section is gathered
          type: dict
          contains:
            available:
              description: Whether C(/proc/meminfo) was read.
              type: bool
            reason:
              description: Why not, when not available.
              type: str
            mem_total_bytes:
              description: MemTotal.
              type: int
            mem_free_bytes:
              description: MemFree.
              type: int
            mem_available_bytes:
              description: MemAvailable.
              type: int
            swap_total_bytes:
              description: SwapTotal.
              type: int
            swap_free_bytes:
              description: SwapFree.
              type: int
            commit_limit_bytes:
              description: CommitLimit.
              type: int
            committed_as_bytes:
              description: Committed_AS.
              type: int
            available_percent:
              description: MemAvailable as a percent of MemTotal.
              type: float
        pressure:
          description: PSI from C(/proc/pressure/memory) and the pressure level.
          returned: when the section is gathered
          type: dict
          contains:
            available:
              description: Whether PSI was readable (no PSI in the kernel, or C(psi=0) at boot, gives false).
              type: bool
            reason:
              description: Why PSI is not available.
              type: str
            some:
              description: The C(some) line, C({avg10, avg60, avg300, total_us}), or null.
              type: dict
            full:
              description: The C(full) line, C({avg10, avg60, avg300, total_us}), or null.
              type: dict
            level:
              description: V(normal), V(low), V(medium) or V(critical); the worse of the two inputs' levels.
              type: str
            decided_by:
              description: V(available_percent), V(psi_full_avg10), V(both), or null when the level is normal.
              type: str
            level_by_available:
              description: The level MemAvailable alone gives.
              type: str
            level_by_psi:
              description: The level PSI full avg10 alone gives (null without PSI).
              type: str
            thresholds:
              description: The thresholds in force.
              type: dict
        sysctl:
          description: OOM-related sysctls, named with underscores for dots; null when the kernel has none.
          returned: when the section is gathered
          type: dict
          contains:
            vm_panic_on_oom:
              description: vm.panic_on_oom.
              type: int
            vm_oom_kill_allocating_task:
              description: vm.oom_kill_allocating_task.
              type: int
            vm_oom_dump_tasks:
              description: vm.oom_dump_tasks.
              type: int
            vm_overcommit_memory:
              description: vm.overcommit_memory.
              type: int
            vm_overcommit_memory_meaning:
              description: V(heuristic) (0), V(always) (1) or V(strict) (2).
              type: str
            vm_overcommit_ratio:
              description: vm.overcommit_ratio.
              type: int
            vm_overcommit_kbytes:
              description: vm.overcommit_kbytes.
              type: int
            vm_swappiness:
              description: vm.swappiness.
              type: int
            vm_min_free_kbytes:
              description: vm.min_free_kbytes.
              type: int
            vm_watermark_scale_factor:
              description: vm.watermark_scale_factor.
              type: int
        processes:
          description: The processes as the OOM killer ranks them.
          returned: when the section is gathered
          type: dict
          contains:
            available:
              description: Whether C(/proc) could be listed.
              type: bool
            reason:
              description: Why not.
              type: str
            scanned:
              description: Process directories found.
              type: int
            skipped:
              description: Processes that vanished or could not be read mid-scan (hidepid included).
              type: int
            totalpages:
              description: RAM plus swap in pages, the scale of C(badness).
              type: int
            top:
              description:
                - The O(top) processes with the highest oom_score (kernel threads and zombies left out).
                - Each has C(pid), C(ppid), C(comm), C(cmdline), C(state), C(uid), C(user), C(oom_score),
                  C(oom_score_adj), C(badness) (the kernel's oom_badness in pages, when computed),
                  C(rss_bytes), C(swap_bytes), C(pgtables_bytes), C(cgroup), C(unit), C(container_id), C(pod_uid).
              type: list
              elements: dict
            protected:
              description: Every process with a negative oom_score_adj, same keys as C(top).
              type: list
              elements: dict
            predicted_victim:
              description:
                - The process the kernel would kill in a global OOM now (oom_score_adj -1000, kernel threads,
                  the init process and zombies are never chosen), same keys as C(top); null when none is eligible.
              type: dict
            critical:
              description: The running O(critical_processes), each C({pid, ppid, comm, oom_score_adj, unit}).
              type: list
              elements: dict
        events:
          description: OOM kills from the logs.
          returned: when the section is gathered
          type: dict
          contains:
            available:
              description: Whether any source could be read.
              type: bool
            since:
              description: The window asked for (O(since)).
              type: str
            since_time:
              description: The start of the window, ISO 8601 UTC.
              type: str
            scope:
              description:
                - V(host), or V(container) when O(events_scope=auto) found this host to be a container and kept only its kills.
              type: str
            container_id:
              description: This host's container id when C(scope) is V(container), else null.
              type: str
            kills:
              description:
                - The kills in the window, oldest first, one per kill across sources.
                - Each has exactly C(kind) (V(kernel_oom_kill), V(earlyoom_kill), V(systemd_oomd_kill)), C(pid), C(comm),
                  C(uid), C(score), C(oom_score_adj), C(total_vm_kb), C(anon_rss_kb), C(file_rss_kb), C(shmem_rss_kb),
                  C(pgtables_kb), C(scope) (V(global) or V(memcg)), C(constraint), C(oom_memcg), C(task_memcg),
                  C(invoker_comm), C(invoker_pid), C(time_raw), C(time), C(unit), C(container_id), C(pod_uid) and
                  C(partial); earlyoom kills add C(signal). Unknown values are null.
              type: list
              elements: dict
            sources:
              description: Each source read, in order, as C({name, available, events, reason}).
              type: list
              elements: dict
            victims:
              description: Per command killed, C({comm, count, last_seen, pids}), most killed first.
              type: list
              elements: dict
            repeat_victims:
              description: The C(victims) killed at least twice.
              type: list
              elements: dict
            vmstat_oom_kill:
              description: The kernel's count of OOM kills since boot (C(/proc/vmstat) oom_kill), null before 4.13.
              type: int
            complete:
              description:
                - Whether the kernel kills found for this boot account for C(vmstat_oom_kill); null when it
                  cannot be judged (a O(log_file), no counter).
              type: bool
            incomplete_reason:
              description: Why not complete (log rotated, kernel rate-limited its reports, log unreadable).
              type: str
            missing:
              description: Kills the counter has and the log lacks.
              type: int
            no_killable_count:
              description: Times the kernel logged C(Out of memory and no killable processes).
              type: int
            ratelimited:
              description:
                - "Whether the OOM killer held reports back under its rate limit, told by a note such as
                  C(oom_kill_process: 3 callbacks suppressed) among the 8 lines before one of its reports."
                - Notes of other rate limits, or elsewhere in the log, do not count.
              type: bool
            lines_scanned:
              description: Log lines read across sources.
              type: int
        cgroups:
          description: The cgroup layout and the memory cgroups that have a limit or have seen OOM events.
          returned: when the section is gathered
          type: dict
          contains:
            available:
              description: Whether the cgroup mounts could be read.
              type: bool
            reason:
              description: Why not, when not available.
              type: str
            version:
              description: V(v1), V(v2) or V(hybrid).
              type: str
            memory_version:
              description: The version of the hierarchy holding the memory controller.
              type: str
            memory_mount:
              description: Where that hierarchy is mounted.
              type: str
            memory_mount_root:
              description:
                - The part of the hierarchy this mount namespace sees (V(/) with a private cgroup namespace);
                  C(path) of each cgroup starts with it.
              type: str
            unified_mount:
              description: Where a cgroup2 hierarchy is mounted (the root on v2, usually C(/sys/fs/cgroup/unified) on hybrid), or null.
              type: str
            truncated:
              description: More cgroups matched than O(max_cgroups).
              type: bool
            memory_cgroups:
              description:
                - One entry per memory cgroup, with C(path), C(limit_bytes), C(high_bytes), C(swap_limit_bytes),
                  C(usage_bytes), C(peak_bytes), C(usage_percent), C(oom), C(oom_kill), C(oom_group_kill),
                  C(max_events), C(high_events), C(under_oom), C(oom_kill_disable), C(failcnt), C(oom_group),
                  C(use_hierarchy), C(swappiness), C(unit), C(container_id), C(pod_uid), C(procs), C(totalpages)
                  and C(predicted_victim), the process the kernel would kill for an OOM inside this cgroup.
              type: list
              elements: dict
        daemons:
          description: Early-OOM daemons and systemd.
          returned: when the section is gathered
          type: dict
          contains:
            earlyoom:
              description: C({installed, path, version, running, pid, argv, unit}); C(argv) is what the running daemon was started with.
              type: dict
            systemd_oomd:
              description: C({installed, path, running, pid, argv, unit}).
              type: dict
            systemd:
              description: C({installed, path, pid1, version, version_full, default_oom_policy}).
              type: dict
            warnings:
              description: Commands that failed while reading the daemons' state (also emitted as warnings).
              type: list
              elements: str
        findings:
          description:
            - What deserves attention, most severe first, each C({id, severity, message, evidence}).
            - Ids are stable (the baseline role waives by id) - C(oom_kills_in_window), C(repeat_victim),
              C(no_killable_processes), C(events_incomplete), C(critical_process_unprotected), C(panic_on_oom),
              C(overcommit_always_without_early_oom), C(no_swap_without_early_oom), C(memory_pressure),
              C(cgroup_near_limit), C(early_oom_daemons_conflict).
            - Severity is V(info), V(warning) or V(critical).
          returned: when the section is gathered
          type: list
          elements: dict
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oom.guard.plugins.module_utils import (
    _cgroup_attribution,
    _cgroups,
    _daemons,
    _event_sources,
    _findings,
    _memory,
    _oom_log,
    _procfs,
)

SECTIONS = ("memory", "pressure", "sysctl", "processes", "events", "cgroups", "daemons", "findings")


def _level_options(defaults):
    return {
        "type": "dict",
        "options": dict((name, {"type": "float", "default": value}) for name, value in zip(("low", "medium", "critical"), defaults)),
    }


def argument_spec():
    return {
        "sections": {"type": "list", "elements": "str", "default": ["all"], "choices": ["all", *SECTIONS]},
        "top": {"type": "int", "default": 20},
        "cmdline_max": {"type": "int", "default": 200},
        "since": {"type": "str", "default": "7d"},
        "log_file": {"type": "path"},
        "events_scope": {"type": "str", "default": "auto", "choices": ["auto", "host"]},
        "max_cgroups": {"type": "int", "default": 200},
        "pressure_thresholds": {
            "type": "dict",
            "options": {"available_percent": _level_options((20, 10, 5)), "psi_full_avg10": _level_options((5, 10, 25))},
        },
        "critical_processes": {"type": "list", "elements": "str", "default": list(_findings.DEFAULT_CRITICAL_PROCESSES)},
        "cgroup_near_limit_percent": {"type": "float", "default": 90},
    }


def build_module():
    return AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)


def _iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _validate(module):
    params = module.params
    for name in ("top", "max_cgroups", "cmdline_max"):
        if params[name] < 0:
            module.fail_json(msg="%s must be 0 or a positive integer, got %s" % (name, params[name]))
    if not 0 <= params["cgroup_near_limit_percent"] <= 100:
        module.fail_json(msg="cgroup_near_limit_percent must be a percent from 0 to 100, got %s" % params["cgroup_near_limit_percent"])
    for name in params["critical_processes"]:
        if not name or len(name.encode("utf-8")) > 15:
            module.fail_json(msg="critical_processes entries must be command names of 1 to 15 bytes (the kernel's comm), got %r" % name)
    thresholds = params["pressure_thresholds"] or {}
    for family, rising in (("available_percent", False), ("psi_full_avg10", True)):
        levels = thresholds.get(family)
        if not levels:
            continue
        values = [levels["low"], levels["medium"], levels["critical"]]
        if any(value < 0 or value > 100 for value in values):
            module.fail_json(msg="pressure_thresholds.%s values must be percents from 0 to 100, got %s" % (family, values))
        ordered = values == sorted(values) if rising else values == sorted(values, reverse=True)
        if not ordered:
            form = "low <= medium <= critical" if rising else "low >= medium >= critical"
            module.fail_json(msg="pressure_thresholds.%s must be ordered %s, got %s" % (family, form, values))
    try:
        cutoff = _oom_log.parse_since(params["since"])
    except ValueError:
        module.fail_json(msg="since: cannot read %r: expected %s" % (params["since"], _oom_log.SINCE_FORMS))
    return cutoff


def _events_section(module, cutoff, now):
    def run(argv):
        return module.run_command(argv, environ_update={"LC_ALL": "C", "LANG": "C", "SYSTEMD_COLORS": "0"})

    def which(name):
        return module.get_bin_path(name)

    collected = _event_sources.collect_events(run, cutoff, which=which, log_file=module.params["log_file"], now=now)
    own = None
    if module.params["events_scope"] == "auto" and not module.params["log_file"]:
        own = _cgroup_attribution.own_container_id()
    kills = collected["events"]
    if own:
        # A shared kernel logs every container's kills; this host's are those of its own processes.
        kills = [event for event in kills if event["kind"] != "kernel_oom_kill" or event["container_id"] == own]
    section = {
        "available": any(source["available"] for source in collected["sources"]),
        "since": module.params["since"],
        "since_time": _iso(cutoff),
        "scope": "container" if own else "host",
        "container_id": own,
        "kills": kills,
        "sources": collected["sources"],
        "victims": _oom_log.summarize_victims(kills),
        "repeat_victims": _oom_log.repeat_victims(kills),
        "no_killable_count": collected["no_killable_count"],
        "ratelimited": collected["ratelimited"],
        "lines_scanned": collected["lines_scanned"],
        "vmstat_oom_kill": None,
        "complete": None,
        "incomplete_reason": None,
        "missing": None,
    }
    if module.params["log_file"]:
        section["incomplete_reason"] = "not judged for a log_file"
    elif own:
        section["incomplete_reason"] = "not judged inside a container: the kernel's counter covers the whole machine"
    else:
        counter = _event_sources.vmstat_oom_kill()
        section["vmstat_oom_kill"] = counter
        if collected["kernel_kills_this_boot"] is not None and counter is not None:
            coverage = _oom_log.kill_coverage(collected["kernel_kills_this_boot"], counter, collected["ratelimited"])
            section["complete"] = coverage["complete"]
            section["incomplete_reason"] = coverage["reason"] if not coverage["complete"] else None
            section["missing"] = coverage["missing"]
    for source in collected["sources"]:
        if not source["available"]:
            module.warn("oom_facts events: source %s unavailable: %s" % (source["name"], source["reason"]))
    return section


def _named_processes(critical_names, running):
    """Without the processes section: the critical processes (None when not asked for) and the
    daemons' processes (filling ``running``), from one pass over /proc reading each comm."""
    try:
        return _procfs.find_processes(critical_names=critical_names, running=running)
    except OSError:
        return None if critical_names is None else []


def gather(module):
    params = module.params
    cutoff = _validate(module)
    wanted = set(SECTIONS) if "all" in params["sections"] else set(params["sections"])
    now = time.time()
    thresholds = params["pressure_thresholds"]
    facts = {"collected_at": _iso(now), "sections": [name for name in SECTIONS if name in wanted]}

    memory = _memory.read_memory()
    if "memory" in wanted:
        facts["memory"] = memory
        if not memory["available"]:
            module.warn("oom_facts memory: %s" % memory["reason"])
    if "pressure" in wanted:
        facts["pressure"] = _memory.read_pressure(memory=memory, thresholds=thresholds)
        if not facts["pressure"]["available"]:
            module.warn("oom_facts pressure: PSI unavailable (%s); the level comes from MemAvailable alone" % facts["pressure"]["reason"])
    if "sysctl" in wanted:
        facts["sysctl"] = _memory.read_sysctls()
    # One pass over /proc finds the critical processes and the daemons' processes: the scan's own
    # when the processes section is gathered, else one reading each comm.
    running = _daemons.empty_running() if "daemons" in wanted else None
    critical = None
    if "processes" in wanted:
        facts["processes"] = _procfs.scan_processes(
            top=params["top"], cmdline_max=params["cmdline_max"], meminfo=memory, critical_names=params["critical_processes"], running=running
        )
        critical = facts["processes"].setdefault("critical", [])
        if facts["processes"]["skipped"]:
            module.warn("oom_facts processes: %d process(es) vanished or could not be read mid-scan" % facts["processes"]["skipped"])
    elif "findings" in wanted or running is not None:
        critical = _named_processes(params["critical_processes"] if "findings" in wanted else None, running)
    if "events" in wanted:
        facts["events"] = _events_section(module, cutoff, now)
    if "cgroups" in wanted:
        facts["cgroups"] = _cgroups.read_cgroups(max_cgroups=params["max_cgroups"], meminfo=memory, cmdline_max=params["cmdline_max"])
        if not facts["cgroups"]["available"]:
            module.warn("oom_facts cgroups: %s" % facts["cgroups"]["reason"])
    if "daemons" in wanted:
        facts["daemons"] = _daemons.read_daemons(lambda argv: module.run_command(argv, environ_update={"LC_ALL": "C", "SYSTEMD_COLORS": "0"}), running=running)
        for warning in facts["daemons"].get("warnings") or []:
            module.warn("oom_facts daemons: %s" % warning)
    if "findings" in wanted:
        facts["findings"] = _findings.compute_findings(facts, critical, params["cgroup_near_limit_percent"])
    return facts


def main():
    module = build_module()
    module.exit_json(changed=False, ansible_facts={"oom": gather(module)})


if __name__ == "__main__":
    main()
