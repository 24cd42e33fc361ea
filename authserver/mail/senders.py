"""Senders: SMTP through smtplib, or the console in development. Both block: the
worker runs them in an executor."""

import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from authserver.mail.compose import UNBRANDED, Brand, Letter
from authserver.settings import Settings


def build_message(letter: Letter, sender: str, brand: Brand) -> EmailMessage:
    """A plain-text message with proper headers, signed with the product's name.

    EmailMessage refuses header values containing CR or LF, so no field can inject
    headers; addresses were validated before they got here as well. An address that the
    header would read as another (an RFC 2047 encoded word, "=?utf-8?q?alice?=@...",
    reads as alice@...) is refused: the mail goes to the stored address or nowhere.
    """
    letter = brand.sign(letter)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = letter.recipient
    if [address.addr_spec for address in message["To"].addresses] != [letter.recipient]:
        raise ValueError(f"the address {letter.recipient!r} reads as another in a To: header")
    message["Subject"] = letter.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(letter.body)
    return message


class SmtpSender:
    """Sends through an SMTP server: STARTTLS, SSL or plain; login when a username is set."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        username: str | None,
        password: str | None,
        sender: str,
        timeout: float,
        brand: Brand = UNBRANDED,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password = username, password
        self.sender, self.timeout, self.brand = sender, timeout, brand

    def send(self, letter: Letter) -> None:
        message = build_message(letter, self.sender, self.brand)
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.security == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            # The envelope names the stored address itself, never what a mail library
            # makes of the To: header (which may decode an encoded word into another).
            client.send_message(message, from_addr=self.sender, to_addrs=[letter.recipient])


class ConsoleSender:
    """Development mode: print the whole message, recipient and code together, to stdout."""

    def __init__(self, sender: str, stream=None, brand: Brand = UNBRANDED) -> None:
        self.sender, self.brand = sender, brand
        self.stream = stream or sys.stdout

    def send(self, letter: Letter) -> None:
        message = build_message(letter, self.sender, self.brand)
        rule = "-" * 60
        self.stream.write(f"{rule}\nMail (console; set SMTP_SERVER to send it)\n{message}{rule}\n")
        self.stream.flush()


def mail_sender(settings: Settings):
    """The sender the settings name: the console in development, else SMTP. Built here so
    that the server and the operator's commands alike get it without the web edge. Every
    mail is signed with the product's name (APP_NAME, SUPPORT_EMAIL)."""
    brand = Brand(app_name=settings.app_name, support_email=settings.support_email)
    if settings.mail_to_console:
        return ConsoleSender(settings.from_email, brand=brand)
    return SmtpSender(
        # MAIL_BACKEND=smtp without SMTP_SERVER: smtplib takes "" as it takes None (no
        # connection made, so every send fails and is retried).
        host=settings.smtp_server or "",
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password,
        sender=settings.from_email,
        timeout=settings.smtp_timeout,
        brand=brand,
    )
