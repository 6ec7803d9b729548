# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No shell anywhere in the collection: commands are argv lists, never a string a shell parses.

Scans plugins/ (Python by its syntax tree, so documentation that *mentions* /bin/sh is prose, not
code), roles/ and playbooks/ (YAML tasks by their keys, templates by their text). The scanners are
checked against planted offenders first, so an empty result means "none found", not "not looked".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os
import re

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SHELL_PATH_RE = re.compile(r"^\s*(/usr)?/bin/(ba|da|z|k|c|tc)?sh(\s|$)")
SHELL_NAMES = frozenset(["sh", "bash", "dash", "zsh", "ksh"])
BANNED_MODULES = frozenset(["subprocess", "commands", "pty", "popen2"])
BANNED_CALLS = frozenset(["os.system", "os.popen", "os.execl", "os.execlp", "os.execv", "os.execvp", "os.execvpe", "os.spawnl", "os.spawnv", "os.posix_spawn"])
SHELL_KEYWORDS = frozenset(["shell", "use_unsafe_shell"])
DOC_NAMES = frozenset(["DOCUMENTATION", "EXAMPLES", "RETURN"])
SHELL_TASK_KEYS = frozenset(
    [
        "shell",
        "ansible.builtin.shell",
        "ansible.legacy.shell",
        "script",
        "ansible.builtin.script",
        "ansible.legacy.script",
        "raw",
        "ansible.builtin.raw",
        "ansible.legacy.raw",
    ]
)


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return base + "." + node.attr if base else None
    return None


