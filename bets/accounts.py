"""Bookmaker accounts: the rule that a bet may not stake more than its book holds, and the lock that
keeps the rule true when two bets are entered at once.

A book's balance is known once a ledger entry names it (``bets.selectors.balances``); a bet at such
a book larger than its balance is refused unless the bettor confirms it (``allow_over_balance``).
Bets at a book with no recorded balance, and bets entered late (the event had started, or the bet
came with ``allow_started``, as every imported bet does), are never refused for it: monps does not
know what the book held then."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from bets import selectors
from odds.models import Bookmaker

# The advisory-lock namespace of book balances ("monp"), the bookmaker's id the key within it.
BALANCE_LOCK = 0x6D6F6E70


def lock_book(bookmaker_id: int) -> None:
    """Hold the book's balance until this transaction ends: a second bet, deposit or withdrawal at
    the book waits here, then reads the balance with the first one committed."""
    assert connection.in_atomic_block, "a transaction-level lock outside a transaction ends at once"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [BALANCE_LOCK, bookmaker_id])


@dataclass(frozen=True)
class OverBalance:
    bookmaker: Bookmaker
    stake: Decimal
    balance: Decimal

    @property
    def message(self) -> str:
        return (
            f"{self.stake} is more than the {self.balance} {self.bookmaker.title} holds (its deposits and "
            "settled bets less its pending stakes); confirm it with allow_over_balance to place it anyway"
        )


def over_balance(*, bookmaker: Bookmaker, stake: Decimal, released: Decimal = Decimal(0)) -> OverBalance | None:
    """Whether ``stake`` is more than ``bookmaker`` holds, under the book's lock (taken here, held
    until the transaction ends). ``released`` is a pending stake there that this bet replaces (an
    edited bet's old stake). None when the book has no recorded balance."""
    lock_book(bookmaker.pk)
    account = selectors.book_balance(bookmaker.pk)
    if not account.recorded:
        return None
    balance = account.balance + released
    return OverBalance(bookmaker, stake, balance) if stake > balance else None
