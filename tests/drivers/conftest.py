"""Lift fixtures: simulators and clients that must leave no thread or fd behind."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from drivers.lift_client import LiftClient
from sim.lift.simulator import TowerSimulator

# Fast but ordered: a delivery from level 3 takes about a tenth of a second.
LIFT_FAST = {"travel_s_per_level": 0.01, "door_s": 0.01, "transfer_s": 0.01}


def _fds() -> dict[int, str]:
    out = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            out[int(name)] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # the fd listdir itself used, already closed
    return out


@pytest.fixture
def lift_fd_guard() -> Iterator[None]:
    """Fail the test if it leaves file descriptors open (ptys, sockets, pipes)."""
    before = _fds()
    yield
    leaked = {fd: target for fd, target in _fds().items() if before.get(fd) != target}
    if leaked:
        pytest.fail(f"test left file descriptors open: {leaked}")


@pytest.fixture
def lift_sim_factory(lift_fd_guard: None
                     ) -> Iterator[Callable[..., tuple[TowerSimulator, str]]]:
    """``make(transport="pty"|"tcp", link=None, **TowerSimulator kwargs) -> (sim, url)``."""
    sims: list[TowerSimulator] = []

    def make(transport: str = "pty", link: str | None = None,
             **kwargs: object) -> tuple[TowerSimulator, str]:
        sim = TowerSimulator(**{**LIFT_FAST, **kwargs})  # type: ignore[arg-type]
        sims.append(sim)
        if transport == "tcp":
            url = f"socket://127.0.0.1:{sim.serve_tcp()}"
        else:
            url = sim.serve_pty(link)
        return sim, url

    yield make
    for sim in sims:
        sim.stop()
        if sim.running:
            pytest.fail("simulator thread still running after stop()")


@pytest.fixture
def lift_client_factory(lift_sim_factory: Callable[..., tuple[TowerSimulator, str]]
                        ) -> Iterator[Callable[..., LiftClient]]:
    """``make(url, wait_s=5.0, **LiftClient kwargs)``: an open client, closed at teardown."""
    clients: list[LiftClient] = []

    def make(url: str, wait_s: float | None = 5.0, **kwargs: object) -> LiftClient:
        # Production ACK timeout: a starved thread on a busy machine must not
        # look like a dead link. Clean lines never wait for it.
        opts = {"ack_timeout_s": 0.25, "reply_timeout_s": 5.0, "reconnect_max_s": 0.2, **kwargs}
        client = LiftClient(url, **opts)  # type: ignore[arg-type]
        clients.append(client)
        return client.open(wait_s=wait_s)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def lift_pair(lift_sim_factory: Callable[..., tuple[TowerSimulator, str]],
              lift_client_factory: Callable[..., LiftClient]
              ) -> tuple[TowerSimulator, LiftClient]:
    """A fast simulator on a pty and a client connected to it."""
    sim, url = lift_sim_factory()
    return sim, lift_client_factory(url)
