"""A scripted OpenAI-compatible server for tests (stdlib only, 127.0.0.1, a free port).

It serves ``POST /v1/chat/completions`` and ``GET /v1/models`` over real HTTP, so
the real ``openai`` client is exercised end to end. Each chat request is answered
by the next scripted :class:`Reply` (or by a function of the request body), and
every request is recorded so tests can assert on what the client sent. A request
with ``"stream": true`` is answered with server-sent events, as OpenAI does.

Fault modes, for the judge's failure handling: ``trickle_s`` sends the reply one
byte at a time with that pause between bytes; ``raw_body`` sends those bytes as
the body of a 200 (a proxy's HTML page, say); ``headers`` adds response headers
(``Retry-After`` on a 429). ``disconnects`` counts replies the client hung up on
before they were complete, so a test can see that giving up stopped the server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "fake-judge"


@dataclass
class Reply:
    """One scripted answer: a chat completion with ``content``, or an error ``status``."""

    content: str | None = None
    status: int = 200
    error: str = "scripted error"
    delay_s: float = 0.0
    trickle_s: float = 0.0
    """Pause between the bytes of the body (0: send it at once)."""
    raw_body: bytes | None = None
    """Send these bytes as a 200 body instead of a completion."""
    content_type: str = "text/html"
    """The content type of ``raw_body``."""
    headers: dict[str, str] = field(default_factory=dict)
    streams: bool = True
    """Answer ``"stream": true`` with events; False answers with one JSON body regardless."""


@dataclass
class Request:
    """One request the server received."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    """Header names lower-cased."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def response_format(self) -> str | None:
        format_ = self.body.get("response_format")
        return format_.get("type") if isinstance(format_, dict) else None

    def text(self) -> str:
        """Every message's content joined, for searching."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


Responder = Callable[[Request], Reply]


class FakeLLM:
    """Start with ``with FakeLLM(...) as llm:``; point the client at ``llm.url``."""

    def __init__(self, *replies: Reply | Responder, default: Reply | Responder | None = None):
        self.script: list[Reply | Responder] = list(replies)
        self.default = default or Reply(status=500, error="no scripted reply left")
        self.requests: list[Request] = []
        self.disconnects = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.split("?")[0].endswith("/chat/completions")]

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()  # wakes handlers sleeping in a delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def next_reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            scripted = self.script.pop(0) if self.script else self.default
        return scripted(request) if callable(scripted) else scripted

    def hung_up(self) -> None:
        with self._lock:
            self.disconnects += 1

    def wait_for_disconnects(self, count: int = 1, within_s: float = 10.0) -> int:
        """Wait (up to ``within_s``) until ``count`` replies were abandoned; returns the count."""
        waited = 0.0
        while self.disconnects < count and waited < within_s:
            time.sleep(0.05)
            waited += 0.05
        return self.disconnects


def completion(content: str, model: str = MODEL) -> dict[str, Any]:
    """A chat completion body in the OpenAI format."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def stream_events(content: str, model: str = MODEL, piece: int = 40) -> bytes:
    """A streamed chat completion: server-sent events of ``content`` in pieces, then [DONE]."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        body = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(body)}\n\n".encode()

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": content[i : i + piece]}) for i in range(0, len(content), piece)]
    events += [chunk({}, "stop"), b"data: [DONE]\n\n"]
    return b"".join(events)


def judge_json(
    criteria: dict[str, tuple[int, list[str]]],
    summary: str = "A clear answer with one gap.",
    next_step: str = "Put a number on the latency budget.",
    follow_up: str | None = "What broke after launch?",
    stronger_version: str = "We served [your QPS here] under a [your p99 here] budget.",
) -> str:
    """A judge reply: ``criteria`` maps each id to (score, evidence quotes)."""
    return json.dumps(
        {
            "criteria": {
                cid: {"evidence": quotes, "rationale": f"{cid} rationale.", "score": score}
                for cid, (score, quotes) in criteria.items()
            },
            "summary": summary,
            "next_step": next_step,
            "follow_up": follow_up,
            "stronger_version": stronger_version,
        }
    )


def _handler_for(llm: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # keep test output clean

        def do_GET(self) -> None:  # noqa: N802
            if self.path.split("?")[0].rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
            else:
                self._send(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = Request(self.path, json.loads(raw), headers)
            if not self.path.split("?")[0].rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": "not found"}})
                return
            reply = llm.next_reply(request)
            if reply.delay_s and llm.stopping.wait(reply.delay_s):
                return
            model = request.body.get("model", MODEL)
            if reply.status != 200:
                error = {"error": {"message": reply.error, "type": "fake"}}
                self._send(reply.status, json.dumps(error).encode(), headers=reply.headers)
            elif reply.raw_body is not None:
                self._send(200, reply.raw_body, reply.content_type, reply.headers, reply.trickle_s)
            elif request.body.get("stream") and reply.streams:
                events = stream_events(reply.content or "", model)
                self._send(200, events, "text/event-stream", reply.headers, reply.trickle_s)
            else:
                body = json.dumps(completion(reply.content or "", model)).encode()
                self._send(200, body, "application/json", reply.headers, reply.trickle_s)

        def _send(
            self,
            status: int,
            data: bytes | dict[str, Any],
            content_type: str = "application/json",
            headers: dict[str, str] | None = None,
            trickle_s: float = 0.0,
        ) -> None:
            if isinstance(data, dict):
                data = json.dumps(data).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if trickle_s or content_type == "text/event-stream":
                    self.send_header("Connection", "close")  # the body ends when the socket does
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if not trickle_s:
                    self.wfile.write(data)
                    return
                self.wfile.flush()
                for index in range(len(data)):
                    if llm.stopping.wait(trickle_s):
                        return
                    self.wfile.write(data[index : index + 1])
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                llm.hung_up()  # the client gave up (a timeout test)

    return Handler
