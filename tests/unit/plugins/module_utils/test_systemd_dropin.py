# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd drop-in rules: unit names, value grammar, sections per unit type, precedence on real trees."""

import os

import pytest

from ansible_collections.oom.guard.plugins.module_utils import _systemd_dropin as dropin

# --- unit names (systemd's unit-name.c) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "form", "template"),
    [
        ("sshd.service", "plain", None),
        ("user-1000.slice", "plain", None),
        ("-.slice", "plain", None),
        ("dev-sda1.swap", "plain", None),
        ("foo@.service", "template", "foo@.service"),
        ("postgresql@15-main.service", "instance", "postgresql@.service"),
        ("getty@tty1.service", "instance", "getty@.service"),
        ("a:b_c.d\\x2d@e@f.socket", "instance", "a:b_c.d\\x2d@.socket"),
        ("x" * 247 + ".service", "plain", None),
    ],
)
def test_valid_unit_names(name, form, template):
    unit = dropin.parse_unit_name(name)
    assert unit["form"] == form
    assert unit["template"] == template


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "a unit name is required"),
        ("sshd", "has no type suffix"),
        (".service", "has no type suffix"),
        ("sshd.daemon", "unknown suffix .daemon"),
        ("my unit.service", "contains ' '"),
        ("a/b.service", "contains '/'"),
        ("@foo.service", "starts with '@'"),
        ("x" * 248 + ".service", "systemd allows at most 255"),
    ],
)
def test_invalid_unit_names(name, message):
    with pytest.raises(dropin.DropinError, match=message.replace(".", r"\.").replace("(", r"\(")):
        dropin.parse_unit_name(name)


@pytest.mark.parametrize("name", ["../x.conf", "a/b.conf", "x.txt", ".conf", ".hidden.conf", ""])
def test_dropin_names_must_be_plain_conf_files(name):
    with pytest.raises(dropin.DropinError):
        dropin.validate_dropin_name(name)


def test_dropin_name_accepted():
    dropin.validate_dropin_name("50-oom-guard.conf")


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "bytes_"),
    [
        ("memory_max", "1G", 1 << 30),
        ("memory_max", "512M", 512 << 20),
        ("memory_max", "1.5K", 1536),
        ("memory_max", "4096", 4096),
        ("memory_max", "2T", 2 << 40),
        ("memory_max", "infinity", None),
        ("memory_max", "50%", None),
        ("memory_max", "12.34%", None),
        ("memory_max", "100%", None),
        ("memory_swap_max", "0", 0),
        ("memory_low", "0%", None),
    ],
)
def test_sizes_systemd_accepts(option, value, bytes_):
    assert dropin.parse_size(option, value) == value
    assert dropin.size_to_bytes(value) == bytes_


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("memory_max", "1k", "cannot read '1k'"),
        ("memory_max", "1GB", "cannot read '1GB'"),
        ("memory_max", "-5M", "cannot read '-5M'"),
        ("memory_max", "lots", "cannot read 'lots'"),
        ("memory_max", "101%", "more than 100%"),
        ("memory_max", "100.5%", "more than 100%"),
        ("memory_max", "0", "at least 1 byte"),
        ("memory_high", "0%", "at least 1 byte"),
        ("memory_max", "16E", "cannot read"),
        ("memory_max", "99999999T", "out of range"),
    ],
)
def test_sizes_systemd_rejects(option, value, message):
    with pytest.raises(dropin.DropinError, match=message):
        dropin.parse_size(option, value)


@pytest.mark.parametrize(("value", "rendered"), [("80", "80%"), ("80%", "80%"), ("0", "0%"), ("100%", "100%"), ("12.5%", "12.5%")])
def test_pressure_limit(value, rendered):
    assert dropin.parse_pressure_limit(value) == rendered


@pytest.mark.parametrize("value", ["101%", "150", "-1%", "eighty", "1.234%"])
def test_pressure_limit_rejects(value):
    with pytest.raises(dropin.DropinError, match="managed_oom_memory_pressure_limit"):
        dropin.parse_pressure_limit(value)


# --- sections and unit types ----------------------------------------------------------------------


def _plan(name, version=252, **settings):
    return dropin.plan_settings(dropin.parse_unit_name(name), settings, systemd_version=version)


