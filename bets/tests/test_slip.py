"""The bet slip without a browser: its figures (fair price, edge, Kelly stake) as detection values the same
price, recomputed by the preview as the price or stake changes; its refusals answered 422 with each error
beside its field; its choices refilled from the event's stored prices; the event search (one query, the
same at 2 and 20 events); the bets page's parts that refresh themselves."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest

from bets.models import Bet
from bets.services import add_ledger_entry, place_bet, settle_bet
from bets.tests.factories import BetInputFactory
from odds.models import Bookmaker, Event, Sport
from opportunities.detection import detect
from opportunities.models import Opportunity
from opportunities.tests.factories import NOW, event_with, h2h_event, quotes
from web.models import Preferences

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def titles(db):
    """The bookmakers' titles as the demo market and The Odds API give them (ingestion names a new one by its key)."""
    for key, title in {"pinnacle": "Pinnacle", "bet365": "Bet365", "williamhill": "William Hill"}.items():
        Bookmaker.objects.update_or_create(key=key, defaults={"title": title})


@pytest.fixture
def totals_event():
    """Pinnacle's fair price of Over 2.5 is 2.00 (2.00 both sides, no margin); bet365 offers 2.50 on it."""
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": 2.50, "Under": 1.60}}
    return event_with("slip-1", quotes("Home", prices, market="totals", point=2.5), home="Home", away="Away")


@pytest.fixture
def bankroll():
    add_ledger_entry(kind="deposit", amount="1000.00", at=NOW - timedelta(days=1))


def figures(html: str) -> dict[str, str]:
    """The slip's figures as shown: fair price, edge, Kelly stake, and the summary line."""
    found = {name: unescape(v).strip() for name, v in re.findall(r'<dd data-slip="(\w+)"[^>]*>(.*?)</dd>', html)}
    summary = re.search(r'data-slip="summary">(.*?)</p>', html, re.S)
    words = re.sub(r"<[^>]+>", "", unescape(summary.group(1))) if summary else ""
    found["summary"] = re.sub(r"\s+", " ", words).strip()
    return found


def beside(html: str) -> dict[str, str]:
    """Each field's error, as shown beside it (the event's beside the event search)."""
    shown = re.findall(r'<span class="errorlist" id="id_(\w+)_error">(.*?)</span>', html)
    return {name: unescape(error) for name, error in shown}


def over(on: Event, **fields: str) -> dict[str, str]:
    return {
        "event": str(on.pk),
        "market": "totals",
        "outcome": "Over",
        "point": "2.5",
        "bookmaker": "bet365",
        "price": "2.50",
        **fields,
    }


def test_the_preview_values_a_price_as_detection_does(auth_client, totals_event, bankroll):
    html = auth_client.get("/bets/new/preview/", over(totals_event, stake="10"), **HTMX).content.decode()
    # By hand: p = 0.5, edge = 2.5 × 0.5 − 1; Kelly (1.5 × 0.5 − 0.5) / 1.5 = 1/6, a quarter of it is
    # 0.04167 (under the 5% cap), of a 1,000.00 bankroll.
    assert figures(html) == {
        "fair": "2.00",
        "edge": "+25.0%",
        "kelly": "41.67",
        "summary": "Over 2.5 Over/under @ 2.50 · Bet365 · stake 10.00 to win 15.00",
    }
    assert "4.17% of the bankroll now (1,000.00)" in html
    assert 'data-fill="#id_stake" data-value="41.67"' in html
    assert "Fair price from Pinnacle value: Pinnacle, shin." in html
    # Detection finds the same price worth the same.
    detect(now=NOW)
    found = Opportunity.objects.get(strategy__name="Pinnacle value", bookmaker__key="bet365")
    assert (found.fair_price, found.edge, found.suggested_stake) == (Decimal(2), Decimal("0.25"), Decimal("41.67"))


