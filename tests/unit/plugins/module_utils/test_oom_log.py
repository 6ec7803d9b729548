# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import os
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.oom.guard.plugins.module_utils import _oom_log
from ansible_collections.oom.guard.plugins.module_utils._oom_log import (
    EVENT_KEYS,
    dedupe_events,
    event_epoch,
    filter_since,
    kill_coverage,
    parse_kernel_log,
    parse_oom_events,
    parse_since,
    repeat_victims,
    summarize_victims,
)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "kernel_logs")
BOOT = 1700000000  # 2023-11-14T22:13:20Z
NOW = 1800000000  # 2027-01-15T08:00:00Z
CONTAINER = "0123456789abcdef" * 4
K8S_CONTAINER = "178ec18073cc6ac7be2de8d9869daf162a6349dd056b6535849112c53ec3102a"
K8S_SCOPE = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod2b1e7e8a_5d1f_4c7a_9a51_0c2f4e5b6a7d.slice/cri-containerd-%s.scope" % K8S_CONTAINER


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


def ev(**fields):
    """A complete expected event: every key of EVENT_KEYS, None unless given."""
    event = dict.fromkeys(EVENT_KEYS)
    event["partial"] = False
    event.update(fields)
    return event


def kernel(**fields):
    return ev(kind="kernel_oom_kill", **fields)


def test_event_keys_are_the_documented_list():
    assert len(EVENT_KEYS) == 23
    assert len(set(EVENT_KEYS)) == len(EVENT_KEYS)


def test_real_kill_on_this_machine_kernel_6_18_cgroup_v1():
    result = parse_kernel_log(fixture("real-6.18-memcg-v1-dmesg.log"))
    assert result["events"] == [
        kernel(
            pid=2647,
            comm="python3",
            uid=0,
            oom_score_adj=0,
            total_vm_kb=43308,
            anon_rss_kb=32384,
            file_rss_kb=6636,
            shmem_rss_kb=0,
            pgtables_kb=124,
            scope="memcg",
            constraint="CONSTRAINT_MEMCG",
            oom_memcg="/oomprobe",
            task_memcg="/oomprobe",
            invoker_comm="python3",
            invoker_pid=2647,
            time_raw="117.304043",
        )
    ]
    assert result["no_killable_count"] == 0
    assert result["ratelimited"] is False
    assert result["lines_scanned"] == 80


def test_real_kill_with_boot_time_gets_utc_time_with_fraction():
    events = parse_oom_events(fixture("real-6.18-memcg-v1-dmesg.log"), boot_time=BOOT)
    assert events[0]["time"] == "2023-11-14T22:15:17.304043Z"


def test_rhel6_2_6_32_messages():
    events = parse_oom_events(fixture("rhel6-2.6.32-messages.log"), year=2026)
    assert events == [
        kernel(
            pid=2412,
            comm="java",
            uid=500,
            score=932,
            total_vm_kb=3845208,
            anon_rss_kb=1854884,
            file_rss_kb=168,
            scope="global",
            invoker_comm="java",
            invoker_pid=2412,
            time_raw="Mar  3 02:11:40",
            time="2026-03-03T02:11:40Z",
        ),
        kernel(
            pid=21570,
            comm="mysqld",
            uid=27,
            score=854,
            total_vm_kb=11017300,
            anon_rss_kb=1032432,
            file_rss_kb=1232,
            scope="memcg",
            oom_memcg="/lxc/db01",
            task_memcg="/lxc/db01",
            invoker_comm="mysqld",
            invoker_pid=21570,
            time_raw="Mar  3 02:15:07",
            time="2026-03-03T02:15:07Z",
        ),
    ]


def test_upstream_2_6_32_child_sacrificed_victim_is_the_killed_line():
    events = parse_oom_events(fixture("upstream-2.6.32-dmesg.log"))
    # The selection named firefox-bin (2101); the kernel killed its child: the event is the child, without the parent's score.
    assert events == [
        kernel(
            pid=2130,
            comm="plugin-containe",
            total_vm_kb=1234564,
            anon_rss_kb=456788,
            file_rss_kb=1232,
            scope="global",
            invoker_comm="Xorg",
            invoker_pid=1770,
            time_raw="9021.551399",
        )
    ]


def test_rhel7_3_10_uid_after_comm_and_kdump_cpu_line():
    events = parse_oom_events(fixture("rhel7-3.10-messages.log"), year=2026)
    assert events == [
        kernel(
            pid=45465,
            comm="tail",
            uid=0,
            score=902,
            total_vm_kb=7582132,
            anon_rss_kb=7420324,
            file_rss_kb=0,
            shmem_rss_kb=0,
            scope="global",
            invoker_comm="tail",
            invoker_pid=45465,
            time_raw="Jun 19 22:42:14",
            time="2026-06-19T22:42:14Z",
        )
    ]


def test_ubuntu_4_4_task_in_line_and_child_sacrificed_in_docker():
    events = parse_oom_events(fixture("ubuntu-4.4-kern.log"), year=2026)
    assert events == [
        kernel(
            pid=3876,
            comm="dd",
            total_vm_kb=8484,
            anon_rss_kb=1052,
            file_rss_kb=4,
            shmem_rss_kb=0,
            scope="memcg",
            oom_memcg="/docker/" + CONTAINER,
            task_memcg="/docker/" + CONTAINER,
            container_id=CONTAINER,
            invoker_comm="dd",
            invoker_pid=3876,
            time_raw="Feb 10 09:00:01",
            time="2026-02-10T09:00:01Z",
        )
    ]


def test_debian_4_19_summary_selection_killed_and_reaper():
    pod = "/kubepods/burstable/pod0f5eb28f-6722-4cf5-ab0f-b62748c018d4"
    container = "0dc1822caf9e150de25daa1cf572418426ce6b72757b5efdff52acef348368a3"
    events = parse_oom_events(fixture("debian-4.19-dmesg.log"), boot_time=BOOT)
    assert events == [
        kernel(
            pid=30410,
            comm="stress",
            uid=0,
            score=1990,
            total_vm_kb=1051156,
            anon_rss_kb=121284,
            file_rss_kb=416,
            shmem_rss_kb=0,
            scope="memcg",
            constraint="CONSTRAINT_MEMCG",
            oom_memcg=pod,
            task_memcg=pod + "/" + container,
            invoker_comm="stress",
            invoker_pid=30410,
            time_raw="198542.576790",
            time="2023-11-17T05:22:22.576790Z",
            container_id=container,
            pod_uid="0f5eb28f-6722-4cf5-ab0f-b62748c018d4",
        )
    ]


