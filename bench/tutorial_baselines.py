# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tutorial's approaches (shared/seed/oom-tutorial.md), kept as they were written, as baselines.

Only the printing is left out; the work each does per line / per process is unchanged.
"""

import re
from collections import namedtuple

import psutil

OOMEvent = namedtuple("OOMEvent", ["timestamp", "killed_process", "pid", "score", "memory_info"])


def oom_analyzer_parse(dmesg_output):
    """oom_analyzer.py OOMAnalyzer.parse_dmesg_oom: two re.search calls per line."""
    events = []
    current_oom = None
    for line in dmesg_output.split("\n"):
        oom_match = re.search(r"\[([\d.]+)\].*Out of memory: Kill process (\d+) \(([^)]+)\) score (\d+)", line)
        if oom_match:
            current_oom = {
                "timestamp": float(oom_match.group(1)),
                "pid": int(oom_match.group(2)),
                "process_name": oom_match.group(3),
                "score": int(oom_match.group(4)),
                "memory_info": {},
            }
            continue
        if current_oom:
            mem_match = re.search(r"Killed process \d+ \([^)]+\) total-vm:(\d+)kB, anon-rss:(\d+)kB, file-rss:(\d+)kB", line)
            if mem_match:
                current_oom["memory_info"] = {
                    "total_vm": int(mem_match.group(1)),
                    "anon_rss": int(mem_match.group(2)),
                    "file_rss": int(mem_match.group(3)),
                }
                events.append(
                    OOMEvent(
                        timestamp=current_oom["timestamp"],
                        killed_process=current_oom["process_name"],
                        pid=current_oom["pid"],
                        score=current_oom["score"],
                        memory_info=current_oom["memory_info"],
                    )
                )
                current_oom = None
    return events


def _get_process_oom_info(pid):
    """oom_score_monitor.py OOMScoreMonitor.get_process_oom_info."""
    try:
        with open("/proc/%d/oom_score" % pid) as f:
            oom_score = int(f.read().strip())
        with open("/proc/%d/oom_score_adj" % pid) as f:
            oom_score_adj = int(f.read().strip())
        proc = psutil.Process(pid)
        return {
            "pid": pid,
            "name": proc.name(),
            "oom_score": oom_score,
            "oom_score_adj": oom_score_adj,
            "memory_mb": proc.memory_info().rss / 1024 / 1024,
        }
    except (FileNotFoundError, psutil.NoSuchProcess, ValueError):
        return None


def oom_score_monitor_scan(threshold=-1):
    """oom_score_monitor.py get_high_risk_processes (threshold -1: every process, as a full scan)."""
    high_risk = []
    for proc in psutil.process_iter(["pid"]):
        try:
            info = _get_process_oom_info(proc.info["pid"])
            if info and info["oom_score"] > threshold:
                high_risk.append(info)
        except Exception:
            continue
    return sorted(high_risk, key=lambda x: x["oom_score"], reverse=True)
