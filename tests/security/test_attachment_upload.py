"""Issue 16, defect 8: every door checks who may attach, and what a file really is.

The API's upload skipped the role check of the web form, and uploads were checked by their
name only: HTML or SVG bytes named ``.jpg`` were stored and handed out as images.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from hotline.core.errors import Forbidden, InvalidInput
from hotline.org.models import Membership
from hotline.tickets.models import Attachment
from hotline.workflow.attachments import attachment_add
from tests.factories import register
from tests.portal.conftest import submit

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32
AMR = b"#!AMR\n" + b"\x00" * 32
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64
MP3_FRAME = b"\xff\xfa\x90\x00" + b"\x00" * 64  # no ID3 tag, MPEG-1 layer III with CRC
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def _zip_of_html() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", HTML)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


# --- the role check, at every door -------------------------------------------------------


def test_the_api_refuses_an_upload_from_someone_without_a_role_on_the_ticket(users, api):
    ticket = register(users["agent"])
    Membership.objects.filter(user=users["agent"]).delete()  # left the centre; still the registrar
    agent = type(users["agent"]).objects.get(pk=users["agent"].pk)

    response = api(agent).post(
        f"/api/v1/tickets/{ticket.number}/attachments/", {"file": upload("发票.pdf", PDF)}, format="multipart"
    )

    # without a role the ticket is out of scope altogether: the same answer as a missing one
    # (the service's own role check, for doors that resolve tickets otherwise, is tested below)
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "ticket_not_found"
    assert not Attachment.objects.filter(ticket=ticket).exists()
    assert not ticket.events.filter(action="attach").exists()


def test_the_service_itself_refuses_someone_without_a_role(users):
    ticket = register(users["agent"])
    with pytest.raises(Forbidden) as refused:
        attachment_add(ticket=ticket, upload=upload("a.pdf", PDF), actor=users["handler"])
    assert refused.value.code == "attachment_forbidden"
    assert not Attachment.objects.filter(ticket=ticket).exists()


# --- the content check ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.jpg", HTML),
        ("photo.jpeg", SVG),
        ("photo.png", SVG),
        ("scan.pdf", HTML),
        ("letter.doc", HTML),
        ("sheet.xlsx", _zip_of_html()),
        ("sheet.xls", PNG),
        ("voice.mp3", HTML),
        ("video.mp4", JPEG),
        ("note.txt", HTML),
        ("note.txt", b"  <svg onload=alert(1)>"),
        ("note.txt", "说明\n<script>alert(1)</script>".encode()),
        ("note.txt", b"\x00\x01\x02binary\xff\xfe\x00"),
        ("note.txt", PNG),
    ],
)
def test_content_that_is_not_what_its_name_says_is_refused(users, name, data):
    ticket = register(users["agent"])

    with pytest.raises(InvalidInput) as refused:
        attachment_add(ticket=ticket, upload=upload(name, data), actor=users["agent"])

    assert refused.value.code == "attachment_content_mismatch"
    assert not Attachment.objects.filter(ticket=ticket).exists()
    assert not ticket.events.filter(action="attach").exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.jpg", JPEG),
        ("photo.png", PNG),
        ("scan.pdf", PDF),
        ("letter.doc", OLE2),
        ("letter.docx", _docx()),
        ("sheet.xlsx", _xlsx()),
        ("sheet.xls", OLE2),
        ("voice.mp3", MP3),
        ("voice.mp3", MP3_FRAME),
        ("voice.wav", WAV),
        ("voice.amr", AMR),
        ("video.mp4", MP4),
        ("note.txt", "过期两天,要求退款。\r\n金额<100元".encode()),
        ("note.txt", "过期两天,要求退款。".encode("gb18030")),
        ("note.txt", "\ufeff过期两天".encode()),
        ("note.txt", "过期两天".encode("utf-16")),
    ],
)
def test_content_of_the_right_type_is_kept(users, name, data):
    ticket = register(users["agent"])

    attachment = attachment_add(ticket=ticket, upload=upload(name, data), actor=users["agent"])

    assert attachment.file.read() == data  # stored whole, from its first byte
    assert ticket.events.filter(action="attach").count() == 1


def test_the_api_answers_a_disguised_file_with_a_problem(users, api):
    ticket = register(users["agent"])
    response = api(users["agent"]).post(
        f"/api/v1/tickets/{ticket.number}/attachments/",
        {"file": upload("photo.jpg", HTML)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "attachment_content_mismatch"
    assert not Attachment.objects.filter(ticket=ticket).exists()


def test_the_web_form_refuses_a_disguised_file_in_chinese(users):
    ticket = register(users["agent"])
    client = Client()
    client.force_login(users["agent"])
    response = client.post(f"/tickets/{ticket.number}/attachments/", {"file": upload("photo.png", SVG)})
    assert response.status_code == 400
    assert "附件内容与文件类型" in response.content.decode()
    assert not Attachment.objects.filter(ticket=ticket).exists()


def test_the_public_form_refuses_a_disguised_file(org):
    response = submit(Client(), attachments=[upload("收据.jpg", HTML)])
    assert response.status_code == 200
    assert "附件内容与文件类型" in response.content.decode()
    assert not Attachment.objects.exists()
