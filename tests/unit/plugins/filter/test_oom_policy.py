# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The protect policy overlay and the earlyoom lists derived from it."""

import re

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.oom.guard.plugins.filter import oom_policy

with open(__file__.split("/tests/", maxsplit=1)[0] + "/roles/protect/defaults/main.yml") as handle:
    DEFAULTS = yaml.safe_load(handle)["protect_policy_default"]


def test_default_policy_is_valid_and_complete():
    rules = oom_policy.protect_rules(DEFAULTS)
    assert [rule["name"] for rule in rules] == ["browsers_and_ides", "databases", "sshd", "system_daemons", "web_servers"]
    sshd = rules[2]
    assert sshd == {
        "name": "sshd",
        "description": DEFAULTS["sshd"]["description"],
        "oom_score_adj": -900,
        "mode": "at_most",
        "names": [],
        "patterns": DEFAULTS["sshd"]["patterns"],
        "units": [],
        "earlyoom_names": ["sshd"],
        "systemd": {},
    }
    assert all(rule["oom_score_adj"] < 0 for rule in rules if rule["name"] != "browsers_and_ides")
    assert dict((rule["name"], rule["mode"]) for rule in rules) == {
        "browsers_and_ides": "at_least",
        "databases": "at_most",
        "sshd": "at_most",
        "system_daemons": "at_most",
        "web_servers": "at_most",
    }


@pytest.mark.parametrize(
    ("cmdline", "listener"),
    [
        ("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", True),  # OpenSSH 9.x proctitle
        ("/usr/sbin/sshd -D", True),
        ("/usr/bin/sshd -D -f /etc/ssh/sshd_config", True),
        ("/usr/sbin/sshd -D -R", False),  # re-exec'd per-connection child
        ("/usr/sbin/sshd -i", False),  # inetd / socket-activated connection
        ("sshd: alice@pts/0", False),
        ("sshd: root [priv]", False),
        ("sshd: [accepted]", False),
        ("vi /usr/sbin/sshd", False),
    ],
)
def test_default_sshd_rule_matches_only_the_listener(cmdline, listener):
    assert bool(re.search(DEFAULTS["sshd"]["patterns"][0], cmdline)) is listener


def test_mode_can_be_chosen_and_is_checked():
    rules = oom_policy.protect_rules({}, {"db": {"oom_score_adj": -500, "names": ["postgres"], "mode": "exact"}, "zero": {"oom_score_adj": 0, "names": ["x"]}})
    assert [(rule["name"], rule["mode"]) for rule in rules] == [("db", "exact"), ("zero", "exact")]


def test_overlay_replaces_fields_adds_and_drops_rules():
    rules = oom_policy.protect_rules(
        DEFAULTS,
        {
            "databases": {"units": ["postgresql@15-main.service"]},
            "workers": {"oom_score_adj": 500, "patterns": ["celery .*-Q ingest"], "systemd": {"memory_max": "3G"}},
            "browsers_and_ides": {"enabled": False},
        },
    )
    by_name = dict((rule["name"], rule) for rule in rules)
    assert sorted(by_name) == ["databases", "sshd", "system_daemons", "web_servers", "workers"]
    assert by_name["databases"]["units"] == ["postgresql@15-main.service"]
    assert by_name["databases"]["names"] == DEFAULTS["databases"]["names"]
    assert by_name["databases"]["systemd"] == {"oom_policy": "continue"}
    assert by_name["workers"]["systemd"] == {"memory_max": "3G"}


@pytest.mark.parametrize(
    ("overlay", "message"),
    [
        ({"x": {"oom_score_adj": -17000, "names": ["a"]}}, "rule 'x': oom_score_adj must be an integer from -1000 to 1000, got -17000"),
        ({"x": {"oom_score_adj": "-500", "names": ["a"]}}, "rule 'x': oom_score_adj must be an integer from -1000 to 1000, got '-500'"),
        ({"x": {"oom_score_adj": 5}}, "rule 'x': names, patterns or units must be given"),
        ({"x": {"oom_score_adj": 5, "names": ["a-very-long-command"]}}, "command names of at most 15 bytes"),
        ({"x": {"oom_score_adj": 5, "patterns": ["("]}}, "rule 'x': patterns must be valid regular expressions"),
        ({"x": {"oom_score_adj": 5, "names": ["a"], "colour": "red"}}, "rule 'x': every field must be one of"),
        ({"x": {"oom_score_adj": 5, "units": ["a.service"], "systemd": {"MemoryMax": "1G"}}}, "rule 'x': systemd must be settings among"),
        ({"sshd": {"enabled": "no"}}, "rule 'sshd': enabled must be true or false"),
        ({"sshd": "off"}, "rule 'sshd': the rule must be a dict"),
        ({"x": {"oom_score_adj": -5, "names": ["a"], "mode": "max"}}, "rule 'x': mode must be one of exact, at_most, at_least, got 'max'"),
        (
            {"x": {"oom_score_adj": -5, "units": ["a.service"], "earlyoom_names": ["a" * 16]}},
            "rule 'x': earlyoom_names must be command names of at most 15 bytes",
        ),
    ],
)
def test_bad_rules_are_refused_naming_rule_and_field(overlay, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        oom_policy.protect_rules(DEFAULTS, overlay)


def test_earlyoom_lists_follow_the_policy():
    lists = oom_policy.earlyoom_lists(oom_policy.protect_rules(DEFAULTS))
    avoid, prefer = re.compile(lists["avoid"]), re.compile(lists["prefer"])
    for comm in ("sshd", "postgres", "systemd-journal", "nginx"):
        assert avoid.search(comm), comm
        assert not prefer.search(comm), comm
    for comm in ("firefox", "Web Content", "code"):
        assert prefer.search(comm), comm
        assert not avoid.search(comm), comm
    # Whole names only: a prefix or a longer name is not the same process.
    assert not avoid.search("sshd-session-helper")
    assert not prefer.search("vscode")
    assert not re.search(r"\s|\\", lists["avoid"] + lists["prefer"])


def test_earlyoom_lists_are_empty_without_rules_of_a_sign():
    assert oom_policy.earlyoom_lists([]) == {"avoid": None, "prefer": None}
    with pytest.raises(AnsibleFilterError, match="expects the list protect_rules returns"):
        oom_policy.earlyoom_lists({"a": 1})
