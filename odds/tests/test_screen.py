"""The odds screen (/odds/): every figure it shows against a computation by hand, its filters, its
orders, its HTMX refresh, the bet slip each price opens, and its query count at two sizes."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

import pytest
import time_machine

from odds.models import Event
from odds.screen import PER_PAGE
from opportunities.models import Strategy
from opportunities.pricing import devig
from opportunities.tests.factories import NOW, event_with, h2h_event, quotes

pytestmark = pytest.mark.django_db

CONSENSUS = "Consensus value"  # multiplicative, at least 3 complete books (migration 0003)


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


class Lines(HTMLParser):
    """The screen's line tables as text: per table its caption and rows of cell texts, without the
    explanations' text (``<details>``); and each event card's heading, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.events: list[str] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._heading: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "details":
            self._hidden += 1
        elif tag == "table" and "odds-line" in classes:
            self.tables.append({"caption": "", "market": dict(attrs)["data-market"], "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td") and self.tables:
            self._cell = []
        elif tag == "h2":
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._hidden -= 1
        elif tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("th", "td") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "h2" and self._heading is not None:
            self.events.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        for part in (self._cell, self._caption, self._heading):
            if part is not None:
                part.append(data)


def parsed(html: str) -> Lines:
    lines = Lines()
    lines.feed(html)
    return lines


def screen(client, **query) -> Lines:
    response = client.get("/odds/", query)
    assert response.status_code == 200
    return parsed(response.content.decode())


# By hand, as the page rounds: decimal odds to 3 places shown with 2 unless the third matters,
# percentages to one place, half up, with a real minus sign.
def odds_text(price: float) -> str:
    text = f"{Decimal(repr(price)).quantize(Decimal('0.001'), ROUND_HALF_UP):.3f}"
    return text[:-1] if text.endswith("0") else text


def pct_text(fraction: float, signed: bool = False) -> str:
    number = (Decimal(repr(fraction)) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if not signed:
        return f"{number}%"
    return f"{'+' if number > 0 else '−' if number < 0 else ''}{abs(number)}%"


H2H_PRICES = {
    # Home, Draw, Away. William Hill does not price the away win: no margin, no devig of its line.
    "pinnacle": {"H": 2.00, "D": 3.60, "A": 4.20},
    "bet365": {"H": 2.20, "D": 3.40, "A": 3.50},
    "unibet_eu": {"H": 2.05, "D": 3.50, "A": 3.90},
    "williamhill": {"H": 2.10, "D": 3.50},
}
NAMES = {"H": "Arsenal", "D": "Draw", "A": "Chelsea"}
# Titles as ingestion names a book it does not know (its key); Pinnacle's comes with the migrations.
TITLES = {"pinnacle": "Pinnacle", "bet365": "bet365", "unibet_eu": "unibet_eu", "williamhill": "williamhill"}


@pytest.fixture
def arsenal() -> Event:
    return h2h_event("ars-che", H2H_PRICES, home="Arsenal", away="Chelsea", kickoff=NOW + timedelta(hours=2))


def fair_by_hand(method: str, books: list[str]) -> dict[str, float]:
    """The fair probability of each outcome: each book's line devigged, averaged, renormalised (one
    book: its line devigged), in the order of outcome names as valuation devigs them."""
    names = sorted(NAMES.values())
    keys = {NAMES[k]: k for k in NAMES}
    devigged = [devig([H2H_PRICES[book][keys[name]] for name in names], method) for book in books]
    averaged = [sum(book[i] for book in devigged) / len(devigged) for i in range(len(names))]
    return {name: p / sum(averaged) for name, p in zip(names, averaged, strict=True)}


def expected_rows(fair: dict[str, float], columns: list[str]) -> list[list[str]]:
    """The h2h table's rows as text: outcome, fair price, then each book's price cell (its title, the
    price, the best marked, the edge), then the margins."""
    rows = []
    for key in ("H", "D", "A"):
        outcome = NAMES[key]
        shown = {book: H2H_PRICES[book][key] for book in columns if key in H2H_PRICES[book]}
        best = max(shown.values())
        cells = [outcome, f"Fair {odds_text(1 / fair[outcome])}"]
        for book in columns:
            if book not in shown:
                cells.append("–")
                continue
            price = shown[book]
            mark = "▲ best price" if price == best else ""
            cells.append(f"{TITLES[book]} {odds_text(price)}{mark} {pct_text(price * fair[outcome] - 1, signed=True)}")
        rows.append(cells)
    margins = ["Margin", ""]
    for book in columns:
        prices = H2H_PRICES[book]
        margin = sum(1 / p for p in prices.values()) - 1 if len(prices) == 3 else None
        margins.append(f"{TITLES[book]} {pct_text(margin) if margin is not None else '–'}")
    return [["Outcome", "Fair", *(TITLES[b] + (" ★" if b == "pinnacle" else "") for b in columns)], *rows, margins]


def test_every_price_fair_price_edge_and_margin_as_computed_by_hand(auth_client, arsenal):
    page = screen(auth_client)
    [table] = page.tables
    # Pinnacle (the first active strategy's reference, sharp) first, then by title.
    columns = ["pinnacle", "bet365", "unibet_eu", "williamhill"]
    assert table["caption"] == "Match result"
    assert table["rows"] == expected_rows(fair_by_hand("shin", ["pinnacle"]), columns)


def test_the_consensus_of_a_chosen_strategy_averages_every_complete_book(auth_client, arsenal):
    consensus = Strategy.objects.get(name=CONSENSUS)
    html = auth_client.get("/odds/", {"strategy": consensus.pk}).content.decode()
    assert "Fair prices from <strong>Consensus value: consensus (3+), multiplicative</strong>" in html
    [table] = parsed(html).tables
    # William Hill's line is incomplete: the consensus is the other three's.
    fair = fair_by_hand("multiplicative", ["pinnacle", "bet365", "unibet_eu"])
    assert table["rows"] == expected_rows(fair, ["pinnacle", "bet365", "unibet_eu", "williamhill"])
    # Asked for by name, the same; with four books needed, there is no fair price and the line says why.
    assert screen(auth_client, strategy=CONSENSUS).tables == [table]
    Strategy.objects.filter(pk=consensus.pk).update(min_books=4)
    [table] = screen(auth_client, strategy=consensus.pk).tables
    assert table["caption"] == "Match result · no fair price: fewer than 4 books quote this whole line"
    assert [row[1] for row in table["rows"][1:4]] == ["Fair –"] * 3
    assert table["rows"][1][2] == "Pinnacle 2.00 –"  # a price without a fair price has no edge


def test_an_unknown_strategy_falls_back_to_the_first_active_one_and_says_so(auth_client, arsenal):
    html = auth_client.get("/odds/", {"strategy": "nope"}).content.decode()
    assert "Fair prices from <strong>Pinnacle value: Pinnacle, shin</strong> (there is no strategy “nope”)" in html
    [table] = parsed(html).tables
    assert table["rows"] == expected_rows(fair_by_hand("shin", ["pinnacle"]), list(TITLES))


def test_without_an_active_strategy_the_default_rules_price_from_the_consensus(auth_client, arsenal):
    Strategy.objects.update(active=False)
    html = auth_client.get("/odds/").content.decode()
    assert "Fair prices from <strong>consensus (3+), shin</strong>" in html  # StrategyRules' defaults
    [table] = parsed(html).tables
    fair = fair_by_hand("shin", ["pinnacle", "bet365", "unibet_eu"])
    assert table["rows"] == expected_rows(fair, ["pinnacle", "bet365", "unibet_eu", "williamhill"])


def test_a_handicap_and_a_total_show_their_points(auth_client):
    spreads = quotes("Arsenal", {"pinnacle": {"Arsenal": 1.90, "Chelsea": 2.00}}, market="spreads", point=-0.5)
    totals = quotes("Arsenal", {"pinnacle": {"Over": 1.80, "Under": 2.10}}, market="totals", point=2.5)
    event_with("pts", spreads + totals, home="Arsenal", away="Chelsea", kickoff=NOW + timedelta(hours=5))
    page = screen(auth_client)
    assert [(t["market"], t["caption"]) for t in page.tables] == [
        ("spreads", "Handicap Arsenal -0.5"),
        ("totals", "Over/under 2.5"),
    ]
    assert [row[0] for row in page.tables[0]["rows"][1:3]] == ["Arsenal -0.5", "Chelsea +0.5"]
    assert [row[0] for row in page.tables[1]["rows"][1:3]] == ["Over 2.5", "Under 2.5"]


@pytest.fixture
def fixtures() -> None:
    """Soccer events kicking off in 2 h, 10 h, 2 days and 5 days, one NBA game in 20 h, one match that
    has started and one cancelled. The later a soccer event, the larger bet365's edge on its home win."""
    kickoffs = {"In2h": timedelta(hours=2), "In10h": timedelta(hours=10), "In2d": timedelta(days=2)}
    kickoffs |= {"In5d": timedelta(days=5), "Started": -timedelta(minutes=30), "Cancelled": timedelta(hours=3)}
    for i, (home, offset) in enumerate(kickoffs.items()):
        h2h = quotes(home, {"pinnacle": {home: 2.0, "Draw": 3.6, "Away": 4.2}, "bet365": {home: 2.1 + i / 10}})
        totals = quotes(home, {"pinnacle": {"Over": 1.9, "Under": 1.95}}, market="totals", point=2.5)
        event_with(home, h2h + totals, home=home, kickoff=NOW + offset)
    Event.objects.filter(home_team="Cancelled").update(cancelled=True)
    nba = quotes("Celtics", {"pinnacle": {"Celtics": 1.5, "Away": 2.7}})
    event_with("nba", nba, home="Celtics", sport="basketball_nba", kickoff=NOW + timedelta(hours=20))


def homes(client, **query) -> list[str]:
    return [heading.split(" v ")[0] for heading in screen(client, **query).events]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["In2h", "In10h", "Celtics", "In2d", "In5d"]),  # never one that started or was cancelled
        ({"window": "3h"}, ["In2h"]),
        ({"window": "12h"}, ["In2h", "In10h"]),
        ({"window": "24h"}, ["In2h", "In10h", "Celtics"]),
        ({"window": "3d"}, ["In2h", "In10h", "Celtics", "In2d"]),
        ({"window": "7d"}, ["In2h", "In10h", "Celtics", "In2d", "In5d"]),
        ({"sport": "basketball_nba"}, ["Celtics"]),
        ({"sport": "soccer_epl", "window": "12h"}, ["In2h", "In10h"]),
        ({"sport": "nope"}, []),
        ({"sort": "edge"}, ["In5d", "In2d", "In10h", "In2h", "Celtics"]),  # Celtics: no price beats the fair one
        ({"sort": "kickoff"}, ["In2h", "In10h", "Celtics", "In2d", "In5d"]),
        ({"sort": "edge", "window": "24h"}, ["In10h", "In2h", "Celtics"]),
        ({"sort": "edge", "bookmaker": "bet365"}, ["In5d", "In2d", "In10h", "In2h", "Celtics"]),  # every price read
        # Three complete books needed, one each: no fair price, no edge, by kick-off.
        ({"sort": "edge", "strategy": CONSENSUS}, ["In2h", "In10h", "Celtics", "In2d", "In5d"]),
    ],
)
def test_the_events_listed_and_their_order(auth_client, fixtures, query, expected):
    assert homes(auth_client, **query) == expected


