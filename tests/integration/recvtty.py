#!/usr/bin/python3
"""recvtty.py SOCKET OUTFILE [INPUT] — the other end of --console-socket.

Listens on the unix socket SOCKET, accepts one connection, receives the pty
master with SCM_RIGHTS, writes INPUT (if given) to it, then copies what the
master yields to OUTFILE until the slave side is closed (EIO) or 60 s pass.
Writes the name sent with the fd to OUTFILE.name. Exits 0 once done.
"""
import os
import select
import socket
import sys
import time


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    path, out_path = argv[1], argv[2]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(60)
    conn, _ = srv.accept()
    msg, fds, _, _ = socket.recv_fds(conn, 4096, 1)
    conn.close()
    srv.close()
    with open(out_path + ".name", "wb") as f:
        f.write(msg)
    if not fds:
        sys.stderr.write("recvtty: no fd received\n")
        return 1
    master = fds[0]
    if len(argv) > 3:
        os.write(master, argv[3].encode())
    deadline = time.monotonic() + 60
    with open(out_path, "ab", buffering=0) as out:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:
                break   # EIO: every slave fd is closed
            if not data:
                break
            out.write(data)
    os.close(master)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