def test_the_preview_follows_the_price_and_stake_typed(auth_client, totals_event, bankroll):
    lower = auth_client.get("/bets/new/preview/", over(totals_event, price="2.20", stake="20"), **HTMX)
    assert figures(lower.content.decode()) | {"summary": ""} == {
        "fair": "2.00",
        "edge": "+10.0%",
        "kelly": "20.83",  # (1.2 × 0.5 − 0.5) / 1.2 = 1/12, a quarter: 0.02083
        "summary": "",
    }
    assert "to win 24.00" in figures(lower.content.decode())["summary"]
    unreadable = auth_client.get("/bets/new/preview/", over(totals_event, price="abc"), **HTMX).content.decode()
    assert "Price: &#x27;abc&#x27; is not a number" in unreadable
    assert (figures(unreadable)["edge"], figures(unreadable)["kelly"]) == ("–", "–")
    assert "Give the price to see its edge." in unreadable
    # Typed in American odds once the bettor reads them: +150 is 2.50.
    Preferences.objects.create(user_id=auth_client.session["_auth_user_id"], odds_format="american")
    american = auth_client.get("/bets/new/preview/", over(totals_event, price="+150"), **HTMX).content.decode()
    assert figures(american)["fair"] == "+100"
    assert figures(american)["edge"] == "+25.0%"


def test_the_preview_less_what_is_already_staked_and_rounded_as_the_bettor_rounds(auth_client, totals_event, bankroll):
    place_bet(bet=BetInputFactory(event=totals_event, market="totals", outcome="Over", point="2.5", price="2.40"))
    Preferences.objects.create(user_id=auth_client.session["_auth_user_id"], stake_rounding=Decimal("5"))
    html = auth_client.get("/bets/new/preview/", over(totals_event), **HTMX).content.decode()
    # 41.67 less the 10.00 pending on Over 2.5, rounded down to 5s.
    assert figures(html)["kelly"] == "30.00"
    assert "less 10.00 already staked on this selection" in html


def test_the_stake_offered_is_capped_by_the_books_limit_and_balance(auth_client, totals_event, bankroll):
    from bets.services import record_limit

    record_limit(
        bookmaker=Bookmaker.objects.get(key="bet365"), market="totals", stake_accepted="20.00", stake_requested="40"
    )
    html = auth_client.get("/bets/new/preview/", over(totals_event), **HTMX).content.decode()
    assert figures(html)["kelly"] == "20.00"
    assert "Bet365&#x27;s limit, of 41.67" in html
    assert 'data-fill="#id_stake" data-value="20.00"' in html
    # 5.00 held there: the stake it can take, as the opportunities page offers it.
    add_ledger_entry(kind="deposit", amount="5.00", bookmaker="bet365", at=NOW - timedelta(hours=1))
    html = auth_client.get("/bets/new/preview/", over(totals_event), **HTMX).content.decode()
    assert figures(html)["kelly"] == "5.00"
    assert re.search(r"held at Bet365, of 41\.\d\d</span>", html)


@pytest.mark.parametrize(
    ("fields", "note"),
    [
        ({"event": ""}, "Choose an event to see the fair price."),
        ({"outcome": ""}, "Choose the market and outcome to see the fair price."),
        ({"point": ""}, "Give the total to see the fair price."),
        ({"point": "3.5"}, "No fair price: pinnacle does not quote this whole line."),
    ],
)
def test_the_preview_says_why_a_figure_is_missing(auth_client, totals_event, fields, note):
    html = auth_client.get("/bets/new/preview/", over(totals_event, **fields), **HTMX).content.decode()
    assert note in html
    assert figures(html)["fair"] == "–"


def test_the_preview_of_a_started_event_has_no_fair_price(auth_client):
    event = h2h_event("went", {"pinnacle": {"H": 2.0, "D": 3.5, "A": 4.0}}, home="A", away="B", kickoff=NOW)
    query = {"event": event.pk, "market": "h2h", "outcome": "A", "bookmaker": "pinnacle", "price": "2.0"}
    html = auth_client.get("/bets/new/preview/", query, **HTMX).content.decode()
    assert "The event has started: no fair price now." in html


def post(client, **fields: str):
    return client.post("/bets/new/", {"stake": "10.00", **fields}, **HTMX)


def test_each_refusal_is_answered_422_beside_its_field(auth_client, totals_event):
    nothing = post(auth_client)
    assert nothing.status_code == 422
    assert beside(nothing.content.decode())["event"] == "Choose the event: search by team or league."
    assert 'id="slip-search"' in nothing.content.decode()  # the event search, to choose one with
    wrong = post(auth_client, **over(totals_event, outcome="Home", stake="20000"))
    assert wrong.status_code == 422
    assert beside(wrong.content.decode()) == {
        "outcome": "'Home' is not an outcome of totals for Home v Away: Over, Under",
        "stake": "20000 is above the limit of 10000.00 (MONPS_MAX_STAKE)",
    }
    assert Bet.objects.count() == 0
    unknown = post(auth_client, **over(totals_event, opportunity="999999"))
    assert unknown.status_code == 422
    top = re.search(r'<ul class="errorlist slip-errors" role="alert">(.*?)</ul>', unknown.content.decode(), re.S)
    assert "<li>opportunity: no opportunity with id 999999</li>" in top.group(1)


