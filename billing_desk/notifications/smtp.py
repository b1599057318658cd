"""Handing a message to the SMTP server, and telling apart failures that are safe to retry from the rest.

The conversation is driven step by step (MAIL, RCPT, DATA) rather than with `send_message`, because what a
failure means depends on when it happens: before DATA nothing was delivered; a connection lost while the
message itself is being handed over may or may not have delivered it (`DeliveryUnknown`).
"""
import smtplib
import ssl
from email import policy
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app

SECURITY_MODES = ("none", "starttls", "ssl")


class DeliveryError(Exception):
    """The message was not (known to be) delivered; str() says why, in words for the Email log."""


class TemporaryFailure(DeliveryError):
    """Nothing was delivered and trying again later may work (server down, 4xx reply)."""


class PermanentFailure(DeliveryError):
    """The server refused the message for good (5xx reply): retrying would only be refused again."""


class DeliveryUnknown(DeliveryError):
    """The connection broke while the message was being handed over: it may have been delivered."""


def _reply_error(code, reply, step):
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    error_class = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return error_class(f"The mail server refused {step}: {code} {text}")


def _helo_name(config):
    return urlsplit(config["PUBLIC_BASE_URL"]).hostname or "localhost"


def _connect(config):
    host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_TIMEOUT"]
    security = config["SMTP_SECURITY"]
    if security not in SECURITY_MODES:
        raise TemporaryFailure(f"SMTP_SECURITY is {security!r}; it must be one of {', '.join(SECURITY_MODES)}.")
    try:
        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, local_hostname=_helo_name(config), timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, local_hostname=_helo_name(config), timeout=timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise TemporaryFailure(f"Could not connect to the mail server {host}:{port}: {error}") from error
    try:
        client.ehlo_or_helo_if_needed()
        if security == "starttls":
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if config["SMTP_USER"]:
            client.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
    except (OSError, smtplib.SMTPException) as error:
        client.close()
        # A wrong password or a refused STARTTLS is a configuration problem an administrator can fix
        # within the retry window, so it is not final.
        raise TemporaryFailure(f"The mail server {host}:{port} did not accept the session: {error}") from error
    return client


def deliver(message):
    """Send `message` (an EmailMessage with From and To) to its To addresses, or raise a DeliveryError."""
    config = current_app.config
    sender = parseaddr(config["MAIL_FROM"])[1]
    recipients = [address.addr_spec for address in message["To"].addresses]
    payload = message.as_bytes(policy=policy.SMTP)
    client = _connect(config)
    try:
        try:
            code, reply = client.mail(sender)
            if code != 250:
                raise _reply_error(code, reply, f"the sender {sender}")
            for recipient in recipients:
                code, reply = client.rcpt(recipient)
                if code not in (250, 251):
                    raise _reply_error(code, reply, f"the recipient {recipient}")
            code, reply = client.docmd("DATA")
            if code != 354:
                raise _reply_error(code, reply, "the message")
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryFailure(f"The mail server connection failed before the message was sent: {error}") from error
        try:
            # From here on the server may have the message: a lost connection is not safe to retry.
            client.send(_dot_stuffed(payload))
            code, reply = client.getreply()
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryUnknown(
                f"The connection to the mail server broke while the message was being handed over ({error}); "
                "it may have been delivered."
            ) from error
        if code != 250:
            raise _reply_error(code, reply, "the message")
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _dot_stuffed(payload):
    """The DATA body: CRLF line ends, leading dots doubled, ending with CRLF.CRLF (RFC 5321 4.5.2)."""
    lines = payload.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    body = b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)
    return body + b"\r\n.\r\n"
