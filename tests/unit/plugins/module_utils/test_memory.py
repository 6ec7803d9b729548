# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

import pytest

from ansible_collections.oom.guard.plugins.module_utils import _memory

MEMINFO = """MemTotal:        8000000 kB
MemFree:          500000 kB
MemAvailable:    1200000 kB
Buffers:           10000 kB
SwapTotal:       2000000 kB
SwapFree:        1500000 kB
CommitLimit:     6000000 kB
Committed_AS:    7000000 kB
HugePages_Total:       0
"""
PSI = "some avg10=12.50 avg60=3.10 avg300=0.90 total=123456789\nfull avg10=7.25 avg60=1.00 avg300=0.20 total=98765\n"


def write(root, relative, text):
    path = os.path.join(str(root), relative)
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def test_parse_meminfo_units():
    parsed = _memory.parse_meminfo(MEMINFO + "garbage line\nBad: x kB\n")
    assert parsed["MemTotal"] == 8000000 * 1024
    assert parsed["HugePages_Total"] == 0
    assert "Bad" not in parsed


def test_read_memory(tmp_path):
    write(tmp_path, "meminfo", MEMINFO)
    memory = _memory.read_memory(str(tmp_path))
    assert memory == {
        "available": True,
        "reason": None,
        "mem_total_bytes": 8000000 * 1024,
        "mem_free_bytes": 500000 * 1024,
        "mem_available_bytes": 1200000 * 1024,
        "swap_total_bytes": 2000000 * 1024,
        "swap_free_bytes": 1500000 * 1024,
        "commit_limit_bytes": 6000000 * 1024,
        "committed_as_bytes": 7000000 * 1024,
        "available_percent": 15.0,
    }


def test_read_memory_old_kernel_without_memavailable(tmp_path):
    write(tmp_path, "meminfo", "MemTotal: 1000 kB\nMemFree: 10 kB\n")
    memory = _memory.read_memory(str(tmp_path))
    assert memory["available"] is True
    assert memory["available_percent"] is None
    assert "MemAvailable" in memory["reason"]


def test_read_memory_missing(tmp_path):
    memory = _memory.read_memory(str(tmp_path))
    assert memory["available"] is False
    assert memory["mem_total_bytes"] is None
    assert "meminfo" in memory["reason"]
    write(tmp_path, "meminfo", "Nothing: 1\n")
    assert "MemTotal" in _memory.read_memory(str(tmp_path))["reason"]


def test_read_psi(tmp_path):
    write(tmp_path, "pressure/memory", PSI)
    psi = _memory.read_psi(str(tmp_path))
    assert psi == {
        "available": True,
        "reason": None,
        "some": {"avg10": 12.5, "avg60": 3.1, "avg300": 0.9, "total_us": 123456789},
        "full": {"avg10": 7.25, "avg60": 1.0, "avg300": 0.2, "total_us": 98765},
    }


def test_read_psi_missing(tmp_path):
    psi = _memory.read_psi(str(tmp_path))
    assert psi["available"] is False
    assert "CONFIG_PSI" in psi["reason"]
    assert psi["some"] is None and psi["full"] is None


def test_read_psi_disabled_at_boot(tmp_path, monkeypatch):
    def eopnotsupp(path):
        raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP), path)

    monkeypatch.setattr(_memory, "_read_text", eopnotsupp)
    psi = _memory.read_psi(str(tmp_path))
    assert psi["available"] is False
    assert "psi=0" in psi["reason"]


def test_read_psi_garbage(tmp_path):
    write(tmp_path, "pressure/memory", "nonsense\n")
    assert _memory.read_psi(str(tmp_path))["available"] is False


