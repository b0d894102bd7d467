#!/usr/bin/env python3
"""Runs a command with the kernel's memory-deny-write-execute policy (prctl PR_SET_MDWE, Linux >= 6.3): from then
on no mapping may become both writable and executable, or gain execute permission later. This is what systemd's
MemoryDenyWriteExecute=yes enforces (there with a seccomp filter); the policy is inherited across fork and exec.
Exit 77 when the kernel lacks it. Usage: mdwe-exec.py COMMAND [ARGS...]"""
import ctypes, os, sys

PR_SET_MDWE, PR_GET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 66, 1
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
    print(f"mdwe-exec: PR_SET_MDWE unavailable: {os.strerror(ctypes.get_errno())}", file=sys.stderr)
    sys.exit(77)
if libc.prctl(PR_GET_MDWE, 0, 0, 0, 0) & PR_MDWE_REFUSE_EXEC_GAIN == 0:
    sys.exit(77)
os.execvp(sys.argv[1], sys.argv[1:])