def test_service_settings_render_in_service_section():
    planned = _plan("db.service", oom_score_adjust=-900, oom_policy="continue", memory_max="2G", memory_accounting=True, managed_oom_memory_pressure_limit="60")
    assert planned["section"] == "Service"
    assert planned["entries"] == [
        ("OOMScoreAdjust", "-900"),
        ("OOMPolicy", "continue"),
        ("MemoryAccounting", "yes"),
        ("MemoryMax", "2G"),
        ("ManagedOOMMemoryPressureLimit", "60%"),
    ]
    assert planned["v2_only"] == ["ManagedOOMMemoryPressureLimit"]
    text = dropin.render(planned["section"], planned["entries"])
    assert text.splitlines()[1:] == [
        "[Service]",
        "OOMScoreAdjust=-900",
        "OOMPolicy=continue",
        "MemoryAccounting=yes",
        "MemoryMax=2G",
        "ManagedOOMMemoryPressureLimit=60%",
    ]
    assert text.startswith("# Managed by oom.guard")


@pytest.mark.parametrize(
    ("name", "settings", "section"),
    [
        ("user.slice", {"memory_max": "80%", "managed_oom_memory_pressure": "kill"}, "Slice"),
        ("session-1.scope", {"memory_high": "1G", "oom_policy": "stop"}, "Scope"),
        ("app.socket", {"oom_score_adjust": 100, "memory_max": "64M"}, "Socket"),
        ("mnt-data.mount", {"oom_score_adjust": 100}, "Mount"),
        ("dev-sda2.swap", {"memory_low": "0"}, "Swap"),
    ],
)
def test_each_type_gets_its_section(name, settings, section):
    assert _plan(name, **settings)["section"] == section


@pytest.mark.parametrize(
    ("name", "settings", "message"),
    [
        ("user.slice", {"oom_score_adjust": -100}, r"oom_score_adjust: OOMScoreAdjust= does not apply to \.slice units \(systemd\.exec\(5\)"),
        ("user.slice", {"oom_policy": "kill"}, r"OOMPolicy= does not apply to \.slice units"),
        ("session-1.scope", {"oom_score_adjust": 5}, r"does not apply to \.scope units"),
        ("app.socket", {"oom_policy": "stop"}, r"does not apply to \.socket units"),
        ("backup.timer", {"memory_max": "1G"}, r"does not apply to \.timer units"),
        ("db.service", {"oom_score_adjust": 1001}, "1001 is out of range: systemd takes -1000 to 1000"),
        ("db.service", {"oom_score_adjust": -1001}, "-1001 is out of range"),
    ],
)
def test_settings_that_do_not_apply_are_errors(name, settings, message):
    with pytest.raises(dropin.DropinError, match=message):
        _plan(name, **settings)


@pytest.mark.parametrize(
    ("version", "settings", "message"),
    [
        (242, {"oom_policy": "kill"}, "OOMPolicy= needs systemd 243 or later .on .service units.; this host runs systemd 242"),
        (246, {"managed_oom_swap": "kill"}, "ManagedOOMSwap= needs systemd 247"),
        (247, {"managed_oom_memory_pressure_limit": "50%"}, "ManagedOOMMemoryPressureLimit= needs systemd 248"),
        (247, {"managed_oom_preference": "avoid"}, "ManagedOOMPreference= needs systemd 248"),
        (239, {"memory_min": "1G"}, "MemoryMin= needs systemd 240"),
        (231, {"memory_swap_max": "0"}, "MemorySwapMax= needs systemd 232"),
    ],
)
def test_settings_newer_than_the_host_are_refused_with_their_version(version, settings, message):
    with pytest.raises(dropin.DropinError, match=message):
        _plan("db.service", version=version, **settings)


def test_scope_oom_policy_needs_252_and_unknown_version_is_not_checked():
    with pytest.raises(dropin.DropinError, match="needs systemd 252"):
        _plan("x.scope", version=251, oom_policy="kill")
    assert _plan("x.scope", version=None, oom_policy="kill")["entries"] == [("OOMPolicy", "kill")]


# --- parsing and precedence on real trees ---------------------------------------------------------


