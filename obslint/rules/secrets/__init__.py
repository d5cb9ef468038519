"""SEC: secrets - encryption, SOPS coverage, plaintext credentials, secret references."""

from obslint.index import Index, redaction_hook
from obslint.rules.secrets import (  # noqa: F401
    broken,
    decryption,
    mounts,
    plaintext,
    refs,
    rules_gap,
    shadowed,
    unencrypted,
)
from obslint.rules.secrets.plaintext import plaintext_findings
from obslint.rules.secrets.unencrypted import generator_findings


@redaction_hook
def register_credentials(index: Index) -> None:
    """Register every plaintext credential and generator value with the redactor, whether or
    not the SEC rules run (the scans are memoised: the rules reuse them)."""
    plaintext_findings(index)
    generator_findings(index)
