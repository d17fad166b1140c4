"""The phone (电话): calls, their raw events, agents and their states, callback tasks.

Hotline never switches a call: the PBX does (Asterisk, FreeSWITCH, a cloud PBX). What it
keeps is what a hotline centre asks of its call records (000 L46–58, L106–110):

- ``CallEvent``: every event received, as received (generic HTTP events, AMI events), one
  row each under a unique ``dedupe`` key, so a replay after a reconnect or a retried POST
  is recorded once. Never updated or deleted.
- ``Call``: one row per call (the PBX's ``callId`` / Asterisk ``Linkedid``), folded from
  its events by ``hotline.telephony.services.apply_event``: who called whom, queue, agent,
  ring / answer / end times, wait and talk, hang-up cause, outcome, recording.
- ``CallTicket``: the tickets registered or touched during a call.
- ``Agent`` (座席): a user who takes calls, with the staff number (工号) they sign in
  with, the extension (分机号) of the seat, the skill groups (技能组) joined, the state;
  ``AgentStateLog`` keeps every state with its duration.
- ``CallbackTask`` (回呼/外呼任务): a missed or abandoned call to return, an outbound call
  an agent plans, a web/fax/email message to answer by phone; ``CallbackAttempt`` rows.
- ``Push``: what the server pushes to one user's browser (the screen pop), read by the
  event stream in id order; the browser's ``Last-Event-ID`` resumes where it stopped.
- ``RecordingPlay``: every play of a recording (a recording is identity).
- ``CallRing``: the agents a call rang at (an agent's own missed calls).

``routing`` (issue 13, ADR 0022): ``SupervisorAction`` (a team leader's action and the AMI
fields sent), ``IvrPrompt``, ``IvrMenu``/``IvrOption``, ``HotlineNumber`` and
``RoutingRule`` — the data routing and the voice menu are answered from over FastAGI.
"""

from hotline.telephony.models.calls import (
    SURVEY_LEVELS,
    Agent,
    AgentState,
    AgentStateLog,
    Call,
    CallbackAttempt,
    CallbackTask,
    CallEvent,
    CallOutcome,
    CallRing,
    CallStatus,
    CallTicket,
    Direction,
    Push,
    Questionnaire,
    RecordingPlay,
    SkillGroup,
    TaskKind,
    TaskStatus,
)
from hotline.telephony.models.routing import (
    HotlineNumber,
    IvrAction,
    IvrMenu,
    IvrOption,
    IvrPrompt,
    RoutingRule,
    SupervisorAction,
    SupervisorKind,
)

__all__ = [
    "SURVEY_LEVELS",
    "Agent",
    "AgentState",
    "AgentStateLog",
    "Call",
    "CallEvent",
    "CallOutcome",
    "CallRing",
    "CallStatus",
    "CallTicket",
    "CallbackAttempt",
    "CallbackTask",
    "Direction",
    "HotlineNumber",
    "IvrAction",
    "IvrMenu",
    "IvrOption",
    "IvrPrompt",
    "Push",
    "Questionnaire",
    "RecordingPlay",
    "RoutingRule",
    "SkillGroup",
    "SupervisorAction",
    "SupervisorKind",
    "TaskKind",
    "TaskStatus",
]