def test_parse_dropin_last_assignment_wins_and_continuations():
    parsed = dropin.parse_dropin("# c\n[Service]\nOOMScoreAdjust=1\n; x\nOOMScoreAdjust=2\nEnvironment=A=1 \\\n B=2\n[Unit]\nDescription=x\nMemoryMax=\n")
    assert parsed["Service"]["OOMScoreAdjust"] == "2"
    assert parsed["Service"]["Environment"] == "A=1  B=2"
    assert parsed["Unit"] == {"Description": "x", "MemoryMax": ""}


def test_dropin_dir_names_follow_dropin_c():
    names = dropin.dropin_dir_names(dropin.parse_unit_name("foo-bar-baz@x-y.service"))
    assert names == [
        "foo-bar-baz@x-y.service.d",
        "foo-bar-baz@.service.d",
        "foo-bar-.service.d",
        "foo-.service.d",
    ]
    assert dropin.dropin_dir_names(dropin.parse_unit_name("foo-.service")) == ["foo-.service.d"]
    assert dropin.dropin_dir_names(dropin.parse_unit_name("sshd.service")) == ["sshd.service.d"]


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    return path


@pytest.fixture
def tree(tmp_path):
    etc, run, usr = (str(tmp_path / d) for d in ("etc", "run", "usr"))
    return {"etc": etc, "run": run, "usr": usr, "dirs": [etc, run, usr]}


def test_later_dropins_in_any_directory_override(tree):
    unit = dropin.parse_unit_name("web-api@blue.service")
    ours = _write(tree["etc"] + "/web-api@blue.service.d/50-oom-guard.conf", "[Service]\nOOMScoreAdjust=-500\nMemoryMax=1G\n")
    _write(tree["etc"] + "/web-api@blue.service.d/10-early.conf", "[Service]\nOOMScoreAdjust=7\n")
    later_template = _write(tree["usr"] + "/web-api@.service.d/90-vendor.conf", "[Service]\nOOMScoreAdjust=0\n")
    later_prefix = _write(tree["run"] + "/web-.service.d/60-run.conf", "[Service]\nMemoryMax=2G\n")
    _write(tree["run"] + "/service.d/70-other-section.conf", "[Unit]\nMemoryMax=3G\n")
    later_type = _write(tree["usr"] + "/service.d/80-all.conf", "[Service]\nMemoryMax=\n")
    found = dropin.find_overrides(unit, ours, ["OOMScoreAdjust", "MemoryMax"], tree["dirs"])
    assert found["masked_by"] is None
    assert found["overridden_by"] == [
        {"key": "MemoryMax", "path": later_prefix, "value": "2G"},
        {"key": "MemoryMax", "path": later_type, "value": ""},
        {"key": "OOMScoreAdjust", "path": later_template, "value": "0"},
    ]


def test_same_name_higher_priority_masks_and_lower_is_masked(tree):
    unit = dropin.parse_unit_name("db.service")
    ours = _write(tree["run"] + "/db.service.d/50-oom-guard.conf", "[Service]\nOOMScoreAdjust=-500\n")
    etc = _write(tree["etc"] + "/db.service.d/50-oom-guard.conf", "[Service]\nOOMScoreAdjust=0\n")
    assert dropin.find_overrides(unit, ours, ["OOMScoreAdjust"], tree["dirs"])["masked_by"] == etc
    # The other way round: ours in /etc wins over the same name in /usr, which is not an override.
    os.unlink(etc)
    ours_etc = _write(tree["etc"] + "/db.service.d/50-oom-guard.conf", "[Service]\nOOMScoreAdjust=-500\n")
    os.unlink(ours)
    _write(tree["usr"] + "/db.service.d/50-oom-guard.conf", "[Service]\nOOMScoreAdjust=0\n")
    assert dropin.find_overrides(unit, ours_etc, ["OOMScoreAdjust"], tree["dirs"]) == {"masked_by": None, "overridden_by": []}


def test_not_yet_written_dropin_still_sees_later_ones(tree):
    unit = dropin.parse_unit_name("db.service")
    later = _write(tree["etc"] + "/db.service.d/90-local.conf", "[Service]\nOOMPolicy=stop\n")
    found = dropin.find_overrides(unit, tree["etc"] + "/db.service.d/50-oom-guard.conf", ["OOMPolicy"], tree["dirs"])
    assert found["overridden_by"] == [{"key": "OOMPolicy", "path": later, "value": "stop"}]


