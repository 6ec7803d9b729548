# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd drop-ins for OOM settings: unit names, setting grammar, rendering, and precedence.

Private to oom.guard (the leading underscore): no compatibility promise to other collections.
Pure functions (plus directory listings and ``/proc`` reads given as roots) that the module
``systemd_oom_dropin`` calls; Python 3.8+ standard library only. The rules follow systemd:

- unit names: ``src/basic/unit-name.c`` (``unit_name_is_valid``): ``[A-Za-z0-9:_.\\@-]``, fewer
  than 256 characters (UNIT_NAME_MAX counts the NUL), a known type suffix, a prefix that does not
  start with ``@``; plain ``foo.service``, template ``foo@.service``, instance ``foo@bar.service``;
- sizes: ``config_parse_memory_limit`` in systemd.resource-control(5): bytes with an optional K, M,
  G or T suffix (base 1024), a percent of physical memory, or ``infinity``;
- drop-in search and precedence: ``src/shared/dropin.c`` (``unit_file_find_dropin_paths``) and
  systemd.unit(5): ``<unit>.d``, the template's ``<name>@.<type>.d``, the ``-`` prefixes
  (``foo-.service.d``) and the top-level ``<type>.d`` in every search path; files with the same
  name are masked by the one in the higher-priority directory; the rest apply in lexical order of
  their file names, whatever their directory, and for a single-valued key the last one wins.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import string

# unit-name.c: UNIT_NAME_MAX is 256 including the terminating NUL.
UNIT_NAME_MAX = 255
VALID_CHARS = frozenset(string.ascii_letters + string.digits + ":-_.\\")
UNIT_TYPES = ("service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice", "scope")
# The section each unit type keeps its type-specific (exec, kill, resource-control) settings in.
SECTIONS = {"service": "Service", "socket": "Socket", "mount": "Mount", "swap": "Swap", "slice": "Slice", "scope": "Scope"}

EXEC_TYPES = ("service", "socket", "mount", "swap")  # systemd.exec(5)
RESOURCE_CONTROL_TYPES = ("slice", "scope", "service", "socket", "mount", "swap")  # systemd.resource-control(5)

