"""Reading the messages the development mail catcher (`devtools.mailcatcher`) saved as .eml files, for the
admin's "Mail catcher inbox" (Admin → Email log): headers, both bodies, links and attachments."""
import re
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

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
