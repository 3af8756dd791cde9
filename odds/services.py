"""Every write of sports, bookmakers and events: ingestion (The Odds API, football-data, the demo),
score import, the sports list and the admin call these, so each rule is written once.

The rule for a result: an event is completed only with a final score (a bet is never settled on a
missing one), and once completed it stays completed; ``scores_updated_at`` moves when the score or
the completion changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from odds.models import Bookmaker, Event, Sport

# Bookmakers whose prices are close to the true probability (low margin, high limits, or an exchange).
SHARP_BOOKMAKERS = {
    "pinnacle",
    "betfair_ex_eu",
    "betfair_ex_uk",
    "betfair_ex_au",
    "matchbook",
    "smarkets",
    "betcris",
    "circasports",
    "lowvig",
}
AGGREGATES = {"market_max", "market_avg"}
# The exchanges The Odds API lists (``betfair``: its key before the regional ones, in older snapshots)
# and the standard commission each charges on net winnings, as published (editable per bookmaker):
# Betfair's Market Base Rate of 5% on most markets (support.betfair.com, "Exchange: What is Commission
# and how is it calculated?"), 5% on every Australian sports market but the NRL's 10% (betfair.com.au,
# "Commissions and charges"); Smarkets 2% (help.smarkets.com, "How is commission calculated?");
# Matchbook 2% on net winnings for UK customers since November 2019 (tradematesports.com, "Matchbook
# commissions explained"); BETDAQ 2%, its advertised standard rate.
EXCHANGE_COMMISSIONS = {
    "betfair": Decimal("0.05"),
    "betfair_ex_uk": Decimal("0.05"),
    "betfair_ex_eu": Decimal("0.05"),
    "betfair_ex_au": Decimal("0.05"),
    "matchbook": Decimal("0.02"),
    "smarkets": Decimal("0.02"),
    "betdaq": Decimal("0.02"),
}
EXCHANGES = set(EXCHANGE_COMMISSIONS)
TITLE_LENGTH = 128
FIXTURE_FIELDS = ["sport", "home_team", "away_team", "commence_time"]
RESULT_FIELDS = ["home_score", "away_score", "completed", "scores_updated_at"]
NO_SCORE = "an event is completed only with a final score: enter both scores"


class EventFacts(Protocol):
    """What a provider says of an event (``odds.ingest.EventOdds`` has these fields)."""

    source: str
    provider_id: str
    sport_key: str
    sport_title: str
    home_team: str
    away_team: str
    commence_time: datetime
    home_score: int | None
    away_score: int | None
    completed: bool | None


@dataclass(frozen=True)
class SportListing:
    """A sport in the provider's list of sports."""

    key: str
    title: str
    group: str = ""
    active: bool = True


def sport_group(key: str) -> str:
    """The group of a sport known only by its key ("icehockey_nhl" is Ice Hockey)."""
    return key.split("_", 1)[0].replace("icehockey", "ice hockey").title()


def ensure_sports(*, titles: Mapping[str, str]) -> dict[str, int]:
    """The id of each sport by key; one not stored yet is created with its title (the key when blank)
    and its group. A stored sport keeps its own title: a response's title does not rename it."""
    existing = dict(Sport.objects.filter(key__in=titles).values_list("key", "id"))
    missing = [
        Sport(key=key, title=title or key, group=sport_group(key))
        for key, title in titles.items()
        if key not in existing
    ]
    if missing:
        Sport.objects.bulk_create(missing, ignore_conflicts=True)
        existing = dict(Sport.objects.filter(key__in=titles).values_list("key", "id"))
    return existing


def update_sports(*, listings: Iterable[SportListing]) -> int:
    """The provider's list of sports: each one stored with its title, group and whether it is in season
    (what we choose to collect stays as it is). Returns how many were listed."""
    sports = {s.key: Sport(key=s.key, title=s.title or s.key, group=s.group, active=s.active) for s in listings}
    Sport.objects.bulk_create(
        list(sports.values()), update_conflicts=True, unique_fields=["key"], update_fields=["group", "title", "active"]
    )
    return len(sports)


def save_sport(*, sport: Sport) -> Sport:
    """A sport added or edited by hand (the admin): its group, when blank, by the same rule as above."""
    sport.group = sport.group or sport_group(sport.key)
    sport.save()
    return sport