def test_sorted_by_edge_each_event_shows_its_largest_edge(auth_client, fixtures):
    html = auth_client.get("/odds/", {"sort": "edge"}).content.decode()
    shown = re.findall(r"data-best-edge>([^<]+)<", html)
    p = fair_by_hand_for(2.0, 3.6, 4.2)
    celtics = dict(zip(["Away", "Celtics"], devig([2.7, 1.5], "shin"), strict=True))
    by_hand = [pct_text((2.1 + i / 10) * p - 1, signed=True) for i in (3, 2, 1, 0)]
    best_celtics = max(1.5 * celtics["Celtics"] - 1, 2.7 * celtics["Away"] - 1)  # Pinnacle's own, below 0
    assert shown == [*by_hand, pct_text(best_celtics, signed=True)]


def fair_by_hand_for(home: float, draw: float, away: float) -> float:
    """The home win's fair probability by Shin from Pinnacle's line (outcomes in name order: Away,
    Draw, then the home team's name, which sorts after both here)."""
    return devig([away, draw, home], "shin")[2]


def test_a_market_shows_its_lines_only(auth_client, fixtures):
    page = screen(auth_client, market="totals", window="12h")
    assert page.events == ["In2h v Away", "In10h v Away"]
    assert [t["market"] for t in page.tables] == ["totals", "totals"]
    page = screen(auth_client, market="h2h", window="12h")
    assert [t["market"] for t in page.tables] == ["h2h", "h2h"]


