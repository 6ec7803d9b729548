# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# python3 junit_cases.py FILE.xml -> JSON {"totals": {...}, "cases": [{classname, name, status, message, text}]}
# Parses the JUnit file with a real XML parser (a malformed file fails here) so the test asserts on
# what a CI server would read. status: pass, fail, skipped or error.
import json
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
cases = []
for suite in root.findall("testsuite"):
    for case in suite.findall("testcase"):
        entry = {"suite": suite.get("name"), "classname": case.get("classname"), "name": case.get("name"), "status": "pass", "message": None, "text": None}
        for tag, status in (("failure", "fail"), ("skipped", "skipped"), ("error", "error")):
            element = case.find(tag)
            if element is not None:
                entry.update(status=status, message=element.get("message"), text=element.text)
        cases.append(entry)
totals = {name: int(root.get(name)) for name in ("tests", "failures", "errors", "skipped")}
print(json.dumps({"totals": totals, "cases": cases}))
