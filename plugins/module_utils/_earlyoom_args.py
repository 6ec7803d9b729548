# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""earlyoom's command line: typed options -> argv, the EARLYOOM_ARGS line, and back.

Private to oom.guard (the leading underscore). Pure functions, standard library only.

How the arguments reach earlyoom on Debian: ``earlyoom.service`` has
``EnvironmentFile=-/etc/default/earlyoom`` and ``ExecStart=/usr/bin/earlyoom $EARLYOOM_ARGS``.
Two parsers sit between the file and the daemon's argv: systemd's environment-file parser (quotes
and backslashes, its own rules) and the ``$VAR`` expansion of ExecStart (split at whitespace, and
on systemd 252 quotes and backslashes removed again). The same file is sourced by ``/bin/sh`` from
the SysV init script. Measured on Debian 12 (systemd 252, earlyoom 1.7): a value in double quotes
whose words hold no whitespace, quote, backslash or backtick reaches the daemon word for word,
``$`` included when it ends a word or is followed by ``)`` or ``|`` (the places an ERE anchor goes);
``'(^|/)x$'`` loses its quotes, ``a\\.b`` becomes ``a.b``, ``c\\\\d`` becomes ``cd``. So the
rendering is ``EARLYOOM_ARGS="w1 w2 ..."`` and every word that could be bent on the way is refused
(``unsafe_reason``) instead of escaped.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    import ctypes
except ImportError:  # a Python built without ctypes: the structural checks below still apply
    ctypes = None

VARIABLE = "EARLYOOM_ARGS"
DEFAULT_PATH = "/etc/default/earlyoom"
COMM_MAX_BYTES = 15
# earlyoom 1.7 refuses -m above 99 ("exceeds limit 99"); -s accepts 100.
MEM_PERCENT_MAX = 99
SWAP_PERCENT_MAX = 100

# The earlyoom release that added each option (README changelog and help text of each release,
# the 1.7 binary's own -h, earlyoom PR #348 for -P which came after 1.8.2).
OPTION_SINCE = {
    "-m": "0.6",
    "-s": "0.6",
    "-M": "0.12",
    "-S": "0.12",
    "-r": "0.12",
    "-d": "0.7",
    "-n": "1.0",
    "--prefer": "1.0",
    "--avoid": "1.0",
    "--dryrun": "1.5",
    "-g": "1.7",
    "-N": "1.7",
    "--ignore": "1.8",
    "--ignore-root-user": "1.8",
    "--sort-by-rss": "1.8",
    "--syslog": "1.8",
    "-P": "1.9",
}

# The on/off options and their flags.
FLAGS = {
    "ignore_root_user": "--ignore-root-user",
    "sort_by_rss": "--sort-by-rss",
    "kill_process_group": "-g",
    "notify": "-n",
    "dryrun": "--dryrun",
    "debug": "-d",
    "syslog": "--syslog",
}
REGEX_OPTIONS = ("prefer", "avoid", "ignore")
HOOK_OPTIONS = ("pre_kill_hook", "post_kill_hook")
THRESHOLDS = (
    # (term option, kill option, flag, unit)
    ("mem_term_percent", "mem_kill_percent", "-m", "percent"),
    ("swap_term_percent", "swap_kill_percent", "-s", "percent"),
    ("mem_term_kib", "mem_kill_kib", "-M", "kib"),
    ("swap_term_kib", "swap_kill_kib", "-S", "kib"),
)

# What earlyoom's getopt takes: flags with a value, flags without, and their long aliases.
_WITH_VALUE = {"-m", "-s", "-M", "-S", "-r", "-N", "-P", "--prefer", "--avoid", "--ignore"}
_WITHOUT_VALUE = {"-n", "-g", "-d", "-p", "-i", "-k", "--dryrun", "--ignore-root-user", "--sort-by-rss", "--syslog"}
_ALIASES = {"--debug": "-d"}
_MODELLED = set(OPTION_SINCE)

_ASSIGNMENT_RE = re.compile(r"^\s*(?:export\s+)?" + VARIABLE + r"\s*=")
_ANCHORED_NAMES_RE = re.compile(r"^\^\(?([A-Za-z0-9_:@+.-]+(?:\|[A-Za-z0-9_:@+.-]+)*)\)?\$$")
_VERSION_RE = re.compile(r"^v?(\d+(?:\.\d+)*)")


class ArgsError(ValueError):
    """A value that earlyoom would refuse or that cannot be carried to it intact."""


