"""``kiosk journey --dot`` draws the machine kiosk/journey.py runs, not a copy."""

from __future__ import annotations

import re

import pytest

from cli.main import main
from kiosk import journey, journey_graph
from kiosk.journey import Event, Flow, Journey, State


def _moves() -> set[tuple[str, str, str]]:
    return {(e.source.value, ev.value, e.target.value)
            for e in journey_graph.edges() for ev in e.events}


@pytest.mark.parametrize(("source", "event", "target"), [
    ("attract", "start", "scan"),
    ("scan", "pass_accepted", "choose"),
    ("verify", "authorised", "dispatch"),
    ("dispatch", "car_stored", "returned"),
    ("refused", "switch_buy", "choose"),  # a refusal's next step
    ("selfie", "cancel", "attract"),  # cancellable
    ("handover", "done", "attract"),  # terminal
    ("payment", "timeout", "attract"),  # has an idle timer
    ("staff", "staff_exit", "attract"),
])
def test_the_graph_has_the_journeys_moves(source, event, target):
    assert (source, event, target) in _moves()


@pytest.mark.parametrize(("source", "event"), [
    ("verify", "cancel"),  # a decision in flight cannot be cancelled
    ("dispatch", "cancel"),  # nor a moving car
    ("attract", "timeout"),  # no idle timer at rest
    ("handover", "refused"),  # nothing is awaited there
])
def test_the_graph_has_no_move_the_journey_refuses(source, event):
    assert not any(s == source and e == event for s, e, _ in _moves())


def test_every_edge_is_a_move_a_real_journey_takes():
    """Replay each edge on a Journey brought to its source state by fire()."""
    for edge in journey_graph.edges():
        for event in edge.events:
            for flow in edge.flows or (None,):
                j = Journey()
                j.state = edge.source
                j.session.flow = flow or (None if edge.source in (
                    State.ATTRACT, State.OUT_OF_SERVICE, State.STAFF) else Flow.TEST_DRIVE)
                j.session.session_id = "probe"
                assert j.fire(event, now=0.0) is edge.target, (edge, event)


def test_a_new_row_in_the_table_shows_up(monkeypatch):
    """The graph is read from the table: a row added there is an edge here."""
    monkeypatch.setitem(journey._TABLE, (State.ORDERED, Event.BUY), State.RETURNED)
    assert ("ordered", "buy", "returned") in _moves()


def test_flow_only_moves_say_which_flows():
    labels = {(e.source, e.target): e.label for e in journey_graph.edges()}
    assert labels[(State.DISPATCH, State.HANDOVER)] == "car_delivered [test_drive]"
    assert labels[(State.SCAN, State.DISPATCH)] == "return_authorised [return]"


def test_kiosk_journey_dot_prints_graphviz(capsys):
    assert main(["journey", "--dot"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph journey {") and out.rstrip().endswith("}")
    assert 'verify -> dispatch [label="authorised"];' in out
    body = [line.strip() for line in out.splitlines()[1:-1]]
    edge = re.compile(r'^[a-z_]+ -> [a-z_]+ \[label="[a-z_, |\[\]]+"\];$')
    assert sum(bool(edge.match(line)) for line in body) == len(journey_graph.edges())
    # Every state the machine has is drawn.
    assert all(re.search(rf"\b{s.value}\b", out) for s in State)


def test_kiosk_journey_mermaid_and_text(capsys):
    assert main(["journey", "--mermaid"]) == 0
    assert capsys.readouterr().out.startswith("stateDiagram-v2\n  [*] --> attract\n")
    assert main(["journey"]) == 0
    assert "verify --authorised--> dispatch\n" in capsys.readouterr().out


def test_dot_and_mermaid_together_are_refused(capsys):
    with pytest.raises(SystemExit) as info:
        main(["journey", "--dot", "--mermaid"])
    assert info.value.code == 2
    assert "not allowed with" in capsys.readouterr().err
