"""What the commands of a bootstrap script put into a cluster, read from their words (shell.py).

- `kubectl apply|create|replace -f X` (a file, a directory, a URL; `-f -` takes what the pipeline
  feeds it) and `-k DIR` (a kustomize build);
- `kubectl create secret generic|tls|docker-registry NAME`, `kubectl create configmap NAME`,
  `kubectl create namespace NAME` - with `--dry-run` only when piped into an apply
  (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_create/);
- what feeds `kubectl apply -f -`: the files of the commands before it in the pipeline (`sops -d
  FILE`, `op inject -i FILE`, `cat FILE`, `envsubst < FILE`), `kustomize build DIR`,
  `kubectl kustomize DIR`, `helm template NAME CHART`;
- `sops exec-file FILE 'CMD {}'` and `sops exec-env FILE 'CMD'` run CMD on the decrypted file
  (https://github.com/getsops/sops#passing-secrets-to-other-processes); `sh -c 'CMD'` runs CMD;
- `helm install|upgrade [NAME] CHART`: the chart with its CRDs, its namespace with
  `--create-namespace` (https://helm.sh/docs/helm/helm_install/).

Words are kept as written: the caller resolves paths and skips what holds an unexpanded variable.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from obslint.model.shell import Pipeline, Segment, inner_words, pipelines

# Flags that take a value as the next word (the others are switches or carry `=value`).
_KUBECTL_VALUE = frozenset(
    {
        "-n",
        "--namespace",
        "-f",
        "--filename",
        "-k",
        "--kustomize",
        "--kubeconfig",
        "--context",
        "--cluster",
        "--user",
        "-s",
        "--server",
        "--token",
        "--as",
        "--as-group",
        "--as-uid",
        "--field-manager",
        "-o",
        "--output",
        "-l",
        "--selector",
        "--from-file",
        "--from-literal",
        "--from-env-file",
        "--type",
        "--cert",
        "--key",
        "--docker-server",
        "--docker-username",
        "--docker-password",
        "--docker-email",
        "--timeout",
        "--request-timeout",
        "--prune-allowlist",
        "--cascade",
        "--grace-period",
        "--template",
        "--certificate-authority",
        "--client-certificate",
        "--client-key",
        "-v",
        "--v",
        "--cache-dir",
        "--tls-server-name",
        "--subresource",
    }
)
_HELM_VALUE = frozenset(
    {
        "-n",
        "--namespace",
        "--version",
        "-f",
        "--values",
        "--set",
        "--set-string",
        "--set-file",
        "--set-json",
        "--set-literal",
        "--repo",
        "--kubeconfig",
        "--kube-context",
        "--timeout",
        "--description",
        "--post-renderer",
        "--post-renderer-args",
        "--username",
        "--password",
        "--ca-file",
        "--cert-file",
        "--key-file",
        "--keyring",
        "--labels",
        "-o",
        "--output",
        "--history-max",
        "--max-history",
        "--registry-config",
        "--repository-cache",
        "--repository-config",
        "--burst-limit",
        "--kube-apiserver",
        "--kube-as-user",
        "--kube-as-group",
        "--kube-ca-file",
        "--kube-token",
        "--kube-tls-server-name",
        "--qps",
        "-a",
        "--api-versions",
        "--kube-version",
        "--name-template",
        "--output-dir",
        "-s",
        "--show-only",
        "--release-name",
    }
)
_PROGRAMS = frozenset({"kubectl", "helm", "kustomize", "sops", "sh", "bash"})
# shell keywords and wrappers before the program a command runs
_PREFIXES = frozenset(
    {"!", "if", "then", "else", "elif", "do", "while", "until", "{", "sudo", "exec", "command", "time", "env", "nohup"}
)
_ASSIGNMENT = re.compile(r"[A-Za-z_]\w{0,100}=")
_SECRET_TYPES = frozenset({"generic", "tls", "docker-registry"})
_MAX_DEPTH = 3  # nested `sh -c` / `sops exec-*` commands


@dataclass(frozen=True)
class Apply:
    """Manifests applied from a path or URL (`kustomize`: built as a kustomization)."""

    target: str
    namespace: str | None
    line: int
    kustomize: bool = False
    recursive: bool = False


@dataclass(frozen=True)
class Create:
    kind: str  # Secret | ConfigMap | Namespace
    name: str
    namespace: str | None
    line: int


@dataclass(frozen=True)
class Chart:
    """A chart installed by helm (or rendered by `helm template` into an apply)."""

    chart: str
    namespace: str | None
    line: int
    create_namespace: bool = False
    crds_dir: bool = True  # whether the chart's crds/ directory is installed
    sets: tuple[tuple[str, str], ...] = ()  # --set key=value
    values: tuple[str, ...] = ()  # -f/--values files


Step = Apply | Create | Chart


@dataclass
class _Args:
    positional: list[str] = field(default_factory=list)
    flags: dict[str, list[str]] = field(default_factory=dict)

    def get(self, *names: str) -> list[str]:
        return [v for n in names for v in self.flags.get(n, ())]

    def has(self, *names: str) -> bool:
        return any(n in self.flags for n in names)


def _parse(words: list[str], value_flags: frozenset[str]) -> _Args:
    out = _Args()
    i = 0
    while i < len(words):
        w = words[i]
        i += 1
        if w.startswith("--") and "=" in w:
            name, _, value = w.partition("=")
            out.flags.setdefault(name, []).append(value)
        elif w in value_flags:
            out.flags.setdefault(w, []).append(words[i] if i < len(words) else "")
            i += 1
        elif len(w) > 2 and w[0] == "-" and w[1] != "-" and w[:2] in value_flags:
            out.flags.setdefault(w[:2], []).append(w[2:].lstrip("="))  # -nflux-system, -n=flux-system
        elif w.startswith("-") and w != "-":
            out.flags.setdefault(w, []).append("")
        else:
            out.positional.append(w)
    return out


def _name(word: str) -> str:
    """The program a word names: a justfile `@` or a Makefile `-` prefix dropped, not a flag's dashes."""
    if word[:1] in ("@", "-") and not word.startswith("--"):
        word = word[1:]
    return posixpath.basename(word)


