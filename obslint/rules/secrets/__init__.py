"""SEC: secrets - encryption, SOPS coverage, plaintext credentials, secret references."""
