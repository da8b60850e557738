#!/usr/bin/env python3
"""Console socket receiver for the terminal tests.

console-receiver.py SOCKET OUTFILE [--size ROWSxCOLS] [--timeout SECONDS]

Listens on the unix socket SOCKET (what a runtime's --console-socket names),
takes the pty master sent with SCM_RIGHTS, optionally sets its window size,
touches OUTFILE.ready, then copies everything the container writes to
OUTFILE until the pty's other side is closed by every holder.  Exits 0 then,
1 when no fd arrived, 2 on timeout.
"""

import argparse
import array
import errno
import fcntl
import os
import select
import socket
import struct
import sys
import termios
import time


def receive_fd(conn):
    """The first fd passed on conn, and the name sent along with it."""
    fds = array.array("i")
    msg, ancdata, _flags, _addr = conn.recvmsg(4096, socket.CMSG_SPACE(4 * fds.itemsize))
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    if not fds:
        return None, msg
    for extra in fds[1:]:
        os.close(extra)
    return fds[0], msg


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("socket")
    parser.add_argument("outfile")
    parser.add_argument("--size", help="ROWSxCOLS to set on the pty")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    deadline = time.monotonic() + args.timeout
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(args.socket)
    listener.listen(1)
    listener.settimeout(args.timeout)
    try:
        conn, _ = listener.accept()
    except socket.timeout:
        print("console-receiver: nobody connected", file=sys.stderr)
        return 2
    master, name = receive_fd(conn)
    conn.close()
    listener.close()
    if master is None:
        print("console-receiver: no fd received", file=sys.stderr)
        return 1
    if args.size:
        rows, cols = (int(v) for v in args.size.split("x"))
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    with open(args.outfile + ".ready", "w") as ready:
        ready.write(name.decode(errors="replace"))

    with open(args.outfile, "wb") as out:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                print("console-receiver: timed out", file=sys.stderr)
                return 2
            readable, _, _ = select.select([master], [], [], left)
            if not readable:
                continue
            try:
                data = os.read(master, 4096)
            except OSError as err:
                # EIO: every holder of the pty's other side has closed it.
                if err.errno == errno.EIO:
                    break
                raise
            if not data:
                break
            out.write(data)
            out.flush()
    os.close(master)
    return 0


if __name__ == "__main__":
    sys.exit(main())