def test_a_started_event_needs_the_started_flag_beside_the_event(auth_client):
    event = h2h_event("late", {"bet365": {"H": 2.0, "D": 3.5, "A": 4.0}}, home="A", away="B", kickoff=NOW)
    fields = {"event": str(event.pk), "market": "h2h", "outcome": "A", "bookmaker": "bet365", "price": "2.00"}
    refused = post(auth_client, **fields)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert beside(html) == {
        "event": "A v B started at 2026-11-24 12:00 UTC: a bet placed before the start needs the started flag "
        "(allow_started) to be entered late"
    }
    assert 'name="allow_started"' in html  # the flag, beside it
    placed = post(auth_client, **fields, allow_started="on")
    assert placed.status_code == 200
    assert Bet.objects.get().event_id == event.pk


def test_a_bad_price_in_the_bettors_odds_format_is_refused_beside_it(auth_client, totals_event):
    Preferences.objects.create(user_id=auth_client.session["_auth_user_id"], odds_format="fractional")
    refused = post(auth_client, **over(totals_event, price="2.5"))
    assert refused.status_code == 422
    assert beside(refused.content.decode()) == {"price": "'2.5' is not a price: write it like 3/2"}
    assert post(auth_client, **over(totals_event, price="3/2")).status_code == 200
    assert Bet.objects.get().price == Decimal("2.500")


def test_without_htmx_the_refused_slip_is_its_page(auth_client, totals_event):
    response = auth_client.post("/bets/new/", over(totals_event, stake="0"))
    assert response.status_code == 200
    assert "<h1>Place a bet</h1>" in response.content.decode()
    assert beside(response.content.decode()) == {"stake": "Ensure this value is greater than or equal to 0.01."}


def test_a_bet_placed_says_so_links_to_it_and_tells_the_lists(auth_client, totals_event):
    response = post(auth_client, **over(totals_event))
    bet = Bet.objects.get()
    assert json.loads(response["HX-Trigger"]) == {"betPlaced": {"id": bet.pk}}
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card slip-card placed" id="bet-form-card" role="status"')
    assert f'<a class="button" href="/bets/{bet.pk}/" data-bet="{bet.pk}">View bet {bet.pk}</a>' in html
    assert "Over 2.5</strong>" in html


def slip(client, **query: str) -> str:
    return client.get("/bets/new/", query, **HTMX).content.decode()


def value_of(html: str, name: str) -> str | None:
    found = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', html)
    if found is None:
        return None
    value = re.search(r'value="([^"]*)"', found.group(0))
    return unescape(value.group(1)) if value else ""


def selected_option(html: str, name: str) -> str:
    menu = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="([^"]*)" selected>', menu).group(1)


@pytest.fixture
def spreads_event():
    """Arsenal -0.5 and -1.5 at pinnacle and bet365 (and their Chelsea +0.5, +1.5), -0.5 at williamhill too."""
    main = {b: {"Arsenal": 1.90, "Chelsea": 1.95} for b in ("pinnacle", "bet365", "williamhill")}
    main["williamhill"]["Chelsea"] = 2.05
    alt = {b: {"Arsenal": 2.60, "Chelsea": 1.50} for b in ("pinnacle", "bet365")}
    h2h = {"bet365": {"Arsenal": 2.20, "Draw": 3.40, "Chelsea": 3.30}}
    prices = (
        quotes("Arsenal", main, market="spreads", point=-0.5)
        + quotes("Arsenal", alt, market="spreads", point=-1.5)
        + quotes("Arsenal", h2h)
    )
    return event_with("slip-sp", prices, home="Arsenal", away="Chelsea")


def test_the_slip_of_an_event_alone_opens_on_its_best_price(auth_client, spreads_event):
    html = slip(auth_client, event=str(spreads_event.pk))
    assert (selected_option(html, "market"), value_of(html, "outcome"), value_of(html, "price")) == (
        "h2h",
        "Arsenal",
        "2.20",
    )
    assert selected_option(html, "bookmaker") == "bet365"
    assert '<datalist id="slip-outcomes"><option value="Arsenal"></option><option value="Draw"></option>' in html


