"""Calls and agents for the call-control tests (``tests/telephony/test_control.py``,
``tests/api/test_call_control_api.py``, ``tests/web/test_call_control_pages.py``).

A live call is what the fold makes of the PBX's events (generic events through
``apply_event``), with the caller's and the agent's channels set on the call directly, as the
AMI mapping fills them; the same call is played to the AMI test server, so the channels the
actions name exist there and it answers as Asterisk would (``Redirect successful``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hotline.jobs.queue import huey
from hotline.telephony import services
from hotline.telephony.models import Agent, Call, SkillGroup
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.servers.ami import AmiServer
from tests.servers.ami_calls import QueueCall
from tests.telephony.conftest import AMI_SECRET, AMI_USER

CALLER = "13800138000"


@contextmanager
def running_pbx(settings: Any) -> Iterator[AmiServer]:
    """The AMI test server with HOTLINE_AMI_* pointing at it and Huey tasks run at once (for
    the API and web tests; the telephony tests have the same as fixtures)."""
    server = AmiServer(AMI_USER, AMI_SECRET, queues=("hotline", "consult")).start()
    settings.HOTLINE_AMI_HOST, settings.HOTLINE_AMI_PORT = server.host, server.port
    settings.HOTLINE_AMI_USER, settings.HOTLINE_AMI_SECRET = AMI_USER, AMI_SECRET
    huey.immediate = True
    try:
        yield server
    finally:
        huey.immediate = False
        server.stop()


def groups() -> dict[str, SkillGroup]:
    return {
        "hotline": SkillGroup.objects.get_or_create(
            code="hotline", defaults={"name": "综合", "queue": "hotline"}
        )[0],
        "consult": SkillGroup.objects.get_or_create(
            code="consult", defaults={"name": "咨询", "queue": "consult"}
        )[0],
    }


def signed_in(user: Any, staff_no: str, extension: str, *queues: str, external: bool = False) -> Agent:
    """An agent row for ``user`` in the skill groups of ``queues``, signed in at ``extension``
    (the queue commands are not sent: no on-commit callbacks run here)."""
    agent = Agent.objects.create(user=user, staff_no=staff_no, external_calls=external)
    found = groups()
    for queue in queues:
        agent.groups.add(found[queue])
    return services.agent_sign_in(user=user, staff_no=staff_no, extension=extension, password=PASSWORD)


def another_user(username: str = "agent2") -> Any:
    return UserFactory(username=username, first_name="李小燕")


def _channel_of(server: AmiServer | None, prefix: str) -> str:
    if server is None:
        return f"{prefix}-00000001"
    return next(
        c.fields["Channel"] for c in server.channels.values() if c.fields["Channel"].startswith(prefix)
    )


def live_call(
    server: AmiServer | None,
    *,
    linkedid: str = "1714546800.101",
    extension: str = "8001",
    member: str = "1001",
    queue: str = "hotline",
) -> Call:
    """A queue call answered at ``extension``: the agent there is busy on it."""
    played = QueueCall(linkedid=linkedid, caller=CALLER, queue=queue)
    if server is not None:
        server.play(played.arrive(0) + played.ring(extension, member, 2) + played.connect(5))
    services.apply_event(
        services.Incoming(source="http", kind="newCall", call_id=linkedid, from_number=CALLER, queue=queue)
    )
    applied = services.apply_event(
        services.Incoming(source="http", kind="answer", call_id=linkedid, extension=extension)
    )
    assert applied.call is not None
    Call.objects.filter(pk=applied.call.pk).update(
        caller_channel=played.channel, agent_channel=_channel_of(server, f"PJSIP/{extension}")
    )
    return Call.objects.get(pk=applied.call.pk)


def ringing_call(
    server: AmiServer | None,
    *,
    linkedid: str = "1714546900.201",
    extension: str = "8001",
    member: str = "1001",
    queue: str = "hotline",
) -> Call:
    """A queue call ringing (unanswered) at ``extension``: the agent there has its pop."""
    played = QueueCall(linkedid=linkedid, caller=CALLER, queue=queue)
    if server is not None:
        server.play(played.arrive(0) + played.ring(extension, member, 2))
    services.apply_event(
        services.Incoming(source="http", kind="newCall", call_id=linkedid, from_number=CALLER, queue=queue)
    )
    applied = services.apply_event(
        services.Incoming(source="http", kind="ringing", call_id=linkedid, extension=extension)
    )
    assert applied.call is not None
    Call.objects.filter(pk=applied.call.pk).update(caller_channel=played.channel)
    return Call.objects.get(pk=applied.call.pk)


def sent(server: AmiServer, name: str) -> list[dict[str, Any]]:
    """The ``name`` actions the server received, without their ActionID."""
    return [{k: v for k, v in a.items() if k != "ActionID"} for a in server.actions_named(name)]


def commands(server: AmiServer) -> list[str]:
    """The actions received, but the connection's own Login and Logoff."""
    return [a["Action"] for a in server.actions if a["Action"] not in ("Login", "Logoff")]