def test_ubuntu_5_4_journal_short_iso_global_oom():
    events = parse_oom_events(fixture("ubuntu-5.4-journal-short-iso.log"))
    assert events == [
        kernel(
            pid=4521,
            comm="node",
            uid=1000,
            oom_score_adj=0,
            total_vm_kb=1490304,
            anon_rss_kb=1288436,
            file_rss_kb=0,
            shmem_rss_kb=0,
            pgtables_kb=2516,
            scope="global",
            constraint="CONSTRAINT_NONE",
            task_memcg="/system.slice/app.service",
            unit="app.service",
            invoker_comm="node",
            invoker_pid=4521,
            time_raw="2026-03-04T05:06:07+0000",
            time="2026-03-04T05:06:07Z",
        )
    ]


def test_fedora_6_1_journal_short_precise_pod_and_strange_comms():
    events = parse_oom_events(fixture("fedora-6.1-journal-short-precise.log"), year=2026)
    assert events == [
        kernel(
            pid=321757,
            comm="java",
            uid=0,
            oom_score_adj=872,
            total_vm_kb=3473912,
            anon_rss_kb=972768,
            file_rss_kb=0,
            shmem_rss_kb=0,
            pgtables_kb=2072,
            scope="memcg",
            constraint="CONSTRAINT_MEMCG",
            oom_memcg=K8S_SCOPE,
            task_memcg=K8S_SCOPE,
            invoker_comm="java",
            invoker_pid=321757,
            time_raw="Dec 01 03:04:05.123456",
            time="2026-12-01T03:04:05.123456Z",
            unit="cri-containerd-%s.scope" % K8S_CONTAINER,
            container_id=K8S_CONTAINER,
            pod_uid="2b1e7e8a-5d1f-4c7a-9a51-0c2f4e5b6a7d",
        ),
        kernel(
            pid=1555,
            comm="a) b (c",
            uid=1000,
            oom_score_adj=-100,
            total_vm_kb=20480,
            anon_rss_kb=10240,
            file_rss_kb=512,
            shmem_rss_kb=4,
            pgtables_kb=64,
            scope="global",
            constraint="CONSTRAINT_NONE",
            task_memcg="/user.slice/user-1000.slice/user@1000.service/init.scope",
            unit="init.scope",
            invoker_comm="(sd-pam)",
            invoker_pid=1402,
            time_raw="Dec 01 03:09:41.000420",
            time="2026-12-01T03:09:41.000420Z",
        ),
    ]


def test_dmesg_T_human_time_and_kworker_invoker():
    events = parse_oom_events(fixture("dmesg-T-6.8.log"))
    assert events == [
        kernel(
            pid=7410,
            comm="Web Content",
            uid=1000,
            oom_score_adj=167,
            total_vm_kb=2821340,
            anon_rss_kb=1210912,
            file_rss_kb=96,
            shmem_rss_kb=13420,
            pgtables_kb=4416,
            scope="global",
            constraint="CONSTRAINT_NONE",
            task_memcg="/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.mozilla.firefox-4242.scope",
            unit="app-org.mozilla.firefox-4242.scope",
            invoker_comm="kworker/u8:2",
            invoker_pid=8812,
            time_raw="Tue Dec  1 03:04:06 2026",
            time="2026-12-01T03:04:06Z",
        )
    ]


def test_dmesg_T_local_time_with_utc_offset():
    events = parse_oom_events(fixture("dmesg-T-6.8.log"), utc_offset=3600)
    assert events[0]["time"] == "2026-12-01T02:04:06Z"


def test_printk_caller_ids_and_priority_prefix():
    docker = "/system.slice/docker-%s.scope" % CONTAINER
    events = parse_oom_events(fixture("printk-caller-6.6.log"))
    assert events == [
        kernel(
            pid=2231,
            comm="stress-ng-vm",
            uid=0,
            oom_score_adj=1000,
            total_vm_kb=773468,
            anon_rss_kb=152704,
            file_rss_kb=164,
            shmem_rss_kb=0,
            pgtables_kb=400,
            scope="memcg",
            constraint="CONSTRAINT_MEMCG",
            oom_memcg=docker,
            task_memcg=docker,
            unit="docker-%s.scope" % CONTAINER,
            container_id=CONTAINER,
            invoker_comm="stress-ng-vm",
            invoker_pid=2231,
            time_raw="512.001410",
        ),
        kernel(
            pid=990,
            comm="redis-server",
            uid=999,
            oom_score_adj=0,
            total_vm_kb=2002100,
            anon_rss_kb=1900000,
            file_rss_kb=1024,
            shmem_rss_kb=0,
            pgtables_kb=3900,
            scope="global",
            constraint="CONSTRAINT_NONE",
            task_memcg="/",
            invoker_comm="kswapd0",
            invoker_pid=88,
            time_raw="530.100420",
        ),
    ]


def test_interleaved_hosts_are_grouped_per_host():
    events = parse_oom_events(fixture("rsyslog-interleaved-hosts.log"))
    assert events == [
        kernel(
            pid=5003,
            comm="gunicorn",
            uid=33,
            oom_score_adj=0,
            total_vm_kb=812000,
            anon_rss_kb=700000,
            file_rss_kb=1200,
            shmem_rss_kb=0,
            pgtables_kb=1600,
            scope="global",
            constraint="CONSTRAINT_NONE",
            task_memcg="/system.slice/gunicorn.service",
            unit="gunicorn.service",
            invoker_comm="gunicorn",
            invoker_pid=5001,
            time_raw="2026-05-06T10:00:00.100600+02:00",
            time="2026-05-06T08:00:00.100600Z",
        ),
        kernel(
            pid=6002,
            comm="postgres",
            uid=106,
            oom_score_adj=-900,
            total_vm_kb=4400000,
            anon_rss_kb=3900000,
            file_rss_kb=20000,
            shmem_rss_kb=150000,
            pgtables_kb=8200,
            scope="global",
            constraint="CONSTRAINT_NONE",
            task_memcg="/system.slice/postgresql@13-main.service",
            unit="postgresql@13-main.service",
            invoker_comm="postgres",
            invoker_pid=6001,
            time_raw="2026-05-06T10:00:00.100700+02:00",
            time="2026-05-06T08:00:00.100700Z",
        ),
    ]


