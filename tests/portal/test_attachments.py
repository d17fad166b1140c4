"""Attachments on the public form: several files, type and size checked, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.portal import forms as portal_forms
from hotline.tickets.models import Attachment, Ticket
from tests.portal.conftest import submit, submitted_receipt

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_several_files_are_attached(org, client, media):
    files = [SimpleUploadedFile("收据.png", PNG), SimpleUploadedFile("说明.txt", "过期两天".encode())]
    number, _ = submitted_receipt(client, attachments=files)

    names = set(Ticket.objects.get(number=number).attachments.values_list("name", flat=True))
    assert names == {"收据.png", "说明.txt"}
    assert len(stored_files(media)) == 2


def test_a_file_of_a_refused_type_stores_nothing(org, client, media):
    files = [SimpleUploadedFile("收据.png", PNG), SimpleUploadedFile("run.exe", b"MZ" * 10)]
    response = submit(client, attachments=files)

    assert response.status_code == 200
    assert "附件类型不支持" in response.content.decode()
    assert (Ticket.objects.count(), Attachment.objects.count()) == (0, 0)
    assert stored_files(media) == []  # the PNG saved before the refusal is removed too


def test_a_file_over_the_size_limit_is_refused(org, client, settings):
    settings.HOTLINE_ATTACHMENT_MAX_BYTES = 1024 * 1024
    response = submit(client, attachments=[SimpleUploadedFile("大图.png", PNG + b"\x00" * 1024 * 1024)])

    assert "单个附件不能超过 1 MB" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_an_empty_file_is_refused(org, client):
    response = submit(client, attachments=[SimpleUploadedFile("空.txt", b"")])
    assert response.status_code == 200 and Ticket.objects.count() == 0


def test_the_total_size_is_capped(org, client, monkeypatch):
    monkeypatch.setattr(portal_forms, "MAX_TOTAL_BYTES", 1024 * 1024)
    half = PNG + b"\x00" * (600 * 1024)
    response = submit(
        client, attachments=[SimpleUploadedFile("a.png", half), SimpleUploadedFile("b.png", half)]
    )
    assert "附件总大小不能超过 1 MB" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_the_number_of_files_is_capped(org, client):
    files = [SimpleUploadedFile(f"{i}.txt", b"x") for i in range(portal_forms.MAX_FILES + 1)]
    response = submit(client, attachments=files)
    assert f"最多上传 {portal_forms.MAX_FILES} 个附件" in response.content.decode()
    assert Ticket.objects.count() == 0