# One entry per module option, in the order they are rendered. ``since``: the systemd version that
# added the key as spelled here (None: older than any systemd this collection supports).
#  - OOMPolicy=: v243 NEWS ("PID 1 will now listen to Out-Of-Memory (OOM) events ... and optionally
#    kill or stop the whole unit"); on scope units documented from systemd.scope(5) of v252 (the
#    v252 NEWS: "scope units now also provide oom-kill status").
#  - MemoryHigh=/MemoryMax= (and MemoryLow=): v231 NEWS, the memory controller on cgroup v2;
#    MemorySwapMax=: v232 NEWS; MemoryMin=: v240 NEWS; MemoryAccounting=: v208 (version-info).
#  - ManagedOOMSwap=/ManagedOOMMemoryPressure=: v247 NEWS. v247 spelled the limit
#    ManagedOOMMemoryPressureLimitPercent=; it is ManagedOOMMemoryPressureLimit= from v248
#    (systemd PR 18659). ManagedOOMPreference=: v248 NEWS.
# ``v2_only``: controls the unified-hierarchy memory controller (or systemd-oomd, which needs it);
# on a v1/hybrid host with the memory controller on v1 systemd accepts the key and does nothing.
SETTINGS = (
    {"option": "oom_score_adjust", "key": "OOMScoreAdjust", "since": None, "types": EXEC_TYPES, "v2_only": False, "man": "systemd.exec(5)"},
    {"option": "oom_policy", "key": "OOMPolicy", "since": 243, "types": ("service", "scope"), "v2_only": False, "man": "systemd.service(5)"},
    {
        "option": "memory_accounting",
        "key": "MemoryAccounting",
        "since": None,
        "types": RESOURCE_CONTROL_TYPES,
        "v2_only": False,
        "man": "systemd.resource-control(5)",
    },
    {"option": "memory_min", "key": "MemoryMin", "since": 240, "types": RESOURCE_CONTROL_TYPES, "v2_only": True, "man": "systemd.resource-control(5)"},
    {"option": "memory_low", "key": "MemoryLow", "since": 231, "types": RESOURCE_CONTROL_TYPES, "v2_only": True, "man": "systemd.resource-control(5)"},
    {"option": "memory_high", "key": "MemoryHigh", "since": 231, "types": RESOURCE_CONTROL_TYPES, "v2_only": True, "man": "systemd.resource-control(5)"},
    {"option": "memory_max", "key": "MemoryMax", "since": 231, "types": RESOURCE_CONTROL_TYPES, "v2_only": False, "man": "systemd.resource-control(5)"},
    {"option": "memory_swap_max", "key": "MemorySwapMax", "since": 232, "types": RESOURCE_CONTROL_TYPES, "v2_only": True, "man": "systemd.resource-control(5)"},
    {
        "option": "managed_oom_swap",
        "key": "ManagedOOMSwap",
        "since": 247,
        "types": RESOURCE_CONTROL_TYPES,
        "v2_only": True,
        "man": "systemd.resource-control(5)",
    },
    {
        "option": "managed_oom_memory_pressure",
        "key": "ManagedOOMMemoryPressure",
        "since": 247,
        "types": RESOURCE_CONTROL_TYPES,
        "v2_only": True,
        "man": "systemd.resource-control(5)",
    },
    {
        "option": "managed_oom_memory_pressure_limit",
        "key": "ManagedOOMMemoryPressureLimit",
        "since": 248,
        "types": RESOURCE_CONTROL_TYPES,
        "v2_only": True,
        "man": "systemd.resource-control(5)",
    },
    {
        "option": "managed_oom_preference",
        "key": "ManagedOOMPreference",
        "since": 248,
        "types": RESOURCE_CONTROL_TYPES,
        "v2_only": True,
        "man": "systemd.resource-control(5)",
    },
)
SETTING_OPTIONS = tuple(entry["option"] for entry in SETTINGS)
SIZE_OPTIONS = ("memory_min", "memory_low", "memory_high", "memory_max", "memory_swap_max")
# config_parse_memory_limit: 0 bytes is out of range except for these (a zero limit there is meaningful).
ZERO_ALLOWED = ("memory_min", "memory_low", "memory_swap_max")
SCOPE_OOM_POLICY_SINCE = 252

# The system manager's unit search path, highest priority first (systemd.unit(5), lookup-paths.c).
SYSTEM_UNIT_PATH = (
    "/etc/systemd/system.control",
    "/run/systemd/system.control",
    "/run/systemd/transient",
    "/run/systemd/generator.early",
    "/etc/systemd/system",
    "/etc/systemd/system.attached",
    "/run/systemd/system",
    "/run/systemd/system.attached",
    "/run/systemd/generator",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
    "/run/systemd/generator.late",
)

_SIZE_RE = re.compile(r"^(\d+(?:\.\d+)?)([KMGT]?)$")
_PERCENT_RE = re.compile(r"^(\d{1,3})(?:\.(\d{1,2}))?%$")
_SUFFIX = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4}
UINT64_MAX = 2**64 - 1


class DropinError(ValueError):
    """A value systemd would reject (or ignore); the message names the option and the grammar."""


# --- unit names --------------------------------------------------------------------------------


