"""How the command line reads its arguments (no database: what `main` would be given)."""
from __future__ import annotations

from pathlib import Path

import pytest

from ledger.cli import _parser


@pytest.mark.parametrize("argv", [
    ["--data-dir", "/srv/kl", "migrate"],
    ["migrate", "--data-dir", "/srv/kl"],
    ["--data-dir", "/srv/kl", "token", "create", "--role", "auditor"],
    ["token", "--data-dir", "/srv/kl", "create", "--role", "auditor"],
    ["token", "create", "--data-dir", "/srv/kl", "--role", "auditor"],
    ["projections", "--data-dir", "/srv/kl", "status"],
    ["--data-dir", "/srv/kl", "serve", "--port", "9000"],
])
def test_data_dir_counts_wherever_it_is_given(argv):
    assert _parser().parse_args(argv).data_dir == Path("/srv/kl")


def test_without_data_dir_the_default_folder_is_left_to_the_settings():
    assert _parser().parse_args(["projections", "status"]).data_dir is None


def test_rebuilding_a_projection_that_does_not_exist_is_refused(capsys):
    with pytest.raises(SystemExit) as stopped:
        _parser().parse_args(["projections", "rebuild", "no-such-projection"])
    assert stopped.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    assert _parser().parse_args(["projections", "rebuild", "views"]).name == "views"


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_a_port_outside_0_to_65535_is_refused_as_an_argument(capsys, port):
    """Before, 70000 reached the socket's bind and ended in an OverflowError traceback."""
    with pytest.raises(SystemExit) as stopped:
        _parser().parse_args(["serve", "--port", port])
    assert stopped.value.code == 2
    assert "--port" in capsys.readouterr().err
