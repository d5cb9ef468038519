"""SEC: secrets - encryption, SOPS coverage, plaintext credentials, secret references."""

from obslint.model import sops as _sops_model  # noqa: F401  (registers the sops.* providers)
from obslint.rules.secrets import broken, decryption, plaintext, refs, rules_gap, unencrypted  # noqa: F401
