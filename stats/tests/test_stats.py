"""Stats checked against an independent computation: plain Python over the same bets."""

import random
import re
import statistics
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from bets.models import Bet
from bets.services import BetInput, add_ledger_entry, place_bet, settle_bet
from opportunities.tests.factories import NOW, h2h_event
from stats import formulas, selectors
from stats.formulas import longest_run, max_drawdown, significance
from stats.verdict import verdict_sentence
from web.templatetags.monps import signed_money

pytestmark = pytest.mark.django_db
STATUSES = ["won", "lost", "half_won", "half_lost", "push", "void", "pending"]


def make_history(n: int, seed: int = 3) -> list[Bet]:
    rng = random.Random(seed)
    add_ledger_entry(kind="deposit", amount="1000.00", at=NOW - timedelta(days=60))
    bets = []
    for i in range(n):
        event = h2h_event(
            f"s{seed}-{i}",
            {"bet365": {"H": 2.0, "D": 3.4, "A": 3.9}, "williamhill": {"H": 2.05, "D": 3.3, "A": 3.8}},
            home=f"H{i}",
            away=f"A{i}",
        )
        price = Decimal(rng.choice(["1.450", "1.900", "2.500", "3.750", "6.000"]))
        bet = place_bet(
            bet=BetInput(
                event_id=event.pk,
                market="h2h",
                outcome=f"H{i}",
                point=None,
                bookmaker=rng.choice(["bet365", "williamhill"]),
                price=price,
                stake=Decimal(rng.randint(5, 50)).quantize(Decimal("0.01")),
                placed_at=NOW - timedelta(days=30 - i % 30),
                strategy_name=rng.choice(["A", "B"]),
            )
        )
        status = rng.choice(STATUSES)
        if status != "pending":
            with time_machine.travel(NOW - timedelta(days=29 - i % 30, hours=-i), tick=False):
                bet = settle_bet(bet=bet, status=status)
        clv = Decimal(rng.randint(-80, 120)) / 1000
        Bet.objects.filter(pk=bet.pk).update(clv=clv, edge_at_placing=Decimal(rng.randint(-10, 90)) / 1000)
        bets.append(Bet.objects.get(pk=bet.pk))
    return bets


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_summary_matches_a_plain_python_sum():
    bets = make_history(40)
    settled = [b for b in bets if b.status not in ("pending", "void")]
    profit = sum((b.profit for b in settled), Decimal(0))
    staked = sum((b.stake for b in settled), Decimal(0))
    summary = selectors.summary()
    assert summary.bets == 40
    assert summary.pending == sum(b.status == "pending" for b in bets)
    assert summary.profit == profit
    assert summary.staked == staked
    assert summary.yield_ == (profit / staked).quantize(Decimal("0.00001"))
    assert summary.roi == (profit / Decimal("1000.00")).quantize(Decimal("0.00001"))
    decided = [b for b in bets if b.status in ("won", "lost", "half_won", "half_lost")]
    hits = sum(1 for b in decided if b.status == "won") + Decimal(sum(1 for b in decided if b.status == "half_won")) / 2
    assert summary.hit_rate == (hits / len(decided)).quantize(Decimal("0.00001"))
    clvs = [b.clv for b in bets]
    assert summary.average_clv == (sum(clvs, Decimal(0)) / len(clvs)).quantize(Decimal("0.00001"))
    weighted = sum((b.clv * b.stake for b in bets), Decimal(0)) / sum(b.stake for b in bets)
    assert summary.weighted_clv == weighted.quantize(Decimal("0.00001"))
    assert summary.expected_profit_clv == sum((b.clv * b.stake for b in settled), Decimal(0)).quantize(Decimal("0.01"))