def parse_unit_name(name):
    """{'name', 'type', 'form' (plain/template/instance), 'prefix', 'instance', 'template'}.

    Raises DropinError with the rule that was broken.
    """
    if not name:
        raise DropinError("unit: a unit name is required")
    if len(name) > UNIT_NAME_MAX:
        raise DropinError("unit: %r is %d characters long; systemd allows at most %d" % (name[:40] + "...", len(name), UNIT_NAME_MAX))
    dot = name.rfind(".")
    if dot <= 0:
        raise DropinError("unit: %r has no type suffix; expected one of .%s" % (name, ", .".join(UNIT_TYPES)))
    unit_type = name[dot + 1 :]
    if unit_type not in UNIT_TYPES:
        raise DropinError("unit: %r has the unknown suffix .%s; expected one of .%s" % (name, unit_type, ", .".join(UNIT_TYPES)))
    stem = name[:dot]
    bad = sorted(set(ch for ch in stem if ch not in VALID_CHARS and ch != "@"))
    if bad:
        raise DropinError("unit: %r contains %s; systemd allows only letters, digits and : - _ . \\ @" % (name, ", ".join(repr(ch) for ch in bad)))
    at = stem.find("@")
    if at == 0:
        raise DropinError("unit: %r starts with '@'; a template or instance needs a name before the '@'" % name)
    if at < 0:
        return {"name": name, "type": unit_type, "form": "plain", "prefix": stem, "instance": None, "template": None}
    prefix, instance = stem[:at], stem[at + 1 :]
    template = "%s@.%s" % (prefix, unit_type)
    if not instance:
        return {"name": name, "type": unit_type, "form": "template", "prefix": prefix, "instance": None, "template": template}
    return {"name": name, "type": unit_type, "form": "instance", "prefix": prefix, "instance": instance, "template": template}


def validate_dropin_name(name):
    """A plain file name ending in .conf (systemd reads nothing else from a drop-in directory)."""
    if not name or "/" in name or "\0" in name or name in (".", ".."):
        raise DropinError("name: %r must be a plain file name (no '/'), ending in .conf" % (name,))
    if not name.endswith(".conf") or name == ".conf":
        raise DropinError("name: %r must end in .conf; systemd ignores other files in a drop-in directory" % name)
    if name.startswith("."):
        raise DropinError("name: %r must not start with '.': systemd skips hidden files" % name)
    odd = sorted(set(ch for ch in name if ch.isspace() or ord(ch) < 32 or ord(ch) == 127))
    if odd:
        # systemctl show lists DropInPaths= separated by spaces: such a name cannot be found there again.
        raise DropinError("name: %r contains %s; a drop-in name takes no whitespace or control characters" % (name, ", ".join(repr(ch) for ch in odd)))
    if len(name.encode("utf-8")) > 255:
        raise DropinError("name: %r is longer than 255 bytes" % name)


# --- values -------------------------------------------------------------------------------------


def parse_size(option, value):
    """A systemd memory size -> its canonical text ('infinity', '50%', '512M', '0').

    Bytes with an optional K/M/G/T suffix (base 1024, decimals allowed as systemd's parse_size
    does), a percent from 0 to 100 with up to two decimals, or ``infinity``.
    """
    text = ("%s" % value).strip()
    if text == "infinity":
        return text
    percent = _PERCENT_RE.match(text)
    if percent:
        whole, frac = int(percent.group(1)), percent.group(2) or ""
        if whole > 100 or (whole == 100 and frac.strip("0")):
            raise DropinError("%s: %r is more than 100%%" % (option, text))
        if whole == 0 and not frac.strip("0") and option not in ZERO_ALLOWED:
            raise DropinError("%s: %r is out of range: systemd needs at least 1 byte here (use infinity for no limit)" % (option, text))
        return text
    match = _SIZE_RE.match(text)
    if not match:
        raise DropinError(
            "%s: cannot read %r: expected bytes with an optional K, M, G or T suffix (base 1024), a percent such as 50%%, or infinity" % (option, text)
        )
    number = size_to_bytes(text)
    if number >= UINT64_MAX:
        raise DropinError("%s: %r is out of range" % (option, text))
    if number == 0 and option not in ZERO_ALLOWED:
        raise DropinError("%s: %r is out of range: systemd needs at least 1 byte here (use infinity for no limit)" % (option, text))
    return text


def size_to_bytes(text):
    """'512M' -> 536870912; None for a percent or infinity (they depend on the host)."""
    match = _SIZE_RE.match(("%s" % text).strip())
    if not match:
        return None
    number, suffix = match.group(1), match.group(2)
    factor = 1024 ** _SUFFIX[suffix]
    if "." in number:
        whole, frac = number.split(".")
        return int(whole) * factor + (int(frac) * factor) // (10 ** len(frac))
    return int(number) * factor


