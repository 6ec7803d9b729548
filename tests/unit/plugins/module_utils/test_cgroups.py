# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys
import time
import uuid

import pytest

from ansible_collections.oom.guard.plugins.module_utils import _cgroups, _procfs

PAGE = _procfs.PAGE_SIZE
MEMINFO = {"mem_total_bytes": 1000000 * PAGE, "swap_total_bytes": 0}
V1_UNLIMITED = "9223372036854771712"
CONTAINER = "c" * 64


def write(path, text):
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def make_proc(root, pid, *, rss_pages=100, adj=0, state="S", flags=0, start=100, score=666):
    """A fake /proc/<pid> with what the memcg ranking reads."""
    rest = [state, "1"] + ["0"] * 4 + [str(flags)] + ["0"] * 12 + [str(start)] + ["0"] * 30
    base = os.path.join(str(root), str(pid))
    write(os.path.join(base, "stat"), "%d (p%d) %s\n" % (pid, pid, " ".join(rest)))
    write(os.path.join(base, "statm"), "1000 %d 0 0 0 0 0\n" % rss_pages)
    write(os.path.join(base, "status"), "Name:\tp%d\nUid:\t0\t0\t0\t0\nVmRSS:\t%d kB\nVmPTE:\t4 kB\nVmSwap:\t0 kB\n" % (pid, rss_pages * PAGE // 1024))
    write(os.path.join(base, "oom_score"), "%d\n" % score)
    write(os.path.join(base, "oom_score_adj"), "%d\n" % adj)
    write(os.path.join(base, "cmdline"), "p%d\0" % pid)
    write(os.path.join(base, "cgroup"), "0::/\n")


def mountinfo(tmp_path, lines):
    path = str(tmp_path / "mountinfo")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(line.replace("ROOT", str(tmp_path / "cg")) for line in lines) + "\n")
    return path


V2_LINES = ["30 23 0:26 / ROOT rw,nosuid - cgroup2 cgroup2 rw,nsdelegate", "22 1 8:1 / / rw - ext4 /dev/sda1 rw"]
HYBRID_LINES = [
    "31 23 0:28 / ROOT rw - tmpfs tmpfs rw,mode=755",
    "35 31 0:32 / ROOT/memory rw - cgroup cgroup rw,memory",
    "40 31 0:37 / ROOT/systemd rw - cgroup cgroup rw,xattr,name=systemd",
    "41 31 0:38 / ROOT/unified rw - cgroup2 cgroup2 rw",
]
V1_LINES = [
    "31 23 0:28 / ROOT rw - tmpfs tmpfs rw,mode=755",
    "34 31 0:31 / ROOT/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct",
    "35 31 0:32 /docker/" + CONTAINER + " ROOT/memory rw - cgroup cgroup rw,memory",
]


def test_detect_v2(tmp_path):
    write(str(tmp_path / "cg" / "cgroup.controllers"), "cpuset cpu io memory pids\n")
    result = _cgroups.detect_cgroups(mountinfo(tmp_path, V2_LINES), str(tmp_path / "cg"))
    assert result == {
        "available": True,
        "reason": None,
        "version": "v2",
        "memory_version": "v2",
        "memory_mount": str(tmp_path / "cg"),
        "memory_mount_root": "/",
        "unified_mount": str(tmp_path / "cg"),
    }


def test_detect_v2_without_memory_controller(tmp_path):
    write(str(tmp_path / "cg" / "cgroup.controllers"), "cpu pids\n")
    result = _cgroups.detect_cgroups(mountinfo(tmp_path, V2_LINES), str(tmp_path / "cg"))
    assert result["version"] == "v2"
    assert result["memory_version"] is None
    assert "memory controller" in result["reason"]


def test_detect_hybrid(tmp_path):
    result = _cgroups.detect_cgroups(mountinfo(tmp_path, HYBRID_LINES), str(tmp_path / "cg"))
    assert result["version"] == "hybrid"
    assert result["memory_version"] == "v1"
    assert result["memory_mount"] == str(tmp_path / "cg" / "memory")
    assert result["unified_mount"] == str(tmp_path / "cg" / "unified")


def test_detect_v1_with_mount_root(tmp_path):
    result = _cgroups.detect_cgroups(mountinfo(tmp_path, V1_LINES), str(tmp_path / "cg"))
    assert result["version"] == "v1"
    assert result["memory_mount_root"] == "/docker/" + CONTAINER
    assert result["unified_mount"] is None


def test_detect_none_or_missing(tmp_path):
    result = _cgroups.detect_cgroups(mountinfo(tmp_path, ["22 1 8:1 / / rw - ext4 /dev/sda1 rw"]), str(tmp_path / "cg"))
    assert result["available"] is False and result["version"] is None
    result = _cgroups.detect_cgroups(str(tmp_path / "nothing"))
    assert result["available"] is False and "cannot read" in result["reason"]


def test_mountinfo_octal_escapes():
    mounts = _cgroups.parse_mountinfo("36 35 98:0 /a\\040b /mnt/with\\040space rw - cgroup2 none rw\nbroken line\n")
    assert mounts == [{"root": "/a b", "mount_point": "/mnt/with space", "fstype": "cgroup2", "source": "none", "super_options": ["rw"]}]


def v2_cgroup(path, *, limit="max", high="max", current="1000", events=None, procs="", peak=None, group="0"):
    write(os.path.join(path, "memory.max"), limit + "\n")
    write(os.path.join(path, "memory.high"), high + "\n")
    write(os.path.join(path, "memory.swap.max"), "max\n")
    write(os.path.join(path, "memory.current"), current + "\n")
    write(os.path.join(path, "memory.oom.group"), group + "\n")
    if peak is not None:
        write(os.path.join(path, "memory.peak"), peak + "\n")
    write(os.path.join(path, "memory.events"), events or "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n")
    write(os.path.join(path, "cgroup.procs"), procs)


def v1_cgroup(path, *, limit=V1_UNLIMITED, usage="1000", oom_kill=0, disable=0, procs="", hierarchy="1", memsw=None):
    write(os.path.join(path, "memory.limit_in_bytes"), limit + "\n")
    write(os.path.join(path, "memory.usage_in_bytes"), usage + "\n")
    write(os.path.join(path, "memory.max_usage_in_bytes"), "5000\n")
    write(os.path.join(path, "memory.failcnt"), "7\n")
    write(os.path.join(path, "memory.use_hierarchy"), hierarchy + "\n")
    write(os.path.join(path, "memory.swappiness"), "60\n")
    write(os.path.join(path, "memory.oom_control"), "oom_kill_disable %d\nunder_oom 0\noom_kill %d\n" % (disable, oom_kill))
    if memsw is not None:
        write(os.path.join(path, "memory.memsw.limit_in_bytes"), memsw + "\n")
    write(os.path.join(path, "cgroup.procs"), procs)


def test_read_memcg_v2(tmp_path):
    path = str(tmp_path / "web.service")
    v2_cgroup(
        path,
        limit="4096000",
        high="2048000",
        current="1024000",
        peak="3000000",
        group="1",
        events="low 0\nhigh 5\nmax 3\noom 2\noom_kill 1\noom_group_kill 1\n",
    )
    entry = _cgroups.read_memcg(path, "v2", "/system.slice/web.service")
    assert entry == {
        "path": "/system.slice/web.service",
        "limit_bytes": 4096000,
        "high_bytes": 2048000,
        "swap_limit_bytes": None,
        "usage_bytes": 1024000,
        "peak_bytes": 3000000,
        "usage_percent": 25.0,
        "oom": 2,
        "oom_kill": 1,
        "oom_group_kill": 1,
        "max_events": 3,
        "high_events": 5,
        "under_oom": None,
        "oom_kill_disable": None,
        "failcnt": None,
        "oom_group": True,
        "use_hierarchy": True,
        "swappiness": None,
        "unit": "web.service",
        "container_id": None,
        "pod_uid": None,
    }


def test_read_memcg_v1(tmp_path):
    path = str(tmp_path / "docker" / CONTAINER)
    v1_cgroup(path, limit="1048576", usage="524288", oom_kill=4, memsw="2097152")
    entry = _cgroups.read_memcg(path, "v1", "/docker/" + CONTAINER)
    assert entry["limit_bytes"] == 1048576
    assert entry["swap_limit_bytes"] == 1048576
    assert entry["usage_percent"] == 50.0
    assert entry["peak_bytes"] == 5000
    assert entry["oom_kill"] == 4
    assert entry["oom"] is None
    assert entry["under_oom"] is False and entry["oom_kill_disable"] is False
    assert entry["failcnt"] == 7
    assert entry["container_id"] == CONTAINER
    unlimited = _cgroups.read_memcg(path + "x", "v1", "/gone")
    assert unlimited["limit_bytes"] is None and unlimited["usage_bytes"] is None


def test_v1_unlimited_is_none(tmp_path):
    path = str(tmp_path / "a")
    v1_cgroup(path)
    assert _cgroups.read_memcg(path, "v1")["limit_bytes"] is None
    assert _cgroups.read_memcg(path, "v1")["usage_percent"] is None


def test_memcg_total_pages():
    entry = {"limit_bytes": 1000 * PAGE, "swap_limit_bytes": None, "swappiness": 60}
    assert _cgroups.memcg_total_pages(entry, {"mem_total_bytes": 10**9, "swap_total_bytes": 50 * PAGE}) == 1050
    assert _cgroups.memcg_total_pages(dict(entry, swap_limit_bytes=20 * PAGE), {"mem_total_bytes": 10**9, "swap_total_bytes": 50 * PAGE}) == 1020
    assert _cgroups.memcg_total_pages(dict(entry, swappiness=0), {"mem_total_bytes": 10**9, "swap_total_bytes": 50 * PAGE}) == 1000
    assert _cgroups.memcg_total_pages(dict(entry, limit_bytes=None), MEMINFO) == 1000000


def hybrid_tree(tmp_path):
    """A hybrid host's memory hierarchy under tmp/cg/memory with processes in tmp/proc."""
    proc = tmp_path / "proc"
    memory = str(tmp_path / "cg" / "memory")
    v1_cgroup(memory, procs="1\n")
    v1_cgroup(os.path.join(memory, "system.slice"))
    v1_cgroup(os.path.join(memory, "system.slice", "db.service"), limit=str(100000 * PAGE), usage=str(50000 * PAGE), procs="10\n11\n")
    v1_cgroup(os.path.join(memory, "system.slice", "db.service", "worker"), procs="12\n")
    v1_cgroup(os.path.join(memory, "system.slice", "old.service"), oom_kill=3, procs="20\n")
    v1_cgroup(os.path.join(memory, "system.slice", "plain.service"), procs="30\n")
    make_proc(proc, 1, rss_pages=100, score=0)
    make_proc(proc, 10, rss_pages=5000)
    make_proc(proc, 11, rss_pages=100, adj=-1000, score=0)
    make_proc(proc, 12, rss_pages=1000, adj=100)  # 1000 + 1 + 100 * 100 = 11001 > 5001
    make_proc(proc, 20, rss_pages=10)
    make_proc(proc, 30, rss_pages=99999)
    return proc


def test_read_cgroups_walk_and_predict(tmp_path):
    proc = hybrid_tree(tmp_path)
    result = _cgroups.read_cgroups(mountinfo(tmp_path, HYBRID_LINES), str(tmp_path / "cg"), str(proc), meminfo=MEMINFO)
    assert result["version"] == "hybrid"
    assert result["truncated"] is False
    paths = [entry["path"] for entry in result["memory_cgroups"]]
    assert paths == ["/system.slice/db.service", "/system.slice/old.service"]
    db, old = result["memory_cgroups"]
    assert db["unit"] == "db.service"
    assert db["usage_percent"] == 50.0
    assert db["procs"] == 3
    assert db["totalpages"] == 100000
    assert db["predicted_victim"]["pid"] == 12
    assert db["predicted_victim"]["badness"] == 1001 + 100 * 100
    # unlimited but with past kills: ranked against the host's RAM + swap
    assert old["oom_kill"] == 3
    assert old["totalpages"] == 1000000
    assert old["predicted_victim"]["pid"] == 20


def test_read_cgroups_bounded(tmp_path):
    proc = hybrid_tree(tmp_path)
    result = _cgroups.read_cgroups(mountinfo(tmp_path, HYBRID_LINES), str(tmp_path / "cg"), str(proc), meminfo=MEMINFO, max_cgroups=1)
    assert result["truncated"] is True
    assert [entry["path"] for entry in result["memory_cgroups"]] == ["/system.slice/db.service"]
    result = _cgroups.read_cgroups(mountinfo(tmp_path, HYBRID_LINES), str(tmp_path / "cg"), str(proc), meminfo=MEMINFO, predict=False)
    assert result["memory_cgroups"][0]["predicted_victim"] is None


def test_read_cgroups_mount_root_prefixes_paths(tmp_path):
    memory = str(tmp_path / "cg" / "memory")
    v1_cgroup(memory)
    v1_cgroup(os.path.join(memory, "app"), limit="1048576")
    result = _cgroups.read_cgroups(mountinfo(tmp_path, V1_LINES), str(tmp_path / "cg"), str(tmp_path / "proc"), meminfo=MEMINFO)
    entry = result["memory_cgroups"][0]
    assert entry["path"] == "/docker/%s/app" % CONTAINER
    assert entry["container_id"] == CONTAINER
    assert entry["procs"] == 0 and entry["predicted_victim"] is None


def test_read_cgroups_v2(tmp_path):
    root = str(tmp_path / "cg")
    write(os.path.join(root, "cgroup.controllers"), "memory\n")
    write(os.path.join(root, "cgroup.procs"), "1\n")
    v2_cgroup(os.path.join(root, "system.slice", "web.service"), limit=str(1000 * PAGE), procs="5\n6\n")
    make_proc(tmp_path / "proc", 5, rss_pages=10, start=200)
    make_proc(tmp_path / "proc", 6, rss_pages=10, start=100)
    result = _cgroups.read_cgroups(mountinfo(tmp_path, V2_LINES), root, str(tmp_path / "proc"), meminfo=MEMINFO)
    entry = result["memory_cgroups"][0]
    # equal badness: the process found later in cgroup.procs wins (the kernel's scan order)
    assert entry["predicted_victim"]["pid"] == 6
    assert entry["oom_group"] is False


def test_use_hierarchy_zero_and_oom_kill_disable(tmp_path):
    proc = tmp_path / "proc"
    group = str(tmp_path / "g")
    v1_cgroup(group, limit=str(1000 * PAGE), procs="5\n", hierarchy="0")
    v1_cgroup(os.path.join(group, "child"), procs="6\n")
    make_proc(proc, 5, rss_pages=10)
    make_proc(proc, 6, rss_pages=500)
    entry = _cgroups.read_memcg(group, "v1", "/g")
    assert _cgroups.predict_memcg_victim(group, entry, MEMINFO, str(proc))["predicted_victim"]["pid"] == 5
    v1_cgroup(group, limit=str(1000 * PAGE), procs="5\n", disable=1)
    entry = _cgroups.read_memcg(group, "v1", "/g")
    predicted = _cgroups.predict_memcg_victim(group, entry, MEMINFO, str(proc))
    assert predicted["predicted_victim"] is None
    assert predicted["procs"] == 2


def test_only_the_victim_is_read_whole(tmp_path, monkeypatch, spy_opens):
    proc = hybrid_tree(tmp_path)
    before = _cgroups.read_cgroups(mountinfo(tmp_path, HYBRID_LINES), str(tmp_path / "cg"), str(proc), meminfo=MEMINFO)
    opened = spy_opens()
    result = _cgroups.read_cgroups(mountinfo(tmp_path, HYBRID_LINES), str(tmp_path / "cg"), str(proc), meminfo=MEMINFO)
    monkeypatch.undo()
    assert result == before
    db, old = result["memory_cgroups"]
    assert db["predicted_victim"] == dict(
        db["predicted_victim"], pid=12, comm="p12", cmdline="p12", oom_score=666, oom_score_adj=100, cgroup="/", uid=0, user="root", state="S"
    )
    assert old["predicted_victim"]["cmdline"] == "p20"

    def read(name):
        return sorted(int(path.split(os.sep)[-2]) for path in opened if path.endswith(os.sep + name))

    # Every member once for the ranking (the cache spans cgroups), the victims alone for the report.
    assert read("status") == read("stat") == read("oom_score_adj") == [10, 11, 12, 20]
    assert read("cmdline") == read("cgroup") == read("oom_score") == [12, 20]


def test_a_victim_gone_before_its_report_gives_way_to_the_next(tmp_path, monkeypatch):
    proc = hybrid_tree(tmp_path)
    real_open = os.open

    def gone(path, *args, **kwargs):
        if str(path) == os.path.join(str(proc), "12", "cmdline"):
            raise OSError(2, "No such file or directory", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", gone)
    db = _cgroups.read_cgroups(mountinfo(tmp_path, HYBRID_LINES), str(tmp_path / "cg"), str(proc), meminfo=MEMINFO)["memory_cgroups"][0]
    assert db["predicted_victim"]["pid"] == 10
    assert db["procs"] == 2


def test_a_container_init_in_a_memcg_is_ranked(tmp_path):
    """pid 1 with a nonzero oom_score is a container's init, which the kernel may kill."""
    proc = tmp_path / "proc"
    group = str(tmp_path / "g")
    v1_cgroup(group, limit=str(1000 * PAGE), procs="1\n5\n")
    make_proc(proc, 1, rss_pages=900, score=700)
    make_proc(proc, 5, rss_pages=10)
    entry = _cgroups.read_memcg(group, "v1", "/g")
    assert _cgroups.predict_memcg_victim(group, entry, MEMINFO, str(proc))["predicted_victim"]["pid"] == 1
    make_proc(tmp_path / "proc2", 1, rss_pages=900, score=0)
    make_proc(tmp_path / "proc2", 5, rss_pages=10)
    assert _cgroups.predict_memcg_victim(group, entry, MEMINFO, str(tmp_path / "proc2"))["predicted_victim"]["pid"] == 5


def test_read_cgroups_unavailable(tmp_path):
    result = _cgroups.read_cgroups(str(tmp_path / "none"), str(tmp_path), str(tmp_path))
    assert result["available"] is False
    assert result["memory_cgroups"] == [] and result["truncated"] is False


# --- a real memory cgroup on this machine: ranking and an actual kernel OOM kill -------------

CHILD = (
    "import os, sys\n"
    "open(os.path.join(sys.argv[1], 'cgroup.procs'), 'w').write(str(os.getpid()))\n"
    "if sys.argv[3] != '0':\n"
    "    open('/proc/self/oom_score_adj', 'w').write(sys.argv[3])\n"
    "block = bytearray(b'x') * int(sys.argv[2])\n"
    "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
    "sys.stdin.read()\n"
)
MIB = 1024 * 1024


@pytest.fixture
def real_memcg():
    """A fresh memory cgroup (v1 or v2) on this host: (directory, version, path, limit file)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create a memory cgroup")
    layout = _cgroups.detect_cgroups()
    if not layout["memory_mount"]:
        pytest.skip("no memory cgroup hierarchy: %s" % layout["reason"])
    name = "oomguard-test-%s" % uuid.uuid4().hex[:12]
    directory = os.path.join(layout["memory_mount"], name)
    limit_file = "memory.limit_in_bytes" if layout["memory_version"] == "v1" else "memory.max"
    try:
        os.mkdir(directory)
    except OSError as exc:
        pytest.skip("cannot create a memory cgroup in %s: %s" % (layout["memory_mount"], exc))
    children = []
    try:
        if not os.path.exists(os.path.join(directory, limit_file)):
            pytest.skip("the memory controller is not enabled for %s" % directory)
        base = layout["memory_mount_root"].rstrip("/") if layout["memory_mount_root"].startswith("/") else ""
        yield directory, layout["memory_version"], base + "/" + name, limit_file, children
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
            child.wait()
        for _attempt in range(50):
            try:
                os.rmdir(directory)
                break
            except OSError:
                time.sleep(0.1)


def start_child(directory, size, adj, children):
    child = subprocess.Popen([sys.executable, "-c", CHILD, directory, str(size), str(adj)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    children.append(child)
    return child


def wait_ready(child):
    assert child.stdout.readline() == b"ready\n"


def set_limit(directory, limit_file, value):
    with open(os.path.join(directory, limit_file), "w", encoding="ascii") as handle:
        handle.write(str(value))


def test_real_memcg_ranking(real_memcg):
    directory, version, path, limit_file, children = real_memcg
    set_limit(directory, limit_file, 1024 * MIB)
    big = start_child(directory, 100 * MIB, 0, children)
    adjusted = start_child(directory, 20 * MIB, 800, children)
    middle = start_child(directory, 50 * MIB, 300, children)
    for child in (big, adjusted, middle):
        wait_ready(child)
    entry = _cgroups.read_memcg(directory, version, path)
    assert entry["limit_bytes"] == 1024 * MIB
    records = _cgroups.memcg_members(directory, entry)
    assert sorted(record["pid"] for record in records) == sorted(child.pid for child in (big, adjusted, middle))
    ranked = _cgroups.rank_memcg(records, _cgroups.memcg_total_pages(entry, {"mem_total_bytes": 1 << 40, "swap_total_bytes": 0}))
    # totalpages is the 1 GiB limit: each adj point is worth 262 pages (~1 MiB), so both
    # adjusted processes outrank 100 MiB of rss.
    assert [record["pid"] for dummy, record in ranked] == [adjusted.pid, middle.pid, big.pid]


def test_real_memcg_kernel_kills_the_predicted_victim(real_memcg):
    """Predict, then make the kernel choose: it must kill the process we named.

    The small process has oom_score_adj 300, so the global oom_score ranks it first; inside a
    memcg of ~160 MiB each adj point is worth only ~40 pages and the 100 MiB process is the
    real victim. Only the memcg ranking gets this right.
    """
    directory, version, path, limit_file, children = real_memcg
    set_limit(directory, limit_file, 1024 * MIB)
    big = start_child(directory, 100 * MIB, 0, children)
    small = start_child(directory, 20 * MIB, 300, children)
    for child in (big, small):
        wait_ready(child)
    usage = _cgroups.read_memcg(directory, version, path)["usage_bytes"]
    set_limit(directory, limit_file, usage + 40 * MIB)

    facts = _cgroups.read_cgroups(max_cgroups=100000)
    mine = [cgroup for cgroup in facts["memory_cgroups"] if cgroup["path"] == path]
    assert len(mine) == 1
    assert mine[0]["limit_bytes"] == usage + 40 * MIB
    assert mine[0]["procs"] == 2
    assert mine[0]["predicted_victim"]["pid"] == big.pid
    scores = {pid: _procfs.read_process(pid, fields=("oom_score",))["oom_score"] for pid in (big.pid, small.pid)}
    assert scores[small.pid] > scores[big.pid]  # the global view would have named the wrong one

    trigger = start_child(directory, 50 * MIB, 0, children)
    deadline = time.time() + 30
    while big.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert big.returncode == -9, "the predicted victim was not killed"
    wait_ready(trigger)
    assert small.poll() is None and trigger.poll() is None
    assert _cgroups.read_memcg(directory, version, path)["oom_kill"] >= 1
    try:
        log = subprocess.run(["dmesg"], capture_output=True, check=False).stdout.decode("utf-8", "replace")
    except OSError:
        log = ""
    if "oom_memcg=" in log:
        assert "oom_memcg=%s,task_memcg=%s,task=python" % (path, path) in log
        assert "Killed process %d (" % big.pid in log


def test_own_container_id_from_mountinfo(tmp_path):
    from ansible_collections.oom.guard.plugins.module_utils._cgroup_attribution import own_container_id

    cid = "c5441f70a7002b1860045217983336b1855d4fdc2ce537e680ff81b9d67acf61"
    podman = tmp_path / "podman"
    podman.write_text(
        "93 81 0:50 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro\n"
        "640 620 254:0 /var/lib/containers/storage/overlay-containers/%s/userdata/hostname /etc/hostname rw - ext4 /dev/vda rw\n" % cid
    )
    docker = tmp_path / "docker"
    docker.write_text("712 700 254:0 /var/lib/docker/containers/%s/resolv.conf /etc/resolv.conf rw - ext4 /dev/vda rw\n" % cid)
    machine = tmp_path / "machine"
    machine.write_text("22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n")
    assert own_container_id(str(podman)) == cid
    assert own_container_id(str(docker)) == cid
    assert own_container_id(str(machine)) is None
    assert own_container_id(str(tmp_path / "missing")) is None
