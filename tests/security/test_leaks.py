"""Secrets stay out of every output on error paths too: syntax errors, cut messages, URLs."""

from __future__ import annotations

import pytest

from obslint.cli import main
from obslint.report import FORMATS

CANARY = "CANARYerrPath7Qx2Lw9"


def _secret_with_syntax_error() -> str:
    # the line holding the value is the line the syntax error points at
    return (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n  namespace: default\n"
        f"stringData:\n  config: {CANARY}: broken\n"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_syntax_error_in_a_secret_never_echoes_its_line(tmp_path, capsys, fmt):
    (tmp_path / "secret.yaml").write_text(_secret_with_syntax_error())
    assert main(["check", str(tmp_path), "--format", fmt]) == 1
    out = capsys.readouterr()
    assert "secret.yaml" in out.out
    assert CANARY not in out.out + out.err and CANARY[:8] not in out.out + out.err


@pytest.mark.parametrize("fmt", FORMATS)
def test_urls_print_without_credentials(tmp_path, capsys, fmt):
    """A Flux Provider whose address carries userinfo and a token query (reported by SEC005)."""
    (tmp_path / "provider.yaml").write_text(
        "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: slack\n"
        "  namespace: flux-system\nspec:\n  type: generic\n"
        f"  address: https://bot:{CANARY}@hooks.example.org/hook?token={CANARY}x\n"
    )
    main(["check", str(tmp_path), "--format", fmt])
    out = capsys.readouterr()
    assert CANARY not in out.out + out.err
