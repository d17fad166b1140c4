"""GB2312-labelled GBK, GB18030 and UTF-8 mail, as Chinese clients send it, decodes exactly."""

from __future__ import annotations

import base64
import urllib.parse

from hotline.mailin.reading import read_mail
from hotline.mailin.services import mailbox_fetch
from hotline.tickets.models import Ticket
from tests.mailin.mails import PDF, encoded_word, raw_mail

# 镕, 喆 and 堃 are GBK, not GB2312; 𠮷 is a four-byte GB18030 character (not in GBK)
GBK_TEXT = "王喆反映:堃园小区物业费乱收,朱镕路路灯不亮。"
GB18030_TEXT = "𠮷野家外卖少送一份,商家拒不退款。"


def _gbk_labelled_gb2312() -> tuple[bytes, str]:
    return raw_mail(
        [
            ("From", f"{encoded_word('王喆', 'gbk', 'gb2312')} <wang.zhe@example.cn>"),
            ("Subject", encoded_word("堃园小区物业费乱收", "gbk", "GB2312")),
            ("Content-Type", "text/plain; charset=gb2312"),
            ("Content-Transfer-Encoding", "base64"),
        ],
        base64.encodebytes(GBK_TEXT.encode("gbk")),
    )


def _gb18030() -> tuple[bytes, str]:
    return raw_mail(
        [
            ("From", "<li.si@example.cn>"),
            ("Subject", encoded_word("𠮷野家外卖投诉", "gb18030")),
            ("Content-Type", "text/plain; charset=GB18030"),
            ("Content-Transfer-Encoding", "8bit"),
        ],
        GB18030_TEXT.encode("gb18030"),
    )


def _raw_gbk_headers() -> tuple[bytes, str]:
    """An old client: GBK bytes straight in the headers, no charset on the body."""
    subject = "朱镕路路灯不亮".encode("gbk").decode("utf-8", "surrogateescape")
    name = "赵堃".encode("gbk").decode("utf-8", "surrogateescape")
    return raw_mail(
        [("From", f"{name} <zhao@example.cn>"), ("Subject", subject), ("Content-Type", "text/plain")],
        "晚上一片漆黑,喆".encode("gbk"),
    )


def test_gbk_and_gb18030_subjects_and_bodies_decode_through_imap(mailbox, put):
    put(_gbk_labelled_gb2312()[0], _gb18030()[0], _raw_gbk_headers()[0])

    mailbox_fetch(mailbox=mailbox)

    got = {t.subject: (t.complainant_name, t.description) for t in Ticket.objects.all()}
    assert got == {
        "堃园小区物业费乱收": ("王喆", GBK_TEXT),
        "𠮷野家外卖投诉": ("", GB18030_TEXT),
        "朱镕路路灯不亮": ("赵堃", "晚上一片漆黑,喆"),
    }


def test_an_html_only_body_is_kept_as_its_text():
    import quopri

    html = (
        "<html><body><p>超市&nbsp;价签与结账价格不一致</p>"
        + "<script>alert(1)</script><p>第二段</p></body></html>"
    )
    raw, _ = raw_mail(
        [
            ("From", f"{encoded_word('钱七', 'utf-8')} <qian@example.cn>"),
            ("Subject", encoded_word("价格欺诈", "utf-8")),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ],
        quopri.encodestring(html.encode()),
    )
    parsed = read_mail(raw)
    assert (parsed.subject, parsed.sender_name) == ("价格欺诈", "钱七")
    assert parsed.body == "超市 价签与结账价格不一致\n\n第二段"


def test_attachment_names_in_gbk_decode_rfc2231_and_encoded_words():
    boundary = "b0"
    gbk_name = urllib.parse.quote("现场照片.pdf".encode("gbk"))
    parts = [
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n见附件\r\n",
        f"--{boundary}\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment; filename*=gb2312''{gbk_name}\r\n\r\n"
        f"{base64.b64encode(PDF).decode()}\r\n",
        f"--{boundary}\r\nContent-Type: application/pdf; "
        f'name="{encoded_word("发票.pdf", "gbk", "GB2312")}"\r\n'
        "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment\r\n\r\n"
        f"{base64.b64encode(PDF).decode()}\r\n",
        f"--{boundary}--\r\n",
    ]
    raw, _ = raw_mail(
        [
            ("From", "<a@example.cn>"),
            ("Subject", "附件"),
            ("Content-Type", f'multipart/mixed; boundary="{boundary}"'),
        ],
        "".join(parts).encode(),
    )
    parsed = read_mail(raw)
    assert parsed.body == "见附件"
    assert [(f.name, f.data) for f in parsed.files] == [("现场照片.pdf", PDF), ("发票.pdf", PDF)]
