"""A development mail catcher: an SMTP server on loopback that saves every message as a .eml file.

    python -m billing_desk.notifications.catcher --port 8025 --dir instance/mail

Each message is written to `<dir>/<UTC time>-<random>.eml` and summarised on one line; administrators can
list, read and download them at Admin → Email log → Mail catcher inbox. Nothing is ever delivered anywhere.
"""
import argparse
import ipaddress
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller

SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID")
LINK = re.compile(r"https?://[^\s<>\"')\]]+")


@dataclass
class Attachment:
    number: int  # 1-based position among the message's attachments, as the download link names it
    filename: str
    content_type: str
    size: int


@dataclass
class CaughtMessage:
    """A saved message as a person reads it: its headers, both bodies, the links and the attachments."""

    headers: list
    text: str | None = None
    html: str | None = None
    links: list = field(default_factory=list)
    attachments: list = field(default_factory=list)


def _parse(path):
    with Path(path).open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)


def _content(part):
    """A text part's content; a part with a broken charset still reads, with odd characters replaced."""
    try:
        return part.get_content()
    except (LookupError, UnicodeError):
        return part.get_payload(decode=True).decode("utf-8", errors="replace")


def read_message(path):
    """The message saved at `path`, for the inbox's message page. Its HTML is returned as text, never run here."""
    message = _parse(path)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    caught = CaughtMessage(
        headers=[(name, str(message[name])) for name in SHOWN_HEADERS if message[name] is not None],
        text=_content(text_part) if text_part is not None else None,
        html=_content(html_part) if html_part is not None else None,
    )
    caught.links = list(dict.fromkeys(LINK.findall(caught.text or caught.html or "")))
    for number, part in enumerate(message.iter_attachments(), start=1):
        payload = part.get_payload(decode=True) or b""
        caught.attachments.append(Attachment(number, part.get_filename() or f"attachment-{number}",
                                             part.get_content_type(), len(payload)))
    return caught


def attachment(path, number):
    """(filename, content type, bytes) of the message's `number`th attachment, or None when it has none such."""
    for position, part in enumerate(_parse(path).iter_attachments(), start=1):
        if position == number:
            return (part.get_filename() or f"attachment-{number}", part.get_content_type(),
                    part.get_payload(decode=True) or b"")
    return None


class SavingHandler:
    """aiosmtpd handler: store the message, print a summary, accept."""

    def __init__(self, folder, echo=print):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.echo = echo

    async def handle_DATA(self, server, session, envelope):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.folder / f"{stamp}-{secrets.token_hex(4)}.eml"
        data = envelope.original_content or envelope.content
        path.write_bytes(data)
        headers = BytesParser(policy=policy.default).parsebytes(data, headersonly=True)
        self.echo(f"{stamp} {envelope.mail_from} -> {', '.join(envelope.rcpt_tos)}: "
                  f"{headers['subject'] or '(no subject)'} ({len(data)} bytes) saved as {path.name}")
        return "250 Message accepted for delivery"


def _loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Development mail catcher: saves every message as a .eml file.")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", default="instance/mail", help="folder for the .eml files (default instance/mail)")
    args = parser.parse_args(argv)
    if not _loopback(args.host):
        parser.error("the mail catcher only listens on a loopback address (127.0.0.1, ::1 or localhost)")
    controller = Controller(SavingHandler(args.dir), hostname=args.host, port=args.port)
    controller.start()
    print(f"Mail catcher on {args.host}:{args.port}; saving messages in {Path(args.dir).resolve()}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
