"""A bet's page: both closes side by side (its bookmaker's last price and the reference's fair price, the
one its CLV is taken against), each number explained where it is shown, and a constant number of queries."""

from decimal import ROUND_HALF_UP, Decimal
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bets.models import Bet
from bets.services import place_bet
from bets.tests.factories import BetInputFactory
from web.explanations import EXPLANATIONS

pytestmark = pytest.mark.django_db


def figure(html: str, name: str) -> str:
    start = html.index(f'data-figure="{name}">') + len(f'data-figure="{name}">')
    return html[start : html.index("<", start)]


def test_a_bets_page_shows_both_closes_and_which_one_its_clv_uses(auth_client, closed_bet):
    html = auth_client.get(f"/bets/{closed_bet.pk}/").content.decode()
    # bet365 closed at 2.80 (B365CH); Pinnacle's close devigged by Shin is the fair price, 1 / p.
    assert figure(html, "book-close") == "2.80"
    assert f'<div class="label">{closed_bet.bookmaker.title}\'s close</div>' in html
    assert "its last price by kick-off; not what CLV uses" in html
    fair = (1 / closed_bet.closing_fair_probability).quantize(Decimal("0.001"), ROUND_HALF_UP)
    assert fair != closed_bet.closing_price
    assert figure(html, "fair-close") == f"{fair:.3f}".rstrip("0")
    assert "Pinnacle's close, devigged by shin: what CLV uses" in html
    # The CLV shown is the price against that fair close: 2.75 / fair − 1, to the rounding of the fair price.
    assert figure(html, "clv") == "−2.0%"
    assert closed_bet.clv == (Decimal("2.750") * closed_bet.closing_fair_probability - 1).quantize(Decimal("0.00001"))
    rounding = Decimal("2.750") * Decimal("0.0005") / (fair - Decimal("0.0005")) ** 2  # of the fair price's last place
    assert abs(Decimal("2.750") / fair - 1 - closed_bet.clv) <= rounding
    assert "2.75 against the fair close 2.807" in html
    for term in ("edge", "fair", "clv"):
        assert f'aria-label="What is {EXPLANATIONS[term].name}?">?</summary>' in html
        assert f'<span class="explain-text" role="note">{escape(EXPLANATIONS[term].text)}</span>' in html
    # The market as the bettor reads it, and times with their zone.
    assert '<h1>Bournemouth  <span class="muted">Match result</span></h1>' in html
    assert "kick-off Wed 25 Nov 2026, 15:00 UTC" in html


def test_a_bet_without_a_close_yet_says_so(auth_client, event):
    bet = place_bet(bet=BetInputFactory(event=event, outcome="Arsenal", bookmaker="bet365", price="2.100"))
    html = auth_client.get(f"/bets/{bet.pk}/").content.decode()
    assert figure(html, "book-close") == "–"
    assert figure(html, "fair-close") == "–"
    assert "none: no CLV" in html
    assert "taken at kick-off" in html


def test_the_bets_page_query_count_is_the_same_with_1_and_20_bets(auth_client, closed_bet):
    with CaptureQueriesContext(connection) as one:
        assert auth_client.get(f"/bets/{closed_bet.pk}/").status_code == 200
    for _ in range(19):
        place_bet(
            bet=BetInputFactory(event=closed_bet.event, outcome="Draw", bookmaker="bet365", price="3.400"),
            allow_started=True,
        )
    assert Bet.objects.count() == 20
    with CaptureQueriesContext(connection) as twenty:
        assert auth_client.get(f"/bets/{closed_bet.pk}/").status_code == 200
    # The session, the user, the bettor's preferences, the bet with its event, sport and books.
    assert len(one) == len(twenty) == 4