def parse_pressure_limit(value):
    """ManagedOOMMemoryPressureLimit=: a percent from 0 to 100 (the % sign may be left out)."""
    text = ("%s" % value).strip()
    if text and not text.endswith("%"):
        text += "%"
    match = _PERCENT_RE.match(text)
    if not match:
        raise DropinError("managed_oom_memory_pressure_limit: cannot read %r: expected a percent from 0%% to 100%% such as 80%%" % (value,))
    whole, frac = int(match.group(1)), match.group(2) or ""
    if whole > 100 or (whole == 100 and frac.strip("0")):
        raise DropinError("managed_oom_memory_pressure_limit: %r is more than 100%%" % (value,))
    return text


def _render_value(option, value):
    if option == "oom_score_adjust":
        if isinstance(value, bool) or not isinstance(value, int):
            raise DropinError("oom_score_adjust: %r is not an integer" % (value,))
        if not -1000 <= value <= 1000:
            raise DropinError("oom_score_adjust: %d is out of range: systemd takes -1000 to 1000" % value)
        return "%d" % value
    if option == "memory_accounting":
        return "yes" if value else "no"
    if option in SIZE_OPTIONS:
        return parse_size(option, value)
    if option == "managed_oom_memory_pressure_limit":
        return parse_pressure_limit(value)
    return "%s" % value


def plan_settings(unit, settings, systemd_version=None):
    """Validate ``settings`` ({option: value}, None = not set) for ``unit`` (from parse_unit_name).

    Returns {'section', 'entries': [(key, value)], 'v2_only': [keys]}; raises DropinError for a
    value systemd would reject, a setting that does not apply to the unit type, or one the
    installed systemd (``systemd_version``; None = unknown, not checked) does not know yet.
    """
    unit_type = unit["type"]
    entries, v2_only = [], []
    for entry in SETTINGS:
        option = entry["option"]
        value = settings.get(option)
        if value is None:
            continue
        if unit_type not in entry["types"]:
            raise DropinError(
                "%s: %s= does not apply to .%s units (%s: only %s); %s would not be protected"
                % (option, entry["key"], unit_type, entry["man"], ", ".join("." + t for t in entry["types"]), unit["name"])
            )
        since = entry["since"]
        if option == "oom_policy" and unit_type == "scope":
            since = SCOPE_OOM_POLICY_SINCE
        if since is not None and systemd_version is not None and systemd_version < since:
            raise DropinError(
                "%s: %s= needs systemd %d or later (on .%s units); this host runs systemd %d" % (option, entry["key"], since, unit_type, systemd_version)
            )
        entries.append((entry["key"], _render_value(option, value)))
        if entry["v2_only"]:
            v2_only.append(entry["key"])
    return {"section": SECTIONS.get(unit_type), "entries": entries, "v2_only": v2_only}


def render(section, entries, header=True):
    """The drop-in text: one section, one key per line, a header that says who owns the file."""
    lines = []
    if header:
        lines.append("# Managed by oom.guard.systemd_oom_dropin: changes made here are overwritten.")
    lines.append("[%s]" % section)
    lines.extend("%s=%s" % (key, value) for key, value in entries)
    return "\n".join(lines) + "\n"


# --- reading other drop-ins ---------------------------------------------------------------------


def parse_dropin(text):
    """{section: {key: value}} as systemd reads a unit file: last assignment wins, '#'/';' comments,
    a trailing backslash continues the line; an empty assignment (``Key=``) is kept as ''."""
    result = {}
    section = None
    pending = ""
    for raw in (text or "").splitlines():
        line = pending + raw.strip() if pending else raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            result.setdefault(section, {})
            continue
        if section is None or "=" not in line:
            continue
        key, _sep, value = line.partition("=")
        result[section][key.strip()] = value.strip()
    return result


def search_path(root_dir):
    """The unit directories to search for drop-ins, highest priority first, and whether
    ``root_dir`` is one of the system manager's own (then systemd will read what we write)."""
    normalized = os.path.normpath(root_dir)
    if normalized in SYSTEM_UNIT_PATH:
        return list(SYSTEM_UNIT_PATH), True
    return [normalized], False


