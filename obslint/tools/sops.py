"""Decrypt check with the real `sops`: does each encrypted file open with the available key?

sops takes one file per process, so the files run concurrently (at most MAX_PARALLEL at a
time), each from a copy in one private temporary directory. The decrypted output is read from
the pipe and dropped at once: it is never written to disk and never returned. Only the exit
status and the first line of sops' error message come back.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from obslint.tools import find_tool, run_tool, scratch_dir

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


def _first_error_line(stderr: str) -> str:
    for line in stderr.splitlines():
        line = line.strip()
        if line and not line.startswith("[warning]"):
            return line[:200]
    return "sops exited with an error"


def decrypt_check(jobs: Iterable[DecryptJob], key_file: str) -> dict[str, str | None]:
    """{rel: None when it decrypts, else a one-line reason}. Empty when sops is missing."""
    sops = find_tool("sops")
    jobs = list(jobs)
    if sops is None or not jobs:
        return {}
    results: dict[str, str | None] = {}
    with scratch_dir("sops") as tmp:
        env = {"SOPS_AGE_KEY_FILE": os.path.abspath(key_file)}

        def one(i_job: tuple[int, DecryptJob]) -> tuple[str, str | None]:
            i, job = i_job
            work = os.path.join(tmp, str(i))
            os.makedirs(work, mode=0o700)
            copy = os.path.join(work, os.path.basename(job.path))
            try:
                shutil.copyfile(job.path, copy)
            except OSError as exc:
                return job.rel, f"cannot copy for decryption ({exc.strerror})"
            fmt = _INPUT_TYPES.get(job.format, "yaml")
            argv = [sops, "--decrypt", "--input-type", fmt, "--output-type", fmt, copy]
            res = run_tool(argv, cwd=work, timeout=TIMEOUT, env=env)
            res.stdout = ""  # drop the plaintext at once
            if res.timed_out:
                return job.rel, f"sops timed out after {TIMEOUT}s"
            if res.returncode != 0:
                return job.rel, _first_error_line(res.stderr)
            return job.rel, None

        with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
            for rel, problem in pool.map(one, enumerate(jobs)):
                results[rel] = problem
    return results
