"""Decrypt check with the real `sops`: does each encrypted file open with the available key?

sops takes one file per process, so the files run concurrently (at most MAX_PARALLEL at a
time), each from a copy in one private temporary directory. The decrypted output is read from
the pipe and dropped at once: it is never written to disk and never returned. Only the exit
status comes back, as a fixed sentence per known failure: sops' own error text never does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from obslint.tools import find_tool, run_tool, scratch_dir
from obslint.tools.sops_copy import NotCopyable, age_only

MAX_PARALLEL = 3
TIMEOUT = 30
_INPUT_TYPES = {"yaml": "yaml", "json": "json", "dotenv": "dotenv", "ini": "ini"}


@dataclass
class DecryptJob:
    rel: str  # path in the checked tree
    path: str  # absolute path of the original
    format: str  # yaml | json | dotenv | ini


def age_public_keys(key_file: str) -> set[str]:
    """Public keys of the identities in an age key file (from its `# public key:` comments,
    else computed by age-keygen -y). Never returns or logs the private key."""
    keys: set[str] = set()
    try:
        with open(key_file, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return keys
    keys.update(re.findall(r"#\s*public key:\s*(age1[0-9a-z]+)", text))
    if not keys:
        keygen = find_tool("age-keygen")
        if keygen:
            res = run_tool([keygen, "-y", key_file], timeout=10)
            if res.returncode == 0:
                keys.update(re.findall(r"age1[0-9a-z]+", res.stdout))
    return keys


# sops' error text is never shown: its MAC-mismatch message carries the MAC it computed, a hash of
# the plaintext (getsops/sops `cmd/sops/common/common.go`: "MAC mismatch. File has %s, computed %s"),
# and other messages may quote values. Each known failure gets a fixed sentence instead.
_REASONS = (
    ("mac mismatch", "its MAC does not match its values: a value was changed after encryption"),
    ("failed to get the data key", "the age key cannot unwrap its data key"),
    ("could not decrypt value", "a value does not decrypt with its data key: a value was edited by hand"),
    ("metadata not found", "sops finds no metadata in it"),
    ("unmarshal", "sops cannot parse it"),
    ("error loading file", "sops cannot parse it"),
)


def _reason(stderr: str) -> str:
    text = stderr.lower()
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    return "sops cannot decrypt it"


@dataclass(frozen=True)
class Outcome:
    """How one file fared: `problem` when sops failed, `skipped` when it was not tried."""

    problem: str | None = None
    skipped: str | None = None


def decrypt_check(jobs: Iterable[DecryptJob], key_file: str) -> dict[str, Outcome]:
    """{rel: Outcome} for each job; empty when sops is missing.

    sops sees a copy of each file with only its age keys (obslint.tools.sops_copy), the age key
    file as its only key, an empty HOME and no network (obslint.tools.run_tool)."""
    sops = find_tool("sops")
    jobs = list(jobs)
    if sops is None or not jobs:
        return {}
    results: dict[str, Outcome] = {}
    with scratch_dir("sops") as tmp:
        env = {"SOPS_AGE_KEY_FILE": os.path.abspath(key_file)}

        def one(i_job: tuple[int, DecryptJob]) -> tuple[str, Outcome]:
            i, job = i_job
            work = os.path.join(tmp, str(i))
            os.makedirs(work, mode=0o700)
            try:
                with open(job.path, encoding="utf-8") as fh:
                    text = age_only(fh.read(), job.format)
            except (OSError, UnicodeDecodeError):
                return job.rel, Outcome(skipped="cannot be read")
            except NotCopyable as exc:
                return job.rel, Outcome(skipped=str(exc))
            copy = os.path.join(work, "file")
            with open(copy, "w", encoding="utf-8") as fh:
                fh.write(text)
            fmt = _INPUT_TYPES.get(job.format, "yaml")
            argv = [sops, "--decrypt", "--input-type", fmt, "--output-type", fmt, copy]
            res = run_tool(argv, cwd=work, timeout=TIMEOUT, env=env)
            res.stdout = ""  # drop the plaintext at once
            if res.timed_out:
                return job.rel, Outcome(skipped=f"sops timed out after {TIMEOUT}s")
            if res.returncode != 0:
                return job.rel, Outcome(problem=_reason(res.stderr))
            return job.rel, Outcome()

        with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
            for rel, outcome in pool.map(one, enumerate(jobs)):
                results[rel] = outcome
    return results