def ensure_bookmakers(*, titles: Mapping[str, str]) -> dict[str, int]:
    """The id of each bookmaker by key; one not stored yet is created, sharp, exchange (with its
    standard commission) or aggregate by its key."""
    existing = dict(Bookmaker.objects.filter(key__in=titles).values_list("key", "id"))
    missing = [
        Bookmaker(
            key=key,
            title=str(titles[key]).replace("\x00", "")[:TITLE_LENGTH] or key,
            is_sharp=key in SHARP_BOOKMAKERS,
            is_exchange=key in EXCHANGES,
            commission=EXCHANGE_COMMISSIONS.get(key, Decimal(0)),
            is_aggregate=key in AGGREGATES,
        )
        for key in titles.keys() - existing.keys()
    ]
    if missing:
        Bookmaker.objects.bulk_create(missing, ignore_conflicts=True)
        existing = dict(Bookmaker.objects.filter(key__in=titles).values_list("key", "id"))
    return existing


@dataclass
class EventsWritten:
    ids: dict[tuple[str, str], int] = field(default_factory=dict)  # (source, provider id): event id
    results_changed: list[int] = field(default_factory=list)  # whose score or completion changed (new ones too)
    completed: list[int] = field(default_factory=list)  # of those, the ones completed


def upsert_events(*, events: Sequence[EventFacts], collected_at: datetime | None = None) -> EventsWritten:
    """Store these events (the last of a key given twice wins): their fixture (sport, teams, kick-off)
    as the provider gives it, ``last_collected_at`` when ``collected_at`` is given (a collection of
    their prices), and their result by the rule above. Atomic. An event stored by a later collection
    than ``collected_at`` (a backfilled snapshot older than a live one) keeps its fixture and
    ``last_collected_at``: a kick-off moved since stays moved.

    The upsert locks each event's row until the transaction ends: concurrent ingestions of the same
    events wait for each other there, and take the locks in key order so they cannot deadlock."""
    written = EventsWritten()
    if not events:
        return written
    now = collected_at or timezone.now()
    facts = {(e.source, e.provider_id): e for e in events}
    with transaction.atomic():
        sports = ensure_sports(titles={e.sport_key: e.sport_title for e in facts.values()})
        newer = _collected_after(list(facts), collected_at)
        rows = [
            Event(
                source=source,
                provider_id=provider_id,
                sport_id=sports[e.sport_key],
                home_team=e.home_team,
                away_team=e.away_team,
                commence_time=e.commence_time,
                last_collected_at=collected_at,
            )
            for (source, provider_id), e in sorted(facts.items())
            if (source, provider_id) not in newer
        ]
        Event.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["source", "provider_id"],
            update_fields=[*FIXTURE_FIELDS, *(["last_collected_at"] if collected_at else [])],
        )
        written.ids = {**newer, **{(row.source, row.provider_id): row.pk for row in rows}}
        _write_results(facts, written, now)
    return written


def _collected_after(keys: list[tuple[str, str]], collected_at: datetime | None) -> dict[tuple[str, str], int]:
    """The id of each of these events last collected after ``collected_at``, by (source, provider id)."""
    if collected_at is None or not keys:
        return {}
    stored = Event.objects.filter(
        source__in={source for source, _ in keys},
        provider_id__in=[provider_id for _, provider_id in keys],
        last_collected_at__gt=collected_at,
    ).values_list("source", "provider_id", "pk")
    wanted = set(keys)
    return {(source, provider_id): pk for source, provider_id, pk in stored if (source, provider_id) in wanted}


def _write_results(facts: Mapping[tuple[str, str], EventFacts], written: EventsWritten, now: datetime) -> None:
    """Apply each given result to the stored one (read after the upsert locked the rows)."""
    given = {
        written.ids[key]: e
        for key, e in facts.items()
        if e.completed or (e.home_score is not None and e.away_score is not None)
    }
    if not given:
        return
    changed = []
    for event in Event.objects.filter(pk__in=list(given)).only("pk", *RESULT_FIELDS).order_by("pk"):
        e = given[event.pk]
        before = (event.home_score, event.away_score, event.completed)
        if e.home_score is not None and e.away_score is not None:
            event.home_score, event.away_score = e.home_score, e.away_score
        event.completed = event.completed or bool(e.completed and event.has_result)
        if (event.home_score, event.away_score, event.completed) != before:
            event.scores_updated_at = now
            changed.append(event)
    Event.objects.bulk_update(changed, RESULT_FIELDS)
    written.results_changed = sorted(e.pk for e in changed)
    written.completed = sorted(e.pk for e in changed if e.completed)


