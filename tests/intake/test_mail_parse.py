"""Reading what Chinese mail really carries: mislabelled GB2312, raw 8-bit headers, RFC 2047
and RFC 2231 file names, HTML only, forwarded chains, quoted replies."""

from __future__ import annotations

import base64

import pytest

from intake.mail_parse import (
    UnreadableMail,
    decode_bytes,
    html_to_text,
    parse_mail,
    ticket_number_in,
    trim_quoted,
)
from tests.intake.messages import b64, encoded_word


def test_a_gb2312_label_on_gbk_text_still_decodes():
    # 镕 and 堃 are in GBK/GB18030 but not in GB2312: strict GB2312 would fail on them.
    assert decode_bytes("王镕 李堃".encode("gbk"), "gb2312") == "王镕 李堃"
    assert decode_bytes("𠮷".encode("gb18030"), "GB2312") == "𠮷"


def test_utf8_mislabelled_as_ascii_or_unlabelled_decodes():
    assert decode_bytes("打印机".encode(), "us-ascii") == "打印机"
    assert decode_bytes("打印机".encode("gbk"), None) == "打印机"
    assert decode_bytes("打印机".encode(), "x-unknown-charset") == "打印机"


def test_raw_8bit_gbk_headers_and_an_rfc_2231_file_name_decode():
    raw = (
        "From: 黄小梅 <huang@yn.test>\r\n".encode("gbk")
        + "Subject: 打印机卡纸 镕\r\n".encode("gbk")
        + b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + b64("正文", "gbk").encode()
        + b"\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment;\r\n"
        b" filename*0*=gb2312''%B1%A8%B8%E6;\r\n"
        b" filename*1*=%E9%46.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"%PDF-1.4").decode().encode()
        + b"\r\n--b--\r\n"
    )
    mail = parse_mail(raw)
    assert (mail.sender, mail.sender_name) == ("huang@yn.test", "黄小梅")
    assert mail.subject == "打印机卡纸 镕"
    assert mail.text == "正文"
    [file] = mail.files
    assert (file.name, file.data) == ("报告镕.pdf", b"%PDF-1.4")


def test_an_encoded_word_subject_split_over_lines_joins_up():
    subject = (
        f"{encoded_word('门诊挂号', 'utf-8')}\r\n {encoded_word('无法打开', 'gbk', label='gb2312')}"
    )
    raw = f"From: a@b.test\r\nSubject: {subject}\r\n\r\nx\r\n".encode("ascii")
    assert parse_mail(raw).subject == "门诊挂号无法打开"


def test_html_alternative_is_not_taken_when_there_is_plain_text():
    raw = (
        b"From: a@b.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain words\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html words</p>\r\n--b--\r\n"
    )
    mail = parse_mail(raw)
    assert mail.text == "plain words"
    assert mail.files == []


def test_html_is_reduced_to_its_text():
    html = (
        "<script>steal()</script><style>b{}</style><p>第一行<br>第二行</p>"
        "<table><tr><td>A</td><td>B</td></tr></table><a href='javascript:x'>链接</a>&amp;lt;"
    )
    text = html_to_text(html)
    assert "steal" not in text and "<" not in text.replace("&lt;", "")
    assert text.splitlines()[:2] == ["第一行", "第二行"]
    assert "A B" in text and "链接" in text and text.endswith("&lt;")


def test_a_mail_forwarded_as_an_attachment_stays_in_the_text():
    inner = (
        f"From: 李明 <yn-it@yn.test>\r\nSubject: {encoded_word('HIS 宕机', 'gbk')}\r\n"
        "Content-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{b64('门诊全部停了', 'gbk')}\r\n"
    )
    raw = (
        b"From: a@b.test\r\nSubject: Fwd: HIS\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + "请看下面".encode()
        + b"\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
        + inner.encode("utf-8")
        + b"\r\n--b--\r\n"
    )
    text = parse_mail(raw).text
    assert text.startswith("请看下面")
    assert "Subject: HIS 宕机" in text and "门诊全部停了" in text


def test_a_replys_quoted_original_is_trimmed():
    assert trim_quoted("好的，已恢复\n\n-----原始邮件-----\n发件人: OpsDesk") == "好的，已恢复"
    assert trim_quoted("OK\n\nOn Mon, 7 Dec 2026 at 09:12, OpsDesk wrote:\n> hi") == "OK"
    assert trim_quoted("仍然报错\n> 已受理\n> 请稍候\n谢谢") == "仍然报错\n谢谢"
    assert trim_quoted("> only quoted") == "> only quoted"


def test_a_ticket_number_is_found_in_any_case():
    assert ticket_number_in("Re: [yn-2026-00012] 打印机") == "YN-2026-00012"
    assert ticket_number_in("回复：YN-2026-00012") == "YN-2026-00012"
    assert ticket_number_in("Re: 2026 年度巡检") is None


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n", b"Subject: no sender\r\n\r\nbody", b"\x00\x01\x02 not mail"],
)
def test_what_is_not_a_mail_is_refused_with_a_reason(raw):
    with pytest.raises(UnreadableMail) as refused:
        parse_mail(raw)
    assert refused.value.reason
