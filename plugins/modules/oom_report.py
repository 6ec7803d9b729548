#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name (plugins/action/oom_report.py), on the
# controller; this file holds its documentation.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: oom_report
short_description: Write the fleet OOM report's files on the controller, in one step
version_added: 0.1.0
description:
  - Writes the files of a fleet OOM report into one directory on the controller - C(report.json) (the fleet
    summary of P(oom.guard.oom_fleet_summary#filter)), one C(<host>.json) per host holding that host's full
    C(ansible_facts.oom), and any already rendered text given in O(files) (the C(oom.guard.audit) role passes
    its C(report.html) and C(report.md) there).
  - Runs in the controller's own process, whatever host the task runs for - no module is sent anywhere - so a
    report of any number of hosts costs one task. Run it once (C(run_once=true)).
  - Compares first and writes only what differs; an unchanged file keeps its inode and mtime.
  - Every name and every content is checked before anything is written. Each changed file is written to a
    temporary file in O(dest), synced, then renamed into place; all of them are staged before the first rename,
    so a failure while writing (a full disk, a read-only directory) leaves every old file as it was. The
    directory is synced after the renames.
  - Reads the facts from C(hostvars); a host without OOM facts (unreachable, failed, not gathered) gets no
    C(<host>.json) and is listed in RV(skipped_hosts); one an earlier run wrote keeps its content (and gets O(mode)
    when given). Files of hosts that are not in O(hosts) are left alone.
author:
  - oom.guard contributors (@oom-guard)
attributes:
  check_mode:
    description: Reports which files would change; writes nothing and creates no directory.
    support: full
  diff_mode:
    description: Not supported - the reports are large generated files; RV(files) says which would change.
    support: none
  platform:
    description: Runs on the controller; the task's host only picks whose variables the task sees.
    support: full
    platforms: posix
options:
  dest:
    description:
      - The report directory on the controller, created (mode C(0755)) when missing.
      - A relative path is taken from the directory C(ansible-playbook) runs in.
    type: path
    required: true
  hosts:
    description:
      - The hosts of the report, in any order. Used for the summary when O(summary) is not given, and for the
        C(<host>.json) files.
      - V(ansible_play_hosts_all) when omitted.
      - With O(formats=facts) each name must be usable as a file name (no C(/), not starting with C(.)).
    type: list
    elements: str
  formats:
    description:
      - Which files to write from the facts - V(json) for C(report.json), V(facts) for one C(<host>.json) per host.
    type: list
    elements: str
    choices: [json, facts]
    default: [json, facts]
  files:
    description:
      - More files to write, as a dict of file name to its full text, for example reports rendered with the
        P(ansible.builtin.template#lookup) lookup. Names are plain file names (no C(/), not starting with C(.)).
    type: dict
    default: {}
  summary:
    description:
      - The fleet summary to write as C(report.json), as P(oom.guard.oom_fleet_summary#filter) returned it.
      - Computed from C(hostvars) with O(hosts), O(top) and O(max_buckets) when omitted.
    type: dict
  top:
    description:
      - How many most killed commands and predicted victims the computed summary lists.
    type: int
    default: 10
  max_buckets:
    description:
      - At most this many time buckets in the computed summary's kills-over-time chart.
    type: int
    default: 48
  mode:
    description:
      - The mode of every file of the report, as an octal string with its leading zero such as V('0640') (quote it
        in YAML), or a number up to V(0o777). A string without the leading zero (V('640')) is refused, and so are
        setuid, setgid and sticky bits.
      - When given, it is set on unchanged files too (reported as changed, see RV(files[].mode_changed)), and on
        the C(<host>.json) an earlier run wrote for a host skipped now (its content left alone), so tightening it
        takes effect on the next run. A file of another user fails the task before anything changes (only its
        owner or root may change its mode).
      - When omitted, a new file gets V('0644') and a rewritten file keeps its mode.
    type: raw
notes:
  - The JSON files are written as P(ansible.builtin.to_nice_json#filter) with C(indent=2) would write them, with
    a final newline.
  - Files are written as the user C(ansible-playbook) runs as; C(become) does not apply.
seealso:
  - module: oom.guard.oom_facts
  - plugin: oom.guard.oom_fleet_summary
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Gather the OOM facts
  oom.guard.oom_facts:

- name: report.json and one <host>.json per host under ./oom-report
  oom.guard.oom_report:
    dest: oom-report
  run_once: true

- name: Only each host's facts, for an inventory of OOM facts kept in git
  oom.guard.oom_report:
    dest: /srv/oom-inventory/facts
    formats: [facts]
  run_once: true

- name: The JSON summary beside a report rendered from one's own template
  oom.guard.oom_report:
    dest: /var/www/oom
    summary: "{{ oom_fleet }}"
    files:
      index.html: "{{ lookup('ansible.builtin.template', 'my-oom-report.html.j2') }}"
  vars:
    oom_fleet: "{{ hostvars | oom.guard.oom_fleet_summary(hosts=ansible_play_hosts_all) }}"
  run_once: true
"""

RETURN = r"""
dest:
  description: The report directory, as an absolute path.
  returned: success
  type: str
  sample: /home/sre/oom-report
files:
  description:
    - Every file of the report, sorted by name, and whether it changed (or would, in check mode).
    - With O(mode), also the C(<host>.json) files of RV(skipped_hosts) left by an earlier run (their mode only).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The file name.
      type: str
      sample: report.json
    path:
      description: The file's full path.
      type: str
      sample: /home/sre/oom-report/report.json
    changed:
      description: Whether its content differs from what was on disk (a missing file differs), or its mode from O(mode).
      type: bool
      sample: true
    mode_changed:
      description: Whether only its mode differed from O(mode) (set in place, content untouched).
      type: bool
      sample: false
  sample: [{name: report.json, path: /home/sre/oom-report/report.json, changed: true, mode_changed: false}]
written:
  description: The names of the files whose content was written by this run (empty in check mode).
  returned: success
  type: list
  elements: str
  sample: [report.json, web1.json]
skipped_hosts:
  description: Hosts of O(hosts) without OOM facts, for which no C(<host>.json) was written (with O(formats=facts)).
  returned: success
  type: list
  elements: str
  sample: [db3]
totals:
  description: The C(totals) of the fleet summary (hosts, hosts by status, kills, findings, ...).
  returned: success
  type: dict
  sample: {hosts: 2, with_facts: 2, kills: 1, hosts_with_kills: 1}
"""