def test_a_choice_changed_refills_the_slip_from_the_stored_prices(auth_client, spreads_event):
    base = {"event": str(spreads_event.pk), "stake": "15", "notes": "as typed"}
    # The handicap market: its main line (most books), the bookmaker kept where it quotes it.
    html = slip(auth_client, **base, market="spreads", outcome="Arsenal", bookmaker="bet365", changed="market")
    assert (value_of(html, "point"), value_of(html, "price"), value_of(html, "stake")) == ("-0.50", "1.90", "15")
    assert '<option value="-1.50"></option><option value="-0.50"></option>' in html  # the lines stored
    # The other side: the same line seen from it.
    query = {**base, "market": "spreads", "outcome": "Chelsea", "point": "-0.50", "bookmaker": "bet365"}
    html = slip(auth_client, **query, changed="outcome")
    assert (value_of(html, "point"), value_of(html, "price")) == ("0.50", "1.95")
    # Another bookmaker: its stored price; the menu offers those quoting it first, best first.
    html = slip(auth_client, **{**query, "point": "0.50", "bookmaker": "williamhill"}, changed="bookmaker")
    assert value_of(html, "price") == "2.05"
    offered = re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', html.split('label="Others"')[0])
    assert offered[-3:] == [
        ("williamhill", "William Hill · 2.05"),
        ("bet365", "Bet365 · 1.95"),
        ("pinnacle", "Pinnacle · 1.95"),
    ]
    # A line nobody quotes, typed: kept, with the price as typed.
    html = slip(auth_client, **{**query, "point": "2.5", "price": "1.80"}, changed="point")
    assert (value_of(html, "point"), value_of(html, "price")) == ("2.5", "1.80")
    assert "as typed</textarea>" in html


def test_an_opportunity_s_slip_is_valued_by_its_strategy(auth_client, totals_event, bankroll):
    detect(now=NOW)
    found = Opportunity.objects.get(strategy__name="Pinnacle value", bookmaker__key="bet365")
    html = slip(auth_client, opportunity=str(found.pk))
    assert f'name="reference" value="{found.strategy_id}"' in html
    assert figures(html)["kelly"] == "41.67"
    assert value_of(html, "stake") == "41.67"
    # Another outcome chosen: no longer the opportunity's selection.
    query = {**over(totals_event, outcome="Under"), "opportunity": str(found.pk), "reference": str(found.strategy_id)}
    assert 'name="opportunity" value=' not in slip(auth_client, **query, changed="outcome")