def _program(words: list[str]) -> int:
    """Where the command proper starts when it runs a program this module reads: the first word,
    after `VAR=value` assignments and keywords or wrappers (`if !`, `sudo`, `time`); -1 otherwise
    (`echo kubectl apply` runs echo)."""
    for i, w in enumerate(words):
        if _name(w) in _PROGRAMS:
            return i
        if not (w in _PREFIXES or _ASSIGNMENT.match(w)):
            return -1
    return -1


def _ns(args: _Args) -> str | None:
    ns = args.get("-n", "--namespace")
    return ns[-1] if ns and ns[-1] else None


def _dry_run(args: _Args) -> bool:
    return any(v in ("", "client", "server") for v in args.get("--dry-run"))


@dataclass
class _Pipe:
    """What the segments before a `kubectl apply -f -` feed it."""

    line: int
    files: list[str] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)  # kustomize builds
    made: list[Step] = field(default_factory=list)  # dry-run creates, helm templates

    def into(self, namespace: str | None) -> Iterator[Step]:
        for f in self.files:
            yield Apply(f, namespace, self.line)
        for d in self.dirs:
            yield Apply(d, namespace, self.line, kustomize=True)
        for s in self.made:
            if isinstance(s, Create) and s.kind != "Namespace" and s.namespace is None:
                s = Create(s.kind, s.name, namespace, s.line)
            yield s


def _kubectl(args: _Args, pipe: _Pipe, line: int) -> Iterator[Step]:
    ns = _ns(args)
    verb = args.positional[0] if args.positional else ""
    if verb == "kustomize" and len(args.positional) > 1:
        pipe.dirs.append(args.positional[1])
        return
    if verb not in ("apply", "create", "replace"):
        return
    sources = args.get("-f", "--filename")
    for d in args.get("-k", "--kustomize"):
        yield Apply(d, ns, line, kustomize=True)
    recursive = args.has("-R", "--recursive")
    for f in sources:
        if f == "-":
            yield from pipe.into(ns)
        elif f:
            yield Apply(f, ns, line, recursive=recursive)
    if verb != "create" or sources or args.has("-k", "--kustomize"):
        return
    pos = args.positional
    made: Create | None = None
    if len(pos) >= 4 and pos[1] == "secret" and pos[2] in _SECRET_TYPES:
        made = Create("Secret", pos[3], ns, line)
    elif len(pos) >= 3 and pos[1] in ("configmap", "cm"):
        made = Create("ConfigMap", pos[2], ns, line)
    elif len(pos) >= 3 and pos[1] in ("namespace", "ns"):
        made = Create("Namespace", pos[2], None, line)
    if made is not None:
        if _dry_run(args):
            pipe.made.append(made)  # printed, not created: only an apply later in the pipe creates it
        else:
            yield made


