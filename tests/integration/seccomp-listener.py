#!/usr/bin/env python3
"""A seccomp notification supervisor for seccomp.bats.

    seccomp-listener.py SOCKET OUT.json ERRNO [COUNT]

Listens on the UNIX socket SOCKET for COUNT (default 1) runtime messages
(containerProcessState with the listener fd as SCM_RIGHTS), writes the
last JSON to OUT.json, and answers every notification on those fds with
the error ERRNO, until the fds' processes are gone. Gives up after 60 s.
"""
import array
import os
import select
import socket
import struct
import sys
import time

NOTIF_RECV = 0xC0502100  # _IOWR('!', 0, struct seccomp_notif): 80 bytes
NOTIF_SEND = 0xC0182101  # _IOWR('!', 1, struct seccomp_notif_resp): 24 bytes


def main():
    path, out, err = sys.argv[1], sys.argv[2], int(sys.argv[3])
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    srv.settimeout(60)
    fds = []
    deadline = time.time() + 60
    import fcntl
    for _ in range(count):
        conn, _ = srv.accept()
        msg, got, _, _ = socket.recv_fds(conn, 65536, 1)
        conn.close()
        with open(out + ".tmp", "wb") as f:
            f.write(msg)
        os.rename(out + ".tmp", out)
        fds.extend(got)
    while fds and time.time() < deadline:
        ready, _, _ = select.select(fds, [], [], 1)
        for fd in ready:
            buf = bytearray(80)
            try:
                fcntl.ioctl(fd, NOTIF_RECV, buf, True)
            except OSError:
                fds.remove(fd)  # the process is gone
                os.close(fd)
                continue
            notif_id = struct.unpack_from("Q", buf, 0)[0]
            resp = bytearray(struct.pack("QqiI", notif_id, 0, -err, 0))
            try:
                fcntl.ioctl(fd, NOTIF_SEND, resp, True)
            except OSError:
                pass


if __name__ == "__main__":
    main()
