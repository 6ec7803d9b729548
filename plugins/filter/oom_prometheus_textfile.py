# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: oom_prometheus_textfile
short_description: Render a host's OOM facts as a node_exporter textfile
version_added: 0.1.0
author: oom.guard contributors (@oom-guard)
description:
  - Turns one host's C(ansible_facts.oom) into Prometheus text exposition format (0.0.4) for node_exporter's
    textfile collector (C(--collector.textfile.directory)).
  - "Metrics (prefix C(oom_guard_)): C(kills{kind,comm}) and C(kills_window) (kills in the facts window),
    C(last_kill_timestamp_seconds), C(kernel_oom_kills_total) (the kernel's counter since boot), C(events_complete),
    C(pressure_level) (0 normal to 3 critical) and C(pressure_state{level}), C(protected_processes),
    C(critical_processes{state}), C(findings{severity}), C(early_oom_daemon_running{daemon})."
  - Only values that change with the host's OOM state are exported - no collection time, PSI averages or
    MemAvailable - so the file is rewritten only when something happened.
  - A metric whose section was not gathered is left out.
positional: _input
options:
  _input:
    description:
      - One host's C(ansible_facts.oom).
    type: dict
    required: true
  max_comms:
    description:
      - The C(comm) label keeps this many most killed commands; the rest are summed as V(other).
    type: int
    default: 20
"""

EXAMPLES = r"""
- name: Write the textfile atomically, only when it differs
  ansible.builtin.copy:
    content: "{{ ansible_facts.oom | oom.guard.oom_prometheus_textfile }}"
    dest: /var/lib/prometheus/node-exporter/oom_guard.prom
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The textfile content, one metric family after another, ending with a newline.
  type: str
  sample: |
    # HELP oom_guard_kills OOM kills in the facts window (oom_facts since=7d), by killer and victim command.
    # TYPE oom_guard_kills gauge
    oom_guard_kills{comm="java",kind="kernel_oom_kill"} 3
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.oom.guard.plugins.module_utils._oom_fleet import prometheus_textfile

from collections.abc import Mapping


def oom_prometheus_textfile(facts, max_comms=20):
    """One host's oom facts -> Prometheus text exposition."""
    if not isinstance(facts, Mapping):
        raise AnsibleFilterError("oom_prometheus_textfile: expected a host's ansible_facts.oom dict, got %s" % type(facts).__name__)
    try:
        max_comms = int(max_comms)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("oom_prometheus_textfile: max_comms must be an integer: %s" % to_text(exc)) from exc
    if max_comms < 0:
        raise AnsibleFilterError("oom_prometheus_textfile: max_comms must be 0 or more, got %d" % max_comms)
    return prometheus_textfile(dict(facts), max_comms=max_comms)


class FilterModule(object):
    """OOM facts as node_exporter metrics."""

    def filters(self):
        return {"oom_prometheus_textfile": oom_prometheus_textfile}
