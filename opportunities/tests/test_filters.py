import re
from datetime import timedelta
from decimal import Decimal

import pytest

from opportunities.detection import detect
from opportunities.models import Opportunity, Strategy
from opportunities.tests.factories import NOW, event_with, quotes

pytestmark = pytest.mark.django_db


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
    event_with("h0", quotes("H", books), home="H", away="A")
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
            "bookmaker=bet365&min_edge=0.055",
            lambda o: o.filter(bookmaker__key="bet365", edge__gte=Decimal("0.055")).order_by("-edge", "-id"),
        ),
        ("strategy=Pinnacle%20value", lambda o: o.filter(strategy__name="Pinnacle value").order_by("-edge", "-id")),
        ("ordering=detected", lambda o: o.order_by("-detected_at", "-id")),
        ("ordering=detected_at", lambda o: o.order_by("detected_at", "id")),  # the API's older names too
        (
            "sport=&market=&bookmaker=&min_edge=&strategy=&ordering=kickoff",  # what the filter bar sends
            lambda o: o.order_by("event__commence_time", "-edge"),
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
    html = auth_client.get("/opportunities/", {"market": "totals", "min_edge": "0.03", "ordering": "kickoff"})
    bar = re.search(r'<form class="filters" method="get".*?</form>', html.content.decode(), re.S).group(0)
    assert re.findall(r"<label>([^<]+)<(?:select|input)[^>]* name=\"(\w+)\"", bar) == [
        ("Sport", "sport"),
        ("Market", "market"),
        ("Bookmaker", "bookmaker"),
        ("Min edge", "min_edge"),
        ("Strategy", "strategy"),
        ("Ordering", "ordering"),
    ]
    consensus, pinnacle = Strategy.objects.order_by("name").values_list("pk", flat=True)
    assert re.findall(r'<option value="([^"]*)"( selected)?>([^<]+)</option>', bar) == [
        ("", " selected", "All sports"),
        ("basketball_nba", "", "basketball_nba"),
        ("soccer_epl", "", "soccer_epl"),
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
        ("edge", "", "Edge"),
        ("detected", "", "Newest"),
        ("kickoff", " selected", "Kick-off"),
    ]
    assert (
        '<input type="number" name="min_edge" value="0.03" min="-1" max="10" step="0.0001"'
        ' aria-describedby="id_min_edge_helptext" id="id_min_edge">'
    ) in bar
