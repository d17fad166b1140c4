"""通话记录 (issue 12): the call log (mine / the centre's), filters, export, one call with its
events and tickets, the recording played only by those who may (every play logged)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from hotline.telephony import services
from hotline.telephony.models import Agent, Call, CallTicket, RecordingPlay
from tests.factories import register
from tests.web.test_phone_pages import logged_in

WAV = b"RIFF" + (36).to_bytes(4, "little") + b"WAVEfmt " + bytes(24) + b"data" + bytes(4) + bytes(range(200))


def event(call_id: str, kind: str, **fields: Any) -> Call:
    applied = services.apply_event(services.Incoming(source="http", kind=kind, call_id=call_id, **fields))
    assert applied.call is not None
    return applied.call


def answered_call(call_id: str, agent: Agent, caller: str, *, recording: str = "") -> Call:
    event(call_id, "newCall", from_number=caller)
    event(call_id, "answer", extension=agent.extension)
    call = event(call_id, "hangup", cause="normalClearing")
    if recording:
        call = event(call_id, "recording", recording=recording)
    return call


@pytest.fixture
def agents(users: dict[str, Any]) -> dict[str, Agent]:
    now = timezone.now()
    one = Agent.objects.create(
        user=users["agent"], staff_no="1001", extension="8001", state="ready", last_seen=now
    )
    two = Agent.objects.create(
        user=users["handler"], staff_no="1002", extension="8002", state="ready", last_seen=now
    )
    return {"one": one, "two": two}


@pytest.fixture
def recordings(settings: Any, tmp_path: Path) -> Path:
    settings.HOTLINE_RECORDINGS_DIR = str(tmp_path / "rec")
    (tmp_path / "rec" / "2026").mkdir(parents=True)
    (tmp_path / "rec" / "2026" / "a.wav").write_bytes(WAV)
    (tmp_path / "secret.wav").write_bytes(WAV)  # outside the folder
    return tmp_path / "rec"


def test_an_agent_sees_their_own_calls_a_team_leader_the_centre(
    agents: dict[str, Agent], users: dict[str, Any]
) -> None:
    mine = answered_call("c-1", agents["one"], "13911110001")
    theirs = answered_call("c-2", agents["two"], "13911110002")
    page = logged_in(users["agent"]).get("/calls/").content.decode()
    assert f'id="call-{mine.pk}"' in page and f'id="call-{theirs.pk}"' not in page
    assert "139 1111 0001" in page and "已接听" in page
    lead = logged_in(users["teamlead"]).get("/calls/").content.decode()
    assert f'id="call-{mine.pk}"' in lead and f'id="call-{theirs.pk}"' in lead and 'id="id_agent"' in lead
    assert logged_in(users["coordinator"]).get("/calls/").status_code == 403
    assert logged_in(users["agent"]).get(f"/calls/{theirs.pk}/").status_code == 404
    assert logged_in(users["agent"]).get("/calls/999999/").status_code == 404


def test_the_log_filters_by_direction_outcome_number_agent_and_date(
    agents: dict[str, Agent], users: dict[str, Any]
) -> None:
    answered = answered_call("c-1", agents["one"], "13911110001")
    event("c-2", "newCall", from_number="01062345678")
    missed = event("c-2", "hangup", cause="noAnswer")
    Call.objects.filter(pk=missed.pk).update(started_at=timezone.now() - timedelta(days=3))
    lead = logged_in(users["teamlead"])

    def shown(query: str) -> set[int]:
        html = lead.get(f"/calls/?{query}").content.decode()
        return {pk for pk in (answered.pk, missed.pk) if f'id="call-{pk}"' in html}

    assert shown("") == {answered.pk, missed.pk}
    assert shown("outcome=missed") == {missed.pk}
    assert shown("direction=out") == set()
    assert shown("number=1111") == {answered.pk}
    assert shown("number=010-6234 5678") == {missed.pk}  # a whole number as people write it
    assert shown("agent=agent") == {answered.pk}
    today = timezone.localdate().isoformat()
    assert shown(f"date_from={today}") == {answered.pk}
    assert shown(f"date_to={(timezone.localdate() - timedelta(days=1)).isoformat()}") == {missed.pk}
    assert lead.get("/calls/?date_from=nonsense&outcome=<b>&page=-4").status_code == 200  # dropped, not a 500


def test_the_call_log_exports_the_filtered_rows_to_excel(
    agents: dict[str, Agent], users: dict[str, Any]
) -> None:
    answered_call("c-1", agents["one"], "13911110001")
    event("c-2", "newCall", from_number="13911110002")
    event("c-2", "hangup", cause="noAnswer")
    lead = logged_in(users["teamlead"])
    response = lead.post("/exports/new/calls/", {"format": "xlsx", "outcome": "answered"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0] if h is not None]
    assert header[:3] == ["开始时间", "方向", "来电号码"]
    data = [r for r in rows[1:] if any(r)]
    assert len(data) == 1 and data[0][2] == "139 1111 0001" and data[0][9] == "已接听"
    refused = logged_in(users["coordinator"]).post("/exports/new/calls/", {"format": "xlsx"})
    assert refused.status_code == 403


def test_the_detail_shows_events_linked_tickets_and_the_player(
    agents: dict[str, Agent], users: dict[str, Any], recordings: Path
) -> None:
    call = answered_call("c-1", agents["one"], "13911110001", recording="2026/a.wav")
    ticket = register(users["agent"])
    services.link_ticket(call=call, ticket=ticket, relation="registered", by=users["agent"])
    html = logged_in(users["agent"]).get(f"/calls/{call.pk}/").content.decode()
    assert ticket.number in html and "本次来电登记" in html
    assert f'src="/calls/{call.pk}/recording/"' in html
    for kind in ("newCall", "answer", "hangup", "recording"):
        assert f"<td>{kind}</td>" in html


def test_the_recording_streams_to_those_who_may_play_and_every_play_is_logged(
    agents: dict[str, Agent], users: dict[str, Any], recordings: Path
) -> None:
    call = answered_call("c-1", agents["one"], "13911110001", recording="2026/a.wav")
    agent = logged_in(users["agent"])
    response = agent.get(f"/calls/{call.pk}/recording/")
    assert response.status_code == 200 and response["Content-Type"] in ("audio/x-wav", "audio/wav")
    assert b"".join(response.streaming_content) == WAV  # type: ignore[attr-defined]
    assert response["Accept-Ranges"] == "bytes"
    assert RecordingPlay.objects.filter(call=call, user=users["agent"]).count() == 1
    # seeking asks for a range: the bytes asked for, not logged again
    part = agent.get(f"/calls/{call.pk}/recording/", HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 10-19/{len(WAV)}"
    assert b"".join(part.streaming_content) == WAV[10:20]  # type: ignore[attr-defined]
    tail = agent.get(f"/calls/{call.pk}/recording/", HTTP_RANGE="bytes=-5")
    assert b"".join(tail.streaming_content) == WAV[-5:]  # type: ignore[attr-defined]
    assert RecordingPlay.objects.filter(call=call).count() == 1
    agent.get(f"/calls/{call.pk}/recording/", HTTP_RANGE="bytes=0-")
    assert RecordingPlay.objects.filter(call=call).count() == 2
    # another agent: the same 404 as for no recording
    other = logged_in(users["handler"]).get(f"/calls/{call.pk}/recording/")
    assert other.status_code == 404 and RecordingPlay.objects.filter(user=users["handler"]).count() == 0


def test_a_confidential_ticket_hides_the_recording_even_from_the_agent(
    agents: dict[str, Agent], users: dict[str, Any], recordings: Path
) -> None:
    call = answered_call("c-1", agents["one"], "13911110001", recording="2026/a.wav")
    ticket = register(users["agent"], confidential=True)
    services.link_ticket(call=call, ticket=ticket, relation="registered", by=users["agent"])
    client = logged_in(users["agent"])
    assert 'id="call-recording-hidden"' in client.get(f"/calls/{call.pk}/").content.decode()
    assert client.get(f"/calls/{call.pk}/recording/").status_code == 404
    assert not RecordingPlay.objects.exists()


def test_a_recording_outside_the_folder_or_missing_is_not_found(
    agents: dict[str, Agent], users: dict[str, Any], recordings: Path
) -> None:
    call = answered_call("c-1", agents["one"], "13911110001", recording="2026/a.wav")
    client = logged_in(users["agent"])
    for name in ("../secret.wav", str(recordings.parent / "secret.wav"), "2026/missing.wav", "2026"):
        Call.objects.filter(pk=call.pk).update(recording=name)
        assert client.get(f"/calls/{call.pk}/recording/").status_code == 404, name
    assert not RecordingPlay.objects.exists()
    assert not CallTicket.objects.exists()


def test_the_detail_and_the_ticket_show_the_keypad_survey(
    agents: dict[str, Agent], users: dict[str, Any]
) -> None:
    call = answered_call("c-s", agents["one"], "13911110001")
    ticket = register(users["agent"])
    services.link_ticket(call=call, ticket=ticket, relation="registered", by=users["agent"])
    client = logged_in(users["agent"])
    assert '<dd class="col-sm-4" id="call-survey">—</dd>' in client.get(f"/calls/{call.pk}/").content.decode()
    event("c-s", "survey", digits="4")
    html = client.get(f"/calls/{call.pk}/").content.decode()
    assert "不满意(按键 4)" in html
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "按键满意度" in page and "不满意" in page