def _dash_prefix(prefix):
    """dropin.c: the next shorter "-" prefix of a unit name prefix ('foo-bar' -> 'foo-'), or None."""
    chopped = False
    while True:
        dash = prefix.rfind("-")
        if dash <= 0:
            return None
        if dash + 1 < len(prefix) or chopped:
            return prefix[: dash + 1]
        # A trailing dash is chopped off once and the search goes on.
        prefix = prefix[:dash]
        chopped = True


def dropin_dir_names(unit):
    """The drop-in directory names systemd reads for ``unit`` in one unit directory, in its order:
    the unit's own, the template's (for an instance), then each "-" prefix ('foo-bar-baz.service'
    also reads 'foo-bar-.service.d' and 'foo-.service.d')."""
    names = []

    def walk(name):
        if name + ".d" not in names:
            names.append(name + ".d")
        stem, _dot, suffix = name.rpartition(".")
        prefix, at, instance = stem.partition("@")
        if at and instance:
            walk("%s@.%s" % (prefix, suffix))
        shorter = _dash_prefix(prefix)
        if shorter:
            walk("%s.%s" % (shorter, suffix))

    walk(unit["name"])
    return names


def list_dropins(unit, dirs, realpath=os.path.realpath):
    """Every drop-in systemd applies to ``unit``, in the order it applies them.

    Returns (effective, masked): effective is a list of {'name', 'path'} sorted by file name
    (later entries win); masked maps a path to the path that masks it (same name, higher-priority
    directory). ``dirs`` is the search path, highest priority first.
    """
    candidates = []
    seen_dirs = set()
    per_dir = [[os.path.join(base, name) for name in dropin_dir_names(unit)] for base in dirs]
    ordered = [d for group in per_dir for d in group] + [os.path.join(base, "%s.d" % unit["type"]) for base in dirs]
    for directory in ordered:
        real = realpath(directory)
        if real in seen_dirs:
            continue
        seen_dirs.add(real)
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if name.endswith(".conf") and not name.startswith("."):
                candidates.append((name, os.path.join(directory, name)))
    chosen, masked = {}, {}
    for name, path in candidates:
        if name in chosen:
            masked[path] = chosen[name]
        else:
            chosen[name] = path
    effective = [{"name": name, "path": chosen[name]} for name in sorted(chosen)]
    return effective, masked