def make_events(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        h2h_event(f"s{i}", {"bet365": {"H": 2.1, "D": 3.4, "A": 3.8}}, home=f"Rovers {i}", away=f"City {i}")


def test_the_event_search_is_one_query_whatever_it_finds(auth_client, django_assert_num_queries):
    make_events(2)
    # The session, the user, the bettor's preferences; the events with their sport.
    with django_assert_num_queries(4):
        html = auth_client.get("/bets/new/events/", {"q": "rovers"}, **HTMX).content.decode()
    assert html.count("data-event=") == 2
    make_events(18, start=2)
    with django_assert_num_queries(4):
        html = auth_client.get("/bets/new/events/", {"q": "rovers"}, **HTMX).content.decode()
    assert html.count("data-event=") == 20


def test_the_slip_with_the_search_is_the_same_queries_whatever_it_finds(auth_client, django_assert_num_queries):
    make_events(2)
    with django_assert_num_queries(5) as small:  # and the bookmakers of the slip's menu
        html = auth_client.get("/bets/new/", {"q": "city"}).content.decode()
    assert html.count("data-event=") == 2
    make_events(18, start=2)
    with django_assert_num_queries(len(small.captured_queries)):
        html = auth_client.get("/bets/new/", {"q": "city"}).content.decode()
    assert html.count("data-event=") == 20


def searched(client, q: str) -> list[str]:
    html = client.get("/bets/new/events/", {"q": q}, **HTMX).content.decode()
    return re.findall(r"<strong>(.*?)</strong>", html)


def test_the_event_search_finds_teams_and_leagues_upcoming_then_lately_started(auth_client):
    odds = {"bet365": {"H": 2.1, "D": 3.4, "A": 3.8}}
    h2h_event("a", odds, home="Arsenal", away="Chelsea", kickoff=NOW + timedelta(days=2))
    h2h_event("b", odds, home="Chelsea", away="Fulham", kickoff=NOW + timedelta(hours=3))
    h2h_event("c", odds, home="Leeds", away="Chelsea", kickoff=NOW - timedelta(hours=2))
    h2h_event("d", odds, home="Chelsea", away="Spurs", kickoff=NOW - timedelta(days=1))
    h2h_event("e", odds, home="Wolves", away="Chelsea", kickoff=NOW - timedelta(days=4))  # too long ago
    h2h_event("f", odds, home="Lakers", away="Celtics", kickoff=NOW + timedelta(days=1), sport="basketball_nba")
    assert searched(auth_client, "chelsea") == [
        "Chelsea v Fulham",
        "Arsenal v Chelsea",
        "Leeds v Chelsea",
        "Chelsea v Spurs",
    ]
    assert searched(auth_client, "CHELSEA ars") == ["Arsenal v Chelsea"]  # every word, any case
    Sport.objects.filter(key="basketball_nba").update(title="NBA", group="Basketball")
    assert searched(auth_client, "nba") == ["Lakers v Celtics"]
    assert searched(auth_client, "basketball celtics") == ["Lakers v Celtics"]
    assert searched(auth_client, "basketball_nba") == []  # a sport's key is no league's name
    html = auth_client.get("/bets/new/events/", {"q": "nobody"}, **HTMX).content.decode()
    assert "No event to come or started in the last 3 days has “nobody” in its teams or league." in html


def test_the_bets_page_refreshes_its_totals_and_bankroll_alone(auth_client, event, bankroll):
    bet = place_bet(bet=BetInputFactory(event=event))
    settle_bet(bet=bet, status="won")
    totals = auth_client.get("/bets/", {"status": "won"}, HTTP_HX_TARGET="bet-totals", **HTMX).content.decode()
    assert totals.lstrip().startswith('<p class="muted" hx-get="/bets/?status=won" hx-trigger="betSettled from:body"')
    assert '1 bets (0 pending) · staked 10.00 · profit <span class="pos">+11.00</span>' in totals
    money = auth_client.get("/bets/", HTTP_HX_TARGET="bankroll", **HTMX).content.decode()
    assert money.lstrip().startswith('<div id="bankroll" class="figures"')
    assert 'data-figure="bankroll">1,011.00<' in money
    assert 'hx-trigger="betPlaced from:body, betSettled from:body"' in money
    page = auth_client.get("/bets/").content.decode()
    assert 'hx-trigger="betSettled from:body" hx-swap="outerHTML" id="bet-totals"' in page
    assert 'id="slip-search"' in page  # the bet slip, with its event search
    assert "No bets match these filters." in auth_client.get("/bets/", {"status": "lost"}).content.decode()


def test_each_price_of_the_event_page_opens_the_slip_with_it(auth_client, spreads_event):
    html = auth_client.get(f"/events/{spreads_event.pk}/").content.decode()
    query = (
        f"event={spreads_event.pk}&amp;market=spreads&amp;outcome=Chelsea&amp;point=0.50"
        "&amp;bookmaker=williamhill&amp;price=2.050"
    )
    assert f'<a class="price" href="/bets/new/?{query}" hx-get="/bets/new/?{query}"' in html
    assert '<table class="event-prices" hx-target="#bet-form" hx-swap="innerHTML show:top">' in html
    opened = slip(auth_client, **dict(p.split("=") for p in unescape(query).split("&")))
    assert (value_of(opened, "point"), value_of(opened, "price"), selected_option(opened, "bookmaker")) == (
        "0.50",
        "2.05",
        "williamhill",
    )


def test_a_price_of_the_odds_screen_opens_the_slip_valued_by_the_strategy_chosen_there(auth_client, totals_event):
    from opportunities.models import Strategy

    consensus = Strategy.objects.get(name="Consensus value")
    link = first_price(auth_client.get("/odds/", {"strategy": consensus.pk}).content.decode())
    assert unescape(link).endswith(f"&reference={consensus.pk}")
    opened = auth_client.get(unescape(link), **HTMX).content.decode()
    assert f'name="reference" value="{consensus.pk}"' in opened
    assert "No fair price: fewer than 3 books quote this whole line." in opened  # two books: no consensus
    # The default strategy, as the screen shows it without a choice: Pinnacle's fair price.
    default = first_price(auth_client.get("/odds/").content.decode())
    assert "reference=" not in default
    assert figures(auth_client.get(unescape(default), **HTMX).content.decode())["fair"] == "2.00"


def first_price(screen: str) -> str:
    """The link of the odds screen's first price."""
    return re.search(r'<a class="price" id="price-\d+-\d+" href="([^"]+)"', screen).group(1)
