"""The `sops` commands `obslint init` prints to put real values into the placeholder Secrets it wrote.

sops finds the age private key through SOPS_AGE_KEY_FILE, else at $XDG_CONFIG_HOME/sops/age/keys.txt
(~/.config/sops/age/keys.txt on Linux): https://github.com/getsops/sops#encrypting-using-age.
`sops edit FILE` decrypts into $EDITOR and re-encrypts on save, so a real value never lands on disk
or in the shell history in clear (getsops/sops, cmd/sops/main.go, command "edit"). A file still in
clear is encrypted with `sops --encrypt --in-place`, which takes its recipient from the creation
rules of the .sops.yaml found from the working directory up: hence the `cd` into the new repository.
"""

from __future__ import annotations

import shlex
from pathlib import Path

KEY_FILE_HINT = (
    "export SOPS_AGE_KEY_FILE=/path/to/your/age.key   # not needed when the key is in ~/.config/sops/age/keys.txt"
)


def sops_commands(target: Path, secret_rels: list[str], *, encrypted: bool) -> list[str]:
    """Shell lines, run from the directory init ran in, that set the real values: `sops edit` for
    Secrets already encrypted, `sops --encrypt --in-place` (after editing) for Secrets in clear."""
    lines = [f"cd {shlex.quote(str(target))}"]
    if encrypted:
        lines.append(KEY_FILE_HINT)
        lines += [f"sops edit {shlex.quote(rel)}" for rel in secret_rels]
    else:
        lines += [f"sops --encrypt --in-place {shlex.quote(rel)}" for rel in secret_rels]
    return lines
