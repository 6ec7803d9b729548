# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# python3 oomguard_hog.py NAME MIB ADJ [GO_FILE]
# Name ourselves NAME (the comm the kernel log shows), raise our own oom_score_adj to ADJ (raising
# needs no capability), wait for GO_FILE if given, hold MIB mebibytes of touched memory (0: grow
# until killed), write /run/NAME.ready, then sleep.
import ctypes
import os
import sys
import time

PR_SET_NAME = 15

name, mib, adj = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
go = sys.argv[4] if len(sys.argv) > 4 else None
ctypes.CDLL(None).prctl(PR_SET_NAME, name.encode()[:15], 0, 0, 0)
with open("/proc/self/oom_score_adj", "w") as handle:
    handle.write(str(adj))
if go:
    while not os.path.exists(go):
        time.sleep(0.05)
hog = []
while len(hog) < mib or mib == 0:
    hog.append(bytearray(b"x" * (1 << 20)))
with open("/run/%s.ready" % name, "w") as handle:
    handle.write(str(os.getpid()))
while True:
    time.sleep(60)
