"""The records halfway keeps, one type per kind: what each field holds.

Every record is a JSON object in the data file (TinyDB), so each kind is a TypedDict:
the type describes the stored shape without changing it. A field marked NotRequired
is written only by some paths or only by newer versions; readers take a record
without it as it is. Every instant is ISO text in UTC (`deliveries.iso`); older files
may carry local offsets, and every reader parses them with `deliveries.at`.

The store hands out raw JSON (`rawjson.Record`); the code that knows which table it
read names the kind with these types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired, TypedDict

# deliveries --------------------------------------------------------------------------


class Owner(TypedDict):
    """The process that claimed a send."""

    pid: int
    boot: str  # the boot it runs in (/proc/sys/kernel/random/boot_id)
    nonce: str  # this process's own random id: tells apart two processes with one pid
    started: NotRequired[int]  # the process's start time (clock ticks since boot)


class ChannelSend(TypedDict):
    """One channel's send of a delivery (`Delivery.channels[name]`)."""

    state: str  # pending, sending, failed, sent, gave_up, cancelled; missed or skipped
    attempts: int  # tries begun so far
    sent_at: str | None  # when it was sent
    error: str | None  # the last failure, in words
    next_attempt: NotRequired[str | None]  # a failed send is tried again then
    started_at: NotRequired[str]  # the last try began
    finished_at: NotRequired[str]  # the last try ended
    first_failed_at: NotRequired[str | None]  # the first failure of this send
    owner: NotRequired[Owner | None]  # the process sending it now
    lease_until: NotRequired[str | None]  # the claim holds until then (see deliveries)
    resent_after_crash: NotRequired[bool]  # a send cut off by a crash, put back in line


class ReplyShape(TypedDict):
    """What reply a delivery takes (`kinds.Shape`, as stored by `dataclasses.asdict`)."""

    choices: Sequence[Sequence[str]]  # (value, label) pairs
    free_text: bool
    scale: str | None
    note: bool
    text_label: str
    takes_reply: bool
    note_label: str


class NamedBoundary(TypedDict, total=False):
    boundary_id: str  # a boundary nudge's: the boundary its words name


class DeliveryExtras(NamedBoundary, total=False):
    """The fields of a delivery that only some paths write (see `deliveries.new_delivery`)."""

    words_title: str  # the nudge's words, as history shows them
    words: str
    title: str  # the message that leaves: the words, the link, the reminder line
    body: str
    html: str | None  # a digest's mail, as HTML and plain text
    text: str | None
    care: list[str]  # a digest's: the care notes it says
    link: str  # the reply page's address
    reply: ReplyShape
    offer_pause: bool  # its message offers a week's pause (after unanswered sends)
    discreet: bool  # made discreet: its push offers only open and later
    reminder_of: str  # a reminder's or re-ask's: the delivery it asks about again
    asks_again: str  # a re-ask a pause dropped (see reminding): its "remind" or "snooze"
    # Why it was sent again, or not sent: a code of `reasons` (a reminder's "remind" or
    # "snooze"; a gap's "down", "paused", "backoff", …); absent in records made before 0.2.
    reason: str
    why: str  # a gap record's reason in words, as history and status show it
    unanswered: int  # with "backoff": the unanswered sends in a row before it
    # A gap of several fires decided at once (downtime, a pause) is one record:
    count: int  # how many fires it stands for
    last_scheduled: str  # the last of them (the first is scheduled_for)
    after: str  # a gap counted from a cursor's `since` (see clockjump)
    talk_id: str  # a talk step's: its talk
    entries_logged: int  # entries its reply page's form has written (see ledger.book)


class DeliveryFields(DeliveryExtras, total=False):
    week: str  # a digest's: the ISO week it tells of ("2026-W48")
    expires_at: str  # its reply link closes then (a gap record has none)
    late: bool  # sent after its catch-up time (see schedule); written by every path
    manual: bool  # `halfway send`: outside the schedule; written by every path


class Delivery(DeliveryFields):
    """One fire, reminder, manual send, digest or care note; or a gap record standing for
    fires decided without sending (state missed or skipped, no words)."""

    id: str
    nudge_id: str  # a config nudge's id, or halfway's own ('talk:…', 'digest:…', 'care:…')
    kind: str  # the practice
    scheduled_for: str  # when the schedule had it
    due_at: str  # when it is to go out (later than scheduled_for out of quiet hours)
    created_at: str
    state: str  # derived from its channels' (deliveries.state_of), or missed/skipped
    channels: dict[str, ChannelSend]


# replies -------------------------------------------------------------------------------


class ReplyVersion(TypedDict):
    """One answer to a delivery, as given (a reply's fields, and its earlier answers)."""

    value: str | None
    note: str | None
    scale: NotRequired[int | None]  # a 1–5 answer beside the value, if the kind asks one
    via: str | None  # web, push, mail or cli
    received_at: str | None
    message_id: NotRequired[str | None]  # the mail it came in (a mail seen twice is one reply)


