"""``python -m backend.tools.ops_scale``: the figures in backend/README.md
come from it; here it runs small and its JSON line is checked."""

from __future__ import annotations

import json

import pytest

from backend.tools import ops_scale

pytestmark = pytest.mark.allow_threads  # the service's worker threads end with it


def test_ops_scale_times_both_views(capsys):
    assert ops_scale.main(["--towers", "3", "--kiosks-per-tower", "2", "--repeats", "2"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (result["towers"], result["kiosks"]) == (3, 6)
    for view in ("all_towers", "one_tower"):
        assert result[view]["p50_ms"] > 0 and result[view]["kb"] >= 1
        assert result[view]["max_ms"] >= result[view]["p50_ms"]


@pytest.mark.parametrize("args", [["--towers", "0"], ["--repeats", "0"]])
def test_ops_scale_refuses_nothing_to_measure(args, capsys):
    with pytest.raises(SystemExit) as exit_:
        ops_scale.main(args)
    assert exit_.value.code == 2 and "at least 1" in capsys.readouterr().err
