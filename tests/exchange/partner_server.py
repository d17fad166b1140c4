"""A partner system on loopback (the provincial centre's side): real HTTP, in a thread.

It receives our callbacks and checks them as a partner would, with its own code — not ours —
for the signature: ``X-Hotline-Signature`` must be ``sha256=`` + hex HMAC-SHA256 of
``X-Hotline-Timestamp + "." + body`` under the callback key, and the timestamp within five
minutes. A bad one is answered 401 and not accepted. A delivery key seen before is accepted
again without being recorded twice (what an idempotent receiver does).

``fail_next`` answers that many requests with 500; ``status`` answers every request with it;
``delay`` holds each answer that long (a timeout on our side).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.servers import free_port


@dataclass
class Received:
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]
    raw: bytes


class PartnerServer:
    def __init__(self, *, key: str) -> None:
        self.key = key
        self.fail_next = 0
        self.status: int | None = None
        self.delay = 0.0
        self.requests = 0  # every request, answered however
        self.rejected = 0  # bad signature or time
        self._accepted: list[Received] = []
        self._deliveries: set[str] = set()
        self._lock = threading.Lock()
        self.port = free_port()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hotline/callbacks"

    @property
    def accepted(self) -> list[Received]:
        with self._lock:
            return list(self._accepted)

    def events(self) -> list[str]:
        return [r.body["event"] for r in self.accepted]

    def verify(self, headers: dict[str, str], raw: bytes) -> bool:
        stamp = headers.get("x-hotline-timestamp", "")
        given = headers.get("x-hotline-signature", "")
        expected = (
            "sha256=" + hmac.new(self.key.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
        )
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) <= 300
        return fresh and hmac.compare_digest(expected, given)

    def start(self) -> PartnerServer:
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, answer = partner.handle({k.lower(): v for k, v in self.headers.items()}, raw)
                if partner.delay:
                    time.sleep(partner.delay)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # we gave up waiting (timeout)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests += 1
            if self.status is not None:
                return self.status, {"error": f"status {self.status}"}
            if self.fail_next > 0:
                self.fail_next -= 1
                return 500, {"error": "服务繁忙"}
            if not self.verify(headers, raw):
                self.rejected += 1
                return 401, {"error": "签名无效"}
            delivery = headers.get("x-hotline-delivery", "")
            if delivery not in self._deliveries:
                self._deliveries.add(delivery)
                self._accepted.append(Received(headers=headers, body=json.loads(raw), raw=raw))
            return 200, {"ok": True}
