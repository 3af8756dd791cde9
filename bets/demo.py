"""The demo market's soft book limits the demo bettor, as soft books do to bettors who win: after a
few winning bets at Bet365 on demo matches, it accepts a tenth of the stake. A new user sees a
limit, its history and the smaller suggested stakes without an API key."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from bets import services
from bets.models import Bet, BookmakerLimit
from odds.models import DEMO

LIMITING_BOOK = "bet365"
WINS_BEFORE_LIMIT = 3
SHARE_ACCEPTED = Decimal("0.1")
NOTE = f"demo market: {LIMITING_BOOK} limits you after {WINS_BEFORE_LIMIT} winning bets"


@transaction.atomic
def limit_demo_bettor() -> BookmakerLimit | None:
    """Record the soft book's limit once the bettor has won enough there on demo matches: the stake
    of the winning bet that decided it asked for, a tenth of it accepted. Once only: None when the
    limit is already recorded, or not yet earned."""
    if BookmakerLimit.objects.filter(bookmaker__key=LIMITING_BOOK, note=NOTE).exists():
        return None
    wins = list(
        Bet.objects.filter(bookmaker__key=LIMITING_BOOK, event__source=DEMO, status__in=[Bet.WON, Bet.HALF_WON])
        .select_related("bookmaker")
        .order_by("settled_at", "id")[:WINS_BEFORE_LIMIT]
    )
    if len(wins) < WINS_BEFORE_LIMIT:
        return None
    decider = wins[-1]
    accepted = (decider.stake * SHARE_ACCEPTED).quantize(services.CENT, ROUND_DOWN)
    if accepted <= 0:
        return None  # a stake of a cent: nothing smaller to accept
    return services.record_limit(
        bookmaker=decider.bookmaker,
        market=decider.market,
        stake_accepted=accepted,
        stake_requested=decider.stake,
        at=timezone.now(),
        note=NOTE,
    )
