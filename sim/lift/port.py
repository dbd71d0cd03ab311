"""Where the tower simulator listens: a pseudo-terminal or a loopback TCP port.

Both are plain non-blocking fds driven by the simulator's select loop;
``close()`` then ``open()`` is an unplug and replug of the cable.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tty


class Pty:
    def __init__(self, link: str | None) -> None:
        self.link = link
        self.master = self.slave = -1
        self.path = ""

    def open(self) -> None:
        self.master, self.slave = os.openpty()
        # Raw: no echo, no line editing, every byte passes as is. We keep our
        # own slave fd open so reading the master never fails with EIO while no
        # client has the port open.
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        if self.link:
            tmp = f"{self.link}.tmp{os.getpid()}"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(self.path, tmp)
            os.replace(tmp, self.link)  # atomic: a client never sees a half-made link

    @property
    def fds(self) -> list[int]:
        return [self.master] if self.master >= 0 else []

    def read(self, fd: int) -> bytes:
        try:
            return os.read(self.master, 4096)
        except (BlockingIOError, InterruptedError):
            return b""

    def write(self, data: bytes) -> None:
        try:
            os.write(self.master, data)
        except BlockingIOError:
            pass  # the client stopped reading and the pty buffer is full: the bytes are lost, as on a wire

    def close(self) -> None:
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)
        self.master = self.slave = -1
        if self.link and os.path.islink(self.link):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link)  # like a USB adapter's /dev/serial/by-id link vanishing


class Tcp:
    def __init__(self, port: int) -> None:
        self.port = port
        self.listener: socket.socket | None = None
        self.conn: socket.socket | None = None

    def open(self) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", self.port))
            s.listen(1)
        except OSError:
            s.close()
            raise
        self.port = s.getsockname()[1]  # port 0 picks a free one; replug keeps it
        self.listener = s

    @property
    def fds(self) -> list[int]:
        return [s.fileno() for s in (self.listener, self.conn) if s is not None]

    def accept(self) -> None:
        assert self.listener is not None
        conn, _ = self.listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.setblocking(False)
        if self.conn is not None:
            self.conn.close()  # one host at a time, like one serial cable
        self.conn = conn

    def read(self, fd: int) -> bytes:
        if self.conn is None:
            return b""
        try:
            data = self.conn.recv(4096)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:
            data = b""
        if not data:
            self.conn.close()
            self.conn = None
        return data

    def write(self, data: bytes) -> None:
        if self.conn is None:
            return  # nobody connected: bytes on an unplugged cable go nowhere
        try:
            self.conn.send(data)
        except (BlockingIOError, InterruptedError):
            pass  # peer not reading; lost like bytes on a congested line
        except OSError:
            self.conn.close()
            self.conn = None

    def close(self) -> None:
        for s in (self.conn, self.listener):
            if s is not None:
                s.close()
        self.conn = self.listener = None
