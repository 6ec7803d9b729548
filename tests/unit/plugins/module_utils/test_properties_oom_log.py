# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel-log parser on real logs mutated at random: it never raises and never invents a kill.

"Invents" means an event without its evidence in the text: every event's pid stands in the log,
there are never more kernel kills than lines that record a kill (the "Killed process" line, the
older "Kill process ... score" selection, or the "oom-kill:" summary), never more earlyoom kills
than "sending SIG" lines, never more systemd-oomd kills than "Killed /... due to" lines; and with
every evidence line removed nothing is left.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.oom.guard.plugins.module_utils._oom_log import parse_kernel_log

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "kernel_logs")
LOGS = {}
for _name in sorted(os.listdir(FIXTURES)):
    with open(os.path.join(FIXTURES, _name), encoding="utf-8") as _handle:
        LOGS[_name] = _handle.read().splitlines()
BOOT = 1700000000
NOW = 1800000000

EVIDENCE = {
    "kernel_oom_kill": re.compile(r"[Kk]ill(ed)? process|oom-kill:"),
    "earlyoom_kill": re.compile(r"sending SIG"),
    "systemd_oomd_kill": re.compile(r"(Killed|Marked) /"),
}
ANY_EVIDENCE = re.compile("|".join(pattern.pattern for pattern in EVIDENCE.values()))
NOISE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


def _mutate(lines, operations):
    lines = list(lines)
    for operation, position, extra in operations:
        if not lines:
            break
        index = position % len(lines)
        line = lines[index]
        if operation == "drop":
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, line)
        elif operation == "swap" and index + 1 < len(lines):
            lines[index], lines[index + 1] = lines[index + 1], line
        elif operation == "truncate":
            lines[index] = line[: len(extra) % (len(line) + 1)]
        elif operation == "insert":
            lines.insert(index, extra)
        elif operation == "splice":
            cut = len(extra) % (len(line) + 1)
            lines[index] = line[:cut] + extra + line[cut:]
        elif operation == "digits":
            shift = len(extra)
            lines[index] = re.sub(r"\d", lambda match, shift=shift: str((int(match.group()) + shift) % 10), line, count=1 + shift % 3)
    return lines


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["drop", "duplicate", "swap", "truncate", "insert", "splice", "digits"]), st.integers(min_value=0, max_value=10000), NOISE),
    max_size=25,
)


def _assert_no_invented_kill(lines, result):
    text = "\n".join(lines)
    assert result["read_error"] is None
    for event in result["events"]:
        if event.get("pid") is not None:
            assert re.search(r"(?<!\d)%d(?!\d)" % event["pid"], text), event
    for kind, pattern in EVIDENCE.items():
        evidence = sum(1 for line in lines if pattern.search(line))
        assert sum(1 for event in result["events"] if event["kind"] == kind) <= evidence, kind


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(LOGS)), OPERATIONS, st.booleans())
def test_mutated_real_logs_never_raise_and_never_invent_a_kill(name, operations, as_bytes):
    lines = _mutate(LOGS[name], operations)
    source = "\n".join(lines).encode("utf-8", "surrogatepass") if as_bytes else lines
    result = parse_kernel_log(source, boot_time=BOOT, now=NOW)
    _assert_no_invented_kill(lines, result)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(LOGS)), OPERATIONS)
def test_without_its_evidence_lines_a_mutated_log_has_no_kill(name, operations):
    lines = [line for line in _mutate(LOGS[name], operations) if not ANY_EVIDENCE.search(line)]
    assert parse_kernel_log(lines, boot_time=BOOT, now=NOW)["events"] == []


@settings(max_examples=300, deadline=None)
@given(st.lists(NOISE.filter(lambda line: not ANY_EVIDENCE.search(line)), max_size=40))
def test_arbitrary_text_without_evidence_has_no_kill(lines):
    assert parse_kernel_log(lines, boot_time=BOOT, now=NOW)["events"] == []


def test_the_fixtures_hold_kills_of_every_kind():
    # The mutation tests start from logs that really contain kills, or they would prove little.
    kinds = set()
    for lines in LOGS.values():
        kinds.update(event["kind"] for event in parse_kernel_log(lines, boot_time=BOOT, now=NOW)["events"])
    assert kinds == set(EVIDENCE)
