# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Properties of _systemd_dropin: unit names agree with systemd's own rules, drop-ins round-trip.

The oracle for unit names is systemd itself: ``systemd-escape --mangle NAME`` returns NAME unchanged
exactly when systemd's unit_name_is_valid() accepts it (otherwise it escapes, appends .service,
or fails). It runs on this machine when systemd-escape is installed (Debian 12: systemd 252).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import string
import subprocess

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ansible_collections.oom.guard.plugins.module_utils._systemd_dropin import (
    SETTINGS,
    UNIT_NAME_MAX,
    UNIT_TYPES,
    DropinError,
    parse_dropin,
    parse_unit_name,
    plan_settings,
    render,
    validate_dropin_name,
)

SYSTEMD_ESCAPE = shutil.which("systemd-escape")
needs_systemd_escape = pytest.mark.skipif(SYSTEMD_ESCAPE is None, reason="systemd-escape is not installed here")


def systemd_accepts(name):
    """systemd's verdict on a unit name (unit_name_is_valid, any form), through systemd-escape."""
    proc = subprocess.run([SYSTEMD_ESCAPE, "--mangle", "--", name], capture_output=True, check=False)
    return proc.returncode == 0 and proc.stdout.decode("utf-8", "surrogateescape").rstrip("\n") == name


def ours_accepts(name):
    try:
        parse_unit_name(name)
    except DropinError:
        return False
    return True


# Names built from the pieces that matter: valid characters, '@' in every position, dots, the
# characters systemd refuses ('/', space, newline, quotes, '$', non-ASCII), real and made-up
# suffixes, and lengths around the 255-character limit.
PIECES = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + ":-_.\\", min_size=1, max_size=12),
    st.sampled_from(["@", ".", "..", "-", "/", " ", "\n", "\t", '"', "'", "$", "é", "*", "[", "%", "~", "x" * 120]),
)
SUFFIX = st.one_of(st.sampled_from(["." + unit_type for unit_type in UNIT_TYPES]), st.sampled_from(["", ".", ".bogus", ".Service", ".service.", ".conf"]))
NAMES = st.builds(lambda parts, suffix: "".join(parts) + suffix, st.lists(PIECES, max_size=6), SUFFIX)


@needs_systemd_escape
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NAMES)
@example("foo.service")
@example("@foo.service")
@example("foo@.service")
@example("foo@bar@.service")
@example(".service")
@example("x" * (UNIT_NAME_MAX - len(".service")) + ".service")
@example("x" * (UNIT_NAME_MAX - len(".service") + 1) + ".service")
@example("-.slice")
@example("a/b.service")
@example("é.service")
def test_unit_name_validation_agrees_with_systemd(name):
    assume(name and not name.startswith("-") and "\0" not in name)
    assert ours_accepts(name) == systemd_accepts(name), name


@needs_systemd_escape
@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda text: "\0" not in text), st.sampled_from(["service", "slice", "scope", "socket"]))
def test_every_name_systemd_escape_produces_is_accepted(text, suffix):
    proc = subprocess.run([SYSTEMD_ESCAPE, "--suffix=" + suffix, "--", text], capture_output=True, check=True)
    escaped = proc.stdout.decode("ascii").rstrip("\n")
    assert ours_accepts(escaped) == (len(escaped) <= UNIT_NAME_MAX)


@given(st.text(max_size=300))
def test_names_with_path_or_control_characters_are_always_refused(name):
    if "/" in name or "\0" in name or "\n" in name or any(ord(ch) < 32 for ch in name):
        assert not ours_accepts(name)


@given(st.text(max_size=300))
def test_an_accepted_drop_in_name_is_one_plain_conf_file(name):
    try:
        validate_dropin_name(name)
    except DropinError:
        return
    assert os.path.basename(name) == name and name not in (".", "..")
    assert name.endswith(".conf") and not name.startswith(".")
    assert not any(ch.isspace() or ord(ch) < 32 for ch in name)
    assert len(name.encode("utf-8")) <= 255


SIZE = st.one_of(
    st.just("infinity"),
    st.builds("{}{}".format, st.integers(min_value=1, max_value=2**20), st.sampled_from(["", "K", "M", "G", "T"])),
    st.builds("{}%".format, st.integers(min_value=1, max_value=100)),
)
VALUES = {
    "oom_score_adjust": st.integers(min_value=-1000, max_value=1000),
    "oom_policy": st.sampled_from(["continue", "stop", "kill"]),
    "memory_accounting": st.booleans(),
    "memory_min": SIZE,
    "memory_low": SIZE,
    "memory_high": SIZE,
    "memory_max": SIZE,
    "memory_swap_max": SIZE,
    "managed_oom_swap": st.sampled_from(["auto", "kill"]),
    "managed_oom_memory_pressure": st.sampled_from(["auto", "kill"]),
    "managed_oom_memory_pressure_limit": st.builds("{}%".format, st.integers(min_value=0, max_value=100)),
    "managed_oom_preference": st.sampled_from(["none", "avoid", "omit"]),
}
assert set(VALUES) == set(entry["option"] for entry in SETTINGS)


@settings(max_examples=300)
@given(st.fixed_dictionaries({}, optional=VALUES), st.sampled_from(["service", "slice", "scope", "socket", "mount", "swap"]))
def test_render_then_parse_gives_back_every_setting(settings_given, unit_type):
    unit = parse_unit_name("oomguard-prop." + unit_type)
    try:
        planned = plan_settings(unit, settings_given, systemd_version=252)
    except DropinError as exc:
        # Only a setting that does not apply to this unit type is refused here.
        assert "does not apply to .%s units" % unit_type in str(exc)
        return
    text = render(planned["section"], planned["entries"])
    parsed = parse_dropin(text)
    assert list(parsed) == [planned["section"]]
    assert parsed[planned["section"]] == dict(planned["entries"])
    assert len(text.splitlines()) == len(planned["entries"]) + 2