# -- versions -----------------------------------------------------------------------------------
def version_tuple(text):
    """'1.7' / 'v1.8.2' / '1.6.2-34-g75a8852' -> (1, 7) / (1, 8, 2) / (1, 6, 2); ArgsError if none."""
    match = _VERSION_RE.match((text or "").strip())
    if not match:
        raise ArgsError("cannot read an earlyoom version from %r (expected a version such as 1.7 or 1.8.2)" % (text,))
    return tuple(int(part) for part in match.group(1).split("."))


def unsupported(flags, version):
    """[(flag, since)] of ``flags`` that earlyoom ``version`` does not have, in the given order."""
    have = version_tuple(version)
    missing = []
    for flag in flags:
        since = OPTION_SINCE.get(flag)
        if since is not None and have < version_tuple(since):
            missing.append((flag, since))
    return missing


# -- safety of one word -------------------------------------------------------------------------
def unsafe_reason(word):
    """Why ``word`` cannot reach earlyoom intact through EARLYOOM_ARGS, or None when it can."""
    if word == "":
        return "it is empty"
    for char in word:
        if char in "\n\r":
            return "it contains a newline (it would end the line and could start another assignment)"
        if char.isspace():
            return "it contains whitespace (systemd splits $EARLYOOM_ARGS at whitespace)"
        if char in "\"'":
            return "it contains a quote (systemd's EnvironmentFile and $VAR parsers remove quotes)"
        if char == "\\":
            return "it contains a backslash (systemd's parsers consume backslashes)"
        if char == "`":
            return "it contains a backtick (command substitution when /bin/sh sources the file)"
        if ord(char) < 32 or ord(char) == 127:
            return "it contains a control character"
    for index, char in enumerate(word):
        if char == "$" and index + 1 < len(word) and word[index + 1] not in ")|":
            return "it has a $ that is not an end anchor (only $ at the end or before ) or | is carried unchanged)"
    return None


def check_regex(name, regex):
    """Raise ArgsError when ``regex`` cannot be carried, is unbalanced or can never match a comm."""
    reason = unsafe_reason(regex)
    if reason:
        raise ArgsError("%s: the regex %r cannot be passed through %s safely: %s" % (name, regex, VARIABLE, reason))
    depth = 0
    index = 0
    while index < len(regex):
        char = regex[index]
        if char == "[":
            # a bracket expression: ']' right after '[' or '[^' is literal; [:class:] nests.
            end = index + 1
            if end < len(regex) and regex[end] == "^":
                end += 1
            if end < len(regex) and regex[end] == "]":
                end += 1
            while end < len(regex) and regex[end] != "]":
                if regex[end] == "[" and end + 1 < len(regex) and regex[end + 1] in ":.=":
                    close = regex.find(regex[end + 1] + "]", end + 2)
                    end = close + 2 if close != -1 else len(regex)
                    continue
                end += 1
            if end >= len(regex):
                raise ArgsError("%s: the regex %r has an unclosed [ bracket expression" % (name, regex))
            index = end + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ArgsError("%s: the regex %r has a ) without its (" % (name, regex))
        index += 1
    if depth:
        raise ArgsError("%s: the regex %r has an unclosed (" % (name, regex))
    error = posix_regex_error(regex)
    if error:
        raise ArgsError(
            "%s: the regex %r is not a valid POSIX extended regex (earlyoom compiles it with regcomp and exits on an error): %s" % (name, regex, error)
        )
    match = _ANCHORED_NAMES_RE.match(regex)
    if match:
        for literal in match.group(1).split("|"):
            if len(literal.encode("utf-8")) > COMM_MAX_BYTES:
                raise ArgsError(
                    "%s: %r can never match: earlyoom matches the comm, which the kernel cuts to %d bytes (%r)"
                    % (name, literal, COMM_MAX_BYTES, literal.encode("utf-8")[:COMM_MAX_BYTES].decode("utf-8", "ignore"))
                )


# regcomp(3) flags earlyoom compiles --prefer/--avoid/--ignore with (REG_EXTENDED | REG_NOSUB).
_REG_EXTENDED = 1
_REG_NOSUB = 8
_REGEX_T_BYTES = 1024  # more than any libc's regex_t (glibc: 64 bytes)


def posix_regex_error(regex):
    """regcomp(3)'s error for ``regex`` as earlyoom compiles it, None when it compiles or when the C
    library cannot be reached (no ctypes). Same library as earlyoom on the host, so the same verdict."""
    if ctypes is None:
        return None
    try:
        libc = ctypes.CDLL(None)
        regcomp, regerror, regfree = libc.regcomp, libc.regerror, libc.regfree
    except (OSError, AttributeError):
        return None
    regcomp.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    regcomp.restype = ctypes.c_int
    regerror.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    regfree.argtypes = [ctypes.c_void_p]
    compiled = ctypes.create_string_buffer(_REGEX_T_BYTES)
    code = regcomp(compiled, regex.encode("utf-8"), _REG_EXTENDED | _REG_NOSUB)
    if code == 0:
        regfree(compiled)
        return None
    message = ctypes.create_string_buffer(256)
    regerror(code, compiled, message, len(message))
    return message.value.decode("utf-8", "replace") or "error %d" % code


