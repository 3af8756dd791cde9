"""Move the old audit trail (BetChange rows) into the trigger-written one (BetEvent).

Each BetChange row becomes one BetEvent with its time, who, via and action, holding the bet's trail
fields after the change: the state rebuilt by applying each change's new values in order. The old
trail missed writes (closing lines were never recorded in it), so where a change's old values differ
from the state rebuilt so far, an "unrecorded" event before it holds the values it found; and where
the bet today differs from the last state, one after them holds today's. Comparing consecutive events
(bets.trail.changes) then gives back exactly each BetChange's {field: [old, new]}, and no later write
is charged with a change the old trail missed. A bet with no BetChange row gets one such event with
its state today, for the same reason.
"""

from datetime import datetime
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

# The trail fields (bets.models.TRAIL_FIELDS) as this migration knows them, by column.
ATTNAMES = [
    "event_id",
    "market",
    "outcome",
    "point",
    "bookmaker_id",
    "price",
    "stake",
    "placed_at",
    "status",
    "profit",
    "strategy_name",
    "notes",
    "closing_price",
    "clv",
    "settled_manually",
]
UNRECORDED = {"action": "unrecorded", "user": None, "via": ""}
LABEL_ACTIONS = {"insert": "create", "update": "update", "delete": "delete"}


class NothingToRebuildFrom(RuntimeError):
    """A deleted bet whose old trail has no create row: its state cannot be known."""


def _fields(BetEvent):
    return {f.attname: f for f in BetEvent._meta.concrete_fields if f.attname in ATTNAMES}


def _typed(fields, attname, value):
    return None if value is None else fields[attname].to_python(value)


def forwards(apps, schema_editor):
    Bet = apps.get_model("bets", "Bet")
    BetChange = apps.get_model("bets", "BetChange")
    BetEvent = apps.get_model("bets", "BetEvent")
    fields = _fields(BetEvent)
    now = timezone.now()
    by_bet = {}
    for change in BetChange.objects.order_by("bet_id", "changed_at", "id"):
        by_bet.setdefault(change.bet_id, []).append(change)
    bets = {bet.pk: bet for bet in Bet.objects.all()}
    missing = sorted(
        bet_id for bet_id, changes in by_bet.items() if bet_id not in bets and changes[0].action != "create"
    )
    if missing:
        raise NothingToRebuildFrom(
            f"bets {', '.join(map(str, missing))} are deleted and their BetChange rows have no create: delete "
            "those rows or restore the bets, then migrate again"
        )
    events = []

    def record(bet_id, state, at, label, context):
        events.append(BetEvent(pgh_obj_id=bet_id, pgh_created_at=at, pgh_label=label, pgh_context=context, **state))

    for bet_id in sorted(set(by_bet) | set(bets)):
        changes = by_bet.get(bet_id, [])
        state = dict.fromkeys(ATTNAMES)
        if changes and changes[0].action != "create":
            # Before its first recorded change the bet was as it is now, less every recorded change.
            state = {name: getattr(bets[bet_id], name) for name in ATTNAMES}
            for change in reversed(changes):
                state.update({name: _typed(fields, name, old) for name, (old, _) in change.changes.items()})
            record(bet_id, state, changes[0].changed_at, "update", UNRECORDED)
        for change in changes:
            found = {name: _typed(fields, name, old) for name, (old, _) in change.changes.items()}
            if change.action != "create" and any(state[name] != value for name, value in found.items()):
                state = {**state, **found}
                record(bet_id, state, change.changed_at, "update", UNRECORDED)
            state = {**state, **{name: _typed(fields, name, new) for name, (_, new) in change.changes.items()}}
            context = {"action": change.action, "user": change.changed_by_id, "via": change.via}
            record(bet_id, state, change.changed_at, "insert" if change.action == "create" else "update", context)
        if bet_id in bets:
            today = {name: getattr(bets[bet_id], name) for name in ATTNAMES}
            if today != state:
                record(bet_id, today, now, "update", UNRECORDED)
    stamp = BetEvent._meta.get_field("pgh_created_at")
    stamp.auto_now_add = False  # the events keep the old trail's times
    try:
        BetEvent.objects.bulk_create(events, batch_size=1000)
    finally:
        stamp.auto_now_add = True


def _plain(value):
    """As the old trail wrote values: Decimals and times as text."""
    return str(value) if isinstance(value, Decimal | datetime) else value


def backwards(apps, schema_editor):
    """BetChange rows again from the events (the "unrecorded" ones only set the state), then no events."""
    import pgtrigger

    BetChange = apps.get_model("bets", "BetChange")
    BetEvent = apps.get_model("bets", "BetEvent")
    users = BetChange._meta.get_field("changed_by").related_model
    user_ids = set(users.objects.values_list("pk", flat=True))
    rows = []
    last = {}
    for event in BetEvent.objects.order_by("pgh_id"):
        state = {name: getattr(event, name) for name in ATTNAMES}
        before = last.get(event.pgh_obj_id, dict.fromkeys(ATTNAMES))
        last[event.pgh_obj_id] = state
        context = event.pgh_context or {}
        if context.get("action") == "unrecorded":
            continue
        if event.pgh_label == "insert":
            changes = {name: [None, _plain(state[name])] for name in ATTNAMES}
        else:
            changes = {
                name: [_plain(before[name]), _plain(state[name])] for name in ATTNAMES if before[name] != state[name]
            }
        rows.append(
            BetChange(
                bet_id=event.pgh_obj_id,
                action=context.get("action") or LABEL_ACTIONS[event.pgh_label],
                changes=changes,
                changed_by_id=context.get("user") if context.get("user") in user_ids else None,
                changed_at=event.pgh_created_at,
                via=context.get("via") or "",
            )
        )
    BetChange.objects.bulk_create(rows, batch_size=1000)
    with pgtrigger.ignore("bets.BetEvent:append_only"):
        BetEvent.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("bets", "0004_bet_trail")]

    operations = [migrations.RunPython(forwards, backwards)]
