# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documentation: protect_rules.yml and earlyoom_lists.yml beside this file.

import re

from ansible.errors import AnsibleFilterError

_FIELDS = ("description", "oom_score_adj", "mode", "names", "patterns", "units", "earlyoom_names", "systemd", "enabled")
_MODES = ("exact", "at_most", "at_least")
_SYSTEMD_KEYS = (
    "oom_policy",
    "memory_accounting",
    "memory_min",
    "memory_low",
    "memory_high",
    "memory_max",
    "memory_swap_max",
    "managed_oom_swap",
    "managed_oom_memory_pressure",
    "managed_oom_memory_pressure_limit",
    "managed_oom_preference",
)
# POSIX ERE specials that a bracket expression makes literal; earlyoom matches its regexes against
# the 15-byte comm.
_ERE_SPECIAL = re.compile(r"([.$*+?()\[\]{}|])")
# What earlyoom's argument line cannot carry, or a bracket cannot hold alone: matched as any char.
_ERE_ANY = re.compile(r"[\s^\\]")


def _fail(rule, field, form, value):
    raise AnsibleFilterError("protect policy rule %r: %s must be %s, got %r" % (rule, field, form, value))


def _strings(rule, field, value, max_bytes=None):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        _fail(rule, field, "a list of non-empty strings", value)
    if max_bytes:
        for item in value:
            if len(item.encode("utf-8")) > max_bytes:
                _fail(rule, field, "command names of at most %d bytes (the kernel's comm)" % max_bytes, item)
    return list(value)


def _rule(name, rule):
    if not isinstance(rule, dict):
        _fail(name, "the rule", "a dict", rule)
    unknown = sorted(set(rule) - set(_FIELDS))
    if unknown:
        _fail(name, "every field", "one of %s" % ", ".join(_FIELDS), unknown)
    adj = rule.get("oom_score_adj")
    if isinstance(adj, bool) or not isinstance(adj, int) or not -1000 <= adj <= 1000:
        _fail(name, "oom_score_adj", "an integer from -1000 to 1000", adj)
    patterns = _strings(name, "patterns", rule.get("patterns"))
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            _fail(name, "patterns", "valid regular expressions (%s)" % exc, pattern)
    # A protecting rule never weakens a stronger value (OpenSSH's own -1000 on its listener), a
    # sacrificing rule never spares a likelier victim; `exact` enforces the value both ways.
    mode = rule.get("mode")
    if mode is None:
        mode = "at_most" if adj < 0 else "at_least" if adj > 0 else "exact"
    elif mode not in _MODES:
        _fail(name, "mode", "one of %s" % ", ".join(_MODES), mode)
    systemd = rule.get("systemd") or {}
    if not isinstance(systemd, dict):
        _fail(name, "systemd", "a dict of systemd_oom_dropin settings", systemd)
    unknown = sorted(set(systemd) - set(_SYSTEMD_KEYS))
    if unknown:
        _fail(name, "systemd", "settings among %s" % ", ".join(_SYSTEMD_KEYS), unknown)
    result = {
        "name": name,
        "description": rule.get("description") or "",
        "oom_score_adj": adj,
        "mode": mode,
        "names": _strings(name, "names", rule.get("names"), max_bytes=15),
        "patterns": patterns,
        "units": _strings(name, "units", rule.get("units")),
        "earlyoom_names": _strings(name, "earlyoom_names", rule.get("earlyoom_names"), max_bytes=15),
        "systemd": dict(systemd),
    }
    if not (result["names"] or result["patterns"] or result["units"]):
        _fail(name, "names, patterns or units", "given (a rule must select something)", None)
    return result


def protect_rules(default, overlay=None):
    """Overlay ``overlay`` on ``default`` and return the enabled rules, validated."""
    if not isinstance(default, dict):
        raise AnsibleFilterError("protect_rules expects the default policy as a dict of rules, got %s" % type(default).__name__)
    overlay = overlay or {}
    if not isinstance(overlay, dict):
        raise AnsibleFilterError("protect_rules expects the overlay (protect_policy) as a dict of rules, got %s" % type(overlay).__name__)
    merged = {}
    for name in sorted(set(default) | set(overlay)):
        rule = dict(default.get(name) or {})
        extra = overlay.get(name)
        if extra is not None and not isinstance(extra, dict):
            _fail(name, "the rule", "a dict", extra)
        rule.update(extra or {})
        enabled = rule.get("enabled", True)
        if not isinstance(enabled, bool):
            _fail(name, "enabled", "true or false", enabled)
        if enabled:
            merged[name] = _rule(name, rule)
    return [merged[name] for name in sorted(merged)]


def _ere(name):
    """An ERE that matches exactly this comm: specials bracketed; whitespace, '^' and '\\' become '.'
    (earlyoom's argument line cannot carry whitespace or a backslash; '[^]' is not a bracket)."""
    return _ERE_ANY.sub(".", _ERE_SPECIAL.sub(r"[\1]", name))


def earlyoom_lists(rules):
    """{'avoid': regex or None, 'prefer': regex or None} from protect rules: the command names
    (``names`` and ``earlyoom_names``) of rules with a negative oom_score_adj are avoided, those
    with a positive one preferred."""
    if not isinstance(rules, list):
        raise AnsibleFilterError("earlyoom_lists expects the list protect_rules returns, got %s" % type(rules).__name__)
    avoid, prefer = [], []
    for rule in rules:
        target = avoid if rule["oom_score_adj"] < 0 else prefer if rule["oom_score_adj"] > 0 else None
        if target is not None:
            target.extend(name for name in rule["names"] + rule.get("earlyoom_names", []) if name not in target)
    return dict((key, "^(%s)$" % "|".join(_ere(name) for name in names) if names else None) for key, names in (("avoid", avoid), ("prefer", prefer)))


class FilterModule(object):
    def filters(self):
        return {"protect_rules": protect_rules, "earlyoom_lists": earlyoom_lists}
