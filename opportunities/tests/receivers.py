"""Receivers for tests. Webhook receivers and mail servers are outside the machine, so tests answer
alerts with real servers on 127.0.0.1 that record every request or message they read whole."""

from __future__ import annotations

import email
import json
import socket
import socketserver
import threading
import time
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict
    answered: int | None = None  # the status it answered, None while it holds the request


class WebhookReceiver:
    """It answers 200, or ``answer(statuses)``: these to the next requests, in order. ``hold()``:
    requests wait for ``release()`` before they are answered, like a slow receiver. ``hang_up()``:
    requests are read and the connection closed without an answer. ``stalled``: it accepts no
    connection until ``unstall()``; a sender's connect waits (its listen queue is kept full).
    """

    def __init__(self, *, stalled: bool = False) -> None:
        self.received: list[Received] = []
        self._answers: list[int] = []
        self._hang_up = False
        self._released = threading.Event()
        self._released.set()
        self._changed = threading.Condition()
        self._server = _WebhookServer(("127.0.0.1", 0), _Handler, bind_and_activate=False)
        self._server.daemon_threads = True
        self._server.receiver = self
        self._server.server_bind()
        # Stalled, one connection waits to be accepted (the filler) and the next one's SYN is dropped.
        self._server.socket.listen(0 if stalled else 16)
        self._filler = socket.create_connection(("127.0.0.1", self._server.server_port)) if stalled else None
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        if not stalled:
            self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/hook"

    def unstall(self) -> None:
        self._filler.close()
        self._thread.start()

    def answer(self, statuses: list[int]) -> None:
        self._answers = list(statuses)

    def hold(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def hang_up(self) -> None:
        self._hang_up = True

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        """Wait until ``count`` requests arrived whole."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.received)} requests arrived, not {count}"
                self._changed.wait(left)
        return self.received

    @property
    def keys(self) -> list[str]:
        return [request.headers["Idempotency-Key"] for request in self.received]

    def stop(self) -> None:
        self.release()
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        if self._filler is not None:
            self._filler.close()

    def _arrived(self, request: Received) -> None:
        with self._changed:
            self.received.append(request)
            self._changed.notify_all()

    def _answer(self) -> int:
        with self._changed:
            return self._answers.pop(0) if self._answers else 200


class _WebhookServer(ThreadingHTTPServer):
    receiver: WebhookReceiver


class _Handler(BaseHTTPRequestHandler):
    server: _WebhookServer

    def do_POST(self) -> None:
        receiver: WebhookReceiver = self.server.receiver
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        if len(body) < length:
            return  # the sender went away mid-request: nothing to act on
        request = Received(self.path, dict(self.headers), json.loads(body))
        receiver._arrived(request)
        if receiver._hang_up:
            self.close_connection = True
            return
        receiver._released.wait(120)
        request.answered = receiver._answer()
        try:
            self.send_response(request.answered)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')
        except OSError:
            pass  # the sender is gone (a killed worker): it was received all the same

    def log_message(self, format: str, *args: object) -> None:
        pass


class SmtpReceiver:
    """A mail server on 127.0.0.1 that records each message it read whole. It accepts them, or
    ``refuse()``: answers the end of a message with 554, or ``hang_up()``: closes the connection
    instead of answering it."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._answer: bytes | None = b"250 queued"
        self._server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
        self._server.daemon_threads = True
        self._server.receiver = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def refuse(self) -> None:
        self._answer = b"554 no thanks"

    def hang_up(self) -> None:
        self._answer = None

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _SmtpServer(socketserver.ThreadingTCPServer):
    receiver: SmtpReceiver


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: _SmtpServer

    def handle(self) -> None:
        receiver: SmtpReceiver = self.server.receiver
        self.say(b"220 receiver ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"QUIT":
                self.say(b"221 bye")
                return
            if verb != b"DATA":
                self.say(b"250 ok")
                continue
            self.say(b"354 go ahead")
            lines = []
            while (text := self.rfile.readline()) != b".\r\n":
                if not text:
                    return  # the sender went away mid-message
                lines.append(text)
            receiver.messages.append(email.message_from_bytes(b"".join(lines)))
            if receiver._answer is None:
                return
            self.say(receiver._answer)

    def say(self, reply: bytes) -> None:
        self.wfile.write(reply + b"\r\n")
