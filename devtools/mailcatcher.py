"""A development mail catcher: an SMTP server on loopback that saves every message as a .eml file.

    python -m devtools.mailcatcher --port 8025 --dir instance/mail

Each message is written to `<dir>/<UTC time>-<random>.eml` and summarised on one line; administrators can
list, read and download them at Admin → Email log → Mail catcher inbox. Nothing is ever delivered anywhere.
"""
import argparse
import ipaddress
import secrets
import threading
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller


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
