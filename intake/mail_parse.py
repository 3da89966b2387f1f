"""Reading what Chinese mail really carries, with the standard library's email package.

Mail clients in Chinese hospitals label GBK (or GB18030) text as GB2312, send 8-bit headers
unencoded, encode file names by RFC 2047 or RFC 2231, and often send HTML only. The parser
(policy=default) does the structure; text is decoded here with fallbacks: GB2312 and GBK are
read as GB18030 (their superset, so a "GB2312" body with characters outside it still
decodes), then UTF-8, then GB18030, never raising.
"""

from __future__ import annotations

import codecs
import email
import email.header
import email.message
import email.utils
import re
from dataclasses import dataclass, field
from email import policy
from html.parser import HTMLParser

from django.utils.translation import gettext as _

# Labels whose text is really GB18030 as often as not.
_GB_LABELS = frozenset({"gb2312", "gbk", "cp936", "euc_cn", "gb18030", "hz"})

# The character that marks what could not be decoded.
REPLACEMENT = "\ufffd"


class UnreadableMail(Exception):
    """The bytes are not a mail we can read: said in `reason`, for the triage entry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MailFile:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    sender: str  # the address, lower case
    sender_name: str
    subject: str
    text: str  # the whole body as text, forwarded mails included
    references: list[str] = field(default_factory=list)  # In-Reply-To, then References
    files: list[MailFile] = field(default_factory=list)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes labelled `charset`, with fallbacks; never raises."""
    declared = _codec(charset)
    candidates = [declared] if declared and declared != "ascii" else []
    candidates += ["utf-8", "gb18030"]
    for codec in candidates:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(declared or "utf-8", errors="replace")


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        name = codecs.lookup(charset.strip().strip('"').lower()).name
    except LookupError:
        return None
    return "gb18030" if name in _GB_LABELS else name


def decode_header_text(value: str) -> str:
    """A header's text: RFC 2047 encoded words decoded with the same fallbacks as bodies,
    raw 8-bit bytes (kept by the parser as surrogates) read as UTF-8 or GB18030."""
    if _has_surrogates(value):
        value = decode_bytes(value.encode("ascii", "surrogateescape"), None)
    try:
        pieces = email.header.decode_header(value)
    except Exception:  # a malformed encoded word: keep the header as it came
        return _one_line(value)
    text = "".join(
        decode_bytes(piece, charset) if isinstance(piece, bytes) else piece
        for piece, charset in pieces
    )
    return _one_line(text)


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in value)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _raw_header(message: email.message.Message, name: str) -> str:
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return ""


def parse_mail(raw: bytes) -> ParsedMail:
    """The sender, subject, text and files of a raw RFC 5322 message."""
    if not raw or not raw.strip():
        raise UnreadableMail(_("The message is empty."))
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except Exception as exc:  # the parser is lenient; anything it raises is a broken mail
        raise UnreadableMail(
            _("The message cannot be parsed: %(error)s.") % {"error": type(exc).__name__}
        ) from exc
    sender_name, sender = email.utils.parseaddr(decode_header_text(_raw_header(message, "from")))
    if "@" not in sender:
        raise UnreadableMail(_("The message has no sender address (From)."))
    try:
        text = message_text(message)
        files = list(_files(message))
    except Exception as exc:  # a part the library could not take apart
        raise UnreadableMail(
            _("The message's body cannot be read: %(error)s.") % {"error": type(exc).__name__}
        ) from exc
    references = _message_ids(_raw_header(message, "in-reply-to")) + _message_ids(
        _raw_header(message, "references")
    )
    return ParsedMail(
        message_id=(_message_ids(_raw_header(message, "message-id")) or [""])[0],
        sender=sender.strip().lower(),
        sender_name=sender_name.strip(),
        subject=decode_header_text(_raw_header(message, "subject")),
        text=text,
        references=references,
        files=files,
    )


def _message_ids(value: str) -> list[str]:
    return re.findall(r"<([^<>\s]+)>", value)


