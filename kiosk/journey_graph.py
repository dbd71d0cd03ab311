"""The journey's state machine as a graph, read off ``kiosk.journey`` itself.

Nothing here restates a transition: each edge is what ``Journey._target``
answers when asked, for every state, event and flow. The fixed table, the
flow-only moves, the cancellable, busy and terminal states, the idle timers
and a refusal's next steps all show up because the machine itself says so.
``kiosk journey --dot`` prints it for Graphviz; docs/ARCHITECTURE.md shows
the Mermaid form (tools/architecture_doc.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.journey import Event, Flow, Journey, Session, State

# No errand yet: these states are only ever entered with an empty session.
_NO_FLOW = frozenset({State.ATTRACT, State.OUT_OF_SERVICE, State.STAFF})


@dataclass(frozen=True)
class Edge:
    source: State
    target: State
    events: tuple[Event, ...]
    # The flows that may take it; empty: every flow the source state sees.
    flows: tuple[Flow, ...] = ()

    @property
    def label(self) -> str:
        names = ", ".join(e.value for e in self.events)
        if self.flows:
            names += " [" + " | ".join(f.value for f in self.flows) + "]"
        return names


def _probe(state: State, flow: Flow | None, event: Event) -> State | None:
    journey = Journey()
    journey.state = state
    # A live session at the scan, nothing reserved: the most a state can
    # hold, so every move the machine allows from it is asked about.
    journey.session = Session(flow=flow, session_id="probe")
    return journey._target(event)


def edges() -> list[Edge]:
    """Every move the journey allows, events with the same ends merged."""
    found: dict[tuple[State, State, tuple[Flow, ...]], list[Event]] = {}
    for state in State:
        flows: list[Flow | None] = [None] if state in _NO_FLOW else list(Flow)
        for event in Event:
            by_target: dict[State, list[Flow | None]] = {}
            for flow in flows:
                target = _probe(state, flow, event)
                if target is not None:
                    by_target.setdefault(target, []).append(flow)
            for target, allowed in by_target.items():
                only = () if allowed == flows else tuple(f for f in allowed if f is not None)
                found.setdefault((state, target, only), []).append(event)
    return [Edge(s, t, tuple(events), only) for (s, t, only), events in found.items()]


def to_dot() -> str:
    """Graphviz DOT of the journey (``kiosk journey --dot | dot -Tsvg``)."""
    lines = ["digraph journey {", "  rankdir=LR;",
             '  node [shape=box, style=rounded, fontname="sans-serif"];',
             '  edge [fontname="sans-serif", fontsize=10];',
             f"  {State.ATTRACT.value} [shape=doubleoctagon];"]
    for edge in edges():
        lines.append(f'  {edge.source.value} -> {edge.target.value} [label="{edge.label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid() -> str:
    """The same graph as a Mermaid state diagram (rendered by GitHub and most viewers)."""
    lines = ["stateDiagram-v2", f"  [*] --> {State.ATTRACT.value}"]
    for edge in edges():
        lines.append(f"  {edge.source.value} --> {edge.target.value} : {edge.label}")
    return "\n".join(lines) + "\n"


def to_text() -> str:
    """One line per move: ``state --event[, event]--> state``."""
    return "".join(f"{e.source.value} --{e.label}--> {e.target.value}\n" for e in edges())
