# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet benchmarks on real podman test hosts: the audit playbook against a bare fact gather,
the controller settings worth changing for a bigger fleet, and the idempotent re-run of protect.

The hosts are started here with podman directly (the settings of extensions/molecule/config.yml
and the scenarios' molecule.yml, see docs/test-hosts.md) and always removed at the end.
"""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Rows (benchmark, goal, result, met, note) for the summary at the top of RESULTS.md.
SUMMARY = []
IMAGE = "localhost/oom-guard-testhost:12"
PODMAN_OPTS = [
    "--privileged",
    "--cgroupns=private",
    "--tmpfs=/run",
    "--tmpfs=/run/lock",
    "--tmpfs=/tmp",
    "--memory=1g",
    "--ulimit=nofile=20000:20000",
    "--ulimit=nproc=32768:32768",
]


# Every test host's systemd, dbus-daemon and systemd-logind hold 7 inotify instances, counted
# against root's fs.inotify.max_user_instances (128 here), which every engineer's podman test
# hosts share: 20 hosts took them all and the next container anyone started (theirs or ours) died
# at once with status 255. So the fleet runs its inventory hosts on FLEET_CONTAINERS containers,
# and the idempotence hosts mask dbus and logind (5 instances each; protect and earlyoom need
# neither: systemctl as root talks to systemd's private socket).
FLEET_CONTAINERS = 5
LIGHT_INIT = ("systemd.mask=dbus.service", "systemd.mask=dbus.socket", "systemd.mask=systemd-logind.service")


class Hosts:
    """`count` podman test hosts named <prefix>-01... for the length of a with-block."""

    def __init__(self, count, prefix, init_args=()):
        self.names = ["%s-%02d" % (prefix, n) for n in range(1, count + 1)]
        self.init_args = list(init_args)
        self._previous = {}

    def _remove(self):
        if self.names:
            subprocess.run(["podman", "rm", "-f", "-t", "0", *self.names], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    def _on_signal(self, signum, _frame):
        self._remove()
        raise SystemExit(128 + signum)

    def __enter__(self):
        # The trap: a killed benchmark removes its hosts too.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self._previous[signum] = signal.signal(signum, self._on_signal)
        self._remove()  # left over from an interrupted run
        try:
            for name in self.names:
                self._start(name)
            for name in self.names:
                self._wait(name)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self, name):
        subprocess.run(["podman", "rm", "-f", "-t", "0", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        subprocess.run(
            ["podman", "run", "-d", "--name", name, "--hostname", name, *PODMAN_OPTS, IMAGE, "/sbin/init", *self.init_args],
            stdout=subprocess.DEVNULL,
            check=True,
        )

    def _wait(self, name):
        """Until systemd in the host is up; a host whose container exited is started again (on a
        loaded machine a container now and then exits at once with status 255, before systemd logs)."""
        deadline = time.monotonic() + 300
        attempts = 1
        while True:
            state = subprocess.run(
                ["podman", "exec", name, "systemctl", "is-system-running"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False
            ).stdout.strip()
            if state in ("running", "degraded"):
                return
            running = subprocess.run(
                ["podman", "inspect", "--format", "{{.State.Running}}", name], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False
            ).stdout.strip()
            if running != "true":
                if attempts >= 3:
                    raise RuntimeError("test host %s exited %d times while booting" % (name, attempts))
                attempts += 1
                self._start(name)
            if time.monotonic() > deadline:
                raise RuntimeError("test host %s did not finish booting (%s)" % (name, state))
            time.sleep(0.5)

    def revive(self):
        """Start again every host whose container has exited; returns their names."""
        dead = []
        for name in self.names:
            running = subprocess.run(
                ["podman", "inspect", "--format", "{{.State.Running}}", name], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False
            ).stdout.strip()
            if running != "true":
                dead.append(name)
                self._start(name)
        for name in dead:
            self._wait(name)
        return dead

    def __exit__(self, *exc):
        self._remove()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def write_inventory(path, count, containers, prefix):
    """`count` inventory hosts <prefix>-hNN spread round-robin over the `containers`."""
    with open(path, "w") as handle:
        handle.write("[bench]\n")
        for index in range(count):
            handle.write(
                "%s-h%02d ansible_host=%s ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3\n"
                % (prefix, index + 1, containers[index % len(containers)])
            )


class TreeMemory:
    """Peak resident memory of a process and all its descendants, sampled every 0.1 s."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        parents = {}
        rss = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/status" % entry) as handle:
                    fields = dict(line.split(":", 1) for line in handle if line.startswith(("PPid:", "VmRSS:")))
            except (OSError, ValueError):
                continue
            parents[int(entry)] = int(fields.get("PPid", "0"))
            rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0])
        total = 0
        for pid, kilobytes in rss.items():
            walk = pid
            while walk and walk != self.pid:
                walk = parents.get(walk, 0)
            if walk == self.pid:
                total += kilobytes
        self.peak_kb = max(self.peak_kb, total)

    def _run(self):
        while not self._stop.wait(0.1):
            self._sample()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


