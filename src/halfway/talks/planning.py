"""Planned talks over the store: plan, move, cancel and finish a talk with its chain, and
record the chain's steps as deliveries when they come due.

A talk is a record in `talks` (see `rules.Talk`) with a `chain`: one entry per step,
{kind, due_at, state, reason?, delivery_id?}. A step is `planned` until its `due_at`
comes; then the planner records its delivery and marks it `sent`, in one write.
A step too late to help is `left_out` with its reason; a called-off talk's steps are
`cancelled`. Stored instants are UTC (`instants.format_instant`); `due_at` is when the step
may go, quiet hours already counted in (`deferred: true` says they moved it).

Pause everything (`halfway pause --all`, the private page's form): a step due inside
that pause, or that would go out inside it, is `left_out` with the reason PAUSED_ALL
and a `skipped` delivery with the reason `paused`; it is not sent after the pause
(`paused_all`, `held`). Steps due after the pause ends go out as usual.

One ask at a time (`[asks] one_at_a_time`): a clarity-ask step that comes due while
an ask said waits for its answer is `left_out`, and a `skipped` delivery with the
reason `ask_waiting` (see core/unsent) says so in history and the log (`ask_waits`).

Quiet hours: a step that falls inside them waits for their end, unless the talk would
have begun by then (a step before the talk is then left out, and says why); the
reflection after the talk always waits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import cast

from halfway.config.models import Nudge, Settings
from halfway.core import cursors, reasons, schedule, unsent
from halfway.core.deliveries import CANCELLED, FAILED, PENDING, SKIPPED, with_channels
from halfway.core.instants import format_instant, parse_instant
from halfway.core.records import Delivery, Talk
from halfway.ledger import asks
from halfway.store.database import Record, Store, Tx, View, new_id
from halfway.talks import rules
from halfway.talks.card import helped_for
from halfway.talks.card import stored_talk as _talk
from halfway.talks.rules import ChainStep, TalkError
from halfway.words.language import N_, _

__all__ = [
    "STEP_CANCELLED",
    "STEP_LEFT_OUT",
    "STEP_PLANNED",
    "STEP_SENT",
    "TalkError",
    "add",
    "ask_waits",
    "cancel",
    "chain_of",
    "done",
    "held_at",
    "listing",
    "move",
    "next_due",
    "paused_all",
    "record_due",
    "sends_at",
    "step_text",
    "upcoming",
]

# A chain step's states.
STEP_PLANNED = "planned"
STEP_SENT = "sent"
STEP_LEFT_OUT = "left_out"
STEP_CANCELLED = "cancelled"

# The evening-before steps help little in the last two hours before a talk.
EVENING_LATEST = timedelta(hours=2)
# A step handled this long after its time is marked late (as a fire is).
ON_TIME = schedule.ON_TIME

# A step's reason is kept in English (its msgid) and read in the language of the moment
# where it is shown (talks/display).
QUIET_TOO_LONG = N_("quiet hours last until after the talk begins")
BEGUN = N_("the talk had already begun when it could go out")
TOO_OLD = N_("its time passed long ago, while halfway was not running")
TALK_CANCELLED = N_("the talk was cancelled")
TALK_DONE = N_("the talk had already taken place")
ASK_WAITING = unsent.why(reasons.ASK_WAITING)  # the same words as the skipped delivery
EVERYTHING_PAUSED = "everything was paused then"  # the skipped delivery's words
PAUSED_ALL = N_("skipped: everything was paused then")  # "skipped: " + EVERYTHING_PAUSED
PAUSED_AHEAD = N_("skipped: everything is paused then")  # a planned step, as lists show it

Spans = tuple[tuple[datetime, datetime | None], ...]  # pauses: (from, until or None)

# What makes a step's delivery (Planner.fire_record): (nudge, fire, late, offer_pause,
# fields) -> the delivery record.
MakeRecord = Callable[[Nudge, schedule.Fire, bool, bool, Mapping[str, str | None] | None], Delivery]


def chain_of(settings: Settings) -> tuple[ChainStep, ...]:
    """The chain every talk plans, with the offsets of [talks] in the config."""
    conf = settings.talks
    return (
        ChainStep.evening_before(rules.CLARITY_ASK, conf.clarity_ask_at, EVENING_LATEST),
        ChainStep.evening_before(rules.REFRAME, conf.reframe_at, EVENING_LATEST),
        ChainStep.before(rules.SELF_REGULATION, conf.self_regulation_before),
        ChainStep.after(rules.TALK_REFLECTION, conf.reflection_after),
    )


def _after_talk(settings: Settings) -> set[str]:
    """The kinds of the steps that come after the talk (they wait out quiet hours)."""
    return {s.kind for s in chain_of(settings) if s.offset is not None and s.offset > timedelta(0)}


def plan_steps(
    talk_at: datetime, now: datetime, settings: Settings, keep: Iterable[Record] = ()
) -> list[Record]:
    """The chain of a talk at `talk_at` seen at `now`: steps in `keep` (already sent)
    stay as they are, every other step is decided afresh."""
    kept = {entry["kind"]: entry for entry in keep}
    after = _after_talk(settings)
    zone, quiet = settings.tz, settings.quiet_hours
    chain: list[Record] = []
    for step in rules.plan_chain(talk_at, now, zone, chain_of(settings)):
        if step.kind in kept:
            chain.append(kept[step.kind])
            continue
        if step.decision == rules.LEFT_OUT:
            chain.append(_left_out(step.kind, step.due_at, step.reason or ""))
            continue
        due = now if step.decision == rules.SEND_NOW else step.due_at
        end = schedule.quiet_end(due, zone, quiet)
        if end is not None and step.kind not in after and end > talk_at:
            chain.append(_left_out(step.kind, step.due_at, QUIET_TOO_LONG))
            continue
        entry = {"kind": step.kind, "due_at": format_instant(end or due), "state": STEP_PLANNED}
        chain.append(entry | ({"deferred": True} if end is not None else {}))
    return sorted(chain, key=lambda entry: parse_instant(entry["due_at"]))


def _left_out(kind: str, due: datetime, reason: str) -> Record:
    return {"kind": kind, "due_at": format_instant(due), "state": STEP_LEFT_OUT, "reason": reason}


# changes a person makes ------------------------------------------------------------


def add(
    store: Store,
    settings: Settings,
    when: datetime,
    topic: str | None,
    now: datetime,
    by: str | None = None,
) -> Record:
    """Plan a talk at `when` about `topic`, with its chain; TalkError if it cannot be.
    `by="partner"`: the partner began it (movement, in the digest)."""
    talk: Record = dict(rules.new_talk(new_id("t"), when, topic, now, by))
    talk["chain"] = plan_steps(when, now, settings)
    with store.transaction() as tx:
        tx.put("talks", talk)
    return talk


def move(store: Store, settings: Settings, talk_id: str, when: datetime, now: datetime) -> Record:
    """Move a planned talk to `when`: the steps not yet sent are planned afresh."""
    with store.transaction() as tx:
        talk = _talk(store, tx, talk_id)
        changed: Record = dict(rules.moved(cast(Talk, talk), when, now))
        sent = [e for e in talk.get("chain", []) if e["state"] == STEP_SENT]
        changed["chain"] = plan_steps(when, now, settings, keep=sent)
        tx.put("talks", changed)
    return changed


def cancel(store: Store, talk_id: str, now: datetime) -> Record:
    """Call a talk off: its planned steps, and any step's delivery not yet out, cancelled."""
    with store.transaction() as tx:
        talk = _talk(store, tx, talk_id)
        changed: Record = dict(rules.cancelled(cast(Talk, talk), now))
        changed["chain"] = [_cancel_step(tx, entry) for entry in talk.get("chain", [])]
        tx.put("talks", changed)
    return changed