def _helm(args: _Args, pipe: _Pipe, line: int) -> Iterator[Step]:
    pos = args.positional
    verb = pos[0] if pos else ""
    if verb not in ("install", "upgrade", "template") or len(pos) < 2:
        return
    chart = pos[2] if len(pos) >= 3 else pos[1]
    sets = []
    for flag in ("--set", "--set-string"):
        for value in args.get(flag):
            for pair in value.split(","):
                key, eq, val = pair.partition("=")
                if eq:
                    sets.append((key.strip(), val.strip()))
    step = Chart(
        chart,
        _ns(args),
        line,
        create_namespace=args.has("--create-namespace"),
        # `helm template` renders crds/ only with --include-crds; install skips it with --skip-crds
        crds_dir=args.has("--include-crds") if verb == "template" else not args.has("--skip-crds"),
        sets=tuple(sets),
        values=tuple(args.get("-f", "--values")),
    )
    if verb == "template":
        pipe.made.append(step)
    else:
        yield step


def _sops(words: list[str], pipe: _Pipe, line: int, depth: int) -> Iterator[Step]:
    args = _parse(words, frozenset({"--input-type", "--output-type", "--output", "--config", "--extract"}))
    pos = args.positional
    if pos[:1] in (["exec-file"], ["exec-env"]) and len(pos) >= 3:
        command = pos[2].replace("{}", pos[1]) if pos[0] == "exec-file" else pos[2]
        yield from command_steps(command, line, depth + 1)
    elif args.has("-d", "--decrypt") or pos[:1] == ["decrypt"]:
        pipe.files.extend(p for p in pos if p != "decrypt")


def _feeds(words: list[str], inputs: list[str], pipe: _Pipe) -> None:
    """A command that is none of the above (`cat`, `op inject`, `envsubst`) feeding the pipe: its
    arguments and redirected inputs, which the caller keeps when they name files."""
    for w in [*words[1:], *inputs]:
        inner = inner_words(w)
        pipe.files.extend(inner[1:] if inner else [] if w.startswith("-") else [w])


def _steps(p: Pipeline, depth: int) -> Iterator[Step]:
    pipe = _Pipe(p.line)
    for seg in p.segments:
        start = _program(seg.words)
        if start < 0:
            _feeds(seg.words, seg.inputs, pipe)
            continue
        words = seg.words[start:]
        name = _name(words[0])
        if name == "kubectl":
            yield from _kubectl(_parse(words[1:], _KUBECTL_VALUE), pipe, p.line)
        elif name == "helm":
            yield from _helm(_parse(words[1:], _HELM_VALUE), pipe, p.line)
        elif name == "kustomize" and words[1:2] == ["build"]:
            pipe.dirs.extend(w for w in words[2:3] if not w.startswith("-"))
        elif name == "sops":
            yield from _sops(words[1:], pipe, p.line, depth)
        elif name in ("sh", "bash") and "-c" in words and depth < _MAX_DEPTH:
            at = words.index("-c") + 1
            if at < len(words):
                yield from command_steps(words[at], p.line, depth + 1)
        else:
            _feeds(words, seg.inputs, pipe)


def command_steps(text: str, first_line: int = 1, depth: int = 0) -> Iterator[Step]:
    """The steps of shell text (a script, a Taskfile command, a justfile recipe)."""
    if depth > _MAX_DEPTH:
        return
    for p in pipelines(text, first_line):
        yield from _steps(p, depth)


def argv_steps(argv: list[str], line: int) -> Iterator[Step]:
    """The steps of a command run without a shell (a helmfile hook's `command` and `args`)."""
    if not argv:
        return
    name = posixpath.basename(argv[0])
    if name in ("sh", "bash") and "-c" in argv[1:]:
        at = argv.index("-c") + 1
        if at < len(argv):
            yield from command_steps(argv[at], line)
        return
    yield from _steps(Pipeline([Segment(list(argv))], line), 0)