def test_symlinked_directories_are_read_once_and_outside_detection(tree, tmp_path):
    outside = str(tmp_path / "elsewhere")
    os.makedirs(outside)
    os.makedirs(tree["etc"])
    os.symlink(outside, tree["etc"] + "/db.service.d")
    assert dropin.outside_root(tree["etc"], tree["etc"] + "/db.service.d") == outside
    os.makedirs(tree["etc"] + "/inside")
    os.symlink(tree["etc"] + "/inside", tree["etc"] + "/ok.service.d")
    assert dropin.outside_root(tree["etc"], tree["etc"] + "/ok.service.d") is None
    assert dropin.outside_root(tree["etc"], tree["etc"] + "/missing.service.d") is None


def test_search_path():
    dirs, managed = dropin.search_path("/etc/systemd/system/")
    assert managed and dirs.index("/etc/systemd/system") < dirs.index("/run/systemd/system") < dirs.index("/usr/lib/systemd/system")
    assert dirs[0] == "/etc/systemd/system.control"
    assert dropin.search_path("/srv/img/etc/systemd/system") == (["/srv/img/etc/systemd/system"], False)


# --- what systemd and the process report ----------------------------------------------------------


def test_compare_loaded():
    entries = [("OOMScoreAdjust", "-500"), ("MemoryMax", "1G"), ("MemoryHigh", "50%"), ("ManagedOOMMemoryPressureLimit", "80%"), ("OOMPolicy", "stop")]
    show = {"OOMScoreAdjust": "-500", "MemoryMax": "1073741824", "MemoryHigh": "123", "ManagedOOMMemoryPressureLimit": "3435973836", "OOMPolicy": "continue"}
    assert dropin.compare_loaded(entries, show) == [{"key": "OOMPolicy", "configured": "stop", "loaded": "continue"}]
    assert dropin.compare_loaded([("MemoryMax", "2G")], {"MemoryMax": "infinity"}) == [{"key": "MemoryMax", "configured": "2G", "loaded": "infinity"}]
    assert dropin.show_value("ManagedOOMMemoryPressureLimit", "3435973836") == "80.00%"


def test_process_state_pending_applied_and_not_applied():
    base = {"started_monotonic_usec": 10_000_000, "monotonic_offset": 1000.0, "cap_sys_resource": False}
    # started at 1010 s, file written at 1020 s: still the old process.
    pending = dropin.main_process_state(-500, 42, 0, file_mtime=1020.0, **base)
    assert pending["pending_restart"] is True and pending["applied"] is None
    # started after the file and has the value.
    assert dropin.main_process_state(500, 42, 500, file_mtime=1005.0, **base)["applied"] is True
    # started after the file without the (negative) value, systemd without CAP_SYS_RESOURCE.
    refused = dropin.main_process_state(-500, 42, 0, file_mtime=1005.0, **base)
    assert refused["applied"] is False and refused["pending_restart"] is False
    assert "lacks CAP_SYS_RESOURCE" in refused["reason"]
    other = dropin.main_process_state(300, 42, 0, file_mtime=1005.0, **base)
    assert "changed it" in other["reason"]
    assert dropin.main_process_state(None, 42, 0, file_mtime=1.0, **base) == {"pending_restart": False, "applied": None, "reason": None}


def test_process_readers_on_this_machine(tmp_path):
    assert dropin.read_oom_score_adj(os.getpid()) is not None
    assert dropin.read_oom_score_adj(2**22 + 7) is None
    status = tmp_path / "1"
    status.mkdir()
    (status / "status").write_text("Name:\tinit\nCapEff:\t000001fffeffffff\n")
    assert dropin.has_capability(dropin.CAP_SYS_RESOURCE, proc_root=str(tmp_path)) is False
    assert dropin.has_capability(21, proc_root=str(tmp_path)) is True
    assert dropin.has_capability(dropin.CAP_SYS_RESOURCE, pid=999, proc_root=str(tmp_path)) is None
