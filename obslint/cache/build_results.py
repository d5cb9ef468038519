"""`kubectl kustomize` verdicts by the content a build read (obslint.model.flux.build_inputs).

A success is keyed by that content alone, so every copy of a path (one app in forty clusters)
shares it; a failure also by the path, since kubectl's error text names it. Both are keyed with
the tool's identity (obslint.cache.fingerprint), its options and obslint's version.
"""

from __future__ import annotations

from collections.abc import Sequence

from obslint import __version__
from obslint.cache import store
from obslint.cache.fingerprint import tool_identity

KIND = "kustomize"


class BuildCache:
    def __init__(self, kubectl: str, options: Sequence[str]) -> None:
        self.tool = [__version__, tool_identity(kubectl), list(options)]
        self.stored: set[str] = set()

    def _key(self, digest: str, rel: str | None) -> str:
        return store.key_of(KIND, self.tool, digest, rel)

    def get(self, digest: str, rel: str) -> tuple[bool, str] | None:
        """(built, kubectl's error) of the path `rel` whose build reads `digest`; None: unknown."""
        if store.get(KIND, self._key(digest, None)) == {"ok": True}:
            return True, ""
        failed = store.get(KIND, self._key(digest, rel))
        if isinstance(failed, dict) and failed.get("ok") is False and isinstance(failed.get("error"), str):
            return False, failed["error"]
        return None

    def put(self, digest: str, rel: str, ok: bool, error: str) -> None:
        key = self._key(digest, None if ok else rel)
        if key not in self.stored:  # the copies of a path share one entry
            self.stored.add(key)
            store.put(KIND, key, {"ok": True} if ok else {"ok": False, "error": error})