def test_clv_by_method_matches_plain_python():
    from opportunities.pricing import METHODS

    bets = make_history(30)
    rng = random.Random(5)
    for bet in bets:  # a CLV under each method, or none (no valid close), and one closing method
        values = {f"clv_{m}": None if rng.random() < 0.2 else Decimal(rng.randint(-90, 110)) / 1000 for m in METHODS}
        Bet.objects.filter(pk=bet.pk).update(closing_method=rng.choice(METHODS), **values)
    bets = list(Bet.objects.all())
    rows = {row["method"]: row for row in selectors.clv_by_method()}
    assert list(rows) == list(METHODS)
    for method in METHODS:
        valid = [b for b in bets if getattr(b, f"clv_{method}") is not None]
        clvs = [getattr(b, f"clv_{method}") for b in valid]
        weighted = sum(c * b.stake for c, b in zip(clvs, valid, strict=True)) / sum(b.stake for b in valid)
        assert rows[method] == {
            "method": method,
            "bets": len(valid),
            "average_clv": (sum(clvs) / len(clvs)).quantize(Decimal("0.00001")),
            "weighted_clv": weighted.quantize(Decimal("0.00001")),
            "closing_method_of": sum(b.closing_method == method for b in valid),
        }


def test_the_stats_page_shows_the_average_clv_of_every_method(auth_client):
    from opportunities.pricing import METHODS
    from web.templatetags.monps import signed_pct

    make_history(6)
    Bet.objects.update(clv_shin=Decimal("0.03125"), clv_power=Decimal("-0.01000"))
    html = auth_client.get("/stats/").content.decode()
    section = html[html.index('id="clv-by-method"') :]
    section = section[: section.index("</section>")]
    for method in METHODS:
        assert f"<td>{method}</td>" in section
    assert f'<td class="num pos" data-label="Average CLV">{signed_pct(Decimal("0.03125"))}</td>' in section
    assert f'<td class="num neg" data-label="Average CLV">{signed_pct(Decimal("-0.01"))}</td>' in section


def test_breakdowns_match_plain_python():
    bets = make_history(30)
    settled = [b for b in bets if b.status not in ("pending", "void")]
    by_strategy = {r["key"]: r for r in selectors.breakdown("strategy")}
    for name in ("A", "B"):
        mine = [b for b in settled if b.strategy_name == name]
        assert by_strategy[name]["bets"] == len(mine)
        assert by_strategy[name]["profit"] == sum(b.profit for b in mine)
    bands = {r["key"]: r["bets"] for r in selectors.breakdown("price_band")}
    assert bands.get("5.00+", 0) == sum(b.price >= 5 for b in settled)
    assert sum(bands.values()) == len(settled)


def test_bankroll_and_drawdown_match_plain_python():
    bets = make_history(30)
    moves = sorted(
        [(NOW - timedelta(days=60), Decimal("1000.00"))]
        + [(b.settled_at, b.profit) for b in bets if b.status not in ("pending", "void")]
    )
    balance, balances = Decimal(0), []
    for _, amount in moves:
        balance += amount
        balances.append(float(balance))
    risk = selectors.risk()
    assert risk.max_drawdown == Decimal(repr(max_drawdown(balances).amount)).quantize(Decimal("0.01"))
    ordered = sorted((b for b in bets if b.status not in ("pending", "void")), key=lambda b: (b.settled_at, b.pk))
    assert risk.longest_losing_run == longest_run(b.status in ("lost", "half_lost") for b in ordered)
    expected = significance((float(b.price), float(b.stake), float(b.profit)) for b in ordered)
    assert risk.z == pytest.approx(expected.z)
    assert risk.p_value == pytest.approx(expected.p_value)
    money = selectors.bankroll_change()
    assert money.now == balance
    assert money.exposure == sum(b.stake for b in bets if b.status == "pending")