def message_text(message: email.message.Message) -> str:
    """The body as text: plain where there is plain, else HTML sanitised to text; mails
    forwarded as attachments follow, each under its own headers."""
    body = message.get_body(preferencelist=("plain", "html")) if message.is_multipart() else message
    text = _part_text(body) if body is not None else ""
    for part in message.walk():
        if part.get_content_type() == "message/rfc822":
            for inner in part.iter_parts():
                text += "\n\n" + _forwarded(inner)
    return text.strip()


def _forwarded(inner: email.message.Message) -> str:
    lines = ["---------- Forwarded message ----------"]
    for name in ("From", "Date", "Subject", "To"):
        value = _raw_header(inner, name.lower())
        if value:
            lines.append(f"{name}: {decode_header_text(value)}")
    return "\n".join(lines) + "\n\n" + message_text(inner)


def _part_text(part: email.message.Message) -> str:
    if part.get_content_maintype() != "text":
        return ""
    data = part.get_payload(decode=True) or b""
    text = decode_bytes(data, part.get_content_charset())
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    return text.replace("\r\n", "\n")


def _files(message: email.message.Message):
    body = message.get_body(preferencelist=("plain", "html")) if message.is_multipart() else None
    for part in message.walk():
        if part.is_multipart() or part is body or part is message:
            continue
        if part.get_content_type() == "message/rfc822":
            continue
        name = filename(part)
        disposition = part.get_content_disposition()
        if not name and (disposition != "attachment" and part.get_content_maintype() == "text"):
            continue  # the other half of an alternative, or a forwarded mail's body
        data = part.get_payload(decode=True) or b""
        yield MailFile(
            name=name or f"attachment.{part.get_content_subtype() or 'bin'}",
            content_type=part.get_content_type(),
            data=data,
        )


def filename(part: email.message.Message) -> str:
    """A part's file name from Content-Disposition (filename) or Content-Type (name): RFC 2231
    (with its charset, continuations) or RFC 2047 encoded words, decoded with the fallbacks."""
    headers = email.message.Message()  # compat32 keeps RFC 2231 values as (charset, lang, text)
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type"):
            headers[key] = str(value)
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        value = headers.get_param(param, header=header)
        if not value:
            continue
        if isinstance(value, tuple):
            charset, _language, text = value
            return _safe_name(decode_bytes(bytes(text, "raw-unicode-escape"), charset))
        return _safe_name(decode_header_text(email.utils.unquote(value)))
    return ""


def _safe_name(name: str) -> str:
    """The file's own name: no client path, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(char for char in name if char.isprintable()).strip()


# --- HTML -----------------------------------------------------------------------------------

_BLOCKS = frozenset(
    {"p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
)
_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.chunks.append("\n")
        elif tag == "td":
            self.chunks.append(" ")

    def handle_endtag(self, tag) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data) -> None:
        if not self.skipping:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """The text a reader sees in an HTML mail: no markup, no scripts or styles kept."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    text = "".join(parser.chunks).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- replies --------------------------------------------------------------------------------

# Where a reply's quoted original begins, as the common clients (Outlook, Foxmail, QQ Mail,
# NetEase, Gmail, Apple Mail) write it, in Chinese and English.
_QUOTE_STARTS = re.compile(
    r"^\s*("
    r"-{2,}\s*(Original Message|原始邮件|Forwarded message|转发邮件)\s*-{2,}"
    r"|On .{4,200} wrote:\s*$"
    r"|在\s*.{4,200}写道[:：]\s*$"
    r"|(From|发件人)\s*[:：].+$"
    r"|_{10,}\s*$"
    r")",
    re.IGNORECASE,
)


def trim_quoted(text: str) -> str:
    """A reply's own words: what comes before the quoted original, without "> " lines."""
    kept = []
    for line in text.splitlines():
        if _QUOTE_STARTS.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    trimmed = "\n".join(kept).strip()
    return trimmed or text.strip()


TICKET_NUMBER = re.compile(r"\b([A-Z][A-Z0-9]{1,9}-\d{4}-\d{5})\b", re.IGNORECASE)


def ticket_number_in(subject: str) -> str | None:
    """The ticket number a subject carries ("Re: [YN-2026-00012] …", any case), upper case."""
    match = TICKET_NUMBER.search(subject)
    return match.group(1).upper() if match else None