def test_the_bookmakers_chosen_are_the_prices_shown_and_the_fair_price_still_the_strategys(auth_client, arsenal):
    fair = fair_by_hand("shin", ["pinnacle"])
    [table] = screen(auth_client, bookmaker=["unibet_eu", "bet365"]).tables
    rows = expected_rows(fair, ["bet365", "unibet_eu"])  # Pinnacle not shown, its fair price still used
    assert table["rows"] == rows
    response = auth_client.get("/odds/", {"bookmaker": "betfair_ex_eu"}).content.decode()
    assert parsed(response).tables == []
    assert "No prices from the chosen bookmakers for this event yet." in response


def test_a_value_it_cannot_read_is_shown_with_its_error_and_ignored(auth_client, fixtures):
    html = auth_client.get("/odds/", {"window": "5h", "sort": "best"}).content.decode()
    assert "&quot;5h&quot; is not a valid choice." in html
    assert "&quot;best&quot; is not a valid choice." in html
    assert [h.split(" v ")[0] for h in parsed(html).events] == ["In2h", "In10h", "Celtics", "In2d", "In5d"]


def test_the_htmx_refresh_is_the_events_alone_every_minute_with_a_real_link(auth_client, arsenal):
    full = auth_client.get("/odds/", {"market": "h2h"})
    assert '<a href="/odds/" aria-current="page">Odds</a>' in full.content.decode()
    partial = auth_client.get("/odds/", {"market": "h2h"}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert html.lstrip().startswith(
        '<section id="screen" class="odds-screen" hx-get="/odds/?market=h2h" hx-trigger="every 60s" '
        'hx-swap="outerHTML">'
    )
    assert '<a href="/odds/?market=h2h" hx-get="/odds/?market=h2h" hx-target="#screen"' in html
    assert "<h1>" not in html
    assert "<form" not in html
    assert parsed(html).tables == parsed(full.content.decode()).tables
    assert "HX-Request" in partial["Vary"]
    assert "HX-Request" in full["Vary"]


def test_a_price_opens_the_bet_slip_filled_with_it(auth_client, arsenal):
    html = auth_client.get("/odds/").content.decode()
    selection = arsenal.selections.get(outcome="Arsenal")
    bet365 = selection.prices.get(bookmaker__key="bet365")
    cell = f"price-{selection.pk}-{bet365.bookmaker_id}"
    link = re.search(rf'<a class="price" id="{cell}" href="([^"]+)" hx-get="([^"]+)"', html)
    href = f"/bets/new/?event={arsenal.pk}&amp;market=h2h&amp;outcome=Arsenal&amp;bookmaker=bet365&amp;price=2.200"
    assert link.groups() == (href, href)
    slip = auth_client.get(href.replace("&amp;", "&"), HTTP_HX_REQUEST="true").content.decode()
    assert f'name="event" value="{arsenal.pk}"' in slip
    assert re.search(r'<option value="h2h" selected>', slip)
    assert 'name="outcome" value="Arsenal"' in slip
    assert re.search(r'<option value="bet365" selected>', slip)
    assert 'name="price" value="2.20"' in slip
    # A handicap's point goes with it.
    spreads = quotes("Arsenal", {"bet365": {"Arsenal": 1.90, "Chelsea": 2.00}}, market="spreads", point=-0.5)
    event = event_with("sp", spreads, home="Arsenal", away="Chelsea", kickoff=NOW + timedelta(hours=3))
    html = auth_client.get("/odds/", {"market": "spreads"}).content.decode()
    query = (
        f"event={event.pk}&amp;market=spreads&amp;outcome=Chelsea&amp;point=0.50&amp;bookmaker=bet365&amp;price=2.000"
    )
    assert f'href="/bets/new/?{query}"' in html


def many_events(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        home = f"H{i}"
        h2h = {book: {home: 2.0 + i / 100, "Draw": 3.5, "Away": 4.0} for book in ("pinnacle", "bet365", "williamhill")}
        totals = {"pinnacle": {"Over": 1.9, "Under": 1.95}, "bet365": {"Over": 2.0, "Under": 1.8}}
        prices = quotes(home, h2h) + quotes(home, totals, market="totals", point=2.5)
        event_with(f"m{i}", prices, home=home, kickoff=NOW + timedelta(hours=1 + i))


@pytest.mark.parametrize(
    ("query", "count"),
    [
        # Session, user, preferences; the strategy, its sports and bookmakers; the bookmakers; the events
        # (by kick-off counted, then a page of them); the page's quotes; the filter bar's sports,
        # bookmakers and strategies.
        ({}, 13),
        ({"bookmaker": ["bet365", "pinnacle"], "market": "h2h"}, 13),
        # By edge every event at once (not counted), each selection summarised, then the page's quotes.
        ({"sort": "edge"}, 13),
        # By edge at some books only: every price of every event, then the page's quotes.
        ({"sort": "edge", "bookmaker": "bet365"}, 13),
    ],
)
def test_the_query_count_is_the_same_for_2_and_20_events(auth_client, django_assert_num_queries, query, count):
    many_events(2)
    with django_assert_num_queries(count) as small:
        assert len(screen(auth_client, **query).events) == 2
    with django_assert_num_queries(len(small.captured_queries) - 3) as partial:  # no filter bar to fill
        auth_client.get("/odds/", query, HTTP_HX_REQUEST="true")
    many_events(18, start=2)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(screen(auth_client, **query).events) == PER_PAGE
    with django_assert_num_queries(len(partial.captured_queries)):
        auth_client.get("/odds/", query, HTTP_HX_REQUEST="true")


def american_text(price: float) -> str:
    """American odds by hand: the profit on 100 from 2.00 up, the stake that wins 100 below it."""
    exact = Decimal(repr(price))
    if exact >= 2:
        return f"+{((exact - 1) * 100).quantize(Decimal(1), ROUND_HALF_UP)}"
    return f"-{(100 / (exact - 1)).quantize(Decimal(1), ROUND_HALF_UP)}"


def test_prices_and_times_follow_the_bettors_odds_format_and_time_zone(auth_client, user, arsenal):
    from web.models import Preferences

    Preferences.objects.create(user=user, odds_format="american", time_zone="America/New_York")
    html = auth_client.get("/odds/").content.decode()
    assert "Tue 24 Nov 09:00 EST" in html  # kick-off at 14:00 UTC, New York five hours behind in November
    [table] = parsed(html).tables
    fair = fair_by_hand("shin", ["pinnacle"])
    home = table["rows"][1]
    assert home[:3] == ["Arsenal", f"Fair {american_text(1 / fair['Arsenal'])}", f"Pinnacle {american_text(2.0)} −1.2%"]
    assert home[3].startswith(f"bet365 {american_text(2.2)}▲")
    # The slip the price opens shows it as the bettor reads prices; the link carries decimal odds.
    href = re.search(r'href="(/bets/new/\?[^"]*bookmaker=bet365&amp;price=2.200)"', html).group(1)
    slip = auth_client.get(href.replace("&amp;", "&"), HTTP_HX_REQUEST="true").content.decode()
    assert f'name="price" value="{american_text(2.2)}"' in slip
