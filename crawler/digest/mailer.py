"""Email delivery of a digest: one multipart/alternative message (text + HTML) over SMTP.

The SMTP password comes only from settings (which take it from the environment) and never appears in a
message, an exception or a log line.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from crawler.config import EmailSettings

# SMTP servers that stall must not hang the daemon's digest job.
SMTP_TIMEOUT_S = 30


class MailError(Exception):
    """Sending failed; the message names the server and the SMTP reason, never the credentials."""


def build_message(settings: EmailSettings, *, subject: str, text: str, html: str, message_id: str) -> EmailMessage:
    """A multipart/alternative message: text/plain first, text/html second (clients show the last they can)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: tells vacation responders not to answer
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def message_id_for(digest_key: str, content_hash: str, sender: str) -> str:
    """A stable Message-ID per digest content, so a receiving system can also recognise a repeat."""
    domain = sender.rpartition("@")[2] or "localhost"
    safe_key = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in digest_key)
    return f"<coverwatch-digest-{safe_key}-{content_hash[:16]}@{domain}>"


def send_message(settings: EmailSettings, message: EmailMessage) -> list[str]:
    """Send; returns the recipients the server refused (when it accepted others, the digest counts as sent)."""
    if not settings.recipients:
        raise MailError("digest.email.recipients is empty: nobody to send the digest to")
    where = f"{settings.host}:{settings.port}"
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_S) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                if not settings.password:
                    raise MailError(f"SMTP {where}: digest.email.username is set but no password (set COVERWATCH_SMTP_PASSWORD)")
                smtp.login(settings.username, settings.password)
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(f"SMTP {where}: login as {settings.username!r} refused ({error.smtp_code})") from None
    except smtplib.SMTPException as error:
        raise MailError(f"SMTP {where}: {type(error).__name__}: {_reason(error)}") from None
    except OSError as error:
        raise MailError(f"SMTP {where} unreachable: {error.strerror or type(error).__name__}") from None
    return sorted(refused)


def _reason(error: smtplib.SMTPException) -> str:
    detail = getattr(error, "smtp_error", b"")
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
