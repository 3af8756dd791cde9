"""The bets audit trail: who changed what on a bet, when, through which entry point, and why.

Database triggers (django-pghistory, chosen over django-simple-history because its triggers also
record queryset updates, bulk writes and raw SQL, which signals never see) write a ``BetEvent`` for
every insert, update and delete of a bet: the trail fields after the write. The services wrap their
writes in ``recording(action=, user=, via=)``, which each event keeps beside its row; a write
outside the services is still recorded, with no one named. What changed is read back by comparing
each event with the one before it for the same bet, so every change of a trail field is in the
trail exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pghistory
from django.contrib.auth import get_user_model
from django.db import connection

from bets.models import TRAIL_FIELDS, BetEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# "unrecorded" marks a state the old trail had missed, found when it moved here (bets/migrations/0005).
ACTIONS = ("create", "update", "settle", "void", "resettle", "closing_line", "delete", "unrecorded")
LABEL_ACTIONS = {"insert": "create", "update": "update", "delete": "delete"}  # a write outside the services
VIAS = ("admin", "form", "api", "task", "command")
ATTNAMES = [BetEvent._meta.get_field(name).attname for name in TRAIL_FIELDS]

PGHISTORY_SETTINGS = ["pghistory.context_id", "pghistory.context_metadata"]  # what its triggers read
_recording: ContextVar[dict[str, object] | None] = ContextVar("bet_trail_recording", default=None)


@contextmanager
def recording(*, action: str, user: AbstractBaseUser | None, via: str) -> Iterator[None]:
    """Name the action, the person and the entry point of the bet writes inside this block."""
    if via not in VIAS:
        raise ValueError(f"via={via!r}: the entry points are {', '.join(VIAS)}")
    if action not in ACTIONS:
        raise ValueError(f"action={action!r}: the actions are {', '.join(ACTIONS)}")
    metadata = {"action": action, "user": getattr(user, "pk", None), "via": via}
    outer = _recording.get()
    token = _recording.set(metadata)
    try:
        with pghistory.context(**metadata):
            yield
    finally:
        _recording.reset(token)
        if outer is not None:
            pghistory.context(**outer)  # pghistory merges nested metadata: the outer writes get theirs back
        else:
            _forget(metadata)


def _forget(metadata: dict[str, object]) -> None:
    """The metadata lives until the transaction ends: a later write outside ``recording`` in the same
    transaction must not be put down to this block."""
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(name, '', true) FROM unnest(%s::text[]) AS name", [PGHISTORY_SETTINGS])


@dataclass(frozen=True)
class TrailEntry:
    bet_id: int
    at: datetime
    action: str
    via: str
    user_id: int | None
    user: AbstractBaseUser | None  # None also when the user has since been deleted
    changes: dict[str, tuple[object, object]]  # {field: (old, new)}, fields by column name

    @property
    def who(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        return "" if self.user_id is None else f"user {self.user_id} (deleted)"


def changes(previous: BetEvent | None, event: BetEvent) -> dict[str, tuple[object, object]]:
    """Each trail field that differs from the bet's previous event; every field for a new bet, and
    every field going to None for a deleted one."""
    if event.pgh_label == "insert":
        return {name: (None, getattr(event, name)) for name in ATTNAMES}
    if event.pgh_label == "delete":
        return {name: (getattr(event, name), None) for name in ATTNAMES}
    before = {name: getattr(previous, name) if previous else None for name in ATTNAMES}
    return {name: (before[name], getattr(event, name)) for name in ATTNAMES if before[name] != getattr(event, name)}


def entries(events: Iterable[BetEvent], history: Iterable[BetEvent] | None = None) -> list[TrailEntry]:
    """The trail entries of these events, in their order: two queries, whatever their number (the
    events of their bets up to the newest of them, unless given as ``history``; the users named)."""
    events = list(events)
    if not events:
        return []
    if history is None:
        history = BetEvent.objects.filter(
            pgh_obj_id__in={e.pgh_obj_id for e in events}, pgh_id__lte=max(e.pgh_id for e in events)
        ).order_by("pgh_id")
    previous: dict[int, BetEvent | None] = {}
    last: dict[int, BetEvent] = {}
    for event in history:
        previous[event.pgh_id] = last.get(event.pgh_obj_id)
        last[event.pgh_obj_id] = event
    user_ids = {(e.pgh_context or {}).get("user") for e in events} - {None}
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}
    result = []
    for event in events:
        context = event.pgh_context or {}
        result.append(
            TrailEntry(
                bet_id=event.pgh_obj_id,
                at=event.pgh_created_at,
                action=context.get("action") or LABEL_ACTIONS[event.pgh_label],
                via=context.get("via") or "",
                user_id=context.get("user"),
                user=users.get(context.get("user")),
                changes=changes(previous.get(event.pgh_id), event),
            )
        )
    return result


def bet_trail(bet_id: int) -> list[TrailEntry]:
    """Everything that happened to one bet, oldest first: two queries."""
    events = list(BetEvent.objects.filter(pgh_obj_id=bet_id).order_by("pgh_id"))
    return entries(events, history=events)
