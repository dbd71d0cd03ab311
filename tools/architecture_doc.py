"""Regenerate the drawn parts of docs/ARCHITECTURE.md from the code.

Two blocks are generated, the prose around them is not:

- ``layers``: the layers contract in pyproject.toml (import-linter) and the
  imports between our packages that grimp finds today (a Mermaid flowchart
  and a table of what each package may import and does import);
- ``journey``: the journey's state machine, read off kiosk/journey.py's own
  transition function (``kiosk journey --mermaid``).

Usage:
    python tools/architecture_doc.py           rewrite the blocks in place
    python tools/architecture_doc.py --check   exit 1 if the doc is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ARCHITECTURE.md"
BLOCK = re.compile(r"(<!-- BEGIN generated: (\w+) -->\n)(.*?)(<!-- END generated: \2 -->)",
                   re.DOTALL)


def _contracts(pyproject: Path) -> list[dict]:
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"]


def layers(pyproject: Path = ROOT / "pyproject.toml") -> list[list[str]]:
    """The layers contract's layers, top first, each a list of sibling packages."""
    contracts = [c for c in _contracts(pyproject) if c["type"] == "layers"]
    if len(contracts) != 1:
        raise SystemExit(f"expected one layers contract in {pyproject}, found {len(contracts)}")
    return [[p.strip() for p in layer.split("|")] for layer in contracts[0]["layers"]]


def forbidden(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, set[str]]:
    """Package -> the packages a forbidden contract keeps it from importing."""
    found: dict[str, set[str]] = {}
    for contract in _contracts(pyproject):
        if contract["type"] == "forbidden":
            for source in contract["source_modules"]:
                found.setdefault(source, set()).update(contract["forbidden_modules"])
    return found


def package_imports(packages: list[str]) -> Counter[tuple[str, str]]:
    """(importer, imported) -> how many module-to-module imports, function-level included."""
    import grimp

    graph = grimp.build_graph(*packages, cache_dir=None)
    counts: Counter[tuple[str, str]] = Counter()
    for module in graph.modules:
        source = module.split(".")[0]
        if source not in packages:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = imported.split(".")[0]
            if target in packages and target != source:
                counts[(source, target)] += 1
    return counts


def layers_block(stack: list[list[str]], imports: Counter[tuple[str, str]],
                 banned: dict[str, set[str]]) -> str:
    lines = ["```mermaid", "flowchart TD"]
    for i, layer in enumerate(stack):
        lines.append(f'  subgraph layer{i}["{" | ".join(layer)}"]')
        lines.append("    direction LR")
        lines.extend(f"    {package}" for package in layer)
        lines.append("  end")
    # Which packages, not how many imports: the drawing changes when a new
    # dependency appears, not with every import added along an existing one.
    for source, target in sorted(imports):
        lines.append(f"  {source} --> {target}")
    lines += ["```", "", "| layer | package | may import (the contracts) | imports today |",
              "|---|---|---|---|"]
    for i, layer in enumerate(stack):
        below = [p for lower in stack[i + 1:] for p in lower]
        for package in layer:
            below = [p for p in below if p not in banned.get(package, set())]
            used = sorted(t for (s, t) in imports if s == package)
            lines.append(f"| {i + 1} | `{package}` | {', '.join(below) or '(nothing of ours)'}"
                         f" | {', '.join(used) or '(nothing of ours)'} |")
    return "\n".join(lines) + "\n"


def journey_block() -> str:
    sys.path.insert(0, str(ROOT))
    from kiosk.journey_graph import to_mermaid

    return "```mermaid\n" + to_mermaid() + "```\n"


def render(text: str) -> str:
    """``text`` with every generated block rewritten."""
    stack = layers()
    blocks = {
        "layers": lambda: layers_block(
            stack, package_imports([p for layer in stack for p in layer]), forbidden()),
        "journey": journey_block,
    }
    seen: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in blocks:
            raise SystemExit(f"{DOC}: unknown generated block {name!r}")
        seen.add(name)
        return match.group(1) + blocks[name]() + match.group(4)

    out = BLOCK.sub(fill, text)
    missing = set(blocks) - seen
    if missing:
        raise SystemExit(f"{DOC}: no generated block for {', '.join(sorted(missing))}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the doc is out of date")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    fresh = render(current)
    if args.check:
        if fresh != current:
            print(f"{DOC.relative_to(ROOT)} is out of date: run python tools/architecture_doc.py")
            return 1
        return 0
    if fresh != current:
        DOC.write_text(fresh, encoding="utf-8")
        print(f"rewrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
