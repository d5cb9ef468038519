"""Shell command lines as words, read and never run: what a bootstrap script, a Taskfile, a
justfile or a Makefile recipe runs.

Only what the bootstrap model needs: each line is cut into pipelines (`;`, `&&`, `||`, `&`,
parentheses and line ends separate them), a pipeline into segments (`|`), a segment into words
with their quotes removed (POSIX shell quoting: `'...'` literal, `"..."` and `\\` escapes,
https://pubs.opengroup.org/onlinepubs/9699919799/utilities/V3_chap02.html#tag_02_02). Expansions
(`$VAR`, `${VAR}`, `$(...)`, backquotes, `<(...)`) and template actions (`{{ ... }}` of Task,
helmfile and just) stay verbatim inside their word: nothing is expanded. Here-document bodies are
skipped, backslash-newline joins lines. Linear in the text; over-long lines are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_LINE = 20_000  # characters of one logical line; longer ones are data, not commands
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][\w-]*)\1")
_CLOSERS = {"$(": ")", "<(": ")", ">(": ")", "${": "}", "{{": "}}", "`": "`"}


@dataclass
class Segment:
    """One simple command of a pipeline: its words and the files redirected into it (`< file`)."""

    words: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)


@dataclass
class Pipeline:
    segments: list[Segment]
    line: int  # where it starts in the text (1-based, plus the caller's offset)


def _verbatim(text: str, i: int, opener: str) -> int:
    """The index just past the expansion or template action opened at text[i] by `opener`,
    nesting counted for parentheses; the end of the text when it is not closed."""
    closer = _CLOSERS[opener]
    j = i + len(opener)
    if closer != ")":
        end = text.find(closer, j)
        return len(text) if end < 0 else end + len(closer)
    depth = 1
    while j < len(text):
        c = text[j]
        if c in "'\"":
            end = text.find(c, j + 1)
            j = len(text) if end < 0 else end + 1
            continue
        depth += c == "("
        depth -= c == ")"
        j += 1
        if depth == 0:
            break
    return j


def _line(text: str) -> tuple[list[list[Segment]], list[str]]:
    """The pipelines of one logical line and the here-document delimiters it opens."""
    pipes: list[list[Segment]] = [[Segment()]]
    word: list[str] = []
    started = False  # a word is open (possibly empty: `''`)
    redirect = ""  # "<" or ">": the next word is a redirection target
    heredocs: list[str] = []
    i, n = 0, len(text)

    def end_word() -> None:
        nonlocal started, redirect
        if started:
            w = "".join(word)
            seg = pipes[-1][-1]
            if redirect == "<":
                seg.inputs.append(w)
            elif not redirect:
                seg.words.append(w)
            redirect = ""
        word.clear()
        started = False

    while i < n:
        c = text[i]
        two = text[i : i + 2]
        if c in " \t\r\n":
            end_word()
            i += 1
        elif c == "#" and not started:
            break  # a comment runs to the end of the line
        elif c == "'":
            end = text.find("'", i + 1)
            end = n if end < 0 else end
            word.append(text[i + 1 : end])
            started, i = True, end + 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n and text[j + 1] in '"\\$`':
                    j += 1
                word.append(text[j])
                j += 1
            started, i = True, j + 1
        elif c == "\\":
            word.append(text[i + 1 : i + 2])
            started, i = True, i + 2
        elif two in _CLOSERS or c == "`":
            opener = two if two in _CLOSERS else c
            end = _verbatim(text, i, opener)
            word.append(text[i:end])
            started, i = True, end
        elif two == "<<":
            end_word()
            m = _HEREDOC.match(text, i)
            if m:
                heredocs.append(m.group(2))
                i = m.end()
            else:  # `<<<` here-string: its word is no file
                redirect, i = ">", i + (3 if text.startswith("<<<", i) else 2)
        elif c in "<>":
            if c == ">" and started and "".join(word).isdigit():
                word.clear()  # `2>`: the file descriptor is no word
                started = False
            end_word()
            redirect = c
            i += 2 if two in (">>", ">&", "<&", "<>") else 1
        elif c == "|" and two != "||":
            end_word()
            pipes[-1].append(Segment())
            i += 2 if two == "|&" else 1
        elif c in ";&()" or two == "||":
            if two == "&>":
                end_word()
                redirect, i = ">", i + 2
                continue
            end_word()
            pipes.append([Segment()])
            i += 2 if two in ("&&", "||", ";;") else 1
        else:
            word.append(c)
            started, i = True, i + 1
    end_word()
    return pipes, heredocs


def pipelines(text: str, first_line: int = 1) -> Iterator[Pipeline]:
    """Every pipeline of the text with at least one word, in order."""
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        start, parts, size = k, [], 0
        while True:  # a backslash at the end of a line continues it on the next
            line = lines[k]
            k += 1
            more = line.endswith("\\") and k < len(lines)
            if size <= MAX_LINE:
                parts.append(line[:-1] if more else line)
            size += len(line)
            if not more:
                break
        if size > MAX_LINE:
            continue
        pipes, heredocs = _line(" ".join(parts))
        for segments in pipes:
            kept = [s for s in segments if s.words or s.inputs]
            if kept:
                yield Pipeline(kept, first_line + start)
        for delimiter in heredocs:  # the body is data: skip to the line closing it
            while k < len(lines) and lines[k].strip() != delimiter:
                k += 1
            k += 1


def inner_words(word: str) -> list[str]:
    """The words inside a command or process substitution word (`$(cat x)`, `<(cat x)`)."""
    for opener in ("$(", "<(", ">("):
        if word.startswith(opener) and word.endswith(")"):
            _pipes, _ = _line(word[2:-1])
            return [w for seg in (s for p in _pipes for s in p) for w in (*seg.words, *seg.inputs)]
    return []
