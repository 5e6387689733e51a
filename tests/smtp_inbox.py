"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, for mail tests."""

from __future__ import annotations

import email
import email.message
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.localsite import free_port


class Inbox:
    """Every accepted message: raw envelopes, and (sender, recipients, parsed message) tuples."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.messages: list[tuple[str, list[str], email.message.Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook name
        self.envelopes.append(envelope)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@contextmanager
def running_smtp() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
