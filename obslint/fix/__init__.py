"""Safe fixes: `obslint check --fix` (write them) and `--fix --diff` (show them).

- `edits`: the `Fix` a rule attaches to a finding - which mapping of which file, what edit;
- `yamledit`: one file's edits through a ruamel.yaml round trip, spliced into its original text;
- `apply`: which files may be written, and writing them (or the diff);
- `command`: the `check --fix` flow.
"""
