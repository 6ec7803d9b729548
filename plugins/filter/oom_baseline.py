# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: oom_baseline
short_description: Hold one host's OOM facts to a baseline policy, with waivers
version_added: 0.1.0
author: oom.guard contributors (@oom-guard)
description:
  - Evaluates a baseline policy against one host's C(ansible_facts.oom) (as C(oom.guard.oom_facts) returns them)
    and the systemd properties of the units the policy names, and returns one result per check.
  - Each check has a stable id - C(runtime_protection:<name|unit|pattern|id>), C(systemd_protection:<unit|id>),
    C(early_oom_daemon), C(sysctl:<name>), C(finding:<finding id>) and C(pressure).
  - A failing check that a valid waiver names (for this host, or a group of it) becomes V(waived); an expired
    waiver is reported in the message and leaves the check failed.
  - Validates the policy and the waivers first and fails with every problem found, each naming the bad key and
    the allowed form. An invalid policy fails even without facts, so the filter validates on its own too.
  - A pure function of its input (the date comes from O(today) or the controller's UTC clock).
  - Used by the C(oom.guard.baseline) role, which writes the results as JUnit XML and fails the play on failures.
positional: _input, policy
options:
  _input:
    description:
      - The host's C(ansible_facts.oom). V(null) or an empty dict gives failed checks (no facts), not an error.
    type: dict
    required: true
  policy:
    description:
      - The baseline policy, a dict with any of these keys (at least one).
      - C(runtime_protections) - a list of C({name|unit|pattern, max_oom_score_adj, required, id}); C(name) is the
        command name (comm, at most 15 bytes), C(unit) the systemd unit a process runs in, C(pattern) a Python regex
        searched in the command line; every matching running process must have C(oom_score_adj <= max_oom_score_adj).
        With no matching process the check fails when C(required) (default V(true)) and passes otherwise.
      - C(systemd_protections) - a list of C({unit, max_oom_score_adj, oom_policy, required, id}); what systemd
        reports for the unit (C(OOMScoreAdjust) at most C(max_oom_score_adj), C(OOMPolicy) one of C(oom_policy),
        a string or a list of V(continue), V(stop), V(kill)); at least one of the two. A unit that is not installed or
        masked fails when C(required) (default V(true)).
      - C(early_oom_daemon) - V(true) (earlyoom or systemd-oomd must run), V(false) (no check), or
        C({daemons}) with the acceptable ones out of V(earlyoom) and V(systemd-oomd).
      - C(sysctl) - a dict of OOM sysctl name (V(vm.panic_on_oom), ...) to an integer (equal to), a list of
        integers (one of), or a dict with C(eq), C(in), C(min) and/or C(max).
      - C(findings) - C({severity, ids, ignore}); a finding at or above C(severity) (V(info), V(warning),
        V(critical)) fails its check C(finding:<id>). One check per known finding id, or per id in C(ids);
        C(ignore) leaves ids out.
      - C(pressure) - C({max_level}); the memory pressure level may be at most this (V(normal), V(low),
        V(medium), V(critical)).
    type: dict
    required: true
  waivers:
    description:
      - A list of waivers, or a dict with the list under C(waivers) (the form of a waivers file).
      - Each waiver is C({host|group, check|finding, justification, expires}) - exactly one of C(host) and
        C(group) (the group V(all) matches every host), exactly one of C(check) (a check id) and C(finding)
        (a finding id, the same as C(check=finding:<id>)), a non-empty C(justification), and optionally
        C(expires), a date V(YYYY-MM-DD), the last day the waiver holds.
    type: raw
  host:
    description:
      - The host's name as waivers name it, usually V(inventory_hostname).
    type: str
  groups:
    description:
      - The host's groups, usually V(group_names).
    type: list
    elements: str
  units:
    description:
      - What systemd reports for the units of C(systemd_protections), keyed by unit name, each a dict with at
        least C(LoadState), C(OOMScoreAdjust) and C(OOMPolicy) (the C(status) of M(ansible.builtin.systemd_service)).
    type: dict
  today:
    description:
      - The date waivers expire against, V(YYYY-MM-DD). The controller's current UTC date when omitted.
    type: str
  policy_source:
    description:
      - What error messages call the policy, for example its file name.
    type: str
    default: baseline policy
  waivers_source:
    description:
      - What error messages call the waivers, for example their file name.
    type: str
    default: baseline waivers
notes:
  - Runtime protections see the processes C(oom_facts) lists - C(processes.top), C(processes.protected) and
    C(processes.critical). Gather with a C(top) large enough for every process, and with every C(name) of the
    policy among C(critical_processes), as the C(oom.guard.baseline) role does.
seealso:
  - module: oom.guard.oom_facts
  - module: ansible.builtin.systemd_service
"""

EXAMPLES = r"""
- name: Evaluate the baseline for this host
  ansible.builtin.set_fact:
    baseline_results: >-
      {{ ansible_facts.oom | oom.guard.oom_baseline(
           {'early_oom_daemon': true,
            'sysctl': {'vm.panic_on_oom': 0, 'vm.overcommit_memory': [0, 2], 'vm.swappiness': {'max': 60}},
            'runtime_protections': [{'name': 'sshd', 'max_oom_score_adj': -500}],
            'findings': {'severity': 'critical'},
            'pressure': {'max_level': 'medium'}},
           waivers=[{'group': 'legacy', 'check': 'early_oom_daemon', 'justification': 'TICKET-12: replaced in Q3',
                     'expires': '2026-09-30'}],
           host=inventory_hostname, groups=group_names) }}

- name: The checks that failed
  ansible.builtin.debug:
    msg: "{{ baseline_results | selectattr('status', 'equalto', 'fail') | map(attribute='check') | list }}"
"""

RETURN = r"""
_value:
  description: One result per check, in policy order.
  type: list
  elements: dict
  contains:
    check:
      description: The check's stable id.
      type: str
      sample: runtime_protection:sshd
    status:
      description: V(pass), V(fail) or V(waived).
      type: str
    message:
      description: What was found, in one sentence; for V(waived) the justification first.
      type: str
    evidence:
      description:
        - The values the result was decided on (processes with their oom_score_adj, systemd properties, the sysctl
          value and the rule, the findings, the pressure level); a waived check adds C(waiver), an expired waiver
          C(expired_waivers).
      type: dict
"""

import datetime
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.oom.guard.plugins.module_utils._findings import FINDING_IDS
from ansible_collections.oom.guard.plugins.module_utils._memory import OOM_SYSCTLS, PRESSURE_LEVELS, sysctl_key

POLICY_KEYS = ("runtime_protections", "systemd_protections", "early_oom_daemon", "sysctl", "findings", "pressure")
RUNTIME_KEYS = ("name", "unit", "pattern", "max_oom_score_adj", "required", "id")
SYSTEMD_KEYS = ("unit", "max_oom_score_adj", "oom_policy", "required", "id")
WAIVER_KEYS = ("host", "group", "check", "finding", "justification", "expires")
SYSCTL_RULE_KEYS = ("eq", "in", "min", "max")
OOM_POLICIES = ("continue", "stop", "kill")
SEVERITIES = ("info", "warning", "critical")
# What oom_facts calls each daemon, by the name users know it by.
DAEMONS = {"earlyoom": "earlyoom", "systemd-oomd": "systemd_oomd"}
UNIT_SUFFIXES = (".service", ".socket", ".mount", ".swap", ".slice", ".scope", ".target", ".timer", ".path", ".device", ".automount")
CHECK_ID_FORMS = "runtime_protection:<name>, systemd_protection:<unit>, early_oom_daemon, sysctl:<name>, finding:<id> or pressure"
_CHECK_ID_RE = re.compile(r"^(?:(runtime_protection|systemd_protection|sysctl|finding):(\S.*)|(early_oom_daemon|pressure))$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Processes listed in the evidence of one check, at most.
EVIDENCE_PROCESSES = 20


class _Problems(object):
    """Collects every validation problem so one run names them all."""

    def __init__(self, source):
        self.source = source
        self.items = []

    def add(self, where, text):
        self.items.append("%s: %s" % (where, text) if where else text)

    def raise_if_any(self):
        if self.items:
            raise AnsibleFilterError("oom_baseline: invalid %s:\n  - %s" % (self.source, "\n  - ".join(self.items)))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value):
    return isinstance(value, str) and value.strip() != ""


def _unknown_keys(problems, where, entry, allowed):
    for key in entry:
        if key not in allowed:
            problems.add(where, "unknown key %r; allowed keys: %s" % (to_text(key), ", ".join(allowed)))


def _check_adj(problems, where, value):
    if not _is_int(value) or not -1000 <= value <= 1000:
        problems.add(where, "max_oom_score_adj must be an integer from -1000 to 1000, got %r" % (value,))


def _check_required(problems, where, entry):
    if "required" in entry and not isinstance(entry["required"], bool):
        problems.add(where, "required must be true or false, got %r" % (entry["required"],))


def _check_rule_id(problems, where, entry):
    if "id" in entry and not (_is_text(entry["id"]) and not re.search(r"\s", entry["id"])):
        problems.add(where, "id must be a non-empty string without spaces, got %r" % (entry["id"],))


def _entries(problems, name, value):
    if not isinstance(value, list):
        problems.add(name, "must be a list of mappings, got %s" % type(value).__name__)
        return []
    good = []
    for index, entry in enumerate(value):
        where = "%s[%d]" % (name, index)
        if not isinstance(entry, Mapping):
            problems.add(where, "must be a mapping, got %s" % type(entry).__name__)
            continue
        good.append((where, entry))
    return good


def _validate_runtime(problems, value):
    for where, entry in _entries(problems, "runtime_protections", value):
        _unknown_keys(problems, where, entry, RUNTIME_KEYS)
        selectors = [key for key in ("name", "unit", "pattern") if key in entry]
        if len(selectors) != 1:
            problems.add(
                where, "needs exactly one of name (command name), unit (systemd unit) or pattern (regex on the command line), got %s" % (selectors or "none")
            )
        if "name" in entry and not (_is_text(entry["name"]) and len(entry["name"].encode("utf-8")) <= 15):
            problems.add(where, "name must be a command name of 1 to 15 bytes (the kernel's comm), got %r" % (entry["name"],))
        if "unit" in entry and not (_is_text(entry["unit"]) and entry["unit"].endswith(UNIT_SUFFIXES)):
            problems.add(where, "unit must be a systemd unit name such as ssh.service, got %r" % (entry["unit"],))
        if "pattern" in entry:
            if not _is_text(entry["pattern"]):
                problems.add(where, "pattern must be a non-empty regex, got %r" % (entry["pattern"],))
            else:
                try:
                    re.compile(entry["pattern"])
                except re.error as exc:
                    problems.add(where, "pattern is not a valid Python regex (%s): %r" % (exc, entry["pattern"]))
        if "max_oom_score_adj" not in entry:
            problems.add(where, "max_oom_score_adj is required (an integer from -1000 to 1000)")
        else:
            _check_adj(problems, where, entry["max_oom_score_adj"])
        _check_required(problems, where, entry)
        _check_rule_id(problems, where, entry)


def _oom_policy_list(value):
    return [value] if isinstance(value, str) else value


def _validate_systemd(problems, value):
    for where, entry in _entries(problems, "systemd_protections", value):
        _unknown_keys(problems, where, entry, SYSTEMD_KEYS)
        if not (_is_text(entry.get("unit")) and entry["unit"].endswith(UNIT_SUFFIXES)):
            problems.add(where, "unit is required, a systemd unit name such as ssh.service, got %r" % (entry.get("unit"),))
        if "max_oom_score_adj" not in entry and "oom_policy" not in entry:
            problems.add(where, "needs max_oom_score_adj (an integer from -1000 to 1000) and/or oom_policy (continue, stop, kill)")
        if "max_oom_score_adj" in entry:
            _check_adj(problems, where, entry["max_oom_score_adj"])
        if "oom_policy" in entry:
            policies = _oom_policy_list(entry["oom_policy"])
            if not isinstance(policies, list) or not policies or any(item not in OOM_POLICIES for item in policies):
                problems.add(where, "oom_policy must be one of %s or a list of them, got %r" % (", ".join(OOM_POLICIES), entry["oom_policy"]))
        _check_required(problems, where, entry)
        _check_rule_id(problems, where, entry)


def _validate_early(problems, value):
    if isinstance(value, bool):
        return
    if not isinstance(value, Mapping):
        problems.add("early_oom_daemon", "must be true, false or {daemons: [earlyoom, systemd-oomd]}, got %r" % (value,))
        return
    _unknown_keys(problems, "early_oom_daemon", value, ("daemons",))
    daemons = value.get("daemons")
    if not isinstance(daemons, list) or not daemons or any(item not in DAEMONS for item in daemons):
        problems.add("early_oom_daemon", "daemons must be a non-empty list of %s, got %r" % (", ".join(DAEMONS), daemons))


def _validate_sysctl(problems, value):
    if not isinstance(value, Mapping):
        problems.add("sysctl", "must be a mapping of sysctl name to rule, got %s" % type(value).__name__)
        return
    form = "an integer (equal to), a list of integers (one of), or a mapping with eq, in, min and/or max"
    for name, rule in value.items():
        where = "sysctl.%s" % to_text(name)
        if name not in OOM_SYSCTLS:
            problems.add("sysctl", "unknown key %r; allowed keys (the sysctls oom_facts reads): %s" % (to_text(name), ", ".join(OOM_SYSCTLS)))
            continue
        if _is_int(rule):
            continue
        if isinstance(rule, list):
            if not rule or not all(_is_int(item) for item in rule):
                problems.add(where, "must be %s, got %r" % (form, rule))
            continue
        if not isinstance(rule, Mapping) or not rule:
            problems.add(where, "must be %s, got %r" % (form, rule))
            continue
        _unknown_keys(problems, where, rule, SYSCTL_RULE_KEYS)
        for key in ("eq", "min", "max"):
            if key in rule and not _is_int(rule[key]):
                problems.add(where, "%s must be an integer, got %r" % (key, rule[key]))
        if "in" in rule and (not isinstance(rule["in"], list) or not rule["in"] or not all(_is_int(item) for item in rule["in"])):
            problems.add(where, "in must be a non-empty list of integers, got %r" % (rule["in"],))
        if _is_int(rule.get("min")) and _is_int(rule.get("max")) and rule["min"] > rule["max"]:
            problems.add(where, "min (%s) is above max (%s)" % (rule["min"], rule["max"]))


def _validate_findings(problems, value):
    if not isinstance(value, Mapping):
        problems.add("findings", "must be a mapping {severity, ids, ignore}, got %r" % (value,))
        return
    _unknown_keys(problems, "findings", value, ("severity", "ids", "ignore"))
    if value.get("severity") not in SEVERITIES:
        problems.add("findings", "severity is required, one of %s (findings at or above it fail), got %r" % (", ".join(SEVERITIES), value.get("severity")))
    for key in ("ids", "ignore"):
        if key not in value:
            continue
        ids = value[key]
        if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
            problems.add("findings", "%s must be a list of finding ids, got %r" % (key, ids))
            continue
        for item in ids:
            if item not in FINDING_IDS:
                problems.add("findings.%s" % key, "unknown finding id %r; known ids: %s" % (item, ", ".join(FINDING_IDS)))


def _validate_pressure(problems, value):
    if not isinstance(value, Mapping):
        problems.add("pressure", "must be a mapping {max_level}, got %r" % (value,))
        return
    _unknown_keys(problems, "pressure", value, ("max_level",))
    if value.get("max_level") not in PRESSURE_LEVELS:
        problems.add("pressure", "max_level is required, one of %s, got %r" % (", ".join(PRESSURE_LEVELS), value.get("max_level")))


def _runtime_check_id(entry):
    return "runtime_protection:%s" % (entry.get("id") or entry.get("name") or entry.get("unit") or entry.get("pattern"))


def _systemd_check_id(entry):
    return "systemd_protection:%s" % (entry.get("id") or entry.get("unit"))


def validate_policy(policy, source="baseline policy"):
    """Raise AnsibleFilterError naming every problem of the policy; return it when valid."""
    problems = _Problems(source)
    if not isinstance(policy, Mapping):
        problems.add("", "must be a mapping with any of the keys %s, got %s" % (", ".join(POLICY_KEYS), type(policy).__name__))
        problems.raise_if_any()
    _unknown_keys(problems, "", policy, POLICY_KEYS)
    if not any(key in policy for key in POLICY_KEYS):
        problems.add("", "defines no check: give at least one of %s" % ", ".join(POLICY_KEYS))
    validators = {
        "runtime_protections": _validate_runtime,
        "systemd_protections": _validate_systemd,
        "early_oom_daemon": _validate_early,
        "sysctl": _validate_sysctl,
        "findings": _validate_findings,
        "pressure": _validate_pressure,
    }
    for key, validator in validators.items():
        if key in policy:
            validator(problems, policy[key])
    if not problems.items:
        seen = {}
        for key, make_id in (("runtime_protections", _runtime_check_id), ("systemd_protections", _systemd_check_id)):
            for index, entry in enumerate(policy.get(key) or []):
                check = make_id(entry)
                if check in seen:
                    problems.add("%s[%d]" % (key, index), "check id %s is also the id of %s; give one of them an id" % (check, seen[check]))
                seen[check] = "%s[%d]" % (key, index)
    problems.raise_if_any()
    return policy


def _parse_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value.strip()):
        try:
            return datetime.datetime.strptime(value.strip(), "%Y-%m-%d").date()
        except ValueError:
            return None
    return None


def _waiver_list(waivers, problems):
    if waivers is None:
        return []
    if isinstance(waivers, Mapping):
        _unknown_keys(problems, "", waivers, ("waivers",))
        waivers = waivers.get("waivers")
        if waivers is None:
            return []
    if not isinstance(waivers, list):
        problems.add("", "must be a list of waivers, or a mapping with the list under waivers, got %s" % type(waivers).__name__)
        return []
    return waivers


def validate_waivers(waivers, source="baseline waivers"):
    """Raise AnsibleFilterError naming every problem; return the waivers as a list of normalised dicts."""
    problems = _Problems(source)
    entries = _waiver_list(waivers, problems)
    normalised = []
    for index, entry in enumerate(entries):
        where = "waivers[%d]" % index
        if not isinstance(entry, Mapping):
            problems.add(where, "must be a mapping {host|group, check|finding, justification, expires}, got %s" % type(entry).__name__)
            continue
        _unknown_keys(problems, where, entry, WAIVER_KEYS)
        scope = [key for key in ("host", "group") if key in entry]
        if len(scope) != 1:
            problems.add(where, "needs exactly one of host (an inventory host name) or group (an inventory group), got %s" % (scope or "none"))
        elif not _is_text(entry[scope[0]]):
            problems.add(where, "%s must be a non-empty string, got %r" % (scope[0], entry[scope[0]]))
        target = [key for key in ("check", "finding") if key in entry]
        check = None
        if len(target) != 1:
            problems.add(where, "needs exactly one of check (a check id: %s) or finding (a finding id), got %s" % (CHECK_ID_FORMS, target or "none"))
        elif target[0] == "finding":
            if entry["finding"] not in FINDING_IDS:
                problems.add(where, "finding must be a finding id (%s), got %r" % (", ".join(FINDING_IDS), entry["finding"]))
            check = "finding:%s" % entry["finding"]
        else:
            match = _CHECK_ID_RE.match(entry["check"]) if isinstance(entry["check"], str) else None
            if not match:
                problems.add(where, "check must be a check id (%s), got %r" % (CHECK_ID_FORMS, entry["check"]))
            elif match.group(1) == "finding" and match.group(2) not in FINDING_IDS:
                problems.add(where, "check %s names no finding id; known ids: %s" % (entry["check"], ", ".join(FINDING_IDS)))
            elif match.group(1) == "sysctl" and match.group(2) not in OOM_SYSCTLS:
                problems.add(where, "check %s names no sysctl oom_facts reads: %s" % (entry["check"], ", ".join(OOM_SYSCTLS)))
            else:
                check = entry["check"]
        if not _is_text(entry.get("justification")):
            problems.add(where, "justification is required: a non-empty string saying why (a ticket, an owner), got %r" % (entry.get("justification"),))
        expires = None
        if entry.get("expires") is not None:
            expires = _parse_date(entry["expires"])
            if expires is None:
                problems.add(where, "expires must be a date YYYY-MM-DD (the last day the waiver holds), got %r" % (entry["expires"],))
        if scope and target:
            normalised.append(
                {
                    "host": entry.get("host"),
                    "group": entry.get("group"),
                    "check": check,
                    "justification": to_text(entry.get("justification") or "").strip(),
                    "expires": expires.isoformat() if expires else None,
                }
            )
    problems.raise_if_any()
    return normalised


def _result(check, passed, message, **evidence):
    return {"check": check, "status": "pass" if passed else "fail", "message": message, "evidence": evidence}


def _usable(section):
    return isinstance(section, Mapping) and section.get("available", True) is not False


def _known_processes(processes):
    """Every process oom_facts lists (top, protected, critical), once per pid."""
    merged = {}
    for key in ("top", "protected", "critical"):
        for proc in processes.get(key) or []:
            if not isinstance(proc, Mapping) or proc.get("pid") is None:
                continue
            entry = merged.setdefault(proc["pid"], {})
            for field, value in proc.items():
                if value is not None or field not in entry:
                    entry[field] = value
    return [merged[pid] for pid in sorted(merged)]


def _proc_brief(proc):
    return {"pid": proc.get("pid"), "comm": proc.get("comm"), "oom_score_adj": proc.get("oom_score_adj"), "unit": proc.get("unit")}


def _process_selector(rule):
    """(predicate on a process dict, words naming the processes) for one runtime protection."""
    if "name" in rule:
        return (lambda proc: proc.get("comm") == rule["name"]), "named %s" % rule["name"]
    if "unit" in rule:
        return (lambda proc: proc.get("unit") == rule["unit"]), "in unit %s" % rule["unit"]
    regex = re.compile(rule["pattern"])
    return (lambda proc: bool(regex.search(proc.get("cmdline") or ""))), "matching /%s/" % rule["pattern"]


def _runtime_checks(rules, facts):
    results = []
    processes = facts.get("processes")
    known = _known_processes(processes) if _usable(processes) else None
    for rule in rules:
        check = _runtime_check_id(rule)
        limit = rule["max_oom_score_adj"]
        required = rule.get("required", True)
        selector, label = _process_selector(rule)
        if known is None:
            results.append(_result(check, False, "no process facts to check processes %s against" % label, max_oom_score_adj=limit))
            continue
        matched = [proc for proc in known if selector(proc)]
        if not matched:
            if required:
                results.append(_result(check, False, "no running process %s (required)" % label, matched=0, max_oom_score_adj=limit, required=True))
            else:
                results.append(_result(check, True, "no running process %s (optional)" % label, matched=0, max_oom_score_adj=limit, required=False))
            continue
        unknown = [proc for proc in matched if not _is_int(proc.get("oom_score_adj"))]
        above = [proc for proc in matched if _is_int(proc.get("oom_score_adj")) and proc["oom_score_adj"] > limit]
        evidence = {
            "matched": len(matched),
            "max_oom_score_adj": limit,
            "required": required,
            "processes": [_proc_brief(proc) for proc in (above + unknown + matched)[:EVIDENCE_PROCESSES]],
        }
        if above or unknown:
            offenders = ", ".join("%s pid %s (%s)" % (proc.get("comm"), proc.get("pid"), proc.get("oom_score_adj")) for proc in (above + unknown)[:5])
            more = " and %d more" % (len(above) + len(unknown) - 5) if len(above) + len(unknown) > 5 else ""
            message = "%d of %d process(es) %s have oom_score_adj above %d or unreadable: %s%s" % (
                len(above) + len(unknown),
                len(matched),
                label,
                limit,
                offenders,
                more,
            )
            results.append(_result(check, False, message, **evidence))
        else:
            highest = max(proc["oom_score_adj"] for proc in matched)
            results.append(_result(check, True, "%d process(es) %s, oom_score_adj at most %d (highest %d)" % (len(matched), label, limit, highest), **evidence))
    return results


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _systemd_checks(rules, units, facts):
    results = []
    systemd = (facts.get("daemons") or {}).get("systemd") if isinstance(facts.get("daemons"), Mapping) else None
    no_systemd = isinstance(systemd, Mapping) and systemd.get("pid1") is False
    for rule in rules:
        check = _systemd_check_id(rule)
        unit = rule["unit"]
        required = rule.get("required", True)
        allowed = _oom_policy_list(rule.get("oom_policy")) if "oom_policy" in rule else None
        limit = rule.get("max_oom_score_adj")
        status = units.get(unit) if isinstance(units, Mapping) else None
        if not isinstance(status, Mapping) and no_systemd:
            # Without systemd as PID 1 no unit is installed: a missing unit, like LoadState=not-found.
            passed = not required
            message = "%s: systemd is not PID 1 on this host (%s)" % (unit, "optional" if passed else "required")
            results.append(_result(check, passed, message, unit=unit, LoadState=None, required=required))
            continue
        if not isinstance(status, Mapping):
            results.append(_result(check, False, "systemd's state of %s was not read" % unit, unit=unit, required=required))
            continue
        load = status.get("LoadState")
        evidence = {
            "unit": unit,
            "LoadState": load,
            "ActiveState": status.get("ActiveState"),
            "OOMScoreAdjust": _int_or_none(status.get("OOMScoreAdjust")),
            "OOMPolicy": status.get("OOMPolicy") or None,
            "max_oom_score_adj": limit,
            "oom_policy": allowed,
            "required": required,
        }
        if load != "loaded":
            what = "not installed" if load == "not-found" else "not loaded"
            if required:
                results.append(_result(check, False, "%s is %s (LoadState=%s) (required)" % (unit, what, load), **evidence))
            else:
                results.append(_result(check, True, "%s is %s (LoadState=%s) (optional)" % (unit, what, load), **evidence))
            continue
        problems = []
        adjust = evidence["OOMScoreAdjust"]
        if limit is not None and (adjust is None or adjust > limit):
            problems.append("OOMScoreAdjust=%s, wanted at most %d" % (status.get("OOMScoreAdjust"), limit))
        if allowed is not None and evidence["OOMPolicy"] not in allowed:
            problems.append("OOMPolicy=%s, wanted %s" % (evidence["OOMPolicy"], " or ".join(allowed)))
        if problems:
            results.append(_result(check, False, "%s: %s" % (unit, "; ".join(problems)), **evidence))
        else:
            parts = []
            if limit is not None:
                parts.append("OOMScoreAdjust=%s (at most %d)" % (adjust, limit))
            if allowed is not None:
                parts.append("OOMPolicy=%s" % evidence["OOMPolicy"])
            results.append(_result(check, True, "%s: %s" % (unit, ", ".join(parts)), **evidence))
    return results


def _early_oom_check(rule, facts):
    wanted = list(DAEMONS) if rule is True else list(rule["daemons"])
    daemons = facts.get("daemons")
    if not _usable(daemons):
        return _result("early_oom_daemon", False, "no daemon facts: cannot tell whether %s runs" % " or ".join(wanted), wanted=wanted)
    running = [name for name in DAEMONS if (daemons.get(DAEMONS[name]) or {}).get("running")]
    installed = [name for name in DAEMONS if (daemons.get(DAEMONS[name]) or {}).get("installed")]
    good = [name for name in running if name in wanted]
    evidence = {"wanted": wanted, "running": running, "installed": installed}
    if good:
        pid = (daemons.get(DAEMONS[good[0]]) or {}).get("pid")
        return _result("early_oom_daemon", True, "%s is running (pid %s)" % (good[0], pid), **evidence)
    message = "no early-OOM daemon running: wanted %s" % " or ".join(wanted)
    if running:
        message += "; running: %s" % ", ".join(running)
    if installed:
        message += "; installed: %s" % ", ".join(installed)
    return _result("early_oom_daemon", False, message, **evidence)


def _sysctl_rule_text(rule):
    if _is_int(rule):
        return "== %d" % rule
    if isinstance(rule, list):
        return "in %s" % rule
    parts = []
    if "eq" in rule:
        parts.append("== %d" % rule["eq"])
    if "in" in rule:
        parts.append("in %s" % rule["in"])
    if "min" in rule:
        parts.append(">= %d" % rule["min"])
    if "max" in rule:
        parts.append("<= %d" % rule["max"])
    return " and ".join(parts)


def _sysctl_ok(rule, value):
    if _is_int(rule):
        return value == rule
    if isinstance(rule, list):
        return value in rule
    return all(
        (
            "eq" not in rule or value == rule["eq"],
            "in" not in rule or value in rule["in"],
            "min" not in rule or value >= rule["min"],
            "max" not in rule or value <= rule["max"],
        )
    )


def _sysctl_checks(rules, facts):
    results = []
    sysctl = facts.get("sysctl")
    values = sysctl.get("values", sysctl) if isinstance(sysctl, Mapping) else None
    for name, rule in rules.items():
        check = "sysctl:%s" % name
        wanted = _sysctl_rule_text(rule)
        value = values.get(sysctl_key(name)) if values is not None else None
        if not _is_int(value):
            why = "no sysctl facts" if values is None else "%s could not be read" % name
            results.append(_result(check, False, "%s: wanted %s" % (why, wanted), name=name, value=None, rule=rule))
            continue
        ok = _sysctl_ok(rule, value)
        results.append(_result(check, ok, "%s = %d%s %s" % (name, value, "," if ok else ", wanted", wanted), name=name, value=value, rule=rule))
    return results


def _finding_checks(rule, facts):
    threshold = SEVERITIES.index(rule["severity"])
    ignore = set(rule.get("ignore") or [])
    findings = facts.get("findings")
    ids = list(rule["ids"]) if rule.get("ids") else list(FINDING_IDS)
    if not rule.get("ids") and isinstance(findings, list):
        # An id a newer oom_facts reports is checked too rather than silently passed.
        ids += sorted({f.get("id") for f in findings if isinstance(f, Mapping) and f.get("id") and f.get("id") not in FINDING_IDS})
    results = []
    for ident in ids:
        if ident in ignore:
            continue
        check = "finding:%s" % ident
        if not isinstance(findings, list):
            results.append(_result(check, False, "findings were not gathered", severity=rule["severity"]))
            continue
        same = [f for f in findings if isinstance(f, Mapping) and f.get("id") == ident]
        bad = [f for f in same if f.get("severity") in SEVERITIES and SEVERITIES.index(f["severity"]) >= threshold]
        evidence = {
            "severity": rule["severity"],
            "findings": [{"severity": f.get("severity"), "message": f.get("message"), "evidence": f.get("evidence")} for f in (bad or same)],
        }
        if bad:
            more = " (and %d more)" % (len(bad) - 1) if len(bad) > 1 else ""
            results.append(_result(check, False, "%s: %s%s" % (bad[0]["severity"], bad[0].get("message"), more), **evidence))
        elif same:
            below = sorted({f.get("severity") for f in same})
            results.append(_result(check, True, "present only below %s (%s)" % (rule["severity"], ", ".join(below)), **evidence))
        else:
            results.append(_result(check, True, "not present", **evidence))
    return results


def _pressure_check(rule, facts):
    pressure = facts.get("pressure")
    limit = rule["max_level"]
    level = pressure.get("level") if isinstance(pressure, Mapping) else None
    if level not in PRESSURE_LEVELS:
        return _result("pressure", False, "the memory pressure level is unknown: wanted at most %s" % limit, level=level, max_level=limit)
    evidence = {
        "level": level,
        "max_level": limit,
        "decided_by": pressure.get("decided_by"),
        "available_percent": ((facts.get("memory") or {}).get("available_percent")),
        "psi_full_avg10": ((pressure.get("full") or {}).get("avg10")),
    }
    ok = PRESSURE_LEVELS.index(level) <= PRESSURE_LEVELS.index(limit)
    detail = " (decided by %s)" % pressure["decided_by"] if pressure.get("decided_by") else ""
    return _result("pressure", ok, "memory pressure is %s%s, %s %s" % (level, detail, "at most" if ok else "wanted at most", limit), **evidence)


def _applies(waiver, host, groups):
    if waiver["host"] is not None:
        return waiver["host"] == host
    return waiver["group"] == "all" or waiver["group"] in groups


def _apply_waivers(results, waivers, host, groups, today):
    for result in results:
        if result["status"] != "fail":
            continue
        matching = [w for w in waivers if w["check"] == result["check"] and _applies(w, host, groups)]
        valid = [w for w in matching if w["expires"] is None or w["expires"] >= today]
        expired = [w for w in matching if w not in valid]
        if valid:
            waiver = valid[0]
            scope = "host %s" % waiver["host"] if waiver["host"] is not None else "group %s" % waiver["group"]
            until = " until %s" % waiver["expires"] if waiver["expires"] else ""
            result["status"] = "waived"
            result["evidence"]["waiver"] = waiver
            result["message"] = "waived for %s%s: %s (failed: %s)" % (scope, until, waiver["justification"], result["message"])
        elif expired:
            result["evidence"]["expired_waivers"] = expired
            result["message"] += " (waiver expired %s: %s)" % (expired[0]["expires"], expired[0]["justification"])
    return results


def oom_baseline(
    facts,
    policy,
    waivers=None,
    *,
    host=None,
    groups=None,
    units=None,
    today=None,
    policy_source="baseline policy",
    waivers_source="baseline waivers",
):
    """One host's OOM facts + policy + waivers -> [{check, status, message, evidence}]."""
    validate_policy(policy, source=policy_source)
    waiver_list = validate_waivers(waivers, source=waivers_source)
    if facts is None:
        facts = {}
    if not isinstance(facts, Mapping):
        raise AnsibleFilterError("oom_baseline: expected the host's ansible_facts.oom (a dict), got %s" % type(facts).__name__)
    if groups is not None and (isinstance(groups, str) or not isinstance(groups, (list, tuple))):
        raise AnsibleFilterError("oom_baseline: groups must be a list of group names, got %s" % type(groups).__name__)
    if units is not None and not isinstance(units, Mapping):
        raise AnsibleFilterError("oom_baseline: units must be a dict of unit name -> systemd properties, got %s" % type(units).__name__)
    if today is None:
        today_date = datetime.datetime.now(datetime.timezone.utc).date()
    else:
        today_date = _parse_date(today)
        if today_date is None:
            raise AnsibleFilterError("oom_baseline: today must be a date YYYY-MM-DD, got %r" % (today,))

    results = []
    if policy.get("runtime_protections"):
        results.extend(_runtime_checks(policy["runtime_protections"], facts))
    if policy.get("systemd_protections"):
        results.extend(_systemd_checks(policy["systemd_protections"], units or {}, facts))
    if policy.get("early_oom_daemon"):
        results.append(_early_oom_check(policy["early_oom_daemon"], facts))
    if policy.get("sysctl"):
        results.extend(_sysctl_checks(policy["sysctl"], facts))
    if policy.get("findings"):
        results.extend(_finding_checks(policy["findings"], facts))
    if policy.get("pressure"):
        results.append(_pressure_check(policy["pressure"], facts))
    return _apply_waivers(results, waiver_list, to_text(host) if host is not None else None, [to_text(g) for g in groups or []], today_date.isoformat())


class FilterModule(object):
    """OOM baseline evaluation."""

    def filters(self):
        return {"oom_baseline": oom_baseline}
