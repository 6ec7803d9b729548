# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: oom_fleet_summary
short_description: Aggregate the OOM facts of many hosts into one fleet summary
version_added: 0.1.0
author: oom.guard contributors (@oom-guard)
description:
  - Turns the C(ansible_facts.oom) of every host, as C(oom.guard.oom_facts) returns them, into one dict that
    the fleet reports of the C(oom.guard.audit) role (HTML, Markdown, JSON) are rendered from.
  - One row per host with its status, kills, pressure, predicted victim, protection coverage, early-OOM daemon
    and findings; fleet totals; the most killed commands; the predicted victims; every finding; and the kills
    over time per host in time buckets, ready to draw.
  - A host without OOM facts (unreachable, failed, not gathered) gets a row with status V(unknown) and null values.
  - A pure function of its input (no clock is read), so the same facts always give the same summary.
positional: _input
options:
  _input:
    description:
      - The facts keyed by host. Each value is a host's C(ansible_facts.oom), or a host's variables holding
        C(ansible_facts.oom) (so V(hostvars) itself can be passed with O(hosts)).
    type: dict
    required: true
  hosts:
    description:
      - The hosts to report, for example V(ansible_play_hosts_all). Hosts missing from the input get status V(unknown).
      - All the input's hosts, sorted, when omitted.
    type: list
    elements: str
  top:
    description:
      - How many entries C(top_victims) and C(predicted_victims) keep.
    type: int
    default: 10
  max_buckets:
    description:
      - The kills-over-time chart uses the shortest whole step (1 m, 5 m, 15 m, 30 m, 1 h, 3 h, 6 h, 12 h, 1 d, ...)
        that covers the window in at most this many buckets.
    type: int
    default: 48
notes:
  - The rows are ordered worst first (V(critical), V(warning), V(ok), V(unknown)), then by kills, then by name.
  - Kills whose time is unknown are counted (C(undated)) but not drawn.
seealso:
  - module: oom.guard.oom_facts
  - plugin: oom.guard.oom_prometheus_textfile
    plugin_type: filter
"""

EXAMPLES = r"""
- name: One summary of every host of the play (what the oom.guard.audit role does)
  ansible.builtin.set_fact:
    oom_fleet: "{{ hostvars | oom.guard.oom_fleet_summary(hosts=ansible_play_hosts_all) }}"
  run_once: true

- name: Hosts that saw OOM kills
  ansible.builtin.debug:
    msg: "{{ oom_fleet.hosts | selectattr('kills.count', 'gt', 0) | map(attribute='host') | list }}"

- name: From facts collected elsewhere, one JSON file per host
  ansible.builtin.debug:
    msg: >-
      {{ {'web1': lookup('ansible.builtin.file', 'web1.json') | from_json,
          'db1': lookup('ansible.builtin.file', 'db1.json') | from_json}
         | oom.guard.oom_fleet_summary(top=5) }}
