"""The import graph runs one way: tools/check_cycles.py (run by ``make lint``)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import check_cycles  # noqa: E402


@pytest.mark.parametrize(("graph", "expected"), [
    ({"a": {"b"}, "b": set()}, []),
    ({"a": {"b"}, "b": {"a"}}, [["a", "b", "a"]]),
    ({"a": {"a"}}, [["a", "a"]]),
    # The shortest chain is named, the longer way round is not.
    ({"a": {"b", "c"}, "b": {"c"}, "c": {"a"}}, [["a", "c", "a"]]),
    # Two separate cycles are two lines.
    ({"a": {"b"}, "b": {"a"}, "x": {"y"}, "y": {"z"}, "z": {"x"}},
     [["a", "b", "a"], ["x", "y", "z", "x"]]),
    # A chain into a cycle: only the cycle.
    ({"p": {"q"}, "q": {"r"}, "r": {"q"}}, [["q", "r", "q"]]),
])
def test_find_cycles_names_each_cycle(graph, expected):
    assert check_cycles.find_cycles(graph) == expected


def test_function_level_imports_count(tmp_path, monkeypatch):
    """A lazy import inside a function closes a cycle as surely as a top-level one."""
    pkg = tmp_path / "cyc_demo"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cyc_demo import b\n")
    (pkg / "b.py").write_text("def later():\n    from cyc_demo import a\n    return a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = check_cycles.import_graph(["cyc_demo"])
    assert check_cycles.find_cycles(graph) == [["cyc_demo.a", "cyc_demo.b", "cyc_demo.a"]]


def test_our_packages_have_no_import_cycles(capsys):
    assert check_cycles.main() == 0, capsys.readouterr().out


def test_the_architecture_doc_is_what_the_code_draws(capsys):
    """docs/ARCHITECTURE.md's layers and journey are generated: regenerate them
    with ``python tools/architecture_doc.py`` when this fails."""
    import architecture_doc

    assert architecture_doc.main(["--check"]) == 0, capsys.readouterr().out


def test_the_doc_generator_notices_a_stale_drawing(tmp_path, monkeypatch):
    import architecture_doc

    stale = architecture_doc.DOC.read_text(encoding="utf-8").replace(
        "verify --> dispatch : authorised", "verify --> handover : authorised")
    doc = tmp_path / "ARCHITECTURE.md"
    doc.write_text(stale, encoding="utf-8")
    monkeypatch.setattr(architecture_doc, "DOC", doc)
    monkeypatch.setattr(architecture_doc, "ROOT", tmp_path)
    assert architecture_doc.main(["--check"]) == 1
    assert architecture_doc.main([]) == 0
    assert "verify --> dispatch : authorised" in doc.read_text(encoding="utf-8")


def test_no_contract_has_exceptions():
    """The layers hold with no ignore_imports: an exception is a hole."""
    assert "ignore_imports" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_where_things_are_points_at_real_places():
    """The doc's finding table names files and folders that exist."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = text.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    places = [p for row in table.splitlines()[3:] for p in re.findall(r"`([^`]+)`", row)]
    assert len(places) >= 10
    missing = [p for p in places if not (ROOT / p).exists()]
    assert missing == []