def earlyoom(signal, **fields):
    event = ev(kind="earlyoom_kill", **fields)
    event["signal"] = signal
    return event


def test_earlyoom_1_6_1_7_1_8_escalation_dryrun_and_self_test():
    events = parse_oom_events(fixture("earlyoom-journal.log"), year=2026)
    assert events == [
        earlyoom("SIGTERM", pid=1234, comm="chrome", uid=1000, score=850, time_raw="Apr 02 14:20:11", time="2026-04-02T14:20:11Z"),
        earlyoom("SIGKILL", pid=2345, comm="Web Content", uid=1000, score=666, time_raw="Apr 02 14:31:40", time="2026-04-02T14:31:40Z"),
        earlyoom("SIGTERM", pid=3456, comm="(sd-pam)", uid=1000, score=733, oom_score_adj=200, time_raw="Apr 02 14:45:02", time="2026-04-02T14:45:02Z"),
        earlyoom("SIGKILL", pid=4567, comm='a) b": c', uid=0, score=900, oom_score_adj=0, time_raw="Apr 02 14:50:00", time="2026-04-02T14:50:00Z"),
    ]


def oomd(**fields):
    return ev(kind="systemd_oomd_kill", **fields)


def test_systemd_oomd_pressure_swap_memory_and_marked():
    user = "/user.slice/user-1000.slice/user@1000.service"
    docker = "/system.slice/docker-%s.scope" % CONTAINER
    events = parse_oom_events(fixture("systemd-oomd-journal.log"), year=2026)
    assert events == [
        oomd(
            constraint="ManagedOOMMemoryPressure",
            oom_memcg=user,
            task_memcg=user + "/app.slice/app-gnome-firefox-4242.scope",
            unit="app-gnome-firefox-4242.scope",
            time_raw="Sep 09 03:01:05",
            time="2026-09-09T03:01:05Z",
        ),
        oomd(constraint="ManagedOOMSwap", task_memcg="/system.slice/foo.service", unit="foo.service", time_raw="Sep 09 04:12:00", time="2026-09-09T04:12:00Z"),
        oomd(
            constraint="ManagedOOMSwap",
            task_memcg=docker,
            unit="docker-%s.scope" % CONTAINER,
            container_id=CONTAINER,
            time_raw="Sep 09 05:30:00",
            time="2026-09-09T05:30:00Z",
        ),
        oomd(
            constraint="ManagedOOMMemoryPressure",
            oom_memcg=user,
            task_memcg=user + "/app.slice/app-build.scope",
            unit="app-build.scope",
            time_raw="Sep 09 06:00:00",
            time="2026-09-09T06:00:00Z",
        ),
    ]


def test_noise_is_never_a_kill_but_counts_no_killable():
    # The rate-limit notes here follow a header (the kernel prints the OOM killer's right before
    # the report it lets through) or belong to another limit (net_ratelimit): none counts.
    result = parse_kernel_log(fixture("noise-not-kills.log"), year=2026)
    assert result == {
        "events": [],
        "no_killable_count": 1,
        "ratelimited": False,
        "suppressed_callbacks": 0,
        "lines_scanned": 18,
        "unreadable_lines": 0,
        "read_error": None,
    }


def test_ratelimited_storm_counts_the_notes_right_before_a_header_of_the_same_host():
    # A memcg OOM storm on 6.1: one full report, three kills whose reports the OOM killer held
    # back (bare "Killed process" lines), then its note "3 callbacks suppressed" right before the
    # next report it let through. Not counted: net_ratelimit's note (another limit, and 10 lines
    # before a header), a note of another host and one from a program right before a header,
    # and the note at the end with no report after it. Counted: 3, and 2 one line away.
    for source, result in _all_sources(fixture("ratelimited-storm-6.1.log"), year=2026).items():
        assert [event["pid"] for event in result["events"]] == [902, 903, 904, 905, 906, 907, 908], source
        assert [event["invoker_pid"] for event in result["events"]] == [901, None, None, None, 911, 921, 931], source
        assert (result["ratelimited"], result["suppressed_callbacks"], result["lines_scanned"]) == (True, 5, 35), source


def test_real_ratelimited_storm_on_6_18():
    # Recorded on this machine's kernel (6.18, cgroup v1 memory controller): 15 processes killed
    # in a 16 MiB memory cgroup within 2 s, then one more 6 s later. The OOM killer printed ten
    # full reports, then only the "Killed process" line of the next four, then "oom_kill_process:
    # 4 callbacks suppressed" on the line right before the next report's header. memory.oom_control
    # counted 15 kills.
    pids = [15951, 15992, 16033, 16074, 16115, 16156, 16197, 16238, 16279, 16320, 16361, 16402, 16443, 16484, 16526]
    for source, result in _all_sources(fixture("real-6.18-memcg-ratelimited-dmesg.log")).items():
        events = result["events"]
        assert [event["pid"] for event in events] == pids, source
        assert [event["invoker_pid"] for event in events] == pids[:10] + [None] * 4 + pids[14:], source
        assert [event["oom_memcg"] for event in events] == ["/oomstorm-s5"] * 10 + [None] * 4 + ["/oomstorm-s5"], source
        assert {event["scope"] for event in events} == {"memcg"} and not any(event["partial"] for event in events), source
        assert (result["ratelimited"], result["suppressed_callbacks"], result["lines_scanned"]) == (True, 4, 881), source
    assert kill_coverage(15, 15, ratelimited=True)["complete"] is True


