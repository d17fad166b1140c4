"""A local server speaking Aliyun Dysmsapi ``SendSms`` (RPC style, HMAC-SHA1 signed).

It checks what the real service checks that matters here — the required parameters, the
signature (recomputed with the shared secret), the timestamp window, a fresh
``SignatureNonce`` — and answers like it (JSON with ``Code``, ``Message``, ``RequestId``,
``BizId``; HTTP 400/404 for request errors, ``isv.*`` codes with HTTP 200 for business
errors). Every accepted message is recorded. Unlike the real service, a repeated
``OutId`` is treated as already accepted: the same ``BizId`` comes back and nothing new is
recorded, so a test can count what the provider would have sent.

``delay`` holds each answer after recording (a client killed meanwhile never hears OK);
``fail_next`` answers that many requests with a flow-control error.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from hotline.notify.channels.sms import sign
from tests.servers import free_port

REQUIRED = (
    "AccessKeyId", "Action", "Format", "SignatureMethod", "SignatureNonce", "SignatureVersion",
    "Timestamp", "Version", "Signature", "PhoneNumbers", "SignName", "TemplateCode",
)  # fmt: skip


@dataclass
class Sent:
    biz_id: str
    phone: str
    sign_name: str
    template_code: str
    template_param: dict[str, Any]
    out_id: str


class SmsGateway:
    def __init__(self, *, access_key_id: str = "test-ak", secret: str = "test-secret") -> None:
        self.access_key_id = access_key_id
        self.secret = secret
        self.delay = 0.0
        self.fail_next = 0
        self.requests = 0
        self._sent: list[Sent] = []
        self._by_out_id: dict[str, str] = {}
        self._nonces: set[str] = set()
        self._lock = threading.Lock()
        self.port = free_port()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def sent(self) -> list[Sent]:
        with self._lock:
            return list(self._sent)

    def start(self) -> SmsGateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer("GET", dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True)))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                self._answer("POST", form)

            def _answer(self, method: str, params: dict[str, str]) -> None:
                status, body = gateway.handle(method, params)
                if gateway.delay:
                    time.sleep(gateway.delay)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client is gone (killed mid-request)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, method: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        request_id = str(uuid.uuid4()).upper()

        def error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
            return status, {"RequestId": request_id, "Code": code, "Message": message}

        with self._lock:
            self.requests += 1
            missing = [k for k in REQUIRED if not params.get(k)]
            if missing:
                return error(400, "MissingParameter", f"The input parameter {missing[0]} is not supplied.")
            if params["AccessKeyId"] != self.access_key_id:
                return error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
            signature = params.pop("Signature")
            if sign(params, self.secret, method) != signature:
                return error(400, "SignatureDoesNotMatch", "Specified signature is not matched.")
            stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            if abs((datetime.now(UTC) - stamp).total_seconds()) > 900:
                return error(400, "InvalidTimeStamp.Expired", "Specified time stamp has expired.")
            if params["SignatureNonce"] in self._nonces:
                return error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self._nonces.add(params["SignatureNonce"])
            if params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
                return error(404, "InvalidAction.NotFound", "Specified api is not found.")
            if self.fail_next > 0:
                self.fail_next -= 1
                return 200, {
                    "RequestId": request_id,
                    "Code": "isv.BUSINESS_LIMIT_CONTROL",
                    "Message": "触发流控",
                }
            phone = params["PhoneNumbers"]
            if not phone.isdigit() or len(phone) != 11:
                return 200, {
                    "RequestId": request_id,
                    "Code": "isv.MOBILE_NUMBER_ILLEGAL",
                    "Message": "非法手机号",
                }
            out_id = params.get("OutId", "")
            if out_id and out_id in self._by_out_id:
                biz_id = self._by_out_id[out_id]
            else:
                biz_id = f"{int(time.time() * 1000)}^{uuid.uuid4().int % 10**10}"
                self._sent.append(
                    Sent(
                        biz_id=biz_id,
                        phone=phone,
                        sign_name=params["SignName"],
                        template_code=params["TemplateCode"],
                        template_param=json.loads(params.get("TemplateParam") or "{}"),
                        out_id=out_id,
                    )
                )
                if out_id:
                    self._by_out_id[out_id] = biz_id
            return 200, {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id}
