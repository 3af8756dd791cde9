import copy
import json
import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bets.services import BetInput, place_bet
from devtools.testing import history_bounds, history_queries
from odds.ingest import Snapshot, ingest_snapshot
from odds.models import H2H, TOTALS, Event
from odds.providers.football_data import parse_file
from odds.providers.odds_api import parse_odds
from odds.selectors import HISTORY_AFTER_KICKOFF, history_lead
from odds.tests.conftest import DATA
from odds.tests.factories import EventOddsFactory, QuoteFactory
from odds.tests.story import AWAY, HOME, price_at, story_event
from opportunities.tests.factories import StrategyFactory

pytestmark = pytest.mark.django_db
FIGURES = re.compile(r'<figure class="movement-line" id="([^"]+)"')


def test_event_page_shows_prices_with_the_best_highlighted_and_a_chart(auth_client):
    ingest_snapshot(snapshot=parse_file(DATA / "E0_2324_head.csv").snapshot)
    event = Event.objects.get(home_team="Burnley")
    response = auth_client.get(f"/events/{event.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Burnley v Man City</h1>" in html
    assert "Result 0–3" in html
    assert "<h2>Prices at kick-off</h2>" in html
    assert 'class="num best"' in html
    assert '<svg class="chart movement"' in html
    assert FIGURES.findall(html) == ["line-h2h-0", "line-spreads-1_5", "line-totals-2_5"]
    assert "Pinnacle" in html


def test_event_page_partial_for_htmx(auth_client, epl_jan15):
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    event = Event.objects.first()
    response = auth_client.get(f"/events/{event.pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="prices"')
    assert "<h1>" not in html


def test_event_page_query_count_is_constant(auth_client, django_assert_num_queries, epl_jan15, epl_jan30):
    two_books = copy.deepcopy(epl_jan15)
    for odds in two_books:
        odds["bookmakers"] = odds["bookmakers"][:2]
    ingest_snapshot(snapshot=parse_odds(two_books))
    event = Event.objects.get(provider_id=epl_jan15[0]["id"])
    with django_assert_num_queries(16) as small:
        auth_client.get(f"/events/{event.pk}/")
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    ingest_snapshot(snapshot=parse_odds(epl_jan30))
    with django_assert_num_queries(len(small.captured_queries)):
        html = auth_client.get(f"/events/{event.pk}/").content.decode()
    assert html.count('<th class="num" title=') == len(epl_jan15[0]["bookmakers"])


def test_missing_event_is_404(auth_client):
    assert auth_client.get("/events/424242/").status_code == 404


def decimal_text(price: Decimal) -> str:
    text = f"{price:.3f}"
    return text[:-1] if text.endswith("0") else text


def bet_on_over(event: Event, *, at, bookmaker: str = "bet365", price: str = "1.90") -> None:
    place_bet(
        bet=BetInput(
            event_id=event.pk,
            market=TOTALS,
            outcome="Over",
            point="2.5",
            bookmaker=bookmaker,
            price=price,
            stake="10.00",
            placed_at=at,
        )
    )


def test_each_markets_main_line_is_charted_with_the_fair_price_and_the_bet(auth_client):
    StrategyFactory(pinnacle=True)
    story = story_event(now=timezone.now())
    bet_on_over(story.event, at=story.times[2] + timedelta(minutes=5))
    html = auth_client.get(f"/events/{story.event.pk}/").content.decode()
    assert "<h2>Prices now</h2>" in html
    assert FIGURES.findall(html) == ["line-h2h-0", "line-spreads-m0_5", "line-totals-2_5"]
    # Every other line a pick away: the handicaps and the totals quoted, the main one chosen.
    pickers = dict(re.findall(r'<select id="pick-[^"]+" name="([^"]+)">(.*?)</select>', html, re.S))
    assert {market: re.findall(r'<option value="([^"]+)"( selected)?>', o) for market, o in pickers.items()} == {
        "spreads": [("-1.5", ""), ("-0.5", " selected")],
        "totals": [("2.5", " selected"), ("3.5", "")],
    }
    assert "2.5 · 3 books · main · your bet" in pickers["totals"]
    assert html.count('<svg class="chart movement"') == 3 + 2 + 2
    assert html.count('data-series="fair" data-label="Fair price"') == 3 + 2 + 2
    assert html.count('class="bet-mark"') == 1
    assert "from <strong>Pinnacle: Pinnacle, multiplicative</strong>" in html


def test_another_line_is_charted_when_asked_for_on_the_page_or_alone(auth_client):
    story = story_event(now=timezone.now())
    html = auth_client.get(f"/events/{story.event.pk}/?spreads=-1.5&totals=9.5").content.decode()
    assert FIGURES.findall(html) == ["line-h2h-0", "line-spreads-m1_5", "line-totals-2_5"]
    assert "Over/under: no line &#x27;9.5&#x27; is quoted; the main line is shown" in html
    # What the line picker swaps in: that market's section alone.
    response = auth_client.get(f"/events/{story.event.pk}/movement/totals/?totals=3.5", HTTP_HX_REQUEST="true")
    part = response.content.decode()
    assert part.lstrip().startswith('<section class="movement-market" id="movement-totals"')
    assert FIGURES.findall(part) == ["line-totals-3_5"]
    assert part.count('<svg class="chart movement"') == 2
    assert "<h1>" not in part
    assert auth_client.get(f"/events/{story.event.pk}/movement/corners/").status_code == 404


def test_a_finished_event_shows_the_prices_in_force_at_kick_off_and_its_result(auth_client):
    story = story_event(now=timezone.now(), finished=True)
    html = auth_client.get(f"/events/{story.event.pk}/").content.decode()
    assert "<h2>Prices at kick-off</h2>" in html
    assert "Prices now" not in html
    assert "Result 2–1" in html
    home = re.search(rf"<td>h2h</td>\s*<td>{HOME} </td>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r'<span title="changed [^"]+">([^<]+)</span>', home)
    closing = [price_at(book, H2H, Decimal(0), HOME, 3) for book in ("pinnacle", "bet365", "williamhill")]
    assert cells == [f"{price:.2f}" for price in closing]  # Pinnacle's in-play 1.40 is not its close
    assert 'hx-trigger="every 60s"' not in html  # nothing to refresh


def test_the_event_page_reads_history_in_the_events_window_only(auth_client):
    story = story_event(now=timezone.now(), finished=True)
    with CaptureQueriesContext(connection) as queries:
        auth_client.get(f"/events/{story.event.pk}/")
    start = story.kickoff - history_lead()
    assert [history_bounds(sql) for sql in history_queries(queries.captured_queries)] == [
        {">=": [start], "<=": [story.kickoff]},  # the prices at kick-off
        {">=": [start], "<=": [story.kickoff]},  # the lines quoted before it
        {">=": [start], "<=": [story.kickoff + HISTORY_AFTER_KICKOFF]},  # the lines shown, in play left out
    ]


def test_the_fair_price_is_the_chosen_strategys(auth_client):
    StrategyFactory(pinnacle=True)
    consensus = StrategyFactory(name="Consensus", devig_method="additive", min_books=2, active=False)
    story = story_event(now=timezone.now())
    html = auth_client.get(f"/events/{story.event.pk}/?strategy={consensus.pk}").content.decode()
    assert "Consensus: consensus" in html
    # The match result's home price at the last snapshot: the additive devig of each complete book, averaged.
    devigged = []
    for book in ("pinnacle", "bet365", "williamhill"):
        implied = [1 / float(price_at(book, H2H, Decimal(0), o, 3)) for o in (HOME, "Draw", AWAY)]
        devigged.append([p - (sum(implied) - 1) / 3 for p in implied])
    mean = [sum(b[i] for b in devigged) / 3 for i in range(3)]
    fair = Decimal(repr(sum(mean) / mean[0])).quantize(Decimal("0.001"), ROUND_HALF_UP)
    chart = html[html.index('id="line-h2h-0"') :]
    points = re.search(r'data-series="fair" data-label="Fair price" data-points="([^"]+)"', chart).group(1)
    at, value, text = json.loads(unescape(points))[-1]
    assert (at, value, text) == (round(story.times[3].timestamp()), float(fair), decimal_text(fair))

    # A strategy that is not there: said beside the field, and the fair price of the first active one
    # (the one chosen above need not be active).
    html = auth_client.get(f"/events/{story.event.pk}/?strategy=999999").content.decode()
    assert "there is no strategy with the id 999999: the first active one is used" in html
    assert "from <strong>Pinnacle: Pinnacle, multiplicative</strong>" in html


def test_event_page_query_count_is_constant_with_every_line_and_bet(auth_client, django_assert_num_queries):
    StrategyFactory(pinnacle=True)
    now = timezone.now()
    story = story_event(now=now)
    bet_on_over(story.event, at=story.times[1])
    with django_assert_num_queries(14) as small:
        auth_client.get(f"/events/{story.event.pk}/")
    # Twice the books, three more lines and more bets: the same queries.
    books = ("unibet_eu", "sport888", "betfair_ex_eu")
    quotes = [
        QuoteFactory.build(
            home=HOME,
            bookmaker=book,
            market=TOTALS,
            outcome=outcome,
            point=Decimal(point),
            price=price,
            observed_at=now - timedelta(minutes=minutes),
        )
        for book in books
        for point in ("1.5", "2.5", "4.5")
        for minutes in (50, 20)
        for outcome, price in (("Over", Decimal(180 + minutes) / 100), ("Under", Decimal("2.00")))
    ]
    odds = EventOddsFactory.build(
        provider_id="story", home_team=HOME, away_team=AWAY, commence_time=story.kickoff, quotes=quotes
    )
    ingest_snapshot(snapshot=Snapshot(events=[odds]), collected_at=now)
    bet_on_over(story.event, at=story.times[2], bookmaker="pinnacle", price="1.95")
    bet_on_over(story.event, at=story.times[3])
    with django_assert_num_queries(len(small.captured_queries)):
        html = auth_client.get(f"/events/{story.event.pk}/").content.decode()
    assert '<option value="4.5">4.5 · 3 books</option>' in html
    assert "2.5 · 6 books · main · your bet" in html
    assert html.count('class="bet-mark"') == 3
    assert html.count('class="book-toggle c') == 3 + 3 + 6


def test_the_charts_read_in_the_bettors_odds_format_and_time_zone(auth_client, user):
    from web.models import Preferences

    Preferences.objects.create(user=user, odds_format="american", time_zone="America/New_York")
    StrategyFactory(pinnacle=True)
    story = story_event(now=timezone.now())
    html = auth_client.get(f"/events/{story.event.pk}/").content.decode()
    assert 'data-zone="America/New_York"' in html
    chart = html[html.index('id="line-h2h-0"') :]
    points = re.search(r'data-series="pinnacle" data-label="Pinnacle" data-points="([^"]+)"', chart).group(1)
    # Pinnacle's home price at each snapshot, +110 (2.10) down to -105 (1.95): American odds.
    assert [text for _, _, text in json.loads(unescape(points))] == ["+110", "+105", "+100", "-105"]
    ticks = re.findall(r'<text x="40" y="[^"]+" text-anchor="end">([^<]+)</text>', chart[: chart.index("</svg>")])
    assert len(ticks) >= 3
    assert [tick for tick in ticks if not re.fullmatch(r"[+-]\d+", tick)] == []  # the price axis too
    assert re.search(r'text-anchor="end">\d\d:\d\d E[SD]T</text>', chart[: chart.index("</svg>")])
