"""A real SMTP server on 127.0.0.1 (aiosmtpd in a thread, a free port) for the outbox tests.

`SmtpServer.fail_with` makes it answer DATA (or RCPT) with an error code, as a mail
server that is down (451) or refuses an address (550) does.
"""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Handler:
    received: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    data_error: str = ""  # e.g. "451 4.3.0 try again later"
    rcpt_error: str = ""  # e.g. "550 5.1.1 no such user"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.rcpt_error:
            return self.rcpt_error
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_error:
            return self.data_error
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Message]:
        return self.handler.received

    def recipients(self) -> list[str]:
        return sorted(rcpt for _, rcpts in self.handler.envelopes for rcpt in rcpts)

    def fail_with(self, *, data: str = "", rcpt: str = "") -> None:
        self.handler.data_error = data
        self.handler.rcpt_error = rcpt

    def mailer(self) -> dict[str, Any]:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
            }
        }
