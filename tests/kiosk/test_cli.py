"""Every CLI command answers --help (lazy imports stay importable)."""

from __future__ import annotations

import pytest

from kiosk.cli import COMMANDS, main


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"serve-backend", "liftsim"}))
def test_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert command in capsys.readouterr().out


def test_unknown_command_is_an_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["fly"])
    assert info.value.code == 2