def done(store: Store, talk_id: str, now: datetime, early: bool = True) -> Record:
    """The talk took place: steps still waiting before it are dropped; the reflection stays.
    Before its time only with `early` (else talks.NotBegun)."""
    with store.transaction() as tx:
        talk = _talk(store, tx, talk_id)
        changed: Record = dict(rules.done(cast(Talk, talk), now, early))
        changed["chain"] = [
            {**entry, "state": STEP_CANCELLED, "reason": TALK_DONE}
            if entry["state"] == STEP_PLANNED and entry["kind"] != rules.TALK_REFLECTION
            else entry
            for entry in talk.get("chain", [])
        ]
        tx.put("talks", changed)
    return changed


def _cancel_step(tx: Tx, entry: Record) -> Record:
    if entry["state"] == STEP_PLANNED:
        return {**entry, "state": STEP_CANCELLED, "reason": TALK_CANCELLED}
    delivery = tx.get("deliveries", entry["delivery_id"]) if entry.get("delivery_id") else None
    if entry["state"] != STEP_SENT or delivery is None:
        return entry
    not_gone = {
        name: {"state": CANCELLED}
        for name, send in delivery["channels"].items()
        if send["state"] in (PENDING, FAILED)  # not yet gone out
    }
    if not not_gone:
        return entry
    tx.put("deliveries", with_channels(delivery, not_gone))
    if len(not_gone) < len(delivery["channels"]):
        return entry  # it reached at least one channel
    return {**entry, "state": STEP_CANCELLED, "reason": TALK_CANCELLED}