def result_problem(*, home_score: int | None, away_score: int | None, completed: bool) -> str | None:
    """Why this result cannot be stored, or None."""
    if completed and (home_score is None or away_score is None):
        return NO_SCORE
    return None


def save_event(*, event: Event, changed: Iterable[str] = ()) -> Event:
    """An event edited by hand (the admin): the result by the same rule, ``scores_updated_at`` moved
    when a result field is among ``changed``."""
    problem = result_problem(home_score=event.home_score, away_score=event.away_score, completed=event.completed)
    if problem:
        raise ValidationError({"completed": [problem]})
    if {"home_score", "away_score", "completed"} & set(changed):
        event.scores_updated_at = timezone.now()
    event.save()
    return event


# A bookmaker's account settings, as the bettor edits them (the settings page, the admin, the API).
BOOKMAKER_SETTINGS = ("is_exchange", "commission", "stake_rounding", "max_stake", "active")
# (decimal places, digits before the point) of each amount: what its column holds.
SETTING_DIGITS = {"commission": (4, 1), "stake_rounding": (2, 6), "max_stake": (2, 10)}


class BookmakerRejected(ValidationError):
    """Settings that cannot be stored; ``message_dict`` names each field and the reason."""


def clean_bookmaker_settings(changes: Mapping[str, object]) -> dict[str, object]:
    """Each setting given, as stored: ``commission`` a share of net winnings from 0 up to (not
    including) 1; ``stake_rounding`` and ``max_stake`` positive amounts, or None for none; the flags
    true or false. Raises ``BookmakerRejected`` naming every bad field."""
    from web.strict import NotPlainNumber, plain_decimal, shown

    errors: dict[str, list[str]] = {}
    cleaned: dict[str, object] = {}
    for name, value in changes.items():
        if name not in BOOKMAKER_SETTINGS:
            errors[name] = [f"is not a bookmaker setting; the settings are {', '.join(BOOKMAKER_SETTINGS)}"]
            continue
        if name in ("is_exchange", "active"):
            if not isinstance(value, bool):
                errors[name] = [f"{shown(value)} is not true or false"]
            else:
                cleaned[name] = value
            continue
        if value is None or value == "":
            if name == "commission":
                errors[name] = ["is required: 0 for a bookmaker that charges none"]
            else:
                cleaned[name] = None
            continue
        try:
            number = plain_decimal(value, what="a number")
        except NotPlainNumber as exc:
            errors[name] = [str(exc)]
            continue
        places, whole = SETTING_DIGITS[name]
        if name == "commission" and not 0 <= number < 1:
            problem = f"{number} is not a share from 0 up to 1 (0.05 is 5% of net winnings)"
        elif name != "commission" and number <= 0:
            problem = f"{number} must be more than 0 (leave it empty for none)"
        elif number.adjusted() >= whole:
            problem = f"{number} has more than {whole} digits before the decimal point"
        elif number != number.quantize(Decimal(1).scaleb(-places)):
            problem = f"{number} has more than {places} decimal places"
        else:
            cleaned[name] = number.quantize(Decimal(1).scaleb(-places))
            continue
        errors[name] = [problem]
    if errors:
        raise BookmakerRejected(errors)
    return cleaned


@transaction.atomic
def update_bookmaker(*, bookmaker: Bookmaker, changes: Mapping[str, object]) -> Bookmaker:
    """Change a bookmaker's settings (``clean_bookmaker_settings``); nothing is written if one is bad.
    Opportunities follow a new commission at the next detection pass."""
    cleaned = clean_bookmaker_settings(changes)
    for name, value in cleaned.items():
        setattr(bookmaker, name, value)
    if cleaned:
        bookmaker.save(update_fields=list(cleaned))
    return bookmaker
