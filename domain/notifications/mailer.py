"""Sending one message over SMTP (aiosmtplib), with TLS / STARTTLS and login per settings."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from domain.notifications.outbox import Letter
from domain.settings import Settings


def build(letter: Letter, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = letter.to_address
    message["Subject"] = letter.subject
    message["Date"] = formatdate(localtime=False)
    # A stable id per outbox row: a retry after a lost acknowledgement is recognisable as the same mail.
    domain = settings.smtp_sender.rsplit("@", 1)[-1] or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"outbox-{letter.id}", domain=domain)
    message.set_content(letter.body_text)
    message.add_alternative(letter.body_html, subtype="html")
    return message


async def send(letter: Letter, settings: Settings) -> None:
    await aiosmtplib.send(
        build(letter, settings),
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password.get_secret_value() or None,
        use_tls=settings.smtp_use_tls,
        start_tls=settings.smtp_start_tls if settings.smtp_start_tls else False,
        timeout=settings.smtp_timeout_seconds,
    )