@pytest.mark.parametrize(
    "available, full, level, decided_by",
    [
        (50.0, 0.0, "normal", None),
        (19.9, 0.0, "low", "available_percent"),
        (20.0, 0.0, "normal", None),
        (9.0, 0.0, "medium", "available_percent"),
        (4.9, 0.0, "critical", "available_percent"),
        (50.0, 5.0, "low", "psi_full_avg10"),
        (50.0, 10.0, "medium", "psi_full_avg10"),
        (50.0, 30.0, "critical", "psi_full_avg10"),
        (15.0, 12.0, "medium", "psi_full_avg10"),
        (8.0, 6.0, "medium", "available_percent"),
        (8.0, 11.0, "medium", "both"),
        (50.0, None, "normal", None),
        (None, 26.0, "critical", "psi_full_avg10"),
        (None, None, None, None),
    ],
)
def test_pressure_level(available, full, level, decided_by):
    result = _memory.pressure_level(available, full)
    assert result["level"] == level
    assert result["decided_by"] == decided_by


def test_pressure_level_custom_thresholds():
    result = _memory.pressure_level(30.0, 1.0, {"available_percent": {"low": 40}, "psi_full_avg10": {"critical": 1}})
    assert result["level"] == "critical"
    assert result["level_by_available"] == "low"
    assert result["thresholds"]["available_percent"] == {"low": 40.0, "medium": 10.0, "critical": 5.0}
    # defaults are not modified by overrides
    assert _memory.DEFAULT_THRESHOLDS["available_percent"]["low"] == 20.0


def test_read_pressure_without_psi_uses_memavailable(tmp_path):
    write(tmp_path, "meminfo", MEMINFO)
    pressure = _memory.read_pressure(str(tmp_path))
    assert pressure["available"] is False
    assert pressure["level"] == "low"
    assert pressure["decided_by"] == "available_percent"
    assert pressure["level_by_psi"] is None


def test_read_pressure_with_psi(tmp_path):
    write(tmp_path, "meminfo", MEMINFO)
    write(tmp_path, "pressure/memory", PSI)
    pressure = _memory.read_pressure(str(tmp_path))
    assert pressure["available"] is True
    assert pressure["level"] == "low"
    assert pressure["decided_by"] == "both"
    assert pressure["full"]["avg10"] == 7.25


def test_read_sysctls(tmp_path):
    values = {
        "panic_on_oom": "0",
        "oom_kill_allocating_task": "1",
        "oom_dump_tasks": "1",
        "overcommit_memory": "2",
        "overcommit_ratio": "50",
        "swappiness": "60",
        "min_free_kbytes": "67584",
        "watermark_scale_factor": "junk",
    }
    for name, value in values.items():
        write(tmp_path, "sys/vm/" + name, value + "\n")
    sysctl = _memory.read_sysctls(str(tmp_path))
    assert sysctl == {
        "vm_panic_on_oom": 0,
        "vm_oom_kill_allocating_task": 1,
        "vm_oom_dump_tasks": 1,
        "vm_overcommit_memory": 2,
        "vm_overcommit_memory_meaning": "strict",
        "vm_overcommit_ratio": 50,
        "vm_overcommit_kbytes": None,
        "vm_swappiness": 60,
        "vm_min_free_kbytes": 67584,
        "vm_watermark_scale_factor": None,
    }


def test_read_sysctls_missing(tmp_path):
    sysctl = _memory.read_sysctls(str(tmp_path))
    assert set(sysctl.values()) == {None}


def test_real_host_agrees_with_psutil():
    psutil = pytest.importorskip("psutil")
    memory = _memory.read_memory()
    virtual = psutil.virtual_memory()
    assert memory["available"] is True
    assert memory["mem_total_bytes"] == virtual.total
    assert abs(memory["mem_available_bytes"] - virtual.available) < 256 * 1024 * 1024
    assert memory["swap_total_bytes"] == psutil.swap_memory().total
    sysctl = _memory.read_sysctls()
    with open("/proc/sys/vm/overcommit_memory", encoding="ascii") as handle:
        assert sysctl["vm_overcommit_memory"] == int(handle.read())
    pressure = _memory.read_pressure(memory=memory)
    assert pressure["level"] in _memory.PRESSURE_LEVELS
    if os.path.exists("/proc/pressure/memory"):
        assert pressure["available"] is True
