"""Sending one message over SMTP (aiosmtplib), with TLS / STARTTLS and login per settings."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from domain.notifications.outbox import Letter
from domain.settings import Settings


def message_id(letter: Letter, settings: Settings) -> str:
    """The same id each time a row of the outbox is sent: the worker marks a message sent after the SMTP
    server took it, so a worker that dies between the two sends it once more (at least once, never lost);
    mail clients and archives recognise the second copy by this id. The row's creation time keeps ids of
    two deployments sending from one domain apart."""
    domain = settings.smtp_sender.rsplit("@", 1)[-1] or "localhost"
    return f"<outbox-{letter.id}.{letter.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def build(letter: Letter, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = letter.to_address
    message["Subject"] = letter.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(letter, settings)
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
