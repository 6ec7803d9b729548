# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# python3 oomguard_vm_hog.py NAME [GO_FILE|-] [CHURN_FILE]
# Name ourselves NAME (the comm the kernel log shows), wait for GO_FILE if given, then grow by
# touched mebibytes until something kills us. oom_score_adj is left as inherited (the unit's).
# With CHURN_FILE: write 24 MiB to it first and read it again between allocations, so the cgroup
# also has page cache to reclaim (systemd-oomd acts on pressure only with reclaim activity).
import ctypes
import os
import sys
import time

PR_SET_NAME = 15
CHUNK = 1 << 20

name = sys.argv[1]
go = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None
churn = sys.argv[3] if len(sys.argv) > 3 else None
ctypes.CDLL(None).prctl(PR_SET_NAME, name.encode()[:15], 0, 0, 0)
if go:
    while not os.path.exists(go):
        time.sleep(0.2)
if churn:
    with open(churn, "wb") as handle:
        for _ in range(24):
            handle.write(os.urandom(CHUNK))
hog = []
while True:
    hog.append(bytearray(b"x" * CHUNK))
    if churn:
        with open(churn, "rb") as handle:
            while handle.read(CHUNK):
                pass