@pytest.mark.parametrize(
    "note, counted",
    [
        ("oom_kill_process: 12 callbacks suppressed", 12),  # 2.6.33+, every kernel since
        ("__oom_kill_process: 4 callbacks suppressed", 4),
        ("printk: 6 messages suppressed.", 6),  # printk_ratelimit() before 2.6.33
        ("dump_header: 2 callbacks suppressed", 2),
        ("net_ratelimit: 40 callbacks suppressed", 0),
        ("sd 0:0:0:0: 9 callbacks suppressed", 0),
    ],
)
@pytest.mark.parametrize("gap", [0, 1, 7, 8])
def test_rate_limit_note_counts_within_the_lines_before_a_header(note, counted, gap):
    filler = "".join("[  19.%06d] eth0: link up\n" % i for i in range(gap))
    text = (
        "[  19.999990] %s\n" % note + filler + "[  20.000001] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
        "[  20.000002] CPU: 3 PID: 77 Comm: java Not tainted 5.10.0-8-amd64 #1\n"
        "[  20.000006] Out of memory: Killed process 78 (java) total-vm:4kB, anon-rss:2kB, file-rss:1kB, shmem-rss:0kB\n"
    )
    expected = counted if gap < 8 else 0  # the note is line gap + 1 before the header; 8 lines count
    for source, result in _all_sources(text).items():
        assert [event["pid"] for event in result["events"]] == [78], source
        assert (result["ratelimited"], result["suppressed_callbacks"]) == (expected > 0, expected), source


SYSLOG_HEADER = "Mar  3 11:00:01 %s %s: [ 10.0] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
SYSLOG_NOTE = "Mar  3 11:00:01 %s kernel: [ 9.9] oom_kill_process: %d callbacks suppressed\n"


@pytest.mark.parametrize(
    "text, expected",
    [
        # Two hosts of one aggregated syslog in an OOM storm at the same second: each note counts
        # for its own host's header, whichever header comes first.
        (SYSLOG_NOTE % ("web1", 3) + SYSLOG_NOTE % ("web2", 5) + SYSLOG_HEADER % ("web1", "kernel") + SYSLOG_HEADER % ("web2", "kernel"), 8),
        (SYSLOG_NOTE % ("web1", 3) + SYSLOG_HEADER % ("web2", "kernel") + SYSLOG_HEADER % ("web1", "kernel"), 3),
        # A header a program wrote is no report: it leaves the kernel's note to the real one.
        (SYSLOG_NOTE % ("web1", 3) + SYSLOG_HEADER % ("web1", "myapp[1]") + SYSLOG_HEADER % ("web1", "kernel"), 3),
        # Two reports of one host within 8 lines of the note: it counts once.
        (SYSLOG_NOTE % ("web1", 3) + SYSLOG_HEADER % ("web1", "kernel") + SYSLOG_HEADER % ("web1", "kernel"), 3),
        # A header line that also holds the words is a header, not a note for the next one.
        (SYSLOG_HEADER.rstrip("\n") % ("web1", "kernel") + " oom_kill_process: 5 callbacks suppressed\n" + SYSLOG_HEADER % ("web1", "kernel"), 0),
    ],
    ids=["two-hosts", "other-host-first", "program-header", "two-headers", "header-with-words"],
)
@pytest.mark.parametrize("chunk", [1, 70, 1 << 20])
def test_rate_limit_notes_count_once_for_a_kernel_header_of_their_host(text, expected, chunk, monkeypatch):
    monkeypatch.setattr(_oom_log, "_CHUNK", chunk)
    for source, result in _all_sources(text, year=2026).items():
        assert (result["ratelimited"], result["suppressed_callbacks"]) == (expected > 0, expected), source


def test_a_malformed_note_costs_no_report_its_header():
    # 5000 digits are over int()'s limit: the note is an unreadable line, the report is whole.
    text = (
        "[ 19.9] oom_kill_process: %s callbacks suppressed\n"
        % ("9" * 5000)
        + "[ 20.0] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
        "[ 20.0] CPU: 3 PID: 77 Comm: java Not tainted 5.10.0-8-amd64 #1\n"
        "[ 20.1] Out of memory: Killed process 78 (java) total-vm:4kB, anon-rss:2kB, file-rss:1kB, shmem-rss:0kB\n"
    )
    for source, result in _all_sources(text).items():
        assert [(event["pid"], event["invoker_pid"], event["invoker_comm"]) for event in result["events"]] == [(78, 77, "java")], source
        assert (result["unreadable_lines"], result["ratelimited"], result["suppressed_callbacks"]) == (1, False, 0), source


@pytest.mark.parametrize("chunk", [1, 40, 90, 200, 1 << 20])
def test_rate_limit_note_in_an_earlier_read_block_counts_once(chunk, monkeypatch):
    # Blocks cut between the note and its header (the note is carried to the next block), and two
    # headers within 8 lines of one note: it counts for the first only.
    monkeypatch.setattr(_oom_log, "_CHUNK", chunk)
    header = "[  %d.000001] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
    killed = "[  %d.000006] Out of memory: Killed process %d (java) total-vm:4kB, anon-rss:2kB, file-rss:1kB, shmem-rss:0kB\n"
    text = (
        "[  19.999990] oom_kill_process: 5 callbacks suppressed\n"
        + "[  19.999991] x\n" * 3
        + header % 20
        + killed % (20, 78)
        + header % 21
        + killed % (21, 79)
        + "[  21.999990] oom_kill_process: 1 callbacks suppressed\n"
        + "[  21.999991] y\n" * 6
        + header % 22
        + killed % (22, 80)
    )
    for source, result in _all_sources(text).items():
        assert [event["pid"] for event in result["events"]] == [78, 79, 80], source
        assert (result["ratelimited"], result["suppressed_callbacks"]) == (True, 6), source


_FIXTURE_LINES = sorted(set(line for name in sorted(os.listdir(FIXTURES)) if name.endswith(".log") for line in fixture(name).splitlines()))
_NOTE_OR_HEADER = [line for line in _FIXTURE_LINES if "suppressed" in line or "invoked oom-killer" in line]


