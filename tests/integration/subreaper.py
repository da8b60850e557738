#!/usr/bin/env python3
"""subreaper.py CMD...: runs CMD as a child subreaper would (PR_SET_CHILD_SUBREAPER,
as conmon and containerd's shim are), waits for it, then for every orphan of
it that was handed to us. Prints "status N orphans M" (M: how many of CMD's
descendants outlived it and needed our reaping)."""
import ctypes
import os
import sys

PR_SET_CHILD_SUBREAPER = 36
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, st = os.waitpid(pid, 0)
orphans = 0
while True:
    try:
        os.waitpid(-1, 0)
        orphans += 1
    except ChildProcessError:
        break
print("status %d orphans %d" % (os.waitstatus_to_exitcode(st), orphans))
