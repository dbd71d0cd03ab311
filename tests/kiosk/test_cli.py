"""Every CLI command answers --help (lazy imports stay importable)."""

from __future__ import annotations

import pytest

from cli.main import COMMANDS, main


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


def test_bench_help_names_every_benchmark(capsys):
    """#15: `kiosk bench --help` named no benchmark ("NAME ...")."""
    from cli.commands.bench import BENCHES

    with pytest.raises(SystemExit) as info:
        main(["bench", "--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    for name in BENCHES:
        assert f"    {name} " in out  # listed, each with its one-line summary


@pytest.mark.parametrize("argv,usage", [
    (["run", "--frobnicate"], "usage: kiosk run "),
    (["bench", "qr", "--bogus"], "usage: kiosk bench qr "),
    (["lift", "status", "--nonsense"], "usage: kiosk lift status "),
])
def test_an_unknown_option_is_reported_with_the_commands_own_usage(argv, usage, capsys):
    """#15: `kiosk run --frobnicate` printed the top-level usage."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert err.startswith(usage) and "unrecognized arguments" in err