"""

RETURN = r"""
_value:
  description: The fleet summary. Times are ISO 8601 UTC as in the facts; sizes in bytes.
  type: dict
  contains:
    schema:
      description: Version of this layout.
      type: int
      sample: 1
    generated_at:
      description: The latest C(collected_at) of the hosts (null without facts).
      type: str
    collected_from:
      description: The earliest C(collected_at) of the hosts.
      type: str
    since:
      description: The distinct event windows (C(oom_facts) O(oom.guard.oom_facts#module:since)) of the hosts.
      type: list
      elements: str
    totals:
      description:
        - Fleet counts - C(hosts), C(with_facts), C(by_status) (V(critical), V(warning), V(ok), V(unknown)),
          C(kills), C(kills_by_kind), C(hosts_with_kills), C(undated_kills), C(findings), C(findings_by_severity),
          C(findings_by_id) (findings per id), C(pressure) (hosts per level, V(unknown) included),
          C(early_oom) (hosts per active daemon - V(earlyoom), V(systemd-oomd), V(both), V(none), V(unknown)),
          C(protected_processes), C(critical_processes), C(critical_unprotected),
          C(protection_coverage_percent) (protected share of the running critical processes, null when none run)
          and C(incomplete_hosts) (hosts whose logs miss kills the kernel counted).
      type: dict
    hosts:
      description:
        - One row per host, worst first. Every row has every key (null or empty when unknown) -
          C(host), C(status), C(has_facts), C(collected_at), C(sections),
          C(memory) C({total_bytes, available_bytes, available_percent, swap_total_bytes, swap_free_bytes}),
          C(pressure) C({level, decided_by, psi_available, psi_some_avg10, psi_full_avg10}),
          C(kills) C({count, since, since_time, by_kind, by_comm, first_time, last, undated, events, vmstat_oom_kill,
          complete, incomplete_reason, no_killable_count, repeat_victims}) where C(events) and C(last) are kills as
          C({time, kind, comm, pid, scope, anon_rss_kb, unit, container_id, pod_uid}),
          C(victims) (C({comm, count, last_seen}), most killed first),
          C(predicted_victim) C({pid, comm, user, oom_score, oom_score_adj, rss_bytes, swap_bytes, unit, container_id, pod_uid, cmdline}),
          C(protection) C({protected_count, protected, critical_total, critical_protected, critical_unprotected, coverage_percent}),
          C(early_oom) C({earlyoom, systemd_oomd, active}) with each daemon V(running), V(installed) or V(absent),
          C(cgroups) C({version, memory_version, limited, near_limit, oom_kills}),
          C(sysctl) C({panic_on_oom, overcommit_memory, overcommit_memory_meaning, swappiness}),
          C(findings) (C({id, severity, message}), most severe first) and C(findings_by_severity).
        - The status is V(critical) with a critical finding or critical pressure, V(warning) with a warning finding
          or medium pressure, V(ok) otherwise, V(unknown) without facts.
      type: list
      elements: dict
    top_victims:
      description: The most killed commands across the fleet, C({comm, count, hosts, last_seen}).
      type: list
      elements: dict
    predicted_victims:
      description: Each host's predicted victim with C(host) added, highest oom_score first.
      type: list
      elements: dict
    findings:
      description: Every finding of every host, C({host, id, severity, message}), most severe first.
      type: list
      elements: dict
    timeline:
      description:
        - Kills over time per host - C(start), C(end), C(bucket_seconds), C(buckets) (bucket start times),
          C(ticks) (C({index, label}) for an axis), C(lanes) (one per row, C({host, status, total, counts, by_kind})
          where C(counts) and each C(by_kind) list hold one number per bucket), C(max_count) and C(undated).
      type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.oom.guard.plugins.module_utils._oom_fleet import fleet_summary

from collections.abc import Mapping


def oom_fleet_summary(data, hosts=None, top=10, max_buckets=48):
    """{host: oom facts} (or hostvars) -> fleet summary dict."""
    if not isinstance(data, Mapping):
        raise AnsibleFilterError("oom_fleet_summary: expected a dict of host -> OOM facts (or hostvars), got %s" % type(data).__name__)
    if hosts is not None:
        if isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
            raise AnsibleFilterError("oom_fleet_summary: hosts must be a list of host names, got %s" % type(hosts).__name__)
        hosts = [to_text(host) for host in hosts]
    try:
        top = int(top)
        max_buckets = int(max_buckets)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("oom_fleet_summary: top and max_buckets must be integers: %s" % to_text(exc)) from exc
    if top < 0 or max_buckets < 1:
        raise AnsibleFilterError("oom_fleet_summary: top must be 0 or more and max_buckets 1 or more, got top=%d, max_buckets=%d" % (top, max_buckets))
    return fleet_summary(data, hosts=hosts, top=top, max_buckets=max_buckets)


class FilterModule(object):
    """OOM fleet aggregation."""

    def filters(self):
        return {"oom_fleet_summary": oom_fleet_summary}