def _docstrings(tree):
    """The string nodes that are documentation: docstrings and DOCUMENTATION/EXAMPLES/RETURN."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in DOC_NAMES for t in node.targets):
            found.add(id(node.value))
    return found


def python_offences(source, name="<source>"):
    """Shell use in Python source: [(line, what)]."""
    tree = ast.parse(source, name)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in BANNED_MODULES:
                    found.append((node.lineno, "import %s" % alias.name))
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] in BANNED_MODULES:
                found.append((node.lineno, "from %s import" % node.module))
            if node.module == "os":
                found.extend((node.lineno, "from os import %s" % a.name) for a in node.names if "os." + a.name in BANNED_CALLS)
        elif isinstance(node, ast.Call):
            called = _dotted(node.func)
            if called in BANNED_CALLS:
                found.append((node.lineno, called))
            for keyword in node.keywords:
                if keyword.arg in SHELL_KEYWORDS and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                    found.append((node.lineno, "%s=%s" % (keyword.arg, ast.dump(keyword.value))))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            if SHELL_PATH_RE.match(node.value) or node.value in SHELL_NAMES:
                found.append((node.lineno, "shell %r" % node.value))
            if "ansible.builtin.shell" in node.value or "use_unsafe_shell" in node.value:
                found.append((node.lineno, "string %r" % node.value[:60]))
    return found


def _walk_yaml(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield path + "/" + str(key), key, item
            yield from _walk_yaml(item, path + "/" + str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_yaml(item, "%s[%d]" % (path, index))


_SHELL_KEY_LINE_RE = re.compile(r"^\s*-?\s*(%s)\s*:" % "|".join(re.escape(key) for key in sorted(SHELL_TASK_KEYS)))


def yaml_offences(text):
    """Shell use in YAML (tasks, playbooks, variables): [(where, what)].

    A file plain YAML cannot read (a plugin's documentation) is scanned line by line instead.
    """
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        lines = [(number, "task key line %r" % line.strip()[:60]) for number, line in enumerate(text.splitlines(), 1) if _SHELL_KEY_LINE_RE.match(line)]
        return lines + text_offences(text)
    found = []
    for document in documents:
        for where, key, item in _walk_yaml(document):
            if key in SHELL_TASK_KEYS and isinstance(item, (str, dict)):
                found.append((where, "task key %s" % key))
            if key in ("executable", "use_unsafe_shell"):
                found.append((where, "%s: %r" % (key, item)))
            if key in ("cmd", "argv", "ansible.builtin.command", "command", "ansible.legacy.command"):
                words = item if isinstance(item, list) else [item] if isinstance(item, str) else []
                if words and isinstance(words[0], str) and (SHELL_PATH_RE.match(words[0]) or words[0].split(" ")[0] in SHELL_NAMES):
                    found.append((where, "command runs a shell: %r" % words[0][:60]))
    return found


def text_offences(text):
    """Shell use in a template or any other text: [(line, what)]."""
    return [(number, line.strip()[:60]) for number, line in enumerate(text.splitlines(), 1) if re.search(r"(/usr)?/bin/(ba|da)?sh\b|\bsh -c\b", line)]


def collection_files():
    for top in ("plugins", "roles", "playbooks"):
        for base, _dirs, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                yield os.path.join(base, name)


def scan(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".py"):
        return python_offences(text, path)
    if path.endswith((".yml", ".yaml")):
        return yaml_offences(text)
    if path.endswith((".j2", ".sh", ".service", ".conf", ".cfg", ".ini")):
        return text_offences(text)
    return []


@pytest.mark.parametrize(
    "source, what",
    [
        ("import subprocess\n", "import subprocess"),
        ("from subprocess import run\n", "from subprocess import"),
        ("import os\nos.system('id')\n", "os.system"),
        ("from os import popen\n", "from os import popen"),
        ("module.run_command('ls', use_unsafe_shell=True)\n", "use_unsafe_shell="),
        ("run(['x'], shell=True)\n", "shell="),
        ("argv = ['/bin/sh', '-c', 'id']\n", "shell '/bin/sh'"),
        ("argv = ['bash', '-c', 'id']\n", "shell 'bash'"),
        ("get_bin_path('sh')\n", "shell 'sh'"),
    ],
)
def test_the_python_scanner_finds_planted_shell_use(source, what):
    assert [offence for _line, offence in python_offences(source) if offence.startswith(what)]


def test_the_python_scanner_leaves_documentation_and_argv_lists_alone():
    source = (
        '"""Sourced by /bin/sh from the init script."""\n'
        'DOCUMENTATION = r"""\nnotes: C(/bin/sh) reads the file\n"""\n'
        "def f(module):\n"
        "    return module.run_command(['/usr/bin/systemctl', 'show', '--', 'x'], use_unsafe_shell=False)\n"
    )
    assert python_offences(source) == []


@pytest.mark.parametrize(
    "text",
    [
        "- ansible.builtin.shell: id\n",
        "- name: x\n  shell: id\n",
        "- ansible.builtin.script: run.sh\n",
        "- ansible.builtin.raw: id\n",
        "- ansible.builtin.command:\n    cmd: /bin/sh -c id\n",
        "- ansible.builtin.command:\n    argv: [bash, -c, id]\n",
        "- ansible.builtin.command: sh -c id\n",
        "- ansible.builtin.command:\n    cmd: id\n  args:\n    executable: /bin/bash\n",
    ],
)
def test_the_yaml_scanner_finds_planted_shell_tasks(text):
    assert yaml_offences(text)


def test_the_yaml_scanner_reads_unparsable_yaml_line_by_line():
    assert yaml_offences("a: b: c\n- shell: id\n") and yaml_offences("a: b: c\nx: /bin/sh -c id\n")


def test_the_yaml_scanner_leaves_argv_commands_alone():
    assert yaml_offences("- ansible.builtin.command:\n    argv: [systemctl, show, earlyoom]\n") == []


def test_the_text_scanner_finds_a_shell_in_a_template():
    assert text_offences("ExecStart=/bin/sh -c 'earlyoom $ARGS'\n") and text_offences("x\nsh -c 'id'\n")


def test_there_are_files_to_scan():
    files = list(collection_files())
    assert len([path for path in files if path.endswith(".py")]) >= 10
    assert len([path for path in files if path.endswith(".yml")]) >= 10


def test_no_shell_anywhere_in_the_collection():
    offences = {}
    for path in collection_files():
        found = scan(path)
        if found:
            offences[os.path.relpath(path, ROOT)] = found
    assert offences == {}