RECAP_RE = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


LOG_DIR = os.path.join(HERE, "results")


def playbook(argv, env, log=None):
    """Run ansible-playbook; returns (seconds, peak controller RSS in MiB, {host: (ok, changed, unreachable, failed)}).

    The output goes to bench/results/<log>.log (not committed) for a look afterwards."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with TreeMemory(process.pid) as memory:
        output = process.communicate()[0]
    seconds = time.perf_counter() - start
    if log:
        os.makedirs(LOG_DIR, exist_ok=True)
        with open(os.path.join(LOG_DIR, log + ".log"), "w") as handle:
            handle.write("# %s\n# %.1f s, peak RSS %.0f MiB\n%s" % (" ".join(argv), seconds, memory.peak_kb / 1024.0, output))
    recap = dict((m.group(1), tuple(int(x) for x in m.group(2, 3, 4, 5))) for m in RECAP_RE.finditer(output))
    if process.returncode != 0 or any(r[2] or r[3] for r in recap.values()):
        raise RuntimeError("%s failed (rc %s):\n%s" % (" ".join(argv), process.returncode, output[-4000:]))
    return seconds, memory.peak_kb / 1024.0, recap


def _median(values):
    return statistics.median(values)


def _spread(values):
    return "%.1f–%.1f" % (min(values), max(values))


def loadavg():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def svg_plot(path, title, labels, series, xs):
    """A line plot as SVG with the standard library only. labels: (x, y); series: [(label, colour, [y...])]."""
    xlabel, ylabel = labels
    width, height, left, right, top, bottom = 640, 400, 70, 170, 40, 50
    ymax = max(max(ys) for _label, _colour, ys in series) * 1.1 or 1.0
    xmin, xmax = min(xs), max(xs)

    def px(x):
        return left + (x - xmin) / float(xmax - xmin or 1) * (width - left - right)

    def py(y):
        return height - bottom - y / ymax * (height - top - bottom)

    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (width, height),
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="%d" y="20" font-size="14">%s</text>' % (left, title),
        '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (left, height - bottom, width - right, height - bottom),
        '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (left, top, left, height - bottom),
        '<text x="%d" y="%d" text-anchor="middle">%s</text>' % ((left + width - right) / 2, height - 12, xlabel),
        '<text x="15" y="%d" transform="rotate(-90 15 %d)" text-anchor="middle">%s</text>' % ((top + height - bottom) / 2, (top + height - bottom) / 2, ylabel),
    ]
    for x in xs:
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (px(x), height - bottom + 16, x))
    for step in range(6):
        y = ymax * step / 5.0
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (left, py(y), width - right, py(y)))
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (left - 5, py(y) + 4, ("%.0f" if ymax >= 10 else "%.2f") % y))
    for index, (label, colour, ys) in enumerate(series):
        points = " ".join("%.1f,%.1f" % (px(x), py(y)) for x, y in zip(xs, ys))
        parts.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (colour, points))
        for x, y in zip(xs, ys):
            parts.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (px(x), py(y), colour))
        ly = top + 10 + 18 * index
        parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>' % (width - right + 10, ly, width - right + 30, ly, colour))
        parts.append('<text x="%d" y="%d">%s</text>' % (width - right + 35, ly + 4, label))
    parts.append("</svg>")
    with open(path, "w") as handle:
        handle.write("\n".join(parts) + "\n")


def bench_fleet(workdir, quick, prefix, plots_dir):
    """Returns the RESULTS.md lines of the fleet, settings and idempotence benchmarks."""
    sizes = [1, 2] if quick else [1, 5, 10, 20]
    runs = 1 if quick else 3
    largest = sizes[-1]
    idempotence_hosts = 1 if quick else 10
    env = dict(
        os.environ,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
        ANSIBLE_LOCALHOST_WARNING="False",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
        # Time per task in the logs under bench/results/ (the same small cost on both playbooks).
        ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
    )
    env.pop("ANSIBLE_PIPELINING", None)
    player = shutil.which("ansible-playbook")
    report_dir = os.path.join(workdir, "oom-report")
    lines = []
    with Hosts(min(largest, FLEET_CONTAINERS), prefix) as hosts:
        inventories = {}
        for size in sizes:
            inventories[size] = os.path.join(workdir, "fleet-%d.ini" % size)
            write_inventory(inventories[size], size, hosts.names, prefix)

        def retried(run):
            """One more try when a host's container died under the run (seen on a loaded machine)."""
            try:
                return run()
            except RuntimeError:
                if not hosts.revive():
                    raise
                return run()

        def gather(size, forks=5, extra_env=None):
            argv = [player, "-i", inventories[size], "-f", str(forks), os.path.join(HERE, "playbooks", "gather.yml")]
            return retried(lambda: playbook(argv, dict(env, **(extra_env or {})), log="gather-%d-forks%d" % (size, forks)))

        def audit(size, forks=5, extra_env=None, extra_args=()):
            argv = [player, "-i", inventories[size], "-f", str(forks), "oom.guard.audit", "-e", "oom_guard_report_dir=%s" % report_dir, *extra_args]
            return retried(lambda: playbook(argv, dict(env, **(extra_env or {})), log="audit-%d-forks%d" % (size, forks)))

        # -- scaling: audit vs bare gather, interleaved run by run ---------------------------------
        gather(1)  # warm-up (controller caches, first podman exec)
        audit(1)
        samples = dict((size, {"gather": [], "audit": [], "gather_mem": [], "audit_mem": []}) for size in sizes)
        loads = []
        for _round in range(runs):
            for size in sizes:
                seconds, mem, _recap = gather(size)
                samples[size]["gather"].append(seconds)
                samples[size]["gather_mem"].append(mem)
                seconds, mem, _recap = audit(size)
                samples[size]["audit"].append(seconds)
                samples[size]["audit_mem"].append(mem)
            loads.append(loadavg())
        lines += [
            "### Fleet: the audit playbook vs a bare fact gather (podman test hosts, forks 5)",
            "",
            "`ansible-playbook oom.guard.audit` (oom_facts, the per-host summary and the fleet report on the controller) "
            "against `bench/playbooks/gather.yml` (`gather_facts: true`, no task) over the same hosts, connection "
            "`containers.podman.podman`, %d interleaved runs per size (gather, audit, next size, ...). The inventory "
            "hosts are spread round-robin over %d podman test hosts (up to %d inventory hosts per container at the largest "
            "size): each systemd test host holds 7 of the 128 inotify instances root may have on this machine "
            "(`fs.inotify.max_user_instances`), shared with every engineer's test hosts, and 20 containers used them up "
            "(the next container anyone started died at once). Controller-side, which is what a fleet scales, every "
            "inventory host costs the same as on a container of its own: its own worker, connection and module run. "
            "Peak memory: resident memory of ansible-playbook and every process it started (workers, `podman exec`), "
            "sampled every 0.1 s. Load average after each round: %s." % (runs, len(hosts.names), -(-largest // len(hosts.names)), "; ".join(loads)),
            "",
            "| hosts | bare gather | min–max | audit | min–max | ratio | per host (audit) | peak RSS gather / audit | goal ≤ 1.2× |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        ratios = []
        for size in sizes:
            entry = samples[size]
            g, a = _median(entry["gather"]), _median(entry["audit"])
            ratios.append(a / g)
            lines.append(
                "| %d | %.1f s | %s s | %.1f s | %s s | %.2f× | %.2f s | %.0f / %.0f MiB | %s |"
                % (
                    size,
                    g,
                    _spread(entry["gather"]),
                    a,
                    _spread(entry["audit"]),
                    a / g,
                    a / size,
                    max(entry["gather_mem"]),
                    max(entry["audit_mem"]),
                    "met" if a <= 1.2 * g else "NOT met",
                )
            )
        svg_plot(
            os.path.join(plots_dir, "fleet-scaling.svg"),
            "Fleet: wall time per run (median, forks 5)",
            ("hosts", "seconds"),
            [
                ("bare gather", "#1f77b4", [_median(samples[s]["gather"]) for s in sizes]),
                ("oom.guard.audit", "#d62728", [_median(samples[s]["audit"]) for s in sizes]),
            ],
            sizes,
        )
        svg_plot(
            os.path.join(plots_dir, "fleet-per-host.svg"),
            "Fleet: seconds per host (median, forks 5)",
            ("hosts", "seconds per host"),
            [
                ("bare gather", "#1f77b4", [_median(samples[s]["gather"]) / s for s in sizes]),
                ("oom.guard.audit", "#d62728", [_median(samples[s]["audit"]) / s for s in sizes]),
            ],
            sizes,
        )
        small, big = sizes[-2], sizes[-1]
        marginal = dict((kind, (_median(samples[big][kind]) - _median(samples[small][kind])) / float(big - small)) for kind in ("gather", "audit"))
        lines += [
            "",
            "Marginal cost of one more host (%d → %d hosts): bare gather %.2f s, audit %.2f s (%.2f×); the rest of "
            "each run is fixed cost (ansible-playbook's start, and for the audit the fleet report written once on the "
            "controller)."
            % (small, big, marginal["gather"], marginal["audit"], marginal["audit"] / marginal["gather"] if marginal["gather"] > 0 else float("nan")),
            "",
            "![wall time per run](plots/fleet-scaling.svg) ![seconds per host](plots/fleet-per-host.svg)",
            "",
        ]

        # -- settings beyond one controller ------------------------------------------------------
        # Pipelining is not among them: containers.podman.podman declares has_pipelining = False,
        # so ANSIBLE_PIPELINING changes nothing on these hosts; bench_pipelining measures it where
        # it acts (the local connection).
        cache = {"ANSIBLE_CACHE_PLUGIN": "ansible.builtin.jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": os.path.join(workdir, "factcache")}
        at = sizes[-2]  # settings at the second-largest size: half the time of the largest
        no_summary = ("-e", '{"audit_summary": false}')
        facts_only = ("-e", '{"audit_report": false}')
        settings = [
            ("forks 20", lambda: gather(at, forks=20), lambda: audit(at, forks=20)),
            ("forks 5, jsonfile fact cache", lambda: gather(at, extra_env=cache), lambda: audit(at, extra_env=cache)),
            ("forks 5, audit without the console summary per host (`audit_summary: false`)", None, lambda: audit(at, extra_args=no_summary)),
            ("forks 5, audit without the fleet report (`audit_report: false`: oom_facts and the summary)", None, lambda: audit(at, extra_args=facts_only)),
        ]
        setting_runs = 1 if quick else 2
        table = dict((label, {"gather": [], "audit": [], "gather_mem": [], "audit_mem": []}) for label, _g, _a in settings)
        for _round in range(setting_runs):
            for label, run_gather, run_audit in settings:
                if run_gather is not None:
                    seconds, mem, _recap = run_gather()
                    table[label]["gather"].append(seconds)
                    table[label]["gather_mem"].append(mem)
                seconds, mem, _recap = run_audit()
                table[label]["audit"].append(seconds)
                table[label]["audit_mem"].append(mem)
        default = samples[at]
        lines += [
            "### Controller settings at %d hosts" % at,
            "",
            "Each setting on both playbooks, %d interleaved runs (medians, min–max); the forks-5 row is the scaling "
            "table's run at this size; rows without a gather of their own compare with that. Load average now: %s." % (setting_runs, loadavg()),
            "",
            "| setting | bare gather | audit | ratio | peak RSS gather / audit |",
            "|---|---|---|---|---|",
            "| forks 5 (the default) | %.1f s (%s) | %.1f s (%s) | %.2f× | %.0f / %.0f MiB |"
            % (
                _median(default["gather"]),
                _spread(default["gather"]),
                _median(default["audit"]),
                _spread(default["audit"]),
                _median(default["audit"]) / _median(default["gather"]),
                max(default["gather_mem"]),
                max(default["audit_mem"]),
            ),
        ]
        for label, _g, _a in settings:
            entry = table[label]
            if not entry["gather"]:
                entry["gather"], entry["gather_mem"] = default["gather"], default["gather_mem"]
            g, a = _median(entry["gather"]), _median(entry["audit"])
            lines.append(
                "| %s | %.1f s (%s) | %.1f s (%s) | %.2f× | %.0f / %.0f MiB |"
                % (label, g, _spread(entry["gather"]), a, _spread(entry["audit"]), a / g, max(entry["gather_mem"]), max(entry["audit_mem"]))
            )
        lines.append("")
        no_summary_ratio = _median(table[settings[2][0]]["audit"]) / _median(default["gather"])
        facts_alone = _median(table[settings[3][0]]["audit"]) / _median(default["gather"])
        met = all(ratio <= 1.2 for ratio in ratios)
        SUMMARY.append(
            (
                "fleet",
                "audit ≤ 1.2× a bare gather at %s hosts" % ", ".join(str(size) for size in sizes),
                " / ".join("%.2f×" % ratio for ratio in ratios),
                met,
                ""
                if met
                else "at %d hosts the remote part (oom_facts + summary, `audit_report: false`) is %.2f× and the audit without "
                "the console summary %.2f×; the fleet report is one task in the controller's process (`oom.guard.oom_report`), "
                "so what is over is ansible-playbook's fixed cost per task on small fleets" % (at, facts_alone, no_summary_ratio),
            )
        )
        SUMMARY.append(
            (
                "fleet",
                "cost per host flat",
                "marginal host: audit %.2f s, gather %.2f s" % (marginal["audit"], marginal["gather"]),
                marginal["audit"] <= 1.2 * marginal["gather"],
                ""
                if marginal["audit"] <= 1.2 * marginal["gather"]
                else "over by %.0f %%: the report is written in one task whatever the size, so this is oom_facts and the summary per host"
                % (100 * (marginal["audit"] / marginal["gather"] - 1.2)),
            )
        )

    # -- idempotent re-run of protect + earlyoom: one container per host (runs must not share one) --
    size = idempotence_hosts
    with Hosts(size, prefix, init_args=LIGHT_INIT) as hosts:
        inventory = os.path.join(workdir, "protect.ini")
        write_inventory(inventory, size, hosts.names, prefix)
        argv = [player, "-i", inventory, "-f", "5", "oom.guard.protect", "-e", "oom_guard_backend=earlyoom", "-e", "protect_runtime_partial=true"]
        first = playbook(argv, env, log="protect-first")
        second = playbook(argv, env, log="protect-second")
        changed_first = sum(r[1] for r in first[2].values())
        changed_second = sum(r[1] for r in second[2].values())
        if changed_second != 0 or len(second[2]) != size:
            raise RuntimeError(
                "protect + earlyoom is not idempotent: second run changed=%d on %d host(s): %s" % (changed_second, len(second[2]), json.dumps(second[2]))
            )
        lines += [
            "### Idempotent re-run: protect + earlyoom on %d hosts" % size,
            "",
            "`ansible-playbook oom.guard.protect -e oom_guard_backend=earlyoom -e protect_runtime_partial=true` "
            "(root here lacks CAP_SYS_RESOURCE, so negative runtime values are reported as denied), on %d fresh "
            "containers (dbus and logind masked, see the fleet note). The benchmark fails unless the second run "
            "reports changed=0 on every host. "
            "Load average: %s." % (size, loadavg()),
            "",
            "| run | wall time | changed (all hosts) | peak RSS |",
            "|---|---|---|---|",
            "| first (fresh hosts) | %.1f s | %d | %.0f MiB |" % (first[0], changed_first, first[1]),
            "| second | %.1f s | %d | %.0f MiB |" % (second[0], changed_second, second[1]),
            "",
            "Second run: %.2f× the first, changed=0 asserted." % (second[0] / first[0]),
            "",
        ]
        SUMMARY.append(("idempotent re-run", "second run changed=0 on %d hosts" % size, "changed=%d" % changed_second, changed_second == 0, ""))
    return lines, ratios


def bench_pipelining(workdir, quick):
    """ANSIBLE_PIPELINING off vs on where the connection supports it (local), on the audit playbook."""
    runs = 1 if quick else 3
    player = shutil.which("ansible-playbook")
    argv = [
        player,
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        "ansible_python_interpreter=/usr/bin/python3",
        "oom.guard.audit",
        "-e",
        "oom_guard_report_dir=%s" % os.path.join(workdir, "oom-report-local"),
    ]
    base = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default")
    times = {"off": [], "on": []}
    playbook(argv, dict(base, ANSIBLE_PIPELINING="False"))  # warm-up
    for _round in range(runs):
        for mode in ("off", "on"):
            times[mode].append(playbook(argv, dict(base, ANSIBLE_PIPELINING="True" if mode == "on" else "False"), log="pipelining-%s" % mode)[0])
    off, on = _median(times["off"]), _median(times["on"])
    return [
        "### Pipelining (the audit playbook on this machine, connection `local`)",
        "",
        "The podman connection cannot pipeline (`containers.podman.podman` declares `has_pipelining = False`), so "
        "pipelining is measured where it acts: without it every task writes its AnsiballZ file to a temporary directory "
        "and runs it from there, with it the module is piped to the interpreter. Over SSH each of those steps is a "
        "round trip, so the saving there is larger than here. %d interleaved runs; load average %s." % (runs, loadavg()),
        "",
        "| ANSIBLE_PIPELINING | median | min–max | vs off |",
        "|---|---|---|---|",
        "| False | %.2f s | %s s | 1.00× |" % (off, _spread(times["off"])),
        "| True | %.2f s | %s s | %.2f× |" % (on, _spread(times["on"]), on / off),
        "",
    ]