@settings(max_examples=150)
@given(
    st.lists(st.sampled_from(_FIXTURE_LINES) | st.sampled_from(_NOTE_OR_HEADER), min_size=1, max_size=80),
    st.sampled_from(["\n", ""]),
    st.sampled_from([1, 13, 64, 300]),
)
def test_every_source_and_block_size_agree_on_lines_rich_in_notes_and_headers(lines, ending, chunk):
    # Real lines of every fixture, notes and headers drawn often: block boundaries fall between a
    # note and its header and inside the 8 lines before a header, for every kind of source.
    text = "\n".join(lines) + ending
    expected = parse_kernel_log(text.split("\n")[: len(lines)], year=2026)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_oom_log, "_CHUNK", chunk)
        for source, result in _all_sources(text, year=2026).items():
            assert result == expected, source


def test_partial_records_selection_only_summary_only_and_stale_record():
    events = parse_oom_events(fixture("partial-records.log"))
    assert events == [
        kernel(pid=4001, comm="ruby", score=700, scope="global", time_raw="5000.000001", partial=True),
        kernel(
            pid=4002, comm="ruby", score=690, total_vm_kb=900000, anon_rss_kb=800000, file_rss_kb=100, shmem_rss_kb=0, scope="global", time_raw="5000.000200"
        ),
        kernel(
            pid=5100,
            comm="java",
            uid=994,
            scope="memcg",
            constraint="CONSTRAINT_MEMCG",
            oom_memcg="/system.slice/kafka.service",
            task_memcg="/system.slice/kafka.service",
            unit="kafka.service",
            invoker_comm="java",
            invoker_pid=5100,
            time_raw="6000.000300",
            partial=True,
        ),
        kernel(
            pid=9999, comm="late", uid=0, oom_score_adj=0, total_vm_kb=10, anon_rss_kb=5, file_rss_kb=1, shmem_rss_kb=0, pgtables_kb=4, time_raw="6200.000001"
        ),
    ]


@pytest.mark.parametrize(
    "prefix, time_raw, time",
    [
        ("", None, None),
        ("<3>", None, None),
        ("[  117.304043] ", "117.304043", "2023-11-14T22:15:17.304043Z"),
        ("<3>[  117.304043][ T2647] ", "117.304043", "2023-11-14T22:15:17.304043Z"),
        ("[  117.304043][    C1] ", "117.304043", "2023-11-14T22:15:17.304043Z"),
        ("kern  :err   : [  117.304043] ", "117.304043", "2023-11-14T22:15:17.304043Z"),
        ("3,1234,117304043,-;", "117304043", "2023-11-14T22:15:17.304043Z"),
        ("[Tue Dec  1 03:04:05 2026] ", "Tue Dec  1 03:04:05 2026", "2026-12-01T03:04:05Z"),
        ("Dec  1 03:04:05 host kernel: ", "Dec  1 03:04:05", "2026-12-01T03:04:05Z"),
        ("Dec  1 03:04:05 host kernel: [  117.304043] ", "Dec  1 03:04:05", "2026-12-01T03:04:05Z"),
        ("Dec 01 03:04:05.123456 host kernel: ", "Dec 01 03:04:05.123456", "2026-12-01T03:04:05.123456Z"),
        ("2026-12-01T03:04:05+0000 host kernel: ", "2026-12-01T03:04:05+0000", "2026-12-01T03:04:05Z"),
        ("2026-12-01T04:04:05.500000+01:00 host kernel: ", "2026-12-01T04:04:05.500000+01:00", "2026-12-01T03:04:05.500000Z"),
    ],
)
def test_line_prefixes(prefix, time_raw, time):
    line = (
        prefix + "Memory cgroup out of memory: Killed process 2647 (python3) total-vm:43308kB, anon-rss:32384kB, "
        "file-rss:6636kB, shmem-rss:0kB, UID:0 pgtables:124kB oom_score_adj:0"
    )
    events = parse_oom_events([line], boot_time=BOOT, year=2026)
    assert events == [
        kernel(
            pid=2647,
            comm="python3",
            uid=0,
            oom_score_adj=0,
            total_vm_kb=43308,
            anon_rss_kb=32384,
            file_rss_kb=6636,
            shmem_rss_kb=0,
            pgtables_kb=124,
            scope="memcg",
            time_raw=time_raw,
            time=time,
        )
    ]


def test_syslog_year_defaults_to_current_year_or_previous_when_in_future():
    line = "Dec 31 23:59:59 h kernel: Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:1kB"
    # now = 2027-01-15: Dec 31 2027 would be in the future, so it is Dec 31 2026.
    assert parse_oom_events(line, now=NOW)[0]["time"] == "2026-12-31T23:59:59Z"
    line = "Jan  2 00:00:00 h kernel: Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:1kB"
    assert parse_oom_events(line, now=NOW)[0]["time"] == "2027-01-02T00:00:00Z"
    assert parse_oom_events(line, now=NOW, year=2020)[0]["time"] == "2020-01-02T00:00:00Z"


def test_bare_killed_line_of_old_kernels_and_bad_dates():
    events = parse_oom_events(["Feb 30 01:02:03 h kernel: Out of memory: Killed process 12 (my (odd) comm)"])
    assert events == [kernel(pid=12, comm="my (odd) comm", scope="global", time_raw="Feb 30 01:02:03")]


def test_program_other_than_kernel_is_ignored_for_kernel_records():
    line = "Jan  1 00:00:00 h java[12]: Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:1kB"
    assert parse_oom_events(line) == []


def test_sources_string_bytes_list_file_object_and_generator_agree(tmp_path):
    text = fixture("ubuntu-5.4-journal-short-iso.log")
    expected = parse_oom_events(text)
    path = tmp_path / "log"
    path.write_text(text)
    with open(str(path)) as handle:
        from_file = parse_oom_events(handle)
    with open(str(path), "rb") as handle:
        from_binary_file = parse_oom_events(handle)
    assert parse_oom_events(text.encode("utf-8")) == expected
    assert parse_oom_events(text.splitlines()) == expected
    assert parse_oom_events(line for line in text.splitlines(True)) == expected
    assert from_file == expected
    assert from_binary_file == expected
    assert parse_oom_events([text]) == expected


