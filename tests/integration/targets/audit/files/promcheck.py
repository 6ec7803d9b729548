# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# python3 promcheck.py FILE [--require-parser]
# Checks a node_exporter textfile against the Prometheus text exposition format 0.0.4, strictly:
# every line is HELP, TYPE or a sample; HELP/TYPE once per family and before its samples; samples of
# a family together; valid metric and label names; label values escaped; no duplicate series; no
# timestamps (a textfile must not carry them); a trailing newline. Then, when importable, parses
# it with prometheus_client's own parser (Debian: python3-prometheus-client). Prints one line per
# family on success; exits 1 with the reasons otherwise.
import json
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE = r'"(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(r"^(%s)(?:\{((?:%s=%s)(?:,%s=%s)*)?,?\})? ([^ ]+)$" % (NAME, LABEL, VALUE, LABEL, VALUE))
PAIR = re.compile(r"(%s)=(%s)" % (LABEL, VALUE))
HELP = re.compile(r"^# HELP (%s) (.*)$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)
NUMBER = re.compile(r"^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$")


def check(text):
    errors = []
    if not text.endswith("\n"):
        errors.append("no trailing newline")
    families = {}
    order = []
    done = set()
    current = None
    series = set()
    for number, line in enumerate(text.splitlines(), 1):
        where = "line %d: " % number
        if not line.strip():
            errors.append(where + "empty line")
            continue
        match = HELP.match(line) or TYPE.match(line)
        if match:
            name = match.group(1)
            kind = "help" if line.startswith("# HELP") else "type"
            family = families.setdefault(name, {"help": None, "type": None, "samples": 0})
            if family[kind] is not None:
                errors.append(where + "second %s for %s" % (kind.upper(), name))
            if family["samples"]:
                errors.append(where + "%s for %s after its samples" % (kind.upper(), name))
            family[kind] = match.group(2)
            if name not in order:
                order.append(name)
            if current and current != name:
                done.add(current)
            current = name
            continue
        if line.startswith("#"):
            errors.append(where + "comment that is neither HELP nor TYPE: %r" % line)
            continue
        match = SAMPLE.match(line)
        if not match:
            errors.append(where + "not a valid sample (or carries a timestamp): %r" % line)
            continue
        name, labels, value = match.groups()
        base = name
        if base not in families:
            errors.append(where + "sample of %s before its HELP/TYPE" % name)
            families[base] = {"help": None, "type": None, "samples": 0}
        if base in done:
            errors.append(where + "samples of %s are not together" % name)
        if current and current != base:
            done.add(current)
        current = base
        families[base]["samples"] += 1
        if not NUMBER.match(value):
            errors.append(where + "value %r is not a number" % value)
        pairs = PAIR.findall(labels or "")
        names = [pair[0] for pair in pairs]
        if len(names) != len(set(names)):
            errors.append(where + "repeated label name")
        key = (name, tuple(sorted(pairs)))
        if key in series:
            errors.append(where + "duplicate series %s" % line)
        series.add(key)
    for name, family in families.items():
        if family["type"] == "counter" and family["samples"] and not name.endswith("_total"):
            errors.append("counter %s should end in _total" % name)
        if not family["samples"]:
            errors.append("family %s has no samples" % name)
    return errors, order


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    errors, order = check(text)
    parsed = None
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        if "--require-parser" in sys.argv:
            errors.append("prometheus_client is not importable by %s" % sys.executable)
    else:
        try:
            parsed = {family.name: [[sample.name, sample.labels, sample.value] for sample in family.samples] for family in text_string_to_metric_families(text)}
        except Exception as exc:  # any parser error is the answer
            errors.append("prometheus_client: %s" % exc)
    if errors:
        print("\n".join(errors))
        return 1
    print(json.dumps({"families": order, "parsed": parsed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