def _read_text(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def find_overrides(unit, our_path, keys, dirs, *, section=None, read=_read_text, realpath=os.path.realpath):
    """Who wins over our drop-in: ({'masked_by': path or None, 'overridden_by': [{key, path, value}]}.

    A drop-in with the same file name in a higher-priority directory masks ours completely; any
    drop-in that sorts after ours (by file name, in any searched directory) and sets one of our
    ``keys`` in the unit type's section overrides that key.
    """
    section = section or SECTIONS.get(unit["type"])
    effective, _masked = list_dropins(unit, dirs, realpath=realpath)
    our_name = os.path.basename(our_path)
    result = {"masked_by": None, "overridden_by": []}
    our_real = realpath(our_path)
    ours = [i for i, item in enumerate(effective) if item["name"] == our_name]
    if ours and realpath(effective[ours[0]]["path"]) != our_real:
        result["masked_by"] = effective[ours[0]]["path"]
        return result
    after = effective[ours[0] + 1 :] if ours else [item for item in effective if item["name"] > our_name]
    wanted = set(keys)
    for item in after:
        parsed = parse_dropin(read(item["path"])).get(section, {})
        for key in sorted(wanted & set(parsed)):
            result["overridden_by"].append({"key": key, "path": item["path"], "value": parsed[key]})
    return result


def outside_root(root_dir, directory, realpath=os.path.realpath):
    """The real path of ``directory`` when it resolves outside ``root_dir`` (a symlink out), else None."""
    root = realpath(root_dir).rstrip("/") or "/"
    real = realpath(directory)
    if real == root or real.startswith(root + "/") or root == "/":
        return None
    return real


# --- what systemd and the running process report --------------------------------------------


def show_value(key, raw):
    """``systemctl show`` text -> the value to return (sizes as int bytes, the pressure limit as %)."""
    if raw is None:
        return None
    if key in ("MemoryMin", "MemoryLow", "MemoryHigh", "MemoryMax", "MemorySwapMax"):
        return raw if raw == "infinity" or not raw.isdigit() else int(raw)
    if key == "OOMScoreAdjust":
        try:
            return int(raw)
        except ValueError:
            return raw
    if key == "ManagedOOMMemoryPressureLimit" and raw.isdigit():
        # systemd >= 248 shows the limit scaled to UINT32_MAX (PR 18659).
        return "%.2f%%" % (int(raw) * 100.0 / 4294967296.0)
    return raw


def compare_loaded(entries, show):
    """Keys whose value systemd has loaded differs from ours: [{key, configured, loaded}].

    Sizes given as percents are not compared (systemd resolves them against the host's memory).
    """
    mismatches = []
    for key, value in entries:
        if key not in show:
            continue
        loaded = show[key]
        if key in ("MemoryMin", "MemoryLow", "MemoryHigh", "MemoryMax", "MemorySwapMax"):
            if value.endswith("%"):
                continue
            expected = "infinity" if value == "infinity" else "%d" % size_to_bytes(value)
            same = loaded == expected
        elif key == "ManagedOOMMemoryPressureLimit":
            if not loaded.isdigit():
                same = loaded == value
            else:
                same = abs(int(loaded) * 100.0 / 4294967296.0 - float(value.rstrip("%"))) < 0.01
        else:
            same = loaded == value
        if not same:
            mismatches.append({"key": key, "configured": value, "loaded": show_value(key, loaded)})
    return mismatches


def read_oom_score_adj(pid, proc_root="/proc"):
    """/proc/<pid>/oom_score_adj as int, or None when the process is gone or unreadable."""
    try:
        with open("%s/%d/oom_score_adj" % (proc_root, pid), "rb") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def has_capability(bit, pid=1, proc_root="/proc"):
    """Whether ``pid`` has capability ``bit`` in its effective set (None when unreadable)."""
    try:
        with open("%s/%d/status" % (proc_root, pid), "rb") as handle:
            for line in handle.read().decode("ascii", "replace").splitlines():
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> bit & 1)
    except (OSError, ValueError, IndexError):
        return None
    return None


CAP_SYS_RESOURCE = 24


def main_process_state(configured, pid, actual, *, started_monotonic_usec, file_mtime, monotonic_offset, cap_sys_resource):
    """Did the running main process get our OOMScoreAdjust= value?

    ``started_monotonic_usec``: systemd's ExecMainStartTimestampMonotonic; ``monotonic_offset``:
    realtime minus CLOCK_MONOTONIC now (seconds), so the start compares with the file's mtime.
    Returns {'pending_restart', 'applied', 'reason'}: a process started before the drop-in was
    written still runs with the old value (pending_restart); one started after it that lacks the
    value was not given it by systemd (applied False, with the likely reason).
    """
    state = {"pending_restart": False, "applied": None, "reason": None}
    if configured is None or not pid or actual is None:
        return state
    if actual == configured:
        state["applied"] = True
        return state
    started = None
    if started_monotonic_usec:
        started = started_monotonic_usec / 1e6 + monotonic_offset
    if started is None or file_mtime is None or started < file_mtime:
        state["pending_restart"] = True
        state["reason"] = "pid %d started before the drop-in was written and still has oom_score_adj %d; restart the unit to apply %d" % (
            pid,
            actual,
            configured,
        )
        return state
    state["applied"] = False
    if configured < actual and cap_sys_resource is False:
        state["reason"] = (
            "pid %d started after the drop-in but has oom_score_adj %d, not %d: systemd (PID 1) lacks CAP_SYS_RESOURCE, the kernel refuses "
            "to lower oom_score_adj without it, and systemd ignores that failure and starts the unit with the inherited value" % (pid, actual, configured)
        )
    else:
        state["reason"] = (
            "pid %d started after the drop-in but has oom_score_adj %d, not %d: the process (or another tool) changed it, or systemd could not set it"
            % (pid, actual, configured)
        )
    return state
