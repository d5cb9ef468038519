"""SEC: secrets - encryption, SOPS coverage, plaintext credentials, secret references."""

from obslint.index import Index, redaction_hook
from obslint.model import sops as _sops_model  # noqa: F401  (registers the sops.* providers)
from obslint.rules.secrets import broken, decryption, plaintext, refs, rules_gap, unencrypted  # noqa: F401


@redaction_hook
def register_credentials(index: Index) -> None:
    """Register every plaintext credential and generator value with the redactor, whether or
    not the SEC rules run (the scans are memoised: the rules reuse them)."""
    index.get("secrets.plaintext")
    index.get("secrets.generators")