# what is planned -----------------------------------------------------------------------


def listing(every: Iterable[Record]) -> list[Record]:
    """The talks: the planned ones first, soonest first; then the others, latest first."""
    every = list(every)
    planned = [t for t in every if t["state"] == rules.PLANNED]
    others = [t for t in every if t["state"] != rules.PLANNED]
    planned.sort(key=lambda t: parse_instant(t["at"]))
    return planned + sorted(others, key=lambda t: parse_instant(t["at"]), reverse=True)


def _waiting(view: View) -> Iterable[tuple[Record, Record]]:
    """(talk, step) for every step still planned of a talk not cancelled."""
    for talk in view.records("talks"):
        if talk["state"] == rules.CANCELLED:
            continue
        for entry in talk.get("chain", []):
            if entry["state"] == STEP_PLANNED:
                yield talk, entry


def upcoming(view: View, until: datetime) -> list[tuple[datetime, Record, Record]]:
    """(due, talk, step) for every planned step due by `until`, soonest first."""
    found = ((parse_instant(e["due_at"]), t, e) for t, e in _waiting(view))
    return sorted((item for item in found if item[0] <= until), key=lambda item: item[0])


def step_text(talk: Record, entry: Record) -> str:
    """A planned step as `upcoming` names it: its talk, its kind, the talk's topic."""
    about = _(" about “{topic}”").format(topic=talk["topic"]) if talk.get("topic") else ""
    return _("talk {id} ({kind})").format(id=talk["id"], kind=entry["kind"]) + about


def next_due(view: View, settings: Settings, now: datetime) -> datetime | None:
    """When the next planned step needs a pass (`now` if one is due already)."""
    return min((sends_at(e, settings, now)[0] for _, e in _waiting(view)), default=None)


def sends_at(entry: Record, settings: Settings, now: datetime) -> tuple[datetime, bool]:
    """When a planned step goes out (not before `now`, and never in quiet hours: the
    planner passes them by), and whether quiet hours moved it, when it was planned or now."""
    first = max(parse_instant(entry["due_at"]), now)
    end = schedule.quiet_end(first, settings.tz, settings.quiet_hours)
    return end or first, end is not None or bool(entry.get("deferred"))


# the planner's unit of work ----------------------------------------------------------


def record_due(store: Store, settings: Settings, now: datetime, make: MakeRecord) -> list[Delivery]:
    """Record a delivery for each planned step that has come due, and mark it sent, in
    one write. Steps before a talk that has begun, or long past, are left out instead.
    The caller keeps quiet hours (nothing comes due inside them)."""
    if not any(parse_instant(e["due_at"]) <= now for _, e in _waiting(store.view())):
        return []  # the common case: no write at all
    after = _after_talk(settings)
    added: list[Delivery] = []
    reframes = [
        t
        for t, e in _waiting(store.view())
        if e["kind"] == rules.REFRAME and parse_instant(e["due_at"]) <= now
    ]
    helped = helped_for(store, reframes)  # read before the write: it may read the archives
    with store.transaction() as tx:
        waits = ask_waits(settings, rules.CLARITY_ASK, tx, now)
        spans = paused_all(tx.cursors())
        for talk in tx.records("talks"):
            if talk["state"] == rules.CANCELLED:
                continue
            steps = talk.get("chain", [])
            fields = {"topic": talk.get("topic"), "helped": helped.get(talk["id"])}
            chain = [
                _step_due(talk, e, now, settings, after, make, added, waits, spans, fields)
                for e in steps
            ]
            if chain != steps:
                tx.put("talks", {**talk, "chain": chain})
        for record in added:
            tx.put("deliveries", record)
    return added