@pytest.mark.parametrize("filler", [1048560, 1048576, 1048590, 1049000])
def test_records_across_the_read_blocks_of_big_inputs(filler, tmp_path):
    record = fixture("real-6.18-memcg-v1-dmesg.log") + fixture("earlyoom-journal.log")
    text = ("x" * 99 + "\n") * (filler // 100) + "y" * (filler % 100) + "\n" + record
    expected = parse_oom_events(record.splitlines(), year=2026)
    assert [e["kind"] for e in expected] == ["kernel_oom_kill"] + ["earlyoom_kill"] * 4
    assert parse_oom_events(text, year=2026) == expected
    path = tmp_path / "big.log"
    path.write_text(text)
    with open(str(path), "rb") as handle:
        assert parse_oom_events(handle, year=2026) == expected
    assert parse_kernel_log(text)["lines_scanned"] == text.count("\n")


def _all_sources(text, **kwargs):
    """parse_kernel_log of one text given as str, bytes, binary and text file objects and lines."""
    lines = text.split("\n")
    if not lines[-1]:
        lines.pop()
    return {
        "str": parse_kernel_log(text, **kwargs),
        "bytes": parse_kernel_log(text.encode("utf-8"), **kwargs),
        "binary file": parse_kernel_log(io.BytesIO(text.encode("utf-8")), **kwargs),
        "text file": parse_kernel_log(io.StringIO(text), **kwargs),
        "lines": parse_kernel_log(lines, **kwargs),
    }


@pytest.mark.parametrize("chunk", [7, 64, 100, 4096])
@pytest.mark.parametrize("ending", ["\n", ""])
def test_read_blocks_of_any_size_give_the_same_result_as_lines(chunk, ending, monkeypatch):
    # Small read blocks put block boundaries inside every kind of record: a header at the end of
    # one block and its CPU line in the next, an earlyoom kill and its notes, a cut marker.
    monkeypatch.setattr(_oom_log, "_CHUNK", chunk)
    names = sorted(name for name in os.listdir(FIXTURES) if name.endswith(".log"))
    text = "".join(fixture(name) for name in names)
    text = text.rstrip("\n") + ending
    results = _all_sources(text, boot_time=BOOT, year=2026, now=NOW)
    expected = results.pop("lines")
    assert expected["lines_scanned"] == text.count("\n") + (0 if text.endswith("\n") else 1)
    assert len(expected["events"]) > 20
    for source, result in results.items():
        assert result == expected, source


@pytest.mark.parametrize("text", ["", "\n", "a", "a\n", "a\nb", "\n\n\nx\n", "x" * 300 + "\n" + "y" * 5, ("z" * 30 + "\n") * 40])
@pytest.mark.parametrize("chunk", [1, 16, 1 << 20])
def test_lines_scanned_counts_newlines_of_every_source(text, chunk, monkeypatch):
    monkeypatch.setattr(_oom_log, "_CHUNK", chunk)
    lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    for source, result in _all_sources(text).items():
        assert result["lines_scanned"] == lines, source


def test_escalation_far_from_its_kill_is_read_from_every_source():
    text = (
        'Apr 02 14:31:40 laptop earlyoom[812]: sending SIGTERM to process 2345 uid 1000 "x": oom_score 6, VmRSS 9 MiB\n'
        + "Apr 02 14:31:40 laptop kernel: filler line of a busy log\n" * 400
        + "Apr 02 14:31:41 laptop earlyoom[812]: escalating to SIGKILL after 0.5 seconds\n"
    )
    for source, result in _all_sources(text, year=2026).items():
        assert [(e["pid"], e["signal"]) for e in result["events"]] == [(2345, "SIGKILL")], source


def test_cpu_line_after_other_lines_of_the_report():
    text = (
        "[  10.000001] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
        "[  10.000002] Task in /a killed as a result of limit of /a\n"
        "[  10.000003] Mem-Info:\n"
        "[  10.000004] CPU: 3 PID: 77 Comm: java Not tainted 4.4.0-1 #1\n"
        "[  10.000005] Memory cgroup out of memory: Kill process 78 (java) score 990 or sacrifice child\n"
        "[  10.000006] Killed process 78 (java) total-vm:4kB, anon-rss:2kB, file-rss:1kB\n"
    )
    for source, result in _all_sources(text).items():
        assert [(e["pid"], e["invoker_comm"], e["invoker_pid"], e["task_memcg"], e["score"]) for e in result["events"]] == [(78, "java", 77, "/a", 990)], source


@pytest.mark.parametrize("comm", ["killall", "fill-disk", "SIGtest", "dryrun", "bash"])
@pytest.mark.parametrize("between", ["", "[  10.000003] Mem-Info:\n"])
def test_cpu_line_of_an_invoker_whose_name_holds_a_marker(comm, between):
    # "killall" holds "ill", one of the markers that make a line a candidate: its CPU line is a
    # candidate line too, and must still give the report its invoker's pid.
    text = (
        "[  10.000001] %s invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n" % comm
        + between
        + "[  10.000004] CPU: 3 PID: 77 Comm: %s Not tainted 6.1.0-1 #1\n" % comm
        + "[  10.000006] Out of memory: Killed process 77 (%s) total-vm:4kB, anon-rss:2kB, file-rss:1kB\n" % comm
    )
    for source, result in _all_sources(text).items():
        assert [(e["pid"], e["invoker_comm"], e["invoker_pid"]) for e in result["events"]] == [(77, comm, 77)], source


def test_events_keep_the_documented_key_order():
    # Events are written as dict displays on the hot path; their keys must come out in the
    # documented order (the JSON facts and reports print them so).
    text = fixture("debian-4.19-dmesg.log") + fixture("earlyoom-journal.log") + fixture("systemd-oomd-journal.log") + fixture("partial-records.log")
    events = parse_oom_events(text, year=2026)
    assert {e["kind"] for e in events} == {"kernel_oom_kill", "earlyoom_kill", "systemd_oomd_kill"}
    assert any(e["partial"] for e in events) and any(not e["partial"] for e in events)
    for event in events:
        keys = list(event)
        if event["kind"] == "earlyoom_kill":
            assert keys == [*EVENT_KEYS, "signal"]
        else:
            assert keys == list(EVENT_KEYS)


def test_killed_pattern_groups_are_read_in_their_order():
    # _killed reads match.groups() by position.
    order = sorted(_oom_log._KILLED_RE.groupindex, key=_oom_log._KILLED_RE.groupindex.get)
    assert order == ["reason", "pid", "uid6", "comm6", "comm", "uid7", "vm", "anon", "file", "shmem", "uid", "pgt", "adj"]


# The summary pattern as first written, with lazy ".*?" gaps: _SUMMARY_RE must match as it does.
LAZY_SUMMARY_RE = re.compile(
    r"oom-kill:constraint=(?P<constraint>[A-Z_]+),.*?(?:,oom_memcg=(?P<oom_memcg>.*?)|,global_oom)?"
    r"(?:,task_memcg=(?P<task_memcg>.*?))?,task=(?P<comm>.{0,64}),pid=(?P<pid>\d+),uid=(?P<uid>\d+)\s*$"
)
SUMMARY_PARTS = st.sampled_from(
    [
        "oom-kill:constraint=",
        "CONSTRAINT_NONE",
        "C_",
        ",",
        ",oom_memcg=",
        "oom_memcg=",
        ",global_oom",
        ",task_memcg=",
        ",task=",
        "task=",
        ",pid=",
        ",uid=",
        "7",
        "/a",
        "x",
        " ",
        "\r",
        "\n",
        "é",
        "q" * 64,
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(SUMMARY_PARTS, max_size=24).map("".join), st.booleans())
def test_summary_pattern_matches_as_the_lazy_one(text, with_prefix):
    if with_prefix:
        text = "oom-kill:constraint=CONSTRAINT_MEMCG," + text
    fast = _oom_log._SUMMARY_RE.search(text) if _oom_log._SUMMARY_TAIL_RE.search(text) else None
    lazy = LAZY_SUMMARY_RE.search(text)
    assert (fast and (fast.span(), fast.groupdict())) == (lazy and (lazy.span(), lazy.groupdict()))


def test_summary_line_of_many_keys_is_bounded():
    # The lazy gaps backtrack for seconds over such a line; its missing end dismisses it at once.
    line = "[ 1.0] oom-kill:constraint=CONSTRAINT_NONE" + ",oom_memcg=,task_memcg=" * 350
    start = time.monotonic()
    assert parse_kernel_log([line, line.encode()])["events"] == []
    assert time.monotonic() - start < 1.0


def test_kinds_selects_events():
    text = fixture("earlyoom-journal.log") + fixture("ubuntu-5.4-journal-short-iso.log")
    assert [e["kind"] for e in parse_oom_events(text, kinds=["kernel_oom_kill"])] == ["kernel_oom_kill"]
    assert len(parse_oom_events(text, kinds="earlyoom_kill")) == 4


@pytest.mark.parametrize("source", [None, b"", "", [], [None, 3, object()], b"\xff\xfe\x00garbage\n" * 10, "x" * 1000000])
def test_never_raises_on_odd_input(source):
    result = parse_kernel_log(source)
    assert result["events"] == []


def test_never_raises_when_reading_fails_midway():
    def broken():
        yield "[ 1.0] Out of memory: Killed process 1 (a) total-vm:1kB, anon-rss:1kB, file-rss:1kB"
        raise OSError("disk gone")

    result = parse_kernel_log(broken())
    assert [e["pid"] for e in result["events"]] == [1]
    assert result["lines_scanned"] == 1
    assert result["read_error"] == "OSError: disk gone"


def test_never_raises_on_bad_arguments():
    assert parse_kernel_log("", boot_time="soon", year="never", utc_offset=object())["events"] == []


def test_huge_line_with_many_markers_is_bounded():
    line = "Killed process 1 (" + ") total-vm:" * 200000
    assert parse_oom_events([line]) == []
    assert parse_oom_events(["Killed process 1 (%s) total-vm:1kB, anon-rss:1kB, file-rss:1kB" % ("x" * 65)]) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.binary(), st.lists(st.text()), st.lists(st.binary())))
