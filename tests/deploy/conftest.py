"""Deployment test helpers: the service manager's end of NOTIFY_SOCKET."""

from __future__ import annotations

import os
import socket
import tempfile
import time
from collections.abc import Iterator

import pytest


class FakeManager:
    """The service manager's end of NOTIFY_SOCKET: collects datagrams."""

    def __init__(self, abstract: bool = False) -> None:
        self.dir = tempfile.mkdtemp(prefix="sdn-")  # short: AF_UNIX paths max ~107 bytes
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"kiosk-test-{os.getpid()}-{id(self)}"
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.address = os.path.join(self.dir, "notify")
            self.sock.bind(self.address)

    def messages(self, timeout_s: float) -> list[str]:
        """Everything queued now, waiting up to ``timeout_s`` for the first."""
        out: list[str] = []
        self.sock.settimeout(timeout_s)
        try:
            out.append(self.sock.recv(4096).decode())
            self.sock.settimeout(0)
            while True:
                out.append(self.sock.recv(4096).decode())
        except (TimeoutError, BlockingIOError):
            return out

    def wait_for(self, field: str, timeout_s: float = 10.0) -> list[str]:
        deadline = time.monotonic() + timeout_s
        seen: list[str] = []
        while time.monotonic() < deadline:
            seen += self.messages(0.1)
            if any(field in m.splitlines() for m in seen):
                return seen
        raise AssertionError(f"{field} never arrived; got {seen}")

    def close(self) -> None:
        self.sock.close()
        if os.path.exists(os.path.join(self.dir, "notify")):
            os.unlink(os.path.join(self.dir, "notify"))
        os.rmdir(self.dir)


@pytest.fixture
def manager() -> Iterator[FakeManager]:
    m = FakeManager()
    yield m
    m.close()


