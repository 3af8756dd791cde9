"""Whatever a provider sends, the parsers answer with a snapshot (bad parts rejected with reasons)
or their own error type, never another exception; and what they accept passes ingestion's checks
or is rejected by them with a reason."""

import csv
import io
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odds.ingest import _admissible
from odds.providers.football_data import parse_csv
from odds.providers.odds_api import ProviderError, parse_odds, parse_scores

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
)


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """A plausible value most of the time, anything now and then."""
    return st.one_of(strategy, strategy, strategy, json_values)


times = st.sampled_from(["2024-01-15T20:00:00Z", "2024-01-15T20:00:00", "0001-01-01T00:00:00+05:00", "soon"])
outcomes = st.fixed_dictionaries(
    {"name": maybe(st.sampled_from(["Arsenal", "Chelsea", "Draw", "Over", "Under", "", "x" * 200, "A\x00"]))},
    optional={
        "price": maybe(st.sampled_from([1.5, 2.0, "2.1", 0.5, 1e300, float("nan"), True, -3])),
        "point": maybe(st.sampled_from([-1.5, 2.5, 0.3, "1", 1e20])),
    },
)
markets = st.fixed_dictionaries(
    {"key": maybe(st.sampled_from(["h2h", "spreads", "totals", "h2h_lay", "outrights"]))},
    optional={"last_update": maybe(times), "outcomes": maybe(st.lists(outcomes, max_size=4))},
)
bookmakers = st.fixed_dictionaries(
    {"key": maybe(st.sampled_from(["pinnacle", "bet365", "k" * 70, "Bad Key"]))},
    optional={"title": json_values, "last_update": maybe(times), "markets": maybe(st.lists(markets, max_size=3))},
)
events = st.fixed_dictionaries(
    {
        "id": maybe(st.text(alphabet=string.hexdigits, min_size=1, max_size=40)),
        "sport_key": maybe(st.sampled_from(["soccer_epl", "icehockey_nhl"])),
        "home_team": maybe(st.sampled_from(["Arsenal", "x" * 130, "A\x00"])),
        "away_team": maybe(st.sampled_from(["Chelsea", ""])),
        "commence_time": maybe(st.one_of(times, st.floats(), st.integers())),
    },
    optional={"bookmakers": maybe(st.lists(bookmakers, max_size=3)), "scores": json_values, "completed": json_values},
)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.one_of(json_values, st.lists(events, max_size=4)))
def test_an_odds_body_parses_or_is_a_provider_error(payload):
    try:
        snapshot = parse_odds(payload, known={})
    except ProviderError:
        return
    rejected: list[str] = []
    kept = _admissible(snapshot.events, rejected)
    assert all(isinstance(reason, str) and reason for reason in [*snapshot.rejected, *rejected])
    assert all(len(e.home_team) <= 128 and "\x00" not in e.home_team for e in kept)


@FUZZ
@given(st.one_of(json_values, st.lists(events, max_size=4)))
def test_a_scores_body_parses_or_is_a_provider_error(payload):
    try:
        updates, rejected = parse_scores(payload)
    except ProviderError:
        return
    assert all(isinstance(reason, str) for reason in rejected)
    assert all(isinstance(update.home_team, str) for update in updates)


HEADER = ["Div", "Date", "Time", "HomeTeam", "AwayTeam", "FTHG", "FTAG", "B365H", "B365D", "B365A", "AHh", "B365AHH"]
cells = st.one_of(
    st.sampled_from(["E0", "11/08/2023", "01/01/0001", "31/02/2023", "20:00", "25:61", "Burnley", "2", "-1", "1.5"]),
    st.text(max_size=20),
)


@FUZZ
@given(st.lists(st.lists(cells, min_size=0, max_size=len(HEADER) + 2), max_size=6), st.booleans())
def test_a_football_data_file_parses_row_by_row(rows, with_header):
    text = io.StringIO()
    writer = csv.writer(text)
    if with_header:
        writer.writerow(HEADER)
    writer.writerows(rows)
    result = parse_csv(text.getvalue(), name="fuzz.csv")
    rejected: list[str] = []
    _admissible(result.snapshot.events, rejected)
    assert all(reason.startswith(("fuzz.csv", "event ")) for reason in [*result.skipped, *rejected])


@FUZZ
@given(st.text(max_size=300))
def test_any_text_as_a_football_data_file_never_raises(text):
    result = parse_csv(text, name="any.csv")
    assert result.rows >= len(result.snapshot.events)
