"""Local listeners that record whether anything tried to reach them."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def recording_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 answering 500 to everything: (its base URL, the requests seen,
    each as `METHOD path` plus any Vault or authorisation header)."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _record(self) -> None:
            token = self.headers.get("X-Vault-Token") or self.headers.get("Authorization") or ""
            seen.append(f"{self.command} {self.path} {token}".strip())
            self.send_response(500)
            self.end_headers()

        do_GET = do_POST = do_PUT = do_HEAD = _record

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