def test_fuzz_never_raises(data):
    result = parse_kernel_log(data, boot_time=BOOT)
    assert isinstance(result["events"], list)


MARKERS = st.sampled_from(
    [
        "invoked oom-killer: gfp_mask=0x0, order=0, oom_score_adj=0",
        "CPU: 0 PID: 1 Comm: x Not tainted",
        "Out of memory: Kill process 1 (x) score 1 or sacrifice child",
        "oom-kill:constraint=CONSTRAINT_NONE,global_oom,task=x,pid=1,uid=0",
        "Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:1kB",
        "Task in /a killed as a result of limit of /a",
        'sending SIGTERM to process 1 uid 0 "x": badness 1, VmRSS 1 MiB',
        "escalating to SIGKILL after 1 seconds",
        "Killed /a.service due to swap used (1) / total (2) being more than 90.00%",
        "printk: 1 callbacks suppressed",
        "Out of memory and no killable processes...",
        "dryrun, not actually sending any signal",
        "[ 1.0] ",
        "Dec  1 00:00:00 h kernel: ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(MARKERS, st.text(max_size=40)), max_size=30).map(lambda parts: ["".join(parts[i : i + 3]) for i in range(0, len(parts), 3)]))
def test_fuzz_marker_soup_never_raises(lines):
    result = parse_kernel_log(lines, boot_time=BOOT)
    for event in result["events"]:
        assert set(EVENT_KEYS) <= set(event)


COMM = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=15).filter(
    lambda comm: len(comm.encode("utf-8")) <= 15 and comm == comm.strip() and ") total-vm:" not in comm
)


@settings(max_examples=400, deadline=None)
@given(COMM, st.integers(min_value=1, max_value=4194304), st.integers(min_value=-1000, max_value=1000))
def test_fuzz_comm_round_trips_through_killed_line(comm, pid, adj):
    line = (
        "[ 42.000001] Out of memory: Killed process %d (%s) total-vm:10kB, anon-rss:5kB, file-rss:1kB, shmem-rss:0kB, "
        "UID:1000 pgtables:4kB oom_score_adj:%d" % (pid, comm, adj)
    )
    assert parse_oom_events([line]) == [
        kernel(
            pid=pid,
            comm=comm,
            uid=1000,
            oom_score_adj=adj,
            total_vm_kb=10,
            anon_rss_kb=5,
            file_rss_kb=1,
            shmem_rss_kb=0,
            pgtables_kb=4,
            scope="global",
            time_raw="42.000001",
        )
    ]


@settings(max_examples=200, deadline=None)
@given(COMM, st.integers(min_value=1, max_value=4194304))
def test_fuzz_comm_round_trips_through_earlyoom_line(comm, pid):
    line = 'sending SIGTERM to process %d uid 1000 "%s": oom_score 5, oom_score_adj 0, VmRSS 1 MiB, cmdline "z"' % (pid, comm)
    assert [(e["pid"], e["comm"]) for e in parse_oom_events([line])] == [(pid, comm)]


# -- dedupe -------------------------------------------------------------------------------------


def test_dedupe_same_kill_from_dmesg_and_journal():
    dmesg = parse_oom_events(fixture("real-6.18-memcg-v1-dmesg.log"), boot_time=BOOT)
    journal = parse_oom_events(
        "2023-11-14T22:15:18+0000 probe kernel: Memory cgroup out of memory: Killed process 2647 (python3) total-vm:43308kB, "
        "anon-rss:32384kB, file-rss:6636kB, shmem-rss:0kB, UID:0 pgtables:124kB oom_score_adj:0"
    )
    merged = dedupe_events(dmesg + journal)
    assert merged == dmesg
    # Different kill of the same pid and comm a minute later stays.
    later = dict(journal[0], time="2023-11-14T22:16:18Z")
    assert len(dedupe_events([*dmesg, later])) == 2


def test_dedupe_fills_missing_fields_and_clears_partial():
    partial = kernel(pid=5, comm="x", score=10, partial=True, time="2026-01-01T00:00:00Z")
    full = kernel(pid=5, comm="x", anon_rss_kb=7, time="2026-01-01T00:00:02Z")
    assert dedupe_events([partial, full]) == [kernel(pid=5, comm="x", score=10, anon_rss_kb=7, time="2026-01-01T00:00:00Z")]


def test_dedupe_unknown_times_compare_raw_timestamps():
    first = kernel(pid=5, comm="x", time_raw="1.0")
    assert dedupe_events([first, dict(first)]) == [first]
    assert len(dedupe_events([first, kernel(pid=5, comm="x", time_raw="9.0")])) == 2


# -- since --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, cutoff",
    [
        ("30m", NOW - 1800),
        ("24h", NOW - 86400),
        ("7d", NOW - 604800),
        ("2w", NOW - 1209600),
        ("90s", NOW - 90),
        ("2026-12-01", 1796083200),
        ("2026-12-01T03:04:05Z", 1796094245),
        ("2026-12-01T04:04:05+01:00", 1796094245),
        ("2026-12-01 03:04", 1796094240),
    ],
)
def test_parse_since(value, cutoff):
    assert parse_since(value, now=NOW) == cutoff


