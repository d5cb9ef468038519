"""Mutations for the CORE family (file-level problems)."""

from tests.mutations import StackCopy, mutation


@mutation("broken-yaml-file", {"CORE001"})
def broken_yaml(stack: StackCopy) -> None:
    """A stray unbalanced bracket in a new manifest."""
    stack.write("notes/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [\n")


@mutation("duplicated-key", {"CORE002"})
def duplicated_key(stack: StackCopy) -> None:
    """A scratch YAML file (outside every Flux path) with a repeated key."""
    stack.write("notes/notes.yaml", "# scratch notes\nowner: platform\nowner: sre\n")


@mutation("stale-suppression", {"CORE003"})
def stale_suppression(stack: StackCopy) -> None:
    """A suppression comment for a rule that does not fire there."""
    stack.write("notes/notes.yaml", "owner: platform  # obslint: disable=duplicate-key\n")


@mutation("helm-template-dropped-in", {"CORE004"})
def helm_template(stack: StackCopy) -> None:
    """A chart template copied unrendered into a directory that a Flux path applies."""
    stack.write(
        "infrastructure/monitoring/config/cm.yaml",
        "metadata:\n  name: {{ .Release.Name }}\n  {{- if .Values.x }}\n{{- end }}\n",
    )


@mutation("binary-yaml", {"CORE005"})
def binary_yaml(stack: StackCopy) -> None:
    """A binary file saved with a .yaml name."""
    stack.write("notes/logo.yaml", b"\x89PNG\r\n\x1a\n\x00\x00")


@mutation("alias-bomb-in-embedded-rules", {"CORE006"})
def alias_bomb_in_embedded_rules(stack: StackCopy) -> None:
    """Six lines of YAML aliases multiplying each other appended to the Loki rule file embedded in
    a ConfigMap: the embedded text is refused, not expanded to 1.1 million nodes."""
    bomb = "    l1: &l1 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"    l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(2, 7)
    )
    stack.append("infrastructure/monitoring/loki/ruler-rules.yaml", bomb)