def test_betting_change_leaves_out_money_paid_in_and_out(auth_client):
    bets = make_history(30)
    add_ledger_entry(kind="deposit", amount="500.00", at=NOW - timedelta(days=2))
    add_ledger_entry(kind="withdrawal", amount="-200.00", at=NOW - timedelta(days=10))
    add_ledger_entry(kind="adjustment", amount="-12.50", at=NOW - timedelta(days=3), note="fee")
    settled = [b for b in bets if b.status not in ("pending", "void")]

    def profit(days: int) -> Decimal:
        return sum((b.profit for b in settled if b.settled_at > NOW - timedelta(days=days)), Decimal(0))

    money = selectors.bankroll_change()
    assert money.betting_7d == profit(7) - Decimal("12.50")
    assert money.betting_30d == profit(30) - Decimal("12.50")
    assert money.change_7d == money.betting_7d + Decimal("500.00")
    assert money.change_30d == money.betting_30d + Decimal("300.00")
    html = auth_client.get("/").content.decode()
    assert f">{signed_money(money.betting_7d)}</span> 7d" in html
    assert f">{signed_money(money.betting_30d)}</span> 30d" in html
    assert "betting <span" in html


def test_pages_and_api_agree(auth_client):
    make_history(12)
    api = auth_client.get("/api/stats/global/").json()
    summary = selectors.summary()
    assert Decimal(api["profit"]) == summary.profit
    assert Decimal(api["yield"]) == summary.yield_
    html = auth_client.get("/").content.decode()
    assert f'data-figure="bankroll">{selectors.bankroll_change().now:,.2f}<' in html
    performance = auth_client.get("/api/stats/performance/", {"period": "day"}).json()
    assert sum(Decimal(r["profit"]) for r in performance["series"]) == summary.profit
    assert set(performance["breakdowns"]) == {"sport", "bookmaker", "market", "strategy", "price_band", "edge_band"}
    assert auth_client.get("/api/stats/performance/", {"period": "year"}).status_code == 400
    bankroll = auth_client.get("/api/stats/bankroll/").json()
    assert Decimal(bankroll["now"]) == selectors.bankroll_change().now


def test_dashboard_and_stats_query_counts_are_constant(auth_client, django_assert_num_queries):
    make_history(4, seed=1)
    with django_assert_num_queries(16) as dashboard_small:  # the books' balances: their panel's, the top's
        auth_client.get("/")
    with django_assert_num_queries(17) as stats_small:  # the verdict (two), the CLV by method (one)
        auth_client.get("/stats/")
    api_small = {}
    for path in ("/api/stats/global/", "/api/stats/bankroll/", "/api/stats/performance/"):
        with CaptureQueriesContext(connection) as api_small[path]:
            auth_client.get(path)
    make_history(25, seed=2)
    for path, small in api_small.items():
        with django_assert_num_queries(len(small.captured_queries)):
            auth_client.get(path)
    with django_assert_num_queries(len(dashboard_small.captured_queries)):
        auth_client.get("/")
    with django_assert_num_queries(len(stats_small.captured_queries)):
        auth_client.get("/stats/")


