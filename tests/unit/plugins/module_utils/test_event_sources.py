# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading OOM events from a host's sources: order, deduplication, windows, missing sources."""

import time

from ansible_collections.oom.guard.plugins.module_utils import _event_sources

BOOT = 1764550000  # 2025-12-01T00:46:40Z
KILL = (
    "Memory cgroup out of memory: Killed process 4242 (java) total-vm:43308kB, anon-rss:32384kB, "
    "file-rss:6636kB, shmem-rss:0kB, UID:0 pgtables:124kB oom_score_adj:0"
)


def _proc(tmp_path, oom_kill=1):
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "stat").write_text("cpu 1 2 3\nbtime %d\nprocesses 5\n" % BOOT)
    (proc / "vmstat").write_text("nr_free_pages 1\noom_kill %d\n" % oom_kill)
    return str(proc)


class FakeHost:
    """run_command/which stand-ins answering as a host with a journal and dmesg would."""

    def __init__(self, journal_kernel="", dmesg="", earlyoom="", journal_rc=0):
        self.calls = []
        self.answers = {"kernel": journal_kernel, "dmesg": dmesg, "earlyoom.service": earlyoom}
        self.journal_rc = journal_rc

    def which(self, name):
        return "/usr/bin/" + name

    def run(self, argv):
        self.calls.append(argv)
        if argv[0].endswith("dmesg"):
            return 0, self.answers["dmesg"], ""
        if "_TRANSPORT=kernel" in argv:
            return self.journal_rc, self.answers["kernel"] if self.journal_rc == 0 else "", "" if self.journal_rc == 0 else "No journal files were found."
        unit = argv[argv.index("--unit") + 1]
        return 0, self.answers.get(unit, ""), ""


def test_same_kill_in_journal_and_dmesg_is_reported_once(tmp_path):
    proc = _proc(tmp_path)
    host = FakeHost(
        journal_kernel="2025-12-01T00:48:20.000100+0000 node kernel: " + KILL + "\n",
        dmesg="[  100.000100] " + KILL + "\n",
    )
    result = _event_sources.collect_events(host.run, BOOT - 3600, which=host.which, proc_root=proc, now=BOOT + 200)
    assert [event["pid"] for event in result["events"]] == [4242]
    assert result["events"][0]["time"] == "2025-12-01T00:48:20.000100Z"
    assert result["kernel_kills_this_boot"] == 1
    assert [(s["name"], s["available"], s["events"]) for s in result["sources"]][:2] == [("journal (kernel)", True, 1), ("dmesg", True, 1)]
    journal_call = host.calls[0]
    assert journal_call[journal_call.index("--since") + 1] == "@%d" % (BOOT - 3600)


def test_window_drops_old_kills_but_boot_count_keeps_them(tmp_path):
    proc = _proc(tmp_path)
    host = FakeHost(dmesg="[  100.000100] " + KILL + "\n")
    result = _event_sources.collect_events(host.run, BOOT + 1000, which=host.which, proc_root=proc, now=BOOT + 2000)
    assert result["events"] == []
    assert result["kernel_kills_this_boot"] == 1
    journal_call = host.calls[0]
    assert journal_call[journal_call.index("--since") + 1] == "@%d" % BOOT


def test_unavailable_journal_is_reported_not_raised(tmp_path):
    proc = _proc(tmp_path)
    host = FakeHost(dmesg="", journal_rc=1)
    result = _event_sources.collect_events(host.run, BOOT, which=host.which, proc_root=proc, now=BOOT + 10)
    journal = result["sources"][0]
    assert journal["available"] is False
    assert "No journal files were found." in journal["reason"]


def test_missing_tools_are_reported(tmp_path):
    proc = _proc(tmp_path)
    result = _event_sources.collect_events(lambda argv: (1, "", ""), BOOT, which=lambda name: None, proc_root=proc, now=BOOT + 10)
    names = [(s["name"], s["available"], s["reason"]) for s in result["sources"][:2]]
    assert names == [("journal (kernel)", False, "journalctl not found"), ("dmesg", False, "dmesg not found")]


def test_earlyoom_kills_come_from_its_journal(tmp_path):
    proc = _proc(tmp_path)
    line = '2025-12-01T00:50:00+0000 node earlyoom[612]: sending SIGTERM to process 977 uid 1000 "chrome": badness 850, VmRSS 1234 MiB\n'
    host = FakeHost(earlyoom=line)
    result = _event_sources.collect_events(host.run, BOOT, which=host.which, proc_root=proc, now=BOOT + 600)
    assert [(e["kind"], e["pid"], e["comm"], e["signal"]) for e in result["events"]] == [("earlyoom_kill", 977, "chrome", "SIGTERM")]


def test_log_file_replaces_host_sources(tmp_path):
    log = tmp_path / "kern.log"
    log.write_text("[  100.000100] " + KILL + "\n")
    host = FakeHost()
    result = _event_sources.collect_events(host.run, 0, which=host.which, log_file=str(log), proc_root=_proc(tmp_path), now=time.time())
    assert host.calls == []
    assert [e["pid"] for e in result["events"]] == [4242]
    assert result["kernel_kills_this_boot"] is None
    missing = _event_sources.collect_events(host.run, 0, which=host.which, log_file=str(tmp_path / "nope"), now=time.time())
    assert missing["sources"][0]["available"] is False
    assert "No such file" in missing["sources"][0]["reason"]


def test_boot_time_and_counter_readers(tmp_path):
    proc = _proc(tmp_path, oom_kill=7)
    assert _event_sources.boot_time(proc) == BOOT
    assert _event_sources.vmstat_oom_kill(proc) == 7
    assert _event_sources.boot_time(str(tmp_path / "none")) is None
    assert _event_sources.vmstat_oom_kill(str(tmp_path / "none")) is None
