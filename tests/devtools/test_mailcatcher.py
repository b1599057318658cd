"""The development mail catcher saves each message as a .eml file on loopback."""
import email
import smtplib
from email import policy

import pytest
from aiosmtpd.controller import Controller

from devtools.mailcatcher import SavingHandler, main
from tests.notifications.support import free_port


def test_catcher_saves_each_message_and_prints_a_summary(tmp_path):
    lines = []
    port = free_port()
    controller = Controller(SavingHandler(tmp_path / "mail", echo=lines.append), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost") as client:
            client.sendmail("billing@example.org", ["ada@example.org"],
                            b"Subject: Invoice INV-2026-00001\r\nTo: ada@example.org\r\n\r\nHello Ada\r\n")
    finally:
        controller.stop()

    [saved] = list((tmp_path / "mail").glob("*.eml"))
    message = email.message_from_bytes(saved.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Invoice INV-2026-00001" and "Hello Ada" in message.get_content()
    [line] = lines
    assert "billing@example.org -> ada@example.org: Invoice INV-2026-00001" in line and saved.name in line


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.org"])
def test_catcher_refuses_to_listen_beyond_loopback(host, tmp_path):
    with pytest.raises(SystemExit):
        main(["--host", host, "--port", str(free_port()), "--dir", str(tmp_path)])