class Reply(ReplyVersion):
    """The answer to one delivery; a later answer replaces it, the earlier kept in history."""

    id: str
    delivery_id: str
    history: list[ReplyVersion]  # the earlier answers, oldest first (limits.REPLY_VERSIONS)


# the user's own log, talks, asks, boundaries ------------------------------------------


class Entry(TypedDict):
    """A log entry the user wrote (`halfway log`, or the reply page's form)."""

    id: str
    kind: str  # ledger.book.ENTRY_KINDS
    text: str
    at: str
    by: NotRequired[str]  # an initiation's: "me" or "partner"


HistoryEntry = TypedDict(
    "HistoryEntry",
    {
        "state": str,
        "at": str,  # the moment it happened
        "from": NotRequired[str],  # a move's: the time before
        "to": NotRequired[str],  # and after
    },
)


class ChainEntry(TypedDict):
    """One step of a talk's chain (talks.planning)."""

    kind: str  # the step's practice
    due_at: str
    state: str  # planned, sent, left_out, cancelled
    deferred: NotRequired[bool]  # moved out of quiet hours
    reason: NotRequired[str]  # why it was left out, in words
    delivery_id: NotRequired[str]  # the delivery recorded for it


class Talk(TypedDict):
    """A planned talk."""

    id: str
    at: str  # when the talk is (UTC)
    topic: str | None
    state: str  # PLANNED, DONE or CANCELLED
    history: list[HistoryEntry]  # what happened to it, and when (`at`: the moment it happened)
    created_at: str
    by: NotRequired[str]  # "partner" when the partner began it (movement); else left out
    chain: NotRequired[list[ChainEntry]]  # the nudges it plans
    intent: NotRequired[str]  # the sentence of intent, written on its card (talks.card)
    helped: NotRequired[str]  # what helped, or what to try next time: its reflection's note


class AskStep(TypedDict):
    """One change of an ask's state."""

    state: str
    at: str
    delivery_id: NotRequired[str]  # the reply that moved it
    rested_after: NotRequired[str]  # a rest's: how long it waited ("21 days")


class Ask(TypedDict):
    """One clear ask and what came of it (ledger.asks)."""

    id: str
    text: str
    state: str  # draft, asked, agreed, declined, no_answer, resting, followed_up
    at: str  # when it was written
    history: list[AskStep]
    delivery_id: NotRequired[str]  # the clarity ask it was written from
    talk_id: NotRequired[str]  # the talk it belongs to


class BoundaryAnswer(TypedDict):
    delivery_id: str
    value: str  # held, strained, crossed
    note: str | None
    at: str


class Boundary(TypedDict):
    """A boundary the user keeps, and how it held (ledger.boundaries)."""

    id: str
    text: str
    active: bool
    source: str  # "config" ([[boundaries]]) or "cli"
    created_at: str
    answers: list[BoundaryAnswer]
    retired_at: NotRequired[str]
    last_asked: NotRequired[str]  # the last nudge that named it was scheduled for then


# cursors and meta -------------------------------------------------------------------------

Pause = TypedDict(
    "Pause",
    {
        "from": str,  # the pause begins
        "until": str | None,  # and ends (None: until resumed)
    },
)


class Cursor(TypedDict):
    """Where one nudge's schedule stands, and its pauses (see cursors); table `nudges`."""

    id: str  # the nudge's id, or "*" (everything)
    since: str  # fires after this instant are owed
    pauses: list[Pause]
    last: NotRequired[str | None]  # the last fire recorded
    fingerprint: NotRequired[str | None]  # the schedule it was counted for


class Check(TypedDict, total=False):
    """A check halfway keeps for itself (`meta["digest"]`, `meta["care"]`)."""

    checked: str  # the last check
    week: str  # the digest's: the week it was for
    fired: dict[str, dict[str, str]]  # care's: per trigger, the occurrence it fired for


class ImapMark(TypedDict, total=False):
    """Where the mail polls have got to (`meta["imap"]`, replies.imap.Cursor)."""

    account: str
    uidvalidity: int | None
    last_uid: int


class Meta(TypedDict, total=False):
    """The data file's own record (table `meta`): what halfway keeps for itself."""

    schema_version: int
    file_id: str  # this data file's own id
    created_at: str  # the data file was begun
    writes: int  # writes so far
    key_id: str  # the fingerprint of the key its tokens are signed with
    links: str  # "own": the folder keeps its own link tokens
    imap: ImapMark
    alerted: dict[str, str]  # channels alerted as failing, and when
    digest: Check
    care: Check
    archives: dict[str, int]  # records per archive month ({"2026-11": 123})
    sample_data: str  # what made the folder ("demo-data")
