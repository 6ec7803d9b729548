# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""earlyoom's arguments: typed options -> argv, the EARLYOOM_ARGS line and back, version gates."""

import pytest

from ansible_collections.oom.guard.plugins.module_utils import _earlyoom_args as ea

DEBIAN_DEFAULT = """# Default settings for earlyoom. This file is sourced by /bin/sh from
# /etc/init.d/earlyoom or by systemd from earlyoom.service.

# Options to pass to earlyoom
EARLYOOM_ARGS="-r 3600"

# Examples:
# EARLYOOM_ARGS="--avoid '(^|/)(init|X|sshd|firefox)$'"
"""


def test_every_option_rendered_in_a_fixed_order():
    params = {
        "mem_term_percent": 5.0,
        "mem_kill_percent": 2.5,
        "swap_term_percent": 100.0,
        "swap_kill_percent": 100.0,
        "mem_term_kib": 1048576,
        "mem_kill_kib": 524288,
        "swap_term_kib": 2048,
        "swap_kill_kib": 1024,
        "report_interval": 0,
        "prefer": ["^(java|chromium)$"],
        "avoid": ["^sshd$", "(^|/)systemd$"],
        "ignore": ["^postgres$"],
        "pre_kill_hook": "/usr/local/bin/pre",
        "post_kill_hook": "/usr/local/bin/post",
        "ignore_root_user": True,
        "sort_by_rss": True,
        "kill_process_group": True,
        "notify": True,
        "dryrun": True,
        "debug": True,
        "syslog": True,
    }
    args = ea.build_args(params, mem_total_kib=24 * 1024 * 1024)
    assert args == [
        "-m", "5,2.5", "-s", "100,100", "-M", "1048576,524288", "-S", "2048,1024", "-r", "0",
        "--prefer", "^(java|chromium)$", "--avoid", "(^sshd$)|((^|/)systemd$)", "--ignore", "^postgres$",
        "-P", "/usr/local/bin/pre", "-N", "/usr/local/bin/post",
        "--ignore-root-user", "--sort-by-rss", "-g", "-n", "--dryrun", "-d", "--syslog",
    ]  # fmt: skip
    assert ea.unsupported(ea.flags_of(args), "1.8.2") == [("-P", "1.9")]
    assert [flag for flag, _since in ea.unsupported(ea.flags_of(args), "1.7")] == [
        "--ignore", "-P", "--ignore-root-user", "--sort-by-rss", "--syslog",
    ]  # fmt: skip


def test_nothing_set_gives_no_arguments():
    assert ea.build_args({}) == []
    assert ea.render_line([]) == 'EARLYOOM_ARGS=""'


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"mem_term_percent": 100.0}, "mem_term_percent must be a percent from 0.01 to 99, got 100"),
        ({"mem_term_percent": 0.0}, "mem_term_percent must be a percent from 0.01 to 99, got 0"),
        ({"swap_term_percent": 101.0}, "swap_term_percent must be a percent from 0.01 to 100, got 101"),
        ({"mem_term_percent": "5%"}, "mem_term_percent must be a plain number of percent (no % suffix), got '5%'"),
        ({"mem_term_percent": 5.0, "mem_kill_percent": 6.0}, "mem_kill_percent (6) is above mem_term_percent (5)"),
        ({"mem_kill_percent": 2.0}, "mem_kill_percent needs mem_term_percent"),
        ({"mem_term_kib": 100, "mem_kill_kib": 200}, "mem_kill_kib (200) is above mem_term_kib (100)"),
        ({"mem_term_kib": 0}, "mem_term_kib must be at least 1 KiB, got 0"),
        ({"mem_term_kib": 2000}, "mem_term_kib is 2000 KiB, above the host's MemTotal of 1000 KiB"),
        ({"swap_term_kib": 2048}, "swap_term_kib is 2048 KiB, above the host's SwapTotal of 0 KiB"),
        ({"report_interval": -1}, "report_interval must be 0 (off) or a positive number of seconds, got -1"),
        ({"prefer": []}, "prefer must list at least one regex"),
        ({"prefer": ["^(a|b"]}, "prefer: the regex '^(a|b' has an unclosed ("),
        ({"avoid": ["a)"]}, "avoid: the regex 'a)' has a ) without its ("),
        ({"avoid": ["[abc"]}, "avoid: the regex '[abc' has an unclosed [ bracket expression"),
        ({"avoid": ["^Web Content$"]}, "it contains whitespace"),
        ({"avoid": ["'(^|/)sshd$'"]}, "it contains a quote"),
        ({"avoid": ['"sshd"']}, "it contains a quote"),
        ({"avoid": ["Web\\sContent"]}, "it contains a backslash"),
        ({"avoid": ["a`id`"]}, "it contains a backtick"),
        ({"avoid": ["x\nFOO=1"]}, "it contains a newline"),
        ({"avoid": ["$HOME"]}, "it has a $ that is not an end anchor"),
        ({"avoid": ["a\tb"]}, "it contains whitespace"),
        ({"avoid": ["a\x01b"]}, "it contains a control character"),
        ({"avoid": ["^(sshd|a-very-long-daemon)$"]}, "'a-very-long-daemon' can never match"),
        ({"post_kill_hook": "bin/hook"}, "post_kill_hook must be an absolute path, got 'bin/hook'"),
        ({"pre_kill_hook": "/opt/my hook"}, "pre_kill_hook: the path '/opt/my hook' cannot be passed"),
    ],
)
def test_invalid_values_are_refused_naming_the_option(params, message):
    with pytest.raises(ea.ArgsError) as caught:
        ea.build_args(params, mem_total_kib=1000, swap_total_kib=0)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "regex",
    ["^(a|b)$", "(^|/)(init|X|sshd)$", "^x$|^y$", "[[:alpha:]]+{2}", "[]a]", "[^)]", "a#b", "^(java|Isolated_Web_Co)$", "^Écran$"],
)
def test_safe_regexes_pass_and_round_trip_through_the_line(regex):
    args = ea.build_args({"prefer": [regex]})
    line = ea.render_line(args)
    assert ea.current_args(line + "\n") == ["--prefer", regex]


