"""The payload of each kind of history event: what it records beside the comment.

Payloads are stored as JSON (``TicketEvent.payload``) and read back by the timeline, the
portal's steps, the sweep and (next) reports. Each kind's keys are declared here, once;
``record_event`` refuses a key its kind does not declare, so a payload cannot drift from
what its readers expect. Every key is optional (an event records what applied).
"""

from __future__ import annotations

from typing import Any, Final, TypedDict

from hotline.workflow.kinds import EventKind


class Register(TypedDict, total=False):
    channel: str
    policy: str
    received_at: str  # ISO time
    source: str  # the door's id of the matter (idempotent registration)


class Transition(TypedDict, total=False):
    lapsed_extensions: int  # pending extension requests that lapsed when the stage was left


class Reject(Transition, total=False):
    reason: str  # a code of the pack's reject_reasons
    reason_label: str


class Instruct(Transition, total=False):
    instruction: str


class Dispatch(Transition, total=False):
    unit: str
    unit_name: str
    round: int
    supervised: bool  # redispatch: whether the new round is supervised


class Return(Transition, total=False):
    from_unit: str


class Assign(Transition, total=False):
    handler: str  # user name


class Reply(Transition, total=False):
    result: str
    under_review: bool  # into a review stage: not yet the complainant's
    interim: bool  # 阶段性答复
    review_comment: str  # approve_reply: the head's comment


class SendBack(Transition, total=False):
    reason: str


class Extension(Transition, total=False):
    extension: int  # the ExtensionRequest
    amount: int
    unit: str
    old_due_at: str | None
    due_at: str | None
    old_final_due_at: str | None
    final_due_at: str | None


class Suspend(Transition, total=False):
    remaining: dict[str, list[Any]]  # clock → [amount, unit] left


class Resume(Transition, total=False):
    suspended_at: str | None
    due_at: str | None
    final_due_at: str | None


class ReturnVisit(Transition, total=False):
    satisfaction: str


class Supervise(Transition, total=False):
    supervised: bool


class Close(Transition, total=False):
    closing_code: str
    result: str


class Unmask(TypedDict, total=False):
    fields: list[str]
    via: str  # where the identity was shown (e.g. the admin)


class Attach(TypedDict, total=False):
    attachment: int
    name: str
    size: int


class Sweep(TypedDict, total=False):
    point: str
    point_at: str
    due_at: str
    roles: list[str]
    messages: int
    skipped: list[dict[str, str]]  # points reached at once and not sent on their own


class VisitAttempt(TypedDict, total=False):
    visit: int
    outcome: str
    attempts: int
    unreachable: bool
    close_at: str | None


class Recalculate(TypedDict, total=False):
    years: list[int] | None
    old_due_at: str | None
    due_at: str | None
    old_final_due_at: str | None
    final_due_at: str | None
    provisional: bool


class AnswerScript(TypedDict, total=False):
    script: int
    code: str
    title: str
    questions: dict[str, str]  # question key → the question as it was asked
    answers: dict[str, bool]  # question key → the caller's answer
    outcome: str  # close | dispatch
    label: str  # the judgement (判断定位) that matched
    unit: str  # the unit the script dispatches to
    unit_label: str  # its name when the script was walked
    promised: str  # the reply time promised to the caller, as said ("2个工作日")
    promised_amount: int  # the same as data, for a screen in another language
    promised_unit: str
    promised_at: str  # when that promise falls due


class CiteArticle(TypedDict, total=False):
    article: int
    title: str
    version: int


class KeypadSurvey(TypedDict, total=False):
    call: int  # the Call's pk
    call_id: str
    digit: int  # 1 非常满意, 2 满意, 3 一般, 4 不满意
    satisfaction: str  # tickets.models.Satisfaction


class Correspondence(TypedDict, total=False):
    direction: str  # in (to us) | out
    channel: str  # tickets.models.Channel: email, sms
    subject: str
    mail: int  # the mailin.InboundMail it came in as
    sms: int  # the smsin.InboundSms it came in as
    files: list[str]  # attachments kept on the ticket
    refused: list[str]  # attachments not kept, each "name: reason"


