"""Every write to bets and the ledger: the admin, the HTMX form, the API, tasks and commands call these."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from bets import accounts, settlement, trail
from bets.closing import CLV_FIELDS, closing_line
from bets.models import Bet, BookmakerLimit, LedgerEntry
from odds.markets import NOT_ABOVE_ONE, PRICE_STEP, InvalidQuote, line_of, outcomes_of, price_problem, to_point
from odds.models import H2H, MARKETS, Bookmaker, Event, Selection
from opportunities import pricing
from web.strict import NotPlainNumber, plain_decimal, shown

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from opportunities.models import Opportunity

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
EDGE = Decimal("0.00001")
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
STRATEGY_NAME_LENGTH = Bet._meta.get_field("strategy_name").max_length
NOTES_LENGTH = 10_000
# What a late entry needs, named as the API (allow_started) and the bet slip's checkbox name it.
STARTED_FLAG = "started flag (allow_started)"


class BetRejected(ValidationError):
    """Invalid input; ``message_dict`` names each field and the reason. Nothing was written."""


class EditConflict(Exception):
    """Editing a settled bet's terms needs the explicit flag."""


def _number(value: object, field: str, what: str) -> Decimal:
    """The one place user text becomes a Decimal for bets and the ledger (see ``web.strict``)."""
    try:
        return plain_decimal(value, what=what)
    except NotPlainNumber as exc:
        raise BetRejected({field: [str(exc)]}) from None


def _whole_digits(number: Decimal, column: str, field: str, model: type[models.Model] = Bet) -> None:
    """Refuse a number with more digits before the point than ``column`` holds (before quantizing:
    quantizing 100 digits to the cent fails in Decimal's own 28-digit context)."""
    spec = model._meta.get_field(column)
    assert isinstance(spec, models.DecimalField)  # callers name decimal columns, each with its digits
    assert spec.max_digits is not None
    assert spec.decimal_places is not None
    room = spec.max_digits - spec.decimal_places
    if number.adjusted() >= room:
        raise BetRejected({field: [f"{number} has more than {room} digits before the decimal point"]})


def clean_price(value: object, field: str = "price") -> Decimal:
    """Decimal odds as a person gives them, valid by the rule every price follows (``price_problem``)."""
    price = _number(value, field, "a number")
    problem = price_problem(price)
    if problem == NOT_ABOVE_ONE:
        problem += " (decimal odds)"
    if problem:
        raise BetRejected({field: [f"{price} {problem}"]})
    return price.quantize(PRICE_STEP)


def clean_stake(value: object, field: str = "stake") -> Decimal:
    stake = _number(value, field, "an amount")
    if stake <= 0:
        raise BetRejected({field: ["must be more than 0"]})
    if stake > settings.MONPS_MAX_STAKE:
        raise BetRejected({field: [f"{stake} is above the limit of {settings.MONPS_MAX_STAKE} (MONPS_MAX_STAKE)"]})
    _whole_digits(stake, "stake", field)
    if stake != stake.quantize(CENT):
        raise BetRejected({field: [f"{stake} has more than 2 decimal places"]})
    return stake.quantize(CENT)


def clean_point(value: object, *, market: str, outcome: str) -> Decimal:
    """A handicap or total, by the rule the odds ingestion applies to providers' points."""
    point = _number(value, "point", "a number")
    try:
        return to_point(str(point), f"{market} {outcome}")
    except InvalidQuote as exc:
        raise BetRejected({"point": [str(exc)]}) from None


def clean_placed_at(value: object, *, now: datetime) -> datetime:
    """When the bet was placed: the rule for every time a person enters (``clean_time``)."""
    return clean_time(value, now=now, field="placed_at", earliest="the earliest a bet can be placed")


def clean_ledger_at(value: object, *, now: datetime) -> datetime:
    """When a deposit, withdrawal or adjustment happened: the same rule."""
    return clean_time(value, now=now, field="at", earliest="the earliest a ledger entry can have")