def test_version_table_and_parsing():
    assert ea.version_tuple("1.7") == (1, 7)
    assert ea.version_tuple("v1.8.2") == (1, 8, 2)
    assert ea.version_tuple("1.6.2-34-g75a8852-dirty") == (1, 6, 2)
    with pytest.raises(ea.ArgsError):
        ea.version_tuple("latest")
    assert ea.unsupported(["-m", "--avoid", "-g", "-N", "--dryrun"], "1.7") == []
    assert ea.unsupported(["-g", "--dryrun"], "1.4") == [("-g", "1.7"), ("--dryrun", "1.5")]


def test_debian_default_file_is_parsed_and_other_lines_are_kept():
    assert ea.current_args(DEBIAN_DEFAULT) == ["-r", "3600"]
    updated = ea.render_file(DEBIAN_DEFAULT, ea.render_line(["-m", "5", "-r", "60"]))
    assert 'EARLYOOM_ARGS="-m 5 -r 60"\n' in updated
    assert "# EARLYOOM_ARGS=\"--avoid '(^|/)(init|X|sshd|firefox)$'\"" in updated
    assert updated.count("\n") == DEBIAN_DEFAULT.count("\n")
    assert ea.current_args(updated) == ["-m", "5", "-r", "60"]


def test_later_assignments_are_dropped_and_a_new_file_gets_a_header():
    text = 'A=1\nEARLYOOM_ARGS="-r 1"\n# note\nexport EARLYOOM_ARGS="-m 3"\n'
    assert ea.find_assignments(text) == [1, 3]
    assert ea.current_args(text) == ["-m", "3"]
    assert ea.render_file(text, 'EARLYOOM_ARGS="-d"') == 'A=1\nEARLYOOM_ARGS="-d"\n# note\n'
    assert ea.render_file("", 'EARLYOOM_ARGS="-d"', header=["# managed"]) == '# managed\nEARLYOOM_ARGS="-d"\n'
    assert ea.current_args("# EARLYOOM_ARGS=-d\n") is None


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        # measured on Debian 12 (systemd 252) with earlyoom 1.7: /proc/<pid>/cmdline of the daemon
        ("EARLYOOM_ARGS=\"-r 3600 --avoid '(^|/)(init|X)$'\"", ["-r", "3600", "--avoid", "(^|/)(init|X)$"]),
        ('EARLYOOM_ARGS="-r 3600 --avoid a\\.b --prefer c\\\\d"', ["-r", "3600", "--avoid", "a.b", "--prefer", "cd"]),
        ("EARLYOOM_ARGS=-r 3600 --avoid a\\.b --prefer c\\\\d", ["-r", "3600", "--avoid", "a.b", "--prefer", "cd"]),
        ("EARLYOOM_ARGS=-r 3600 --avoid ^(sshd|systemd)$   --prefer a#b", ["-r", "3600", "--avoid", "^(sshd|systemd)$", "--prefer", "a#b"]),
        ('EARLYOOM_ARGS="-r 3600 --prefer $$a"', ["-r", "3600", "--prefer", "$$a"]),
        ("EARLYOOM_ARGS='-m 5 -p'", ["-m", "5", "-p"]),
    ],
)
def test_existing_lines_parse_as_systemd_hands_them_to_the_daemon(line, argv):
    assert ea.current_args(line + "\n") == argv


def test_unterminated_or_continued_lines_are_refused():
    with pytest.raises(ea.ArgsError, match="unterminated"):
        ea.current_args('EARLYOOM_ARGS="-m 5\n')
    with pytest.raises(ea.ArgsError, match="continues onto the next line"):
        ea.current_args('EARLYOOM_ARGS="-m 5 \\\n-r 1"\n')


def test_unmodelled_arguments_are_found_in_every_getopt_form():
    assert ea.unmodelled_args(["-m", "5", "-p", "--prefer=abc", "-m10", "--debug", "-i", "--bogus", "x"]) == ["-p", "-i", "--bogus", "x"]
    assert ea.unmodelled_args(None) == []
    assert ea.group_args(["-r", "60", "--avoid", "^a$", "-n"]) == [("-r", ["-r", "60"]), ("--avoid", ["--avoid", "^a$"]), ("-n", ["-n"])]


def test_render_line_refuses_unsafe_words():
    with pytest.raises(ea.ArgsError, match="cannot be written"):
        ea.render_line(["--avoid", "a b"])
