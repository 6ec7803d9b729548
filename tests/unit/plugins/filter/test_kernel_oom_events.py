# -*- coding: utf-8 -*-
# Copyright: oom.guard contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.oom.guard.plugins.filter.kernel_oom_events import FilterModule
from ansible_collections.oom.guard.plugins.module_utils._oom_log import EVENT_KEYS

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "kernel_logs")
BOOT = 1700000000


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


def real_kill(time=None):
    event = dict.fromkeys(EVENT_KEYS)
    event.update(
        kind="kernel_oom_kill",
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
        time=time,
        partial=False,
    )
    return event


FILTER = FilterModule().filters()["kernel_oom_events"]


def test_filter_is_registered():
    assert list(FilterModule().filters()) == ["kernel_oom_events"]


def test_filter_on_text_and_lines():
    text = fixture("real-6.18-memcg-v1-dmesg.log")
    assert FILTER(text) == [real_kill()]
    assert FILTER(text.splitlines(), boot_time=BOOT) == [real_kill("2023-11-14T22:15:17.304043Z")]


def test_filter_kinds_and_year():
    text = fixture("earlyoom-journal.log") + fixture("dmesg-T-6.8.log")
    assert [e["kind"] for e in FILTER(text, kinds=["kernel_oom_kill"])] == ["kernel_oom_kill"]
    assert FILTER(text, year=2025, kinds=["earlyoom_kill"])[0]["time"] == "2025-04-02T14:20:11Z"


@pytest.mark.parametrize(
    "value, message",
    [
        (None, "expected the log as a string or a list of lines, got NoneType"),
        (42, "expected the log as a string or a list of lines, got int"),
        ({"a": 1}, "expected the log as a string or a list of lines, got dict"),
        (["ok", 3], "item 1 of the input list is int, expected a string"),
    ],
)
def test_filter_rejects_non_text(value, message):
    with pytest.raises(AnsibleFilterError, match=message):
        FILTER(value)


def test_filter_rejects_unknown_kinds_and_bad_numbers():
    with pytest.raises(AnsibleFilterError, match="unknown kinds oomd; choose from kernel_oom_kill, earlyoom_kill, systemd_oomd_kill"):
        FILTER("", kinds=["oomd"])
    with pytest.raises(AnsibleFilterError, match="must be numbers"):
        FILTER("", boot_time="yesterday")


@pytest.fixture
def collection_loader(request):
    """Let Jinja find oom.guard filters by FQCN, as ansible-test's unit runner does."""
    from ansible.utils.collection_loader import AnsibleCollectionConfig
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    import ansible_collections

    if AnsibleCollectionConfig.collection_finder is not None:
        return
    roots = [os.path.dirname(path) for path in ansible_collections.__path__]
    # The finder must import ansible_collections itself; modules imported before it would shadow it.
    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "ansible_collections"}
    for name in saved:
        del sys.modules[name]
    _AnsibleCollectionFinder(paths=roots)._install()

    def restore():
        _AnsibleCollectionFinder._remove()
        for name in [name for name in sys.modules if name.split(".")[0] == "ansible_collections"]:
            del sys.modules[name]
        sys.modules.update(saved)

    request.addfinalizer(restore)


def test_filter_through_real_templating(collection_loader):
    from ansible.template import Templar
    from ansible.parsing.dataloader import DataLoader

    try:
        from ansible.template import trust_as_template
    except ImportError:  # ansible-core before 2.19 trusts every template string

        def trust_as_template(value):
            return value

    variables = {"log": fixture("real-6.18-memcg-v1-dmesg.log"), "btime": BOOT}
    templar = Templar(loader=DataLoader(), variables=variables)
    template = trust_as_template("{{ log | oom.guard.kernel_oom_events(boot_time=btime) }}")
    assert templar.template(template) == [real_kill("2023-11-14T22:15:17.304043Z")]
    template = trust_as_template("{{ log.splitlines() | oom.guard.kernel_oom_events | map(attribute='comm') | list }}")
    assert templar.template(template) == ["python3"]


def test_filter_documentation_lists_every_event_key():
    import yaml
    from ansible_collections.oom.guard.plugins.filter import kernel_oom_events as plugin

    returned = yaml.safe_load(plugin.RETURN)["_value"]["contains"]
    assert sorted(returned) == sorted((*EVENT_KEYS, "signal"))
    docs = yaml.safe_load(plugin.DOCUMENTATION)
    assert docs["name"] == "kernel_oom_events"
    assert docs["positional"] == "_input"