def join_regexes(regexes):
    """One ERE for earlyoom (it keeps only the last --prefer/--avoid/--ignore): (a)|(b) for several."""
    if len(regexes) == 1:
        return regexes[0]
    return "|".join("(%s)" % regex for regex in regexes)


# -- typed options -> argv ----------------------------------------------------------------------
def _number(value):
    """5.0 -> '5', 2.25 -> '2.25' (earlyoom reads both; never a % suffix)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = repr(value) if isinstance(value, float) else str(value)
    return text


def _threshold(params, names, mem_total_kib, swap_total_kib):
    term_name, kill_name, _flag, unit = names
    term = params.get(term_name)
    kill = params.get(kill_name)
    if term is None and kill is None:
        return None
    if term is None:
        raise ArgsError("%s needs %s (earlyoom takes TERM[,KILL])" % (kill_name, term_name))
    if unit == "percent":
        limit = MEM_PERCENT_MAX if term_name.startswith("mem") else SWAP_PERCENT_MAX
        for name, value in ((term_name, term), (kill_name, kill)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ArgsError("%s must be a plain number of percent (no %% suffix), got %r" % (name, value))
            low = 0 if name == kill_name else 0.01
            if not low <= value <= limit:
                raise ArgsError("%s must be a percent from %s to %d, got %s" % (name, _number(low), limit, _number(value)))
    else:
        total = mem_total_kib if term_name.startswith("mem") else swap_total_kib
        for name, value in ((term_name, term), (kill_name, kill)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ArgsError("%s must be a whole number of KiB, got %r" % (name, value))
            low = 0 if name == kill_name else 1
            if value < low:
                raise ArgsError("%s must be at least %d KiB, got %d" % (name, low, value))
        if total is not None and term > total:
            what = "MemTotal" if term_name.startswith("mem") else "SwapTotal"
            raise ArgsError("%s is %d KiB, above the host's %s of %d KiB (earlyoom refuses it)" % (term_name, term, what, total))
    if kill is not None and kill > term:
        raise ArgsError(
            "%s (%s) is above %s (%s): the kill threshold must not exceed the term threshold" % (kill_name, _number(kill), term_name, _number(term))
        )
    return _number(term) if kill is None else "%s,%s" % (_number(term), _number(kill))


def build_args(params, mem_total_kib=None, swap_total_kib=None):
    """Typed options (the module's parameters) -> earlyoom's arguments, in a fixed order.

    Raises ArgsError with the option's name for any value earlyoom would refuse or that could not
    reach it intact. ``mem_total_kib`` / ``swap_total_kib`` (from /proc/meminfo) bound ``mem_term_kib`` /
    ``swap_term_kib`` as earlyoom does (1.7 exits on ``-S`` above SwapTotal, also with no swap at all).
    """
    args = []
    for term_name, kill_name, flag, unit in THRESHOLDS:
        value = _threshold(params, (term_name, kill_name, flag, unit), mem_total_kib, swap_total_kib)
        if value is not None:
            args.extend([flag, value])
    interval = params.get("report_interval")
    if interval is not None:
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 0:
            raise ArgsError("report_interval must be 0 (off) or a positive number of seconds, got %r" % (interval,))
        args.extend(["-r", str(interval)])
    for name in REGEX_OPTIONS:
        regexes = params.get(name)
        if regexes is None:
            continue
        if not regexes:
            raise ArgsError("%s must list at least one regex (leave it out for none)" % name)
        for regex in regexes:
            check_regex(name, regex)
        args.extend(["--%s" % name, join_regexes(list(regexes))])
    for name in HOOK_OPTIONS:
        path = params.get(name)
        if path is None:
            continue
        if not path.startswith("/"):
            raise ArgsError("%s must be an absolute path, got %r" % (name, path))
        reason = unsafe_reason(path)
        if reason:
            raise ArgsError("%s: the path %r cannot be passed through %s safely: %s" % (name, path, VARIABLE, reason))
        args.extend(["-P" if name == "pre_kill_hook" else "-N", path])
    for name, flag in FLAGS.items():
        if params.get(name):
            args.append(flag)
    return args


def flags_of(args):
    """The option flags (not their values) in an argv of ours, for version checks."""
    return [word for word in args if word.startswith("-") and word in OPTION_SINCE]


# -- the file -----------------------------------------------------------------------------------
def render_line(args):
    """The EARLYOOM_ARGS assignment (no newline). Every word must pass ``unsafe_reason``."""
    for word in args:
        reason = unsafe_reason(word)
        if reason:
            raise ArgsError("argument %r cannot be written to %s: %s" % (word, VARIABLE, reason))
    return '%s="%s"' % (VARIABLE, " ".join(args))


def _env_file_value(text):
    """systemd's EnvironmentFile parsing of one assignment's value (after the '=')."""
    out = []
    index = 0
    text = text.lstrip(" \t")
    state = None
    while index < len(text):
        char = text[index]
        if state is None:
            if char == '"':
                state = '"'
            elif char == "'":
                state = "'"
            elif char == "\\" and index + 1 < len(text):
                index += 1
                out.append(text[index])
            else:
                out.append(char)
        elif state == '"':
            if char == '"':
                state = None
            elif char == "\\" and index + 1 < len(text):
                index += 1
                if text[index] not in '"\\`$':
                    out.append("\\")
                out.append(text[index])
            else:
                out.append(char)
        elif char == "'":
            state = None
        else:
            out.append(char)
        index += 1
    if state is not None:
        raise ArgsError("the %s value has an unterminated %s quote" % (VARIABLE, state))
    return "".join(out).rstrip(" \t")


def split_words(value):
    """systemd's split of an unquoted ``$VAR`` (whitespace, quotes and backslashes removed)."""
    words = []
    current = []
    in_word = False
    quote = None
    index = 0
    while index < len(value):
        char = value[index]
        if quote is None and char in " \t\n\r":
            if in_word:
                words.append("".join(current))
                current = []
                in_word = False
        elif quote is None and char in "\"'":
            quote = char
            in_word = True
        elif quote is not None and char == quote:
            quote = None
        elif char == "\\" and quote != "'" and index + 1 < len(value):
            index += 1
            current.append(value[index])
            in_word = True
        else:
            current.append(char)
            in_word = True
        index += 1
    if in_word:
        words.append("".join(current))
    return words


def find_assignments(text):
    """Indexes of the lines that assign EARLYOOM_ARGS (comments excluded), in file order."""
    return [index for index, line in enumerate(text.splitlines()) if _ASSIGNMENT_RE.match(line)]


def current_args(text):
    """The argv the daemon gets from the file's text: None when nothing assigns EARLYOOM_ARGS.

    The last assignment wins, as in systemd's EnvironmentFile parser and in /bin/sh.
    """
    lines = text.splitlines()
    indexes = find_assignments(text)
    if not indexes:
        return None
    line = lines[indexes[-1]]
    if line.rstrip().endswith("\\"):
        raise ArgsError("the %s line continues onto the next line (trailing backslash); edit it by hand first" % VARIABLE)
    value = _ASSIGNMENT_RE.sub("", line, count=1)
    return split_words(_env_file_value(value))


def render_file(text, line, header=None):
    """The file with its EARLYOOM_ARGS assignment replaced by ``line``; every other line kept.

    The first assignment is replaced in place, later ones (which would override it) are dropped;
    with none, the line is appended (after ``header`` comment lines for a new file).
    """
    lines = text.splitlines()
    indexes = find_assignments(text)
    if indexes:
        lines[indexes[0]] = line
        for index in reversed(indexes[1:]):
            del lines[index]
    else:
        if not lines and header:
            lines.extend(header)
        lines.append(line)
    return "\n".join(lines) + "\n"


# -- existing arguments -> groups ---------------------------------------------------------------
def group_args(args):
    """Split an argv into option groups: [(flag, [words])]; unknown words are their own group.

    Handles getopt's forms: ``-m 10``, ``-m10``, ``--prefer RE``, ``--prefer=RE`` and aliases.
    """
    groups = []
    index = 0
    while index < len(args):
        word = args[index]
        flag = _ALIASES.get(word, word)
        if flag.startswith("--") and "=" in flag:
            name = flag.split("=", 1)[0]
            if name in _WITH_VALUE:
                groups.append((name, [word]))
                index += 1
                continue
        if flag in _WITH_VALUE:
            words = args[index : index + 2]
            groups.append((flag, words))
            index += len(words)
            continue
        if flag in _WITHOUT_VALUE:
            groups.append((flag, [word]))
            index += 1
            continue
        if len(word) > 2 and word[0] == "-" and word[1] != "-" and word[:2] in _WITH_VALUE:
            groups.append((word[:2], [word]))
            index += 1
            continue
        groups.append((None, [word]))
        index += 1
    return groups


def unmodelled_args(args):
    """Words of ``args`` that this module does not model (``-p``, ``-i``, unknown words...)."""
    found = []
    for flag, words in group_args(args or []):
        if flag is None or flag not in _MODELLED:
            found.extend(words)
    return found