def test_dashboard_panels_refresh_alone(auth_client):
    make_history(3)
    html = auth_client.get("/?panel=figures", HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<section id="figures"')
    assert "Active bets" not in html
    own = {}
    for panel in ("figures", "bets", "opportunities", "accounts", "collector", "chart"):
        with CaptureQueriesContext(connection) as queries:
            auth_client.get("/", {"panel": panel}, HTTP_HX_REQUEST="true")
        own[panel] = len(queries) - 3  # the session, the user and their preferences
    # The opportunities read the books' balances first, to cap their stakes.
    assert own == {"figures": 6, "bets": 1, "opportunities": 2, "accounts": 1, "collector": 2, "chart": 1}
    with CaptureQueriesContext(connection) as page:
        auth_client.get("/")
    assert len(page) == 3 + sum(own.values())


def test_empty_states(auth_client):
    html = auth_client.get("/").content.decode()
    assert "No bets yet: place one from an opportunity." in html
    assert "Record a deposit" in html
    stats = auth_client.get("/stats/").content.decode()
    assert "No settled bets yet." in stats
    # No drawdown is not shown as a loss.
    assert '<div class="value">0.00</div>' in stats
    assert '<div class="value neg">0.00</div>' not in stats


def plain_verdict(bets: list[Bet]) -> formulas.Verdict:
    """What the verdict should read, chosen in plain Python: every CLV, and (stake, profit) of the
    settled, non-void bets, in id order."""
    ordered = sorted(bets, key=lambda b: b.pk)
    clvs = [float(b.clv) for b in ordered if b.clv is not None]
    settled = [(float(b.stake), float(b.profit)) for b in ordered if b.status not in ("pending", "void")]
    return formulas.verdict(clvs, settled)


def test_the_verdict_reads_every_valid_clv_and_every_settled_bet():
    bets = make_history(40)
    Bet.objects.filter(pk__in=[bets[0].pk, bets[7].pk]).update(clv=None)  # no valid close
    bets = list(Bet.objects.all())
    verdict = selectors.verdict()
    expected = plain_verdict(bets)
    assert verdict == expected
    clvs = [float(b.clv) for b in bets if b.clv is not None]
    assert verdict.clv.bets == len(clvs) == 38
    assert verdict.clv.mean == pytest.approx(statistics.fmean(clvs), rel=1e-12)
    assert verdict.clv.sd == pytest.approx(statistics.stdev(clvs), rel=1e-12)
    settled = [b for b in bets if b.status not in ("pending", "void")]
    low, high = verdict.yield_ci95
    assert low < float(sum(b.profit for b in settled) / sum(b.stake for b in settled)) < high
    by_strategy = selectors.strategy_verdicts()
    assert set(by_strategy) == {"A", "B"}
    for name in ("A", "B"):
        assert by_strategy[name] == plain_verdict([b for b in bets if b.strategy_name == name])


GLOBAL_KEYS = {
    *("bets", "pending", "settled", "won", "lost", "staked", "profit", "deposited", "yield", "roi", "hit_rate"),
    *("average_clv", "weighted_clv", "clv_bets", "expected_profit_edge", "expected_profit_clv"),
    *("max_drawdown", "max_drawdown_share", "longest_losing_run", "z", "p_value"),
    *("clv_t", "clv_p_value", "clv_ci95", "yield_ci95", "yield_resamples", "bets_needed", "verdict"),
}
VERDICT_KEYS = {
    "clv_bets",
    "clv_t",
    "clv_p_value",
    "clv_ci95",
    "yield_ci95",
    "yield_resamples",
    "bets_needed",
    "verdict",
}


def test_the_api_answers_the_verdict(auth_client):
    bets = make_history(30)
    api = auth_client.get("/api/stats/global/").json()
    assert set(api) == GLOBAL_KEYS
    expected = plain_verdict(bets)
    assert api["clv_bets"] == expected.clv.bets == 30
    assert api["clv_t"] == expected.clv.t
    assert api["clv_p_value"] == expected.clv.p_value
    assert api["clv_ci95"] == list(expected.clv.ci95)
    assert api["yield_ci95"] == list(expected.yield_ci95)
    assert api["yield_resamples"] == formulas.BOOTSTRAP_RESAMPLES == 1000
    assert api["bets_needed"] == expected.clv.bets_needed
    assert api["verdict"] == verdict_sentence(expected.clv)
    rows = auth_client.get("/api/stats/performance/").json()["breakdowns"]
    for row in rows["strategy"]:
        assert set(row) == {"key", "bets", "staked", "profit", "yield", "average_clv"} | VERDICT_KEYS
        mine = plain_verdict([b for b in bets if b.strategy_name == row["key"]])
        assert row["clv_t"] == mine.clv.t
        assert row["clv_ci95"] == list(mine.clv.ci95)
        assert row["yield_ci95"] == list(mine.yield_ci95)
        assert row["bets_needed"] == mine.clv.bets_needed
        assert row["verdict"] == verdict_sentence(mine.clv, subject=f"{row['key']}'s average CLV")
    assert {row["key"] for row in rows["strategy"]} == {"A", "B"}
    assert all(not VERDICT_KEYS & set(row) for row in rows["sport"])


def test_the_api_verdict_without_bets(auth_client):
    api = auth_client.get("/api/stats/global/").json()
    assert {key: api[key] for key in VERDICT_KEYS} == {
        "clv_bets": 0,
        "clv_t": None,
        "clv_p_value": None,
        "clv_ci95": None,
        "yield_ci95": None,
        "yield_resamples": 1000,
        "bets_needed": None,
        "verdict": "No bet has a valid CLV yet: there is nothing to judge.",
    }


def test_the_stats_page_says_the_verdict(auth_client):
    from django.utils.html import escape

    from web.templatetags.monps import signed_pct

    bets = make_history(30)
    expected = plain_verdict(bets)
    html = auth_client.get("/stats/").content.decode()
    assert f'data-figure="verdict">{verdict_sentence(expected.clv)}</p>' in html
    low, high = expected.clv.ci95
    assert f'data-figure="clv-ci95">{signed_pct(low)} to {signed_pct(high)}</strong>' in html
    low, high = expected.yield_ci95
    assert f'data-figure="yield-ci95">{signed_pct(low)} to {signed_pct(high)}</strong>' in html
    assert f"t = {expected.clv.t:.2f}, p = {expected.clv.p_value:.4f}" in html
    assert "1,000 resamples (seeded)" in html
    for name in ("A", "B"):
        mine = plain_verdict([b for b in bets if b.strategy_name == name])
        assert escape(verdict_sentence(mine.clv, subject=f"{name}'s average CLV")) in html


def test_bands_are_listed_in_their_order_not_by_stake(auth_client):
    bets = make_history(40)
    settled = [b for b in bets if b.status not in ("pending", "void")]
    for dimension, bands in selectors.BANDS.items():
        field = "price" if dimension == "price_band" else "edge_at_placing"

        def band(
            bet: Bet, field: str = field, bands: Sequence[tuple[Decimal | None, Decimal | None, str]] = bands
        ) -> str:
            value = getattr(bet, field)
            return next(
                label for low, high, label in bands if (low is None or value >= low) and (high is None or value < high)
            )

        counts = {label: sum(band(b) == label for b in settled) for *_, label in bands}
        expected = [(label, n) for label, n in counts.items() if n]
        rows = selectors.breakdown(dimension)
        assert [(r["key"], r["bets"]) for r in rows] == expected
        by_stake = sorted(rows, key=lambda r: -r["staked"])
        assert by_stake != rows  # this history tells the two orders apart
    html = auth_client.get("/stats/").content.decode()
    section = re.search(r"<h2>By price band</h2>.*?</section>", html, re.S).group(0)
    assert re.findall(r"<tr><td>([^<]+)</td>", section) == [r["key"] for r in selectors.breakdown("price_band")]


def test_the_clv_distributions_end_buckets_are_open(auth_client):
    """Buckets of 2% from −10% to +10%: the lowest holds every CLV below −8%, the highest every CLV
    from +8% up, and each bucket holds its lower bound (−8% is in "−8% to −6%")."""
    clvs = ["-0.5000", "-0.0801", "-0.0800", "-0.0001", "0.0000", "0.0799", "0.0800", "0.4000"]
    event = h2h_event("clv", {"bet365": {"H": 2.0, "D": 3.4, "A": 3.9}})
    for clv in clvs:
        bet = place_bet(
            bet=BetInput(
                event_id=event.pk,
                market="h2h",
                outcome="Home",
                point=None,
                bookmaker="bet365",
                price="2.000",
                stake="10.00",
            )
        )
        Bet.objects.filter(pk=bet.pk).update(clv=Decimal(clv))
    buckets = selectors.clv_distribution()
    edges = [Decimal("0.02") * i for i in range(-5, 6)]
    assert [(b["from"], b["to"]) for b in buckets] == [
        (None, edges[1]),
        *pairwise(edges[1:-1]),
        (edges[-2], None),
    ]

    def plain(clv: Decimal) -> int:  # the bucket's index, the ends taking what lies beyond them
        return min(max(int((clv / Decimal("0.02")).to_integral_value("ROUND_FLOOR")), -5), 4)

    assert [b["bets"] for b in buckets] == [sum(plain(Decimal(c)) == i for c in clvs) for i in range(-5, 5)]
    assert [b["bets"] for b in buckets] == [2, 1, 0, 0, 1, 1, 0, 0, 1, 2]
    html = auth_client.get("/stats/").content.decode()
    section = re.search(r"<h2>CLV distribution.*?</section>", html, re.S).group(0)
    rows = re.findall(r'<tr><td>([^<]+)</td><td class="num">(\d+)</td></tr>', section)
    assert rows[0] == ("&lt; −8.0%", "2")
    assert rows[1] == ("−8.0% to −6.0%", "1")
    assert rows[-1] == ("≥ +8.0%", "2")
    api = auth_client.get("/api/stats/performance/").json()["clv_distribution"]
    assert (api[0], api[-1]) == ({"from": None, "to": "-0.08", "bets": 2}, {"from": "0.08", "to": None, "bets": 2})


def test_the_stats_page_explains_its_numbers(auth_client):
    from web.explanations import EXPLANATIONS

    html = auth_client.get("/stats/").content.decode()
    for term in ("clv", "pvalue"):
        explained = EXPLANATIONS[term]
        assert f'aria-label="What is {explained.name}?">?</summary>' in html
        assert f'<span class="explain-text" role="note">{escape(explained.text)}</span>' in html


def test_a_one_point_profit_chart_draws_its_point(auth_client):
    make_history(1, seed=5)
    Bet.objects.update(status="won", profit=Decimal("10.00"), settled_at=NOW - timedelta(days=2))
    html = auth_client.get("/stats/", {"period": "month"}).content.decode()
    chart = re.search(r'<svg class="chart".*?</svg>', html, re.S).group(0)
    assert chart.count("<circle ") == 1
    assert "<polyline" not in chart
    assert re.findall(r'text-anchor="middle">([^<]+)</text>', chart) == ["01 Nov 2026"]  # the month it sums
    # Its axis spans 10.00 and 5% each side: five labels, each different (not "10, 10, 10, 10, 10").
    assert re.findall(r'text-anchor="end">([^<]+)</text>', chart) == ["9.50", "9.75", "10.00", "10.25", "10.50"]


def test_an_amount_axis_shows_whole_units_when_they_differ_label_to_label(auth_client):
    make_history(1, seed=5)
    Bet.objects.update(status="won", profit=Decimal("150.00"), settled_at=NOW - timedelta(days=2))
    html = auth_client.get("/stats/", {"period": "month"}).content.decode()
    chart = re.search(r'<svg class="chart".*?</svg>', html, re.S).group(0)
    assert re.findall(r'text-anchor="end">([^<]+)</text>', chart) == ["142", "146", "150", "154", "158"]


def test_the_dashboard_says_when_every_bet_is_settled_and_explains_its_numbers(auth_client):
    from web.explanations import EXPLANATIONS

    html = auth_client.get("/").content.decode()
    assert "No bets yet: place one from an opportunity." in html
    make_history(3, seed=3)
    Bet.objects.update(status="lost", profit=-F("stake"), settled_at=NOW)
    panel = auth_client.get("/", {"panel": "bets"}, HTTP_HX_REQUEST="true").content.decode()
    assert "No active bets: every bet is settled." in panel
    assert "No bets yet" not in panel
    html = auth_client.get("/").content.decode()
    for term in ("clv", "edge"):  # the average CLV, the top opportunities' edges
        assert f'aria-label="What is {EXPLANATIONS[term].name}?">?</summary>' in html