def _step_due(
    talk: Record,
    entry: Record,
    now: datetime,
    settings: Settings,
    after: set[str],
    make: MakeRecord,
    added: list[Delivery],
    waits: bool = False,
    spans: Spans = (),
    fields: Mapping[str, str | None] | None = None,
) -> Record:
    due = parse_instant(entry["due_at"])
    if entry["state"] != STEP_PLANNED or due > now:
        return entry
    kind = entry["kind"]
    if kind not in after and now >= parse_instant(talk["at"]):
        return {**entry, "state": STEP_LEFT_OUT, "reason": BEGUN}
    if now - due > settings.talks.reply_window:
        return {**entry, "state": STEP_LEFT_OUT, "reason": TOO_OLD}
    nudge = rules.step_nudge(settings.talks, talk["id"], kind)
    fire = schedule.Fire(nudge.id, due, due)
    held = held_at(due, now, spans)
    if held or (waits and kind == rules.CLARITY_ASK):
        code, words = (reasons.PAUSED, PAUSED_ALL) if held else (reasons.ASK_WAITING, ASK_WAITING)
        channels = list(settings.channels_of(nudge.channels))
        gap = unsent.record(new_id("d"), nudge, (fire,), SKIPPED, 0, channels, now, code)
        gap["talk_id"] = talk["id"]
        if held:
            gap["why"] = EVERYTHING_PAUSED
        added.append(gap)
        return {**entry, "state": STEP_LEFT_OUT, "reason": words, "delivery_id": gap["id"]}
    said = dict(fields or {"topic": talk.get("topic")})
    if kind != rules.REFRAME:  # only the reframe says what helped last time
        said.pop("helped", None)
    record = make(nudge, fire, now - due > ON_TIME, False, said)
    record["talk_id"] = talk["id"]
    added.append(record)
    return {**entry, "state": STEP_SENT, "delivery_id": record["id"]}


# Left out when its time came (not QUIET_TOO_LONG, left out when planned): one whose time
# is still ahead was left out by a clock that read ahead, and is planned again.
_LEFT_OUT_WHEN_DUE = (BEGUN, TOO_OLD, PAUSED_ALL, ASK_WAITING)


def _given_back(entry: Record, now: datetime) -> bool:
    left = entry["state"] == STEP_LEFT_OUT and entry.get("reason") in _LEFT_OUT_WHEN_DUE
    return left and parse_instant(entry["due_at"]) > now


def left_out_ahead(view: View, now: datetime) -> bool:
    """Whether a step was left out at a time still ahead of `now` (see `give_back`)."""
    return any(_given_back(e, now) for t in view.records("talks") for e in t.get("chain", []))


def give_back(tx: Tx, now: datetime) -> None:
    """After a clock set back: the steps left out at a time still ahead are planned
    again, and the skipped record of one goes (it comes due again at its real time)."""
    for talk in tx.records("talks"):
        chain = talk.get("chain", [])
        back = [e for e in chain if _given_back(e, now)]
        if back:
            tx.remove("deliveries", [e["delivery_id"] for e in back if e.get("delivery_id")])
            fresh = [{k: e[k] for k in ("kind", "due_at", "deferred") if k in e} for e in back]
            again = {id(e): {**f, "state": STEP_PLANNED} for e, f in zip(back, fresh, strict=True)}
            tx.put("talks", {**talk, "chain": [again.get(id(e), e) for e in chain]})


def paused_all(rows: Iterable[cursors.Stored]) -> Spans:
    """The spans of the pause of everything (the cursor '*'): no talk step goes out in them.
    A pause of one nudge by name never holds a talk's steps (they have nudge ids of their own)."""
    found = cursors.pauses(
        {row["id"]: row for row in rows if row["id"] == cursors.ALL}, cursors.ALL
    )
    return tuple(dict.fromkeys(found))  # '*' is its own and everything's: once each


def held_at(due: datetime, now: datetime, spans: Spans) -> bool:
    """Whether a step due at `due`, going out `now`, falls in a pause of everything."""
    return schedule.paused_at(due, list(spans)) or schedule.paused_at(now, list(spans))


def ask_waits(settings: Settings, kind: str, records: View | Tx, now: datetime) -> bool:
    """Whether a nudge of `kind` waits now, one ask at a time: a clarity ask, while an
    ask said waits for its answer (`[asks] one_at_a_time`; a draft never holds it)."""
    conf = settings.asks
    if kind != rules.CLARITY_ASK or not conf.one_at_a_time:
        return False
    return asks.one_waits(records.asks(), now, conf.rest_after)