@pytest.mark.parametrize("value", ["", "yesterday", "24", "24y", "2026-13-01", None, 5, "-3h"])
def test_parse_since_rejects_with_the_allowed_forms(value):
    with pytest.raises(ValueError, match=r"expected a duration such as 30m, 24h, 7d or 2w .* ISO 8601 date or datetime"):
        parse_since(value, now=NOW)


def test_filter_since_keeps_events_without_time():
    old = kernel(pid=1, comm="a", time="2020-01-01T00:00:00Z")
    new = kernel(pid=2, comm="b", time="2026-12-01T03:04:05.5Z")
    unknown = kernel(pid=3, comm="c")
    assert filter_since([old, new, unknown], parse_since("2026-01-01")) == [new, unknown]
    assert event_epoch(new) == 1796094245.5


# -- summaries ----------------------------------------------------------------------------------


def test_summarize_and_repeat_victims():
    events = [
        kernel(pid=1, comm="java", time="2026-01-01T00:00:00Z"),
        kernel(pid=2, comm="java", time="2026-01-02T00:00:00Z"),
        ev(kind="earlyoom_kill", pid=2, comm="java", signal="SIGTERM"),
        kernel(pid=3, comm="node"),
        ev(kind="systemd_oomd_kill", task_memcg="/a.service"),
    ]
    assert summarize_victims(events) == [
        {"comm": "java", "count": 3, "last_seen": "2026-01-02T00:00:00Z", "pids": [1, 2]},
        {"comm": "node", "count": 1, "last_seen": None, "pids": [3]},
    ]
    assert repeat_victims(events) == [{"comm": "java", "count": 3, "last_seen": "2026-01-02T00:00:00Z", "pids": [1, 2]}]


@pytest.mark.parametrize(
    "found, counter, ratelimited, expected",
    [
        (2, 2, False, {"complete": True, "verifiable": True, "missing": 0, "reason": None}),
        (
            3,
            2,
            False,
            {
                "complete": True,
                "verifiable": True,
                "missing": 0,
                "reason": "the log holds more kills than the counter: events from before the last boot were counted",
            },
        ),
        (1, 4, True, {"complete": False, "verifiable": True, "missing": 3, "reason": "kernel rate-limited its reports (callbacks suppressed)"}),
        (
            0,
            4,
            False,
            {
                "complete": False,
                "verifiable": True,
                "missing": 4,
                "reason": "no kill reports in the log: log rotated or truncated, or the kernel log is not readable",
            },
        ),
        (1, 4, False, {"complete": False, "verifiable": True, "missing": 3, "reason": "log rotated or truncated: the earliest reports since boot are gone"}),
        (
            1,
            None,
            False,
            {"complete": True, "verifiable": False, "missing": 0, "reason": "not verifiable: /proc/vmstat has no oom_kill counter (kernel older than 4.13)"},
        ),
    ],
)
def test_kill_coverage(found, counter, ratelimited, expected):
    assert kill_coverage(found, counter, ratelimited=ratelimited) == expected
