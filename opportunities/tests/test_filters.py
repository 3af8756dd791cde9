import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from opportunities.detection import detect
from opportunities.models import Opportunity, Strategy
from opportunities.tests.factories import NOW, OpportunityFactory, StrategyFactory, event_with, quotes
from web.models import Preferences

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    """Kick-off windows count from now: the fixtures' now."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def market() -> None:
    """Totals in two sports at two bookmakers and a match result, found by both default strategies;
    the first opportunity found is expired."""
    for i in range(3):
        prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": 2.10 + i / 100, "Under": 1.70}}
        event_with(f"t{i}", quotes("Home", prices, market="totals", point=2.5), kickoff=NOW + timedelta(hours=30 - i))
    for i in range(2):
        prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "williamhill": {"Over": 2.15 + i / 100, "Under": 1.70}}
        event_with(
            f"n{i}",
            quotes("Home", prices, market="totals", point=210.5),
            sport="basketball_nba",
            kickoff=NOW + timedelta(hours=40 + i),
        )
    books = {"pinnacle": {"H": 2.0, "Draw": 3.5, "A": 4.0}, "bet365": {"H": 2.25, "Draw": 3.3, "A": 3.6}}
    event_with("h0", quotes("H", books), home="H", away="A", kickoff=NOW + timedelta(hours=5))
    Strategy.objects.filter(name="Consensus value").update(active=True, min_books=2, min_edge=Decimal("0.01"))
    detect(now=NOW)
    Opportunity.objects.filter(pk=Opportunity.objects.order_by("id").first().pk).update(expired_at=NOW)


def page_rows(auth_client, query: str) -> list[int]:
    page = auth_client.get(f"/opportunities/?{query}").content.decode()
    return [int(pk) for pk in re.findall(r'<tr id="opportunity-(\d+)">', page)]


def listed(auth_client, query: str) -> dict[str, list[int]]:
    api = auth_client.get(f"/api/opportunities/?{query}").json()
    return {"page": page_rows(auth_client, query), "api": [row["id"] for row in api["results"]]}


def ids(queryset) -> list[int]:
    return list(queryset.values_list("id", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", lambda o: o.order_by("-edge", "-id")),
        ("market=totals", lambda o: o.filter(market="totals").order_by("-edge", "-id")),
        (
            "sport=basketball_nba&ordering=kickoff",
            lambda o: o.filter(event__sport__key="basketball_nba").order_by("event__commence_time", "-edge"),
        ),
        (
            "bookmaker=bet365&min_edge_pct=5.5",
            lambda o: o.filter(bookmaker__key="bet365", edge__gte=Decimal("0.055")).order_by("-edge", "-id"),
        ),
        ("strategy=Pinnacle%20value", lambda o: o.filter(strategy__name="Pinnacle value").order_by("-edge", "-id")),
        ("ordering=detected", lambda o: o.order_by("-detected_at", "-id")),
        ("ordering=detected_at", lambda o: o.order_by("detected_at", "id")),  # the API's older names too
        (
            # what the filter bar sends
            "sport=&window=&market=&bookmaker=&min_edge_pct=&min_price=&max_price=&strategy=&ordering=kickoff",
            lambda o: o.order_by("event__commence_time", "-edge"),
        ),
        # Kick-off windows from now (the fixture's events kick off 5 h to 41 h after it).
        (
            "window=12h",
            lambda o: o.filter(event__commence_time__range=(NOW, NOW + timedelta(hours=12))).order_by("-edge", "-id"),
        ),
        (
            "window=3d&ordering=kickoff",
            lambda o: o.filter(event__commence_time__range=(NOW, NOW + timedelta(days=3))).order_by(
                "event__commence_time", "-edge"
            ),
        ),
        # Decimal odds whatever the format (the client reads no preferences).
        ("min_price=2.12", lambda o: o.filter(price__gte=Decimal("2.12")).order_by("-edge", "-id")),
        (
            "min_price=2.11&max_price=2.16",
            lambda o: o.filter(price__range=(Decimal("2.11"), Decimal("2.16"))).order_by("-edge", "-id"),
        ),
        ("sport=nope", lambda o: o.none()),  # an unknown key lists nothing, on the page too
    ],
)
def test_the_page_and_the_api_list_the_same_opportunities(auth_client, market, query, expected):
    rows = ids(expected(Opportunity.objects.active()))
    assert rows or query == "sport=nope"
    assert listed(auth_client, query) == {"page": rows, "api": rows}


def test_a_strategy_by_id_as_the_pages_select_sends_it(auth_client, market):
    strategy = Strategy.objects.get(name="Consensus value")
    rows = ids(Opportunity.objects.active().filter(strategy=strategy).order_by("-edge", "-id"))
    assert rows
    assert listed(auth_client, f"strategy={strategy.pk}") == {"page": rows, "api": rows}
    # "²" is a digit to str.isdigit(), and int() refuses it: a name, not a 500
    assert listed(auth_client, "strategy=%C2%B2") == {"page": [], "api": []}


ACTIVE, EXPIRED = {"expired_at__isnull": True}, {"expired_at__isnull": False}
BOTH: dict[str, bool] = {}


@pytest.mark.parametrize(
    ("active", "which"),
    [("true", ACTIVE), ("false", EXPIRED), ("NO", EXPIRED), ("", BOTH), ("null", BOTH)],
)
def test_the_api_lists_active_expired_or_both(auth_client, market, active, which):
    rows = ids(Opportunity.objects.filter(**which).order_by("-edge", "-id"))
    body = auth_client.get("/api/opportunities/", {"active": active}).json()
    assert [row["id"] for row in body["results"]] == rows
    assert Opportunity.objects.filter(expired_at__isnull=False).count() == 1


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("min_edge=1_0", {"min_edge": ["'1_0' has an underscore: write 1000, not 1_000"]}),
        ("min_edge=%EF%BC%91", {"min_edge": ["'１' has digits other than 0-9"]}),
        ("min_edge=1e-2", {"min_edge": ["'1e-2' is in exponent notation: write the number in full"]}),
        ("min_edge=NaN", {"min_edge": ["'NaN' is not a finite number"]}),
        ("min_edge=5%25", {"min_edge": ["'5%' is not a number"]}),
        ("min_edge=0.12345", {"min_edge": ["Ensure that there are no more than 4 decimal places."]}),
        ("min_edge=100", {"min_edge": ["Ensure that there are no more than 2 digits before the decimal point."]}),
        ("min_edge_pct=2.555", {"min_edge_pct": ["Ensure that there are no more than 2 decimal places."]}),
        ("min_edge_pct=2,5", {"min_edge_pct": ["'2,5' is not a number"]}),
        ("window=5h", {"window": ['"5h" is not a valid choice.']}),
        ("min_price=1", {"min_price": ["Ensure this value is greater than or equal to 1.001."]}),
        ("max_price=two", {"max_price": ["'two' is not a number"]}),
        ("min_price=3&max_price=2.5", {"max_price": ["must not be below the min price"]}),
        (
            "market=corners&ordering=nonsense",
            {
                "market": ['"corners" is not a valid choice.'],
                "ordering": ['"nonsense" is not a valid choice.'],
            },
        ),
        ("active=None", {"active": ["Must be a valid boolean."]}),
    ],
)
def test_a_value_the_filters_cannot_read(auth_client, market, query, errors):
    """The API answers 400 naming each parameter; the page lists every active opportunity by edge."""
    response = auth_client.get(f"/api/opportunities/?{query}")
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid input.", "errors": errors})
    every = ids(Opportunity.objects.active().order_by("-edge", "-id"))
    assert page_rows(auth_client, query) == every


def test_the_filter_bar_keeps_its_fields_and_choices(auth_client, market):
    html = auth_client.get(
        "/opportunities/", {"market": "totals", "min_edge_pct": "3", "ordering": "kickoff", "window": "3d"}
    )
    bar = re.search(r'<form class="filters[^"]*" method="get".*?</form>', html.content.decode(), re.S).group(0)
    assert re.findall(r"<label>([^<]+)<(?:select|input)[^>]* name=\"(\w+)\"", bar) == [
        ("League", "sport"),
        ("Kick-off", "window"),
        ("Market", "market"),
        ("Bookmaker", "bookmaker"),
        ("Min edge %", "min_edge_pct"),
        ("Min price", "min_price"),
        ("Max price", "max_price"),
        ("Strategy", "strategy"),
        ("Ordering", "ordering"),
    ]
    consensus, pinnacle = Strategy.objects.order_by("name").values_list("pk", flat=True)
    assert re.findall(r'<option value="([^"]*)"( selected)?>([^<]+)</option>', bar) == [
        ("", " selected", "All leagues"),
        ("basketball_nba", "", "basketball_nba"),
        ("soccer_epl", "", "soccer_epl"),
        ("", "", "Any time"),
        ("3h", "", "Next 3 hours"),
        ("12h", "", "Next 12 hours"),
        ("24h", "", "Next 24 hours"),
        ("3d", " selected", "Next 3 days"),
        ("7d", "", "Next 7 days"),
        ("", "", "All markets"),
        ("h2h", "", "Match result"),
        ("spreads", "", "Handicap"),
        ("totals", " selected", "Over/under"),
        ("", " selected", "All bookmakers"),
        ("pinnacle", "", "Pinnacle"),
        ("bet365", "", "bet365"),
        ("williamhill", "", "williamhill"),
        ("", " selected", "All strategies"),
        (str(consensus), "", "Consensus value"),
        (str(pinnacle), "", "Pinnacle value"),
        ("expected_profit", "", "Expected profit"),
        ("edge", "", "Edge"),
        ("detected", "", "Newest"),
        ("kickoff", " selected", "Kick-off"),
    ]
    assert (
        '<input type="number" name="min_edge_pct" value="3" min="-100" max="1000" step="0.01"'
        ' aria-describedby="id_min_edge_pct_helptext" id="id_min_edge_pct">'
    ) in bar


def test_every_filters_help_text_is_shown_where_its_field_points(auth_client, market):
    """Each field that has a help text names it with aria-describedby, and the bar renders it there."""
    bar = re.search(r'<form class="filters.*?</form>', auth_client.get("/opportunities/").content.decode(), re.S)
    described = dict(re.findall(r'name="(\w+)"[^>]* aria-describedby="([^"]+)"', bar.group(0)))
    shown = dict(re.findall(r'<small class="help" id="([^"]+)">([^<]+)</small>', bar.group(0)))
    assert {name: shown[helptext] for name, helptext in described.items()} == {
        "min_edge_pct": "in percent: 2.5 = 2.5%",
        "min_price": "odds, e.g. 2.50",
        "max_price": "odds, e.g. 2.50",
    }


@pytest.mark.parametrize("client_kind", ["page", "api"])
def test_a_minimum_edge_in_percent(auth_client, client_kind):
    """2.5 means 2.5%: it lists an edge of 3% and not one of 2% (edge = price × 0.5 − 1)."""
    strategy = StrategyFactory()
    three = OpportunityFactory(strategy=strategy, price=Decimal("2.060"), fair_probability=Decimal("0.5"))
    two = OpportunityFactory(strategy=strategy, price=Decimal("2.040"), fair_probability=Decimal("0.5"))
    assert (three.edge, two.edge) == (Decimal("2.060") * Decimal("0.5") - 1, Decimal("2.040") * Decimal("0.5") - 1)
    assert (three.edge, two.edge) == (Decimal("0.03"), Decimal("0.02"))
    found = listed(auth_client, "min_edge_pct=2.5")[client_kind]
    assert found == [three.pk]
    assert listed(auth_client, "min_edge_pct=2")[client_kind] == [three.pk, two.pk]  # at least: 2% itself counts


def test_the_api_keeps_its_minimum_edge_as_a_fraction(auth_client):
    strategy = StrategyFactory()
    three = OpportunityFactory(strategy=strategy, price=Decimal("2.060"), fair_probability=Decimal("0.5"))
    OpportunityFactory(strategy=strategy, price=Decimal("2.040"), fair_probability=Decimal("0.5"))
    assert listed(auth_client, "min_edge=0.025")["api"] == [three.pk]
    schema = auth_client.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/opportunities/"]["get"]["parameters"]}
    assert "as a fraction: 0.03 lists edges of 3% and more" in parameters["min_edge"]["description"]
    assert "in percent: 2.5 lists edges of 2.5% and more" in parameters["min_edge_pct"]["description"]
    edge = schema["components"]["schemas"]["OpportunityOut"]["properties"]["edge"]
    assert edge["description"] == "expected return per unit staked, as a fraction: 0.03 = 3%"


def test_the_page_reads_prices_in_the_bettors_odds_format(auth_client, user):
    """American +110 is 2.10 and -125 is 1.80 (100 ÷ 125 + 1); the API reads decimal odds whatever they are."""
    Preferences.objects.create(user=user, odds_format="american")
    strategy = StrategyFactory()
    prices = [Decimal("1.750"), Decimal("1.800"), Decimal("2.100"), Decimal("2.200")]
    rows = {
        price: OpportunityFactory(strategy=strategy, price=price, fair_probability=Decimal("0.6")) for price in prices
    }
    by_edge = sorted(rows.values(), key=lambda o: (-o.edge, -o.pk))
    page = page_rows(auth_client, "min_price=-125&max_price=%2B110")
    assert page == [o.pk for o in by_edge if Decimal("1.800") <= o.price <= Decimal("2.100")]
    html = auth_client.get("/opportunities/").content.decode()
    assert '<small class="help" id="id_min_price_helptext">odds, e.g. +150 or -200</small>' in html
    assert listed(auth_client, "min_price=1.8&max_price=2.1")["api"] == page


def test_the_page_names_what_it_could_not_read(auth_client, market):
    html = auth_client.get("/opportunities/", {"min_edge_pct": "1e-2", "window": "5h"}).content.decode()
    assert re.findall(r"<li>([^<]+) Not applied: every opportunity is listed.</li>", html) == [
        "Kick-off: &quot;5h&quot; is not a valid choice.",
        "Min edge %: &#x27;1e-2&#x27; is in exponent notation: write the number in full",
    ]
