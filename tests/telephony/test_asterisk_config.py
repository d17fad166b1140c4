"""``hotline telephony asterisk-config`` and the prompts uploaded in the admin."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from hotline.telephony.admin_routing import HotlineNumberForm, IvrOptionForm
from hotline.telephony.models import HotlineNumber, IvrMenu, IvrOption, IvrPrompt, SkillGroup

pytestmark = pytest.mark.django_db


def wav(rate: int = 8000, channels: int = 1, seconds: float = 0.5) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(channels)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"\x00\x01" * int(rate * seconds) * channels)
    return out.getvalue()


def upload(client: Any, name: str, data: bytes, filename: str = "prompt.wav") -> Any:
    return client.post(
        "/admin/telephony/ivrprompt/add/",
        {"name": name, "title": "欢迎语", "upload": SimpleUploadedFile(filename, data)},
    )


def test_an_uploaded_prompt_must_be_an_8khz_mono_wav(admin_client: Any) -> None:
    assert "8000 Hz" in upload(admin_client, "stereo", wav(rate=44100, channels=2)).content.decode()
    assert (
        "只接受 WAV" in upload(admin_client, "fake", b"ID3\x03\x00" + b"\x00" * 64, "x.wav").content.decode()
    )
    assert not IvrPrompt.objects.exists()

    assert upload(admin_client, "welcome", wav()).status_code == 302
    prompt = IvrPrompt.objects.get()
    assert bytes(prompt.audio) == wav() and prompt.uploaded_by is not None


def test_the_fragments_route_every_number_through_agi(tmp_path: Path, admin_client: Any) -> None:
    group = SkillGroup.objects.create(code="hotline", name="热线", queue="hotline")
    SkillGroup.objects.create(code="consult", name="咨询", queue="consult")
    SkillGroup.objects.create(code="old", name="停用", queue="old", active=False)
    HotlineNumber.objects.create(number="12345", name="市民热线", priority=7, group=group)
    HotlineNumber.objects.create(number="96315", name="消费者", working_menu=IvrMenu.objects.create(name="m"))
    HotlineNumber.objects.create(number="1,1,Hangup()", name="写坏的")  # not through the admin
    upload(admin_client, "welcome", wav())

    err = io.StringIO()
    call_command("telephony", "asterisk-config", "--agi-host", "10.0.0.5", "--out", str(tmp_path), stderr=err)

    extensions = (tmp_path / "extensions_hotline.conf").read_text()
    agi = "agi://10.0.0.5:4573"
    assert "exten => 12345,1,NoOp(Hotline 12345)" in extensions
    number = extensions.split("exten => 12345,1", 1)[1].split("exten => 96315", 1)[0]
    assert " same => n,Set(HOTLINE_QUEUE=hotline)" in number and "Set(HOTLINE_PRIORITY=7)" in number
    assert f"AGI({agi}/route,${{HOTLINE_CALL}})" in number
    assert "exten => 96315,1" in extensions  # no group: the first active one's queue
    assert "Hangup()\n" not in extensions.split("[hotline-flow]")[0]  # the bad number is left out
    assert "Set(QUEUE_PRIO=${HOTLINE_PRIORITY})" in extensions
    assert "Queue(${HOTLINE_QUEUE},t,,,300)" in extensions
    assert "Dial(${HOTLINE_AGENT},20,U(hotline-answered))" in extensions
    survey = extensions.split("[hotline-survey]\n", 1)[1]
    assert survey.startswith(f"exten => s,1,Answer()\n same => n,AGI({agi}/survey,${{CHANNEL(linkedid)}})")
    for script in ("menu", "message", "progress", "answered"):
        assert f"AGI({agi}/{script}," in extensions

    # the agent's call control: transfer to a queue, auto-dial, three-way rooms
    control = extensions.split("[hotline-queue]\n", 1)[1]
    assert control.startswith("exten => consult,1,Set(HOTLINE_QUEUE=consult)")
    assert "exten => old," not in control
    autodial = extensions.split("[hotline-autodial]\n", 1)[1]
    assert "exten => hotline,1,Set(HOTLINE_CALL=${CHANNEL(linkedid)})" in autodial
    assert "[hotline-conference]\nexten => _call.,1,Answer()\n same => n,ConfBridge(${EXTEN})" in extensions

    queues = (tmp_path / "queues_hotline.conf").read_text()
    assert "[hotline]" in queues and "[consult]" in queues and "[old]" not in queues
    assert (tmp_path / "sounds/hotline/welcome.wav").read_bytes() == wav()
    assert "progress-number" in err.getvalue() and "welcome" not in err.getvalue()


def test_the_config_needs_an_address_asterisk_can_reach(settings: Any) -> None:
    settings.HOTLINE_AGI_HOST = "0.0.0.0"
    with pytest.raises(CommandError, match="--agi-host"):
        call_command("telephony", "asterisk-config")
    out = io.StringIO()
    call_command(
        "telephony", "asterisk-config", "--agi-host", "hotline.lan", "--agi-port", "4600", stdout=out
    )
    assert "AGI(agi://hotline.lan:4600/survey," in out.getvalue()  # no number yet: the flows only


def test_the_admin_takes_only_values_safe_in_a_dialplan() -> None:
    option = IvrOption(menu=IvrMenu.objects.create(name="m"))
    transfer = {"digit": "5", "label": "值班室", "action": "transfer", "target": "6001&PJSIP/9999"}
    assert "target" in IvrOptionForm(data=transfer, instance=option).errors
    assert (
        "group"
        in IvrOptionForm(data={"digit": "1", "label": "排队", "action": "queue"}, instance=option).errors
    )
    assert IvrOptionForm(data={**transfer, "target": "6001"}, instance=option).is_valid()
    number = {"number": "12345;1", "name": "热线", "priority": 0, "opens": "17:30", "closes": "08:30"}
    errors = HotlineNumberForm(data=number).errors
    assert "number" in errors and "closes" in errors
