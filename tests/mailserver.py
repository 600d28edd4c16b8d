"""A real SMTP server for the tests (aiosmtpd) on a free local port, and the app's SMTP backend
pointed at it — shared by tests/test_smtp.py and tests/mailprefs/."""
import email
import email.policy
import socket
from contextlib import contextmanager

from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received: (envelope sender, recipients, parsed message)."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append((envelope.mail_from, envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address):
        """The messages received for ``address``."""
        return [message for _sender, recipients, message in self.received if address in recipients]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def point_at(app, monkeypatch, port):
    state = app.extensions["mailman"]
    for name, value in {"backend": "smtp", "server": "127.0.0.1", "port": port, "use_tls": False,
                        "use_ssl": False, "username": None, "password": None, "timeout": 5}.items():
        monkeypatch.setattr(state, name, value)


@contextmanager
def running_inbox(app, monkeypatch):
    """An SMTP server listening while the block runs, the app sending to it; yields its Inbox."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    point_at(app, monkeypatch, port)
    try:
        yield inbox
    finally:
        controller.stop()
