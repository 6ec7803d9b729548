# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() in-process with arguments, as Ansible would, and return its result.

Warnings are recorded at the source (AnsibleModule.warn): ansible's global warning list is
process state that other tests can reset.
"""

import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes


class _Exit(Exception):
    pass


def run_module(monkeypatch, main, args, forbid_commands=False):
    """main(): the module's entry point; args: its parameters (``_ansible_*`` included).

    Returns the exit_json/fail_json keywords plus ``failed`` and ``warnings``. With
    ``forbid_commands`` any run_command call fails the test.
    """
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    result = {"warnings": []}

    def exit_json(self, **kwargs):
        result.update(kwargs, failed=False)
        raise _Exit()

    def fail_json(self, **kwargs):
        result.update(kwargs, failed=True)
        raise _Exit()

    def warn(self, message, *unused, **kwargs):
        result["warnings"].append(message)

    def run_command(self, *argv, **kwargs):
        raise AssertionError("this module must not run commands: %r" % (argv,))

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "warn", warn)
    if forbid_commands:
        monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    with pytest.raises(_Exit):
        main()
    return result
