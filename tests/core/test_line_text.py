"""Source.line_text agrees with str.splitlines on every kind of line break."""

from __future__ import annotations

import random

from obslint.load.source import SourceFile


def test_line_text_equals_splitlines():
    rng = random.Random(5)
    pieces = ["a", "b", " ", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        sf = SourceFile("x.yaml", "x.yaml", "yaml", text=text)
        lines = text.splitlines()
        for n in range(-1, len(lines) + 3):
            assert sf.line_text(n) == (lines[n - 1] if 0 < n <= len(lines) else None), (text, n)
