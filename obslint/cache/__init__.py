"""A user cache of obslint's own outputs, keyed by content hashes (see store.py for where it lives).

- store.py: the directory, atomic writes, verified reads, pruning;
- fingerprint.py: what identifies obslint itself and the external tools it runs;
- tool_results.py: external tool runs (promtool, amtool) by what the tool was given;
- build_results.py: `kubectl kustomize` verdicts by what each build read;
- run_results.py: whole runs by every input file, the configuration and the options.

Nothing the checked repository says decides a key: a key is a hash of bytes obslint read, so a
repository can only ever reach the entries of its own content.
"""
