# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Properties of the EARLYOOM_ARGS line: what is written is read back word for word, and what could
be bent on the way (quotes, backslashes, whitespace, newlines, '$', control characters) is refused,
never escaped. The reading side is systemd's EnvironmentFile + $VAR parsing as _earlyoom_args models
it; the earlyoom_config and reliability integration targets check the running daemon's real argv.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.oom.guard.plugins.module_utils._earlyoom_args import (
    ArgsError,
    build_args,
    check_regex,
    current_args,
    join_regexes,
    posix_regex_error,
    render_file,
    render_line,
    unsafe_reason,
)

WORD = st.text(alphabet=string.printable + "é€\x00\x7f", min_size=0, max_size=20)
REGEX = st.text(alphabet="^$()|[]:.*+?{},-_ab019/" + "\"'\\ `\n", min_size=1, max_size=16)
DEBIAN_FILE = '# Default settings for earlyoom\n#EARLYOOM_ARGS="-r 60"\nEARLYOOM_ARGS="-r 3600"\nOTHER=1\n'


@settings(max_examples=500)
@given(st.lists(WORD, min_size=1, max_size=6))
def test_a_line_is_written_only_when_every_word_comes_back_unchanged(words):
    unsafe = [word for word in words if unsafe_reason(word)]
    try:
        line = render_line(words)
    except ArgsError as exc:
        assert unsafe and repr(unsafe[0]) in str(exc)
        return
    assert not unsafe
    assert "\n" not in line
    text = render_file(DEBIAN_FILE, line)
    assert current_args(text) == words
    # Every other line of the file is kept; exactly one assignment remains.
    kept = [existing for existing in DEBIAN_FILE.splitlines() if not existing.startswith("EARLYOOM_ARGS=")]
    assert [existing for existing in text.splitlines() if existing != line] == kept


@settings(max_examples=500)
@given(REGEX)
def test_a_regex_is_refused_or_carried_and_compiled(regex):
    try:
        check_regex("avoid", regex)
    except ArgsError as exc:
        assert str(exc).startswith("avoid: ")
        return
    assert unsafe_reason(regex) is None
    assert posix_regex_error(regex) is None


@settings(max_examples=200)
@given(st.lists(REGEX, min_size=1, max_size=4))
def test_joined_accepted_regexes_still_compile(regexes):
    accepted = []
    for regex in regexes:
        try:
            check_regex("prefer", regex)
        except ArgsError:
            continue
        accepted.append(regex)
    if accepted:
        assert posix_regex_error(join_regexes(accepted)) is None


PERCENT = st.floats(min_value=0.01, max_value=99, allow_nan=False).map(lambda value: round(value, 2))
PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "mem_term_percent": PERCENT,
        "swap_term_percent": PERCENT,
        "mem_term_kib": st.integers(min_value=1, max_value=10**6),
        "report_interval": st.integers(min_value=0, max_value=86400),
        "prefer": st.lists(st.sampled_from(["^(java|chromium)$", "(^|/)firefox$", "^[[:alpha:]]+-[0-9]+$", "x$|y"]), min_size=1, max_size=3),
        "avoid": st.lists(st.sampled_from(["^(sshd|systemd)$", "^Xorg$", "^(postgres|mysqld)$"]), min_size=1, max_size=2),
        "post_kill_hook": st.sampled_from(["/usr/local/bin/hook", "/opt/x/bin/on-kill.py"]),
        "notify": st.booleans(),
        "kill_process_group": st.booleans(),
        "debug": st.booleans(),
    },
)


@settings(max_examples=300)
@given(PARAMS)
def test_typed_options_round_trip_through_the_file(params):
    args = build_args(params, mem_total_kib=2 * 10**6, swap_total_kib=0)
    text = render_file(DEBIAN_FILE, render_line(args))
    assert current_args(text) == args
    assert render_file(text, render_line(args)) == text
