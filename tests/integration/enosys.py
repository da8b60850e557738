#!/usr/bin/env python3
"""Runs a command on a kernel that seems to lack some system calls.

    enosys.py NR[,NR...] COMMAND [ARG...]

Installs a seccomp filter that fails each x86-64 system call numbered NR
with ENOSYS (as a kernel without it answers) and allows everything else,
then executes COMMAND. The filter stays on COMMAND and its children.
"""
import ctypes
import os
import struct
import sys

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
AUDIT_ARCH_X86_64 = 0xC000003E
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
RET_KILL = 0x80000000
ENOSYS = 38
LD_W_ABS, JEQ_K, RET_K = 0x20, 0x15, 0x06


def insn(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    nrs = [int(n) for n in sys.argv[1].split(",")]
    prog = [insn(LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
            insn(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
            insn(RET_K, 0, 0, RET_KILL),
            insn(LD_W_ABS, 0, 0, 0)]  # seccomp_data.nr
    for i, nr in enumerate(nrs):
        # to the ENOSYS return after the remaining tests and the allow
        prog.append(insn(JEQ_K, len(nrs) - i, 0, nr))
    prog.append(insn(RET_K, 0, 0, RET_ALLOW))
    prog.append(insn(RET_K, 0, 0, RET_ERRNO | ENOSYS))
    buf = ctypes.create_string_buffer(b"".join(prog))
    fprog = struct.pack("HxxxxxxQ", len(prog), ctypes.addressof(buf))
    fprog_buf = ctypes.create_string_buffer(fprog)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                       ctypes.addressof(fprog_buf), 0, 0) != 0:
        sys.exit("enosys.py: seccomp: " + os.strerror(ctypes.get_errno()))
    os.execvp(sys.argv[2], sys.argv[2:])


main()