class LinkPayload(TypedDict, total=False):
    link: int  # the TicketLink
    kind: str  # tickets.models.LinkKind
    number: str  # the linked ticket's number
    similarity: float  # flag_repeat: the estimated Jaccard similarity of the words
    matched_by: list[str]  # flag_repeat: what the caller was known by (phone, email, id_number)


class BatchPayload(TypedDict, total=False):
    batch: int  # similar.Batch
    basis: str  # respondent | address | topic
    label: str  # the respondent, address or topic as shown
    parent: str  # the parent ticket's number (on a child)
    children: list[str]  # confirm_batch: the children's numbers
    remaining: dict[str, list[Any]]  # join_batch: clock → [amount, unit] left (as ``suspend``)
    result: str  # batch_reply / close_with_parent: the parent's answer
    closing_code: str  # close_with_parent


class MarkMajor(TypedDict, total=False):
    severity: str  # after: major (an urgent ticket stays urgent)
    from_severity: str
    reasons: list[dict[str, str]]  # policies.schema.MajorReason.as_payload(): rule, value, threshold, text
    upgraded_via: str  # 越级来源 set by this mark (tickets.models.UpgradedVia)
    at_registration: bool  # found by the pack's rules when the ticket was registered
    notify: list[str]  # the roles told at once (the pack's major.notify)
    old_due_at: str | None
    due_at: str | None
    old_final_due_at: str | None
    final_due_at: str | None


PAYLOADS: Final[dict[EventKind, type[Any]]] = {
    EventKind.REGISTER: Register,
    EventKind.ACCEPT: Transition,
    EventKind.REJECT: Reject,
    EventKind.INSTRUCT: Instruct,
    EventKind.DISPATCH: Dispatch,
    EventKind.SIGN: Transition,
    EventKind.RETURN: Return,
    EventKind.ASSIGN: Assign,
    EventKind.INTERIM_REPLY: Reply,
    EventKind.REPLY: Reply,
    EventKind.APPROVE_REPLY: Reply,
    EventKind.SEND_BACK: SendBack,
    EventKind.REQUEST_EXTENSION: Extension,
    EventKind.APPROVE_EXTENSION: Extension,
    EventKind.DENY_EXTENSION: Extension,
    EventKind.SUSPEND: Suspend,
    EventKind.RESUME: Resume,
    EventKind.RETURN_VISIT: ReturnVisit,
    EventKind.REDISPATCH: Dispatch,
    EventKind.SUPERVISE: Supervise,
    EventKind.CLOSE: Close,
    EventKind.REOPEN: Transition,
    EventKind.UNMASK: Unmask,
    EventKind.ATTACH: Attach,
    EventKind.REMIND: Sweep,
    EventKind.ESCALATE: Sweep,
    EventKind.RETURN_VISIT_ATTEMPT: VisitAttempt,
    EventKind.RECALCULATE_DEADLINE: Recalculate,
    EventKind.ANSWER_SCRIPT: AnswerScript,
    EventKind.CITE_ARTICLE: CiteArticle,
    EventKind.KEYPAD_SURVEY: KeypadSurvey,
    EventKind.CORRESPONDENCE: Correspondence,
    EventKind.FLAG_REPEAT: LinkPayload,
    EventKind.CONFIRM_LINK: LinkPayload,
    EventKind.DISMISS_LINK: LinkPayload,
    EventKind.CONFIRM_BATCH: BatchPayload,
    EventKind.JOIN_BATCH: BatchPayload,
    EventKind.BATCH_REPLY: BatchPayload,
    EventKind.CLOSE_WITH_PARENT: BatchPayload,
    EventKind.MARK_MAJOR: MarkMajor,
}
PAYLOAD_KEYS: Final[dict[EventKind, frozenset[str]]] = {
    kind: frozenset(shape.__annotations__)
    | frozenset().union(*(getattr(base, "__annotations__", {}).keys() for base in shape.__mro__))
    for kind, shape in PAYLOADS.items()
}


def check_payload(kind: EventKind, payload: dict[str, Any]) -> None:
    """Refuse a payload key that ``kind`` does not declare (``ValueError``)."""
    stray = set(payload) - PAYLOAD_KEYS[kind]
    if stray:
        raise ValueError(f"payload of {kind} has undeclared keys: {sorted(stray)}")
