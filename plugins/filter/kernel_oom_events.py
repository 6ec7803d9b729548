# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: kernel_oom_events
short_description: Parse OOM kills from kernel, earlyoom and systemd-oomd logs
version_added: 0.1.0
author: oom.guard contributors (@oom-guard)
description:
  - Reads the text of C(dmesg), C(dmesg -T), C(journalctl -k) (any short output mode), C(/var/log/kern.log),
    C(/var/log/messages) or the journal of earlyoom and systemd-oomd, and returns one dict per kill.
  - Understands the kernel formats of Linux 2.6 to 6.x, including the C(Kill process ... or sacrifice child)
    selection line, the C(Killed process) line with or without shmem-rss, UID, pgtables and oom_score_adj,
    the C(oom-kill:constraint=...) summary and cgroup v1 C(Task in ... killed as a result of limit of ...).
  - The lines of one kernel report are grouped into one event; the victim is the task of the
    C(Killed process) line. A report whose C(Killed process) line is missing gives an event with RV(_value[].partial=true).
  - The same parser serves the C(oom.guard.oom_facts) module on managed hosts, so both always agree.
  - Never fails on unreadable lines; they are skipped.
positional: _input
options:
  _input:
    description:
      - The log, as one string or as a list of lines.
    type: raw
    required: true
  boot_time:
    description:
      - Boot time of the host the log came from, in epoch seconds (C(btime) of C(/proc/stat)).
      - Without it, lines stamped in seconds since boot (C([ 123.456789])) get RV(_value[].time=null).
    type: float
  year:
    description:
      - Year of syslog dates, which have none.
      - Defaults to the current year, or the previous one when the date would be in the future.
    type: int
  utc_offset:
    description:
      - Seconds east of UTC of the host that wrote timestamps without a zone (syslog, journald short, C(dmesg -T)).
    type: int
    default: 0
  kinds:
    description:
      - Return only events of these kinds. All kinds when omitted.
    type: list
    elements: str
    choices: [kernel_oom_kill, earlyoom_kill, systemd_oomd_kill]
"""

EXAMPLES = r"""
- name: Parse the kernel log collected from a host
  ansible.builtin.set_fact:
    oom_kills: "{{ dmesg_output.stdout | oom.guard.kernel_oom_events(boot_time=host_btime | float) }}"

- name: Only kills by the kernel, from a syslog file of 2026
  ansible.builtin.debug:
    msg: "{{ lookup('ansible.builtin.file', 'kern.log') | oom.guard.kernel_oom_events(year=2026, kinds=['kernel_oom_kill']) }}"

- name: Names of the processes killed on every host
  ansible.builtin.debug:
    msg: "{{ journal.stdout_lines | oom.guard.kernel_oom_events | map(attribute='comm') | list }}"
"""

RETURN = r"""
_value:
  description:
    - One dict per kill, in the order the kills were completed in the log.
    - Every dict has all the keys below; a key is V(null) when the log does not show it.
  type: list
  elements: dict
  contains:
    kind:
      description: Who killed.
      type: str
      choices: [kernel_oom_kill, earlyoom_kill, systemd_oomd_kill]
    pid:
      description: Victim process id.
      type: int
    comm:
      description: Victim command name as printed (at most 15 bytes for the kernel; may hold spaces and parentheses).
      type: str
    uid:
      description: Victim user id.
      type: int
    score:
      description: OOM badness score of the victim (kernel selection line before 5.1, earlyoom badness or oom_score).
      type: int
    oom_score_adj:
      description: Victim oom_score_adj, from the kill line only.
      type: int
    total_vm_kb:
      description: Victim virtual memory size, KiB.
      type: int
    anon_rss_kb:
      description: Victim anonymous resident memory, KiB.
      type: int
    file_rss_kb:
      description: Victim file-backed resident memory, KiB.
      type: int
    shmem_rss_kb:
      description: Victim shared memory resident, KiB.
      type: int
    pgtables_kb:
      description: Victim page tables, KiB.
      type: int
    scope:
      description: V(memcg) when a memory cgroup limit was hit, V(global) otherwise.
      type: str
    constraint:
      description:
        - Kernel constraint (V(CONSTRAINT_NONE), V(CONSTRAINT_MEMCG), V(CONSTRAINT_CPUSET), V(CONSTRAINT_MEMORY_POLICY)).
        - For systemd-oomd the policy that fired, V(ManagedOOMMemoryPressure) or V(ManagedOOMSwap).
      type: str
    oom_memcg:
      description: Cgroup whose limit was hit (systemd-oomd, the monitored cgroup).
      type: str
    task_memcg:
      description: Cgroup of the victim (systemd-oomd, the killed cgroup).
      type: str
    invoker_comm:
      description: Command of the task that invoked the OOM killer.
      type: str
    invoker_pid:
      description: Process id of the task that invoked the OOM killer.
      type: int
    time_raw:
      description: Leading timestamp of the line, as printed.
      type: str
    time:
      description:
        - ISO 8601 UTC time, for example V(2026-12-01T03:04:05Z), with a six-digit fraction when the log has one.
        - V(null) when it cannot be known (seconds since boot without O(boot_time)).
      type: str
    unit:
      description: Systemd unit owning the victim's cgroup.
      type: str
    container_id:
      description: Container id (64 hex digits) from the victim's cgroup.
      type: str
    pod_uid:
      description: Kubernetes pod uid from the victim's cgroup.
      type: str
    partial:
      description: V(true) when the kill was seen only as a selection or summary line, its C(Killed process) line missing.
      type: bool
    signal:
      description: Signal earlyoom sent (V(SIGTERM), or V(SIGKILL) also when it escalated). Only for earlyoom_kill events.
      type: str
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.oom.guard.plugins.module_utils._oom_log import KINDS, parse_oom_events


def kernel_oom_events(data, boot_time=None, year=None, utc_offset=0, kinds=None):
    """Log text or list of lines -> list of OOM kill event dicts."""
    if isinstance(data, (list, tuple)):
        for index, line in enumerate(data):
            if not isinstance(line, (str, bytes)):
                raise AnsibleFilterError("kernel_oom_events: item %d of the input list is %s, expected a string (a log line)" % (index, type(line).__name__))
        lines = [to_text(line, errors="surrogate_or_replace") for line in data]
    elif isinstance(data, (str, bytes)):
        lines = to_text(data, errors="surrogate_or_replace")
    else:
        raise AnsibleFilterError("kernel_oom_events: expected the log as a string or a list of lines, got %s" % type(data).__name__)
    try:
        boot_time = None if boot_time is None else float(boot_time)
        year = None if year is None else int(year)
        utc_offset = float(utc_offset or 0)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("kernel_oom_events: boot_time, year and utc_offset must be numbers: %s" % to_text(exc)) from exc
    if kinds is not None:
        if isinstance(kinds, str):
            kinds = [kinds]
        unknown = [kind for kind in kinds if kind not in KINDS]
        if unknown:
            raise AnsibleFilterError("kernel_oom_events: unknown kinds %s; choose from %s" % (", ".join(map(str, unknown)), ", ".join(KINDS)))
    return parse_oom_events(lines, boot_time=boot_time, year=year, utc_offset=utc_offset, kinds=kinds)


class FilterModule(object):
    """OOM kill log parsing."""

    def filters(self):
        return {"kernel_oom_events": kernel_oom_events}