def clean_time(value: object, *, now: datetime, field: str, earliest: str) -> datetime:
    """A time with its zone, not ahead of ``now`` beyond a clock's skew, and not before 2000: an
    older time is a typing error, and one near year 1 is stored as a year BC that no page can read
    back (psycopg refuses it)."""
    if not isinstance(value, datetime):
        reason = f"{shown(value)} is not a time"
    elif timezone.is_naive(value):
        reason = "needs a time zone"
    elif value > now + CLOCK_SKEW:
        reason = f"{value.isoformat()} is in the future (more than {CLOCK_SKEW.seconds // 60} minutes ahead of now)"
    elif value < EARLIEST_TIME:
        reason = f"{value.isoformat()} is before {EARLIEST_TIME:%Y-%m-%d}, {earliest}"
    else:
        return value
    raise BetRejected({field: [reason]})


def clean_text(value: object, field: str, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise BetRejected({field: [f"{shown(value)} is not text"]})
    if "\x00" in value:
        raise BetRejected({field: ["contains a NUL character"]})
    if max_length is not None and len(value) > max_length:
        raise BetRejected({field: [f"is {len(value)} characters long; at most {max_length}"]})
    return value


def _resolve_selection(event: Event, market: str, outcome: str, point: object) -> Selection:
    errors: dict[str, list[str]] = {}
    if market not in dict(MARKETS):
        raise BetRejected({"market": [f"{shown(market)} is not one of {', '.join(dict(MARKETS))}"]})
    valid = outcomes_of(market, event.home_team, event.away_team)
    if outcome not in valid:
        errors["outcome"] = [f"{shown(outcome)} is not an outcome of {market} for {event}: {', '.join(valid)}"]
    stored_point = Decimal(0)
    if market == H2H and point is not None:
        errors["point"] = ["must be empty for h2h"]
    if market != H2H:
        if point is None:
            errors["point"] = [f"a {market} bet needs the handicap or total"]
        else:
            try:
                stored_point = clean_point(point, market=market, outcome=outcome)
            except BetRejected as exc:
                errors.update(exc.message_dict)
    if errors:
        raise BetRejected(errors)
    selection, _ = Selection.objects.get_or_create(
        event=event,
        market=market,
        outcome=outcome,
        point=stored_point,
        defaults={"line": line_of(market, outcome, stored_point, event.home_team)},
    )
    return selection


@dataclass(frozen=True)
class BetInput:
    event_id: int
    market: str
    outcome: str
    point: object  # None, a Decimal, or text read by clean_point
    bookmaker: str
    price: object
    stake: object
    placed_at: datetime | None = None
    stake_requested: object = None  # the stake asked for, when the book accepted less
    strategy_name: str = ""
    strategy_id: int | None = None
    opportunity_id: int | None = None
    notes: str = ""


def bet_input(data: dict[str, Any]) -> BetInput:
    """A BetInput from a form's cleaned data (the bet form and the admin's)."""
    return BetInput(
        event_id=data["event"].pk,
        market=data["market"],
        outcome=data["outcome"],
        point=data.get("point"),
        bookmaker=data["bookmaker"].key,
        price=data["price"],
        stake=data["stake"],
        placed_at=data.get("placed_at"),
        stake_requested=data.get("stake_requested"),
        strategy_name=data.get("strategy_name", ""),
        notes=data.get("notes", ""),
        opportunity_id=data.get("opportunity"),
    )


@transaction.atomic
def place_bet(
    *,
    bet: BetInput,
    user: User | None = None,
    via: str = "api",
    allow_started: bool = False,
    allow_over_balance: bool = False,
) -> Bet:
    """Validate and record a bet. Late entry of a bet on an event that has started needs
    ``allow_started``; a stake above its book's recorded balance needs ``allow_over_balance``
    (``bets.accounts``). A stake requested above the stake accepted records the book's limit."""
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    event = Event.objects.filter(pk=bet.event_id).first()
    if event is None:
        raise BetRejected({"event": [f"no event with id {bet.event_id}"]})
    checks: dict[str, Callable[[], object]] = {
        "bookmaker": lambda: _bookmaker(bet.bookmaker),
        "price": lambda: clean_price(bet.price),
        "stake": lambda: clean_stake(bet.stake),
        "stake_requested": lambda: _stake_requested(bet.stake_requested),
        "placed_at": lambda: clean_placed_at(bet.placed_at or now, now=now),
        "strategy_name": lambda: clean_text(bet.strategy_name, "strategy_name", STRATEGY_NAME_LENGTH),
        "notes": lambda: clean_text(bet.notes, "notes", NOTES_LENGTH),
        "selection": lambda: _resolve_selection(event, bet.market, bet.outcome, bet.point),
    }
    cleaned: dict[str, Any] = {}  # each check's answer, of its own type
    for name, check in checks.items():
        try:
            cleaned[name] = check()
        except BetRejected as exc:
            errors.update(exc.message_dict)
    placed_at = cleaned.get("placed_at")
    late = bool(placed_at and event.commence_time <= max(placed_at, now))
    if late and not allow_started:
        errors["event"] = [
            f"{event} started at {event.commence_time:%Y-%m-%d %H:%M} UTC: a bet placed before the start "
            f"needs the {STARTED_FLAG} to be entered late"
        ]
    stake, stake_requested = cleaned.get("stake"), cleaned.get("stake_requested")
    if stake is not None and stake_requested is not None and stake_requested < stake:
        errors["stake_requested"] = [f"{stake_requested} is below the stake accepted, {stake}: it is the larger"]
    if errors:
        raise BetRejected(errors)
    bookmaker, price, stake, selection = (cleaned[k] for k in ("bookmaker", "price", "stake", "selection"))
    # A late entry's stake left the book when the bet was placed (an event started, a bet imported
    # with allow_started): today's balance says nothing of it.
    over = None if late or allow_started else accounts.over_balance(bookmaker=bookmaker, stake=stake)
    if over and not allow_over_balance:
        raise BetRejected({"stake": [over.message]})
    opportunity = None
    if bet.opportunity_id is not None:
        from opportunities.models import Opportunity

        opportunity = Opportunity.objects.filter(pk=bet.opportunity_id).select_related("strategy").first()
        if opportunity is None:
            raise BetRejected({"opportunity": [f"no opportunity with id {bet.opportunity_id}"]})
        if opportunity.selection_id != selection.pk:
            raise BetRejected({"opportunity": [f"opportunity {bet.opportunity_id} is not for this selection"]})
    strategy_id = bet.strategy_id or (opportunity.strategy_id if opportunity else None)
    strategy_name = bet.strategy_name or (opportunity.strategy.name if opportunity else "")
    with trail.recording(action="create", user=user, via=via):
        created = Bet.objects.create(
            event=event,
            selection=selection,
            market=bet.market,
            outcome=bet.outcome,
            point=None if bet.market == H2H else selection.point,
            bookmaker=bookmaker,
            price=price,
            stake=stake,
            stake_requested=stake_requested,
            allow_over_balance=over is not None,  # confirmed, and needed
            commission=bookmaker.commission,
            placed_at=cleaned["placed_at"],  # set: its check passed
            strategy_id=strategy_id,
            strategy_name=strategy_name,
            opportunity=opportunity,
            edge_at_placing=_edge_at_placing(opportunity, price, bookmaker.commission),
            notes=bet.notes,
            created_by=user,
        )
    if stake_requested is not None and stake_requested > stake:
        record_limit(
            bookmaker=bookmaker,
            market=created.market,
            stake_accepted=stake,
            stake_requested=stake_requested,
            at=created.placed_at,
            bet=created,
        )
    if event.commence_time <= timezone.now():
        record_closing_line(bet=created, user=user, via=via)
    if event.completed or event.cancelled:
        settle_bet(bet=created, user=user, via=via)
    return created


def _stake_requested(value: object) -> Decimal | None:
    return None if value is None or value == "" else clean_stake(value, "stake_requested")


@transaction.atomic
def record_limit(
    *,
    bookmaker: Bookmaker,
    market: str,
    stake_accepted: object,
    stake_requested: object = None,
    at: datetime | None = None,
    bet: Bet | None = None,
    note: str = "",
) -> BookmakerLimit:
    """A book took less than the stake asked for: record the limit, and make the stake it took the
    book's maximum (``Bookmaker.max_stake``) unless a newer limit is already recorded."""
    errors: dict[str, list[str]] = {}
    if market not in dict(MARKETS):
        errors["market"] = [f"{shown(market)} is not one of {', '.join(dict(MARKETS))}"]
    accepted = requested = None
    try:
        accepted = clean_stake(stake_accepted, "stake_accepted")
        requested = None if stake_requested is None else clean_stake(stake_requested, "stake_requested")
    except BetRejected as exc:
        errors.update(exc.message_dict)
    if accepted is not None and requested is not None and requested <= accepted:
        errors["stake_requested"] = [f"{requested} is not above the stake accepted, {accepted}: no limit"]
    now = timezone.now()
    try:
        at = clean_time(at or now, now=now, field="at", earliest="the earliest a limit can have")
    except BetRejected as exc:
        errors.update(exc.message_dict)
    note = clean_text(note, "note", BookmakerLimit._meta.get_field("note").max_length)
    if errors:
        raise BetRejected(errors)
    assert accepted is not None  # its check passed
    assert at is not None
    limit = BookmakerLimit.objects.create(
        bookmaker=bookmaker,
        at=at,
        market=market,
        stake_accepted=accepted,
        stake_requested=requested,
        bet=bet,
        note=note,
    )
    if not BookmakerLimit.objects.filter(bookmaker=bookmaker, at__gt=at).exists():
        Bookmaker.objects.filter(pk=bookmaker.pk).update(max_stake=accepted)
        bookmaker.max_stake = accepted
    return limit


def _bookmaker(value: object) -> Bookmaker:
    key = clean_text(value, "bookmaker")
    bookmaker = Bookmaker.objects.filter(key=key).first()
    if bookmaker is None:
        raise BetRejected({"bookmaker": [f"no bookmaker {shown(key)}"]})
    return bookmaker


def _edge_at_placing(opportunity: Opportunity | None, price: Decimal, commission: Decimal) -> Decimal | None:
    if opportunity is None:
        return None
    return pricing.edge(pricing.net_price(price, commission), opportunity.fair_probability).quantize(EDGE)


EDITABLE = {"price", "stake", "placed_at", "notes", "strategy_name", "bookmaker"}
FIXED = {"event", "market", "outcome", "point"}  # a different bet: void this one and enter that


@transaction.atomic
def update_bet(
    *,
    bet_id: int,
    changes: dict[str, object],
    user: User | None = None,
    via: str = "api",
    allow_settled: bool = False,
    allow_over_balance: bool = False,
) -> Bet:
    """Edit a bet's terms. A settled bet's price or stake changes only with ``allow_settled``;
    its profit is then computed again. A pending bet raised above its book's recorded balance (or
    moved to a book that holds less) needs ``allow_over_balance``, as when it was placed. Every
    change is kept in the audit trail (``bets.trail``)."""
    bet = Bet.objects.select_for_update().get(pk=bet_id)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise BetRejected({name: ["cannot be changed; void the bet and enter a new one"] for name in sorted(unknown)})
    cleaned: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    rules: dict[str, Callable[[object], object]] = {
        "price": clean_price,
        "stake": clean_stake,
        "placed_at": lambda value: clean_placed_at(value, now=now),
        "strategy_name": lambda value: clean_text(value, "strategy_name", STRATEGY_NAME_LENGTH),
        "notes": lambda value: clean_text(value, "notes", NOTES_LENGTH),
    }
    for name, value in changes.items():
        try:
            if name == "bookmaker":
                bookmaker = _bookmaker(value)
                # The commission of the book the bet was placed at: its rate now.
                cleaned["bookmaker_id"], cleaned["commission"] = bookmaker.pk, bookmaker.commission
            else:
                cleaned[name] = rules[name](value)
        except BetRejected as exc:
            errors.update(exc.message_dict)
    if errors:
        raise BetRejected(errors)
    changed = {k for k in ("price", "stake", "commission") if k in cleaned and cleaned[k] != getattr(bet, k)}
    if bet.is_settled and changed and not allow_settled:
        what = "price or stake" if changed - {"commission"} else "bookmaker (its commission with it)"
        raise EditConflict(f"bet {bet.pk} is settled ({bet.status}); editing its {what} needs allow_settled")
    stake = cleaned.get("stake", bet.stake)
    assert isinstance(stake, Decimal)  # clean_stake's
    if bet.stake_requested is not None and stake > bet.stake_requested:
        raise BetRejected({"stake": [f"{stake} is above the stake requested, {bet.stake_requested}"]})
    bookmaker_id = cleaned.get("bookmaker_id", bet.bookmaker_id)
    assert isinstance(bookmaker_id, int)
    moved = bookmaker_id != bet.bookmaker_id
    placed_at = cleaned.get("placed_at", bet.placed_at)
    assert isinstance(placed_at, datetime)  # clean_placed_at's
    if bet.status == Bet.PENDING and (moved or stake > bet.stake) and not _late(bet.event_id, placed_at, now):
        released = Decimal(0) if moved else bet.stake
        book = Bookmaker.objects.get(pk=bookmaker_id)
        over = accounts.over_balance(bookmaker=book, stake=stake, released=released)
        if over and not allow_over_balance:
            raise BetRejected({"stake": [over.message]})
        if over:
            bet.allow_over_balance = True
    for name, value in cleaned.items():
        setattr(bet, name, value)
    if bet.is_settled and bet.status != Bet.VOID:
        bet.profit = settlement.profit(bet.status, price=bet.price, stake=bet.stake, commission=bet.commission)
    if bet.closing_fair_probability is not None:
        _closing_clvs(bet)
    with trail.recording(action="update", user=user, via=via):
        bet.save()
    return bet


def _late(event_id: int, placed_at: datetime, now: datetime) -> bool:
    """A bet on an event that has started is a late entry: the book's balance now says nothing of it."""
    return Event.objects.filter(pk=event_id, commence_time__lte=max(placed_at, now)).exists()


@transaction.atomic
def settle_bet(*, bet: Bet, status: str | None = None, user: User | None = None, via: str = "task") -> Bet:
    """Settle from the event's result, or to ``status`` by hand (then marked manual and kept)."""
    bet = Bet.objects.select_for_update().select_related("event").get(pk=bet.pk)
    event = bet.event
    manual = status is not None
    if not manual:
        if bet.settled_manually:
            return bet  # a person decided; results do not overrule them
        if event.cancelled:
            status = settlement.VOID
        elif event.completed and event.home_score is not None and event.away_score is not None:  # has_result
            status = settlement.outcome_status(
                market=bet.market,
                outcome=bet.outcome,
                point=bet.point,
                home_team=event.home_team,
                away_team=event.away_team,
                home_score=event.home_score,
                away_score=event.away_score,
            )
        else:
            return bet
    if status not in dict(Bet.STATUSES) or (status == Bet.PENDING and not manual):
        raise BetRejected({"status": [f"{status!r} is not a settlement status"]})
    new_profit = (
        None
        if status == Bet.PENDING
        else settlement.profit(status, price=bet.price, stake=bet.stake, commission=bet.commission)
    )
    # Back to pending by hand hands the bet back to the results: nothing a person decided is left to keep.
    kept_by_hand = manual and status != Bet.PENDING
    if (bet.status, bet.profit, bet.settled_manually) == (status, new_profit, kept_by_hand):
        return bet  # idempotent: settling twice changes nothing
    action = "void" if status == Bet.VOID else "resettle" if bet.is_settled else "settle"
    bet.status, bet.profit, bet.settled_manually = status, new_profit, kept_by_hand
    bet.settled_at = None if status == Bet.PENDING else timezone.now()
    with trail.recording(action=action, user=user, via=via):
        bet.save(update_fields=["status", "profit", "settled_manually", "settled_at"])
    return bet


def settle_pending(*, now: datetime | None = None, via: str = "task") -> int:
    """Settle every pending bet whose event has a final result; record missing closing lines."""
    settled = 0
    for bet in Bet.objects.pending().filter(event__completed=True).select_related("event"):
        try:
            settled += settle_bet(bet=bet, via=via).status != Bet.PENDING
        except settlement.CannotSettle as exc:
            logger.warning("bet %s cannot be settled: %s", bet.pk, exc)
    for bet in Bet.objects.filter(event__commence_time__lte=now or timezone.now(), clv__isnull=True, closing_note=""):
        record_closing_line(bet=bet, via=via)
    return settled


def _clv(price: Decimal, probability: Decimal) -> Decimal:
    return pricing.clv(price, probability).quantize(EDGE)


CLOSING_FIELDS = [
    "closing_price",
    "closing_fair_probability",
    "clv",
    "closing_note",
    "closing_reference",
    "closing_seen_at",
    "closing_age",
    "closing_point",
    "closing_method",
    "closing_provenance",
    *CLV_FIELDS.values(),
]


@transaction.atomic
def record_closing_line(*, bet: Bet, user: User | None = None, via: str = "task") -> Bet:
    """Store the closing price, its provenance and the CLV under every devig method once the event
    has started; without a valid close, say why (``bets.closing``)."""
    line = closing_line(bet)
    bet.closing_price = line.price
    bet.closing_fair_probability = line.fair_probability
    bet.closing_note = line.note
    bet.closing_reference_id = line.reference
    bet.closing_seen_at, bet.closing_age, bet.closing_point = line.seen_at, line.age, line.point
    bet.closing_method = line.method
    bet.closing_provenance = line.provenance
    _closing_clvs(bet)
    with trail.recording(action="closing_line", user=user, via=via):
        bet.save(update_fields=CLOSING_FIELDS)
    return bet


def _closing_clvs(bet: Bet) -> None:
    """The bet's CLV by its closing method, and under every method from the fair probabilities kept
    in its provenance (the bet's price may have been edited since): of its price net of its
    commission, what it pays."""
    fair = bet.closing_provenance.get("fair", {}) if bet.closing_fair_probability is not None else {}
    price = pricing.net_price(bet.price, bet.commission)
    bet.clv = None if bet.closing_fair_probability is None else _clv(price, bet.closing_fair_probability)
    for method, name in CLV_FIELDS.items():
        probability = fair.get(method, {}).get(bet.outcome)
        setattr(bet, name, None if probability is None else _clv(price, Decimal(probability)))


@transaction.atomic
def add_ledger_entry(
    *, kind: str, amount: object, at: datetime | None = None, note: str = "", bookmaker: object = None
) -> LedgerEntry:
    """Deposits are positive, withdrawals negative (either sign may be given), adjustments either.
    With ``bookmaker`` (its key) the money is at that book, and its balance is known from then on;
    without, it is the general bankroll."""
    if kind not in dict(LedgerEntry.KINDS):
        raise BetRejected({"kind": [f"{kind!r} is not one of deposit, withdrawal, adjustment"]})
    value = _number(amount, "amount", "an amount")
    _whole_digits(value, "amount", "amount", model=LedgerEntry)
    if value == 0 or value != value.quantize(CENT):
        raise BetRejected({"amount": ["must be a non-zero amount with at most 2 decimal places"]})
    now = timezone.now()
    at = clean_ledger_at(at or now, now=now)
    if kind == LedgerEntry.DEPOSIT:
        value = abs(value)
    elif kind == LedgerEntry.WITHDRAWAL:
        value = -abs(value)
    book = None if bookmaker is None or bookmaker == "" else _bookmaker(bookmaker)
    if book is not None:
        accounts.lock_book(book.pk)  # a bet being checked against this balance sees the entry, or waits
    return LedgerEntry.objects.create(kind=kind, amount=value, at=at, note=note, bookmaker=book)
