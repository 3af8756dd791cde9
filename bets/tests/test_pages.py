import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from bets.models import Bet, LedgerEntry
from bets.services import add_ledger_entry, place_bet
from bets.tests.factories import BetInputFactory
from bets.views import spreadsheet_safe
from opportunities.tests.factories import NOW, h2h_event

pytestmark = pytest.mark.django_db


def make_bets(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        event = h2h_event(f"p{i}", {"bet365": {"H": 2.1, "D": 3.4, "A": 3.8}}, home=f"Home {i}", away=f"Away {i}")
        place_bet(bet=BetInputFactory(event=event, placed_at=NOW - timedelta(minutes=i)))


def test_bets_page_lists_pending_first_with_totals(auth_client):
    make_bets(3)
    add_ledger_entry(kind="deposit", amount="100.00")
    first = Bet.objects.order_by("id").first()
    auth_client.post(f"/bets/{first.pk}/settle/", {"status": "won"})
    html = auth_client.get("/bets/").content.decode()
    assert "3 bets (2 pending)" in html
    assert 'profit <span class="pos">+11.00</span>' in html
    assert html.index(f'id="bet-{first.pk}"') > html.index(f'id="bet-{first.pk + 1}"')  # settled after pending
    assert "111.00" in html  # bankroll: deposit + profit


def test_bets_page_query_count_is_constant(auth_client, django_assert_num_queries):
    make_bets(2)
    with django_assert_num_queries(13) as small:  # the ledger form's bookmakers and the bet slip's among them
        auth_client.get("/bets/")
    make_bets(20, start=2)
    with django_assert_num_queries(len(small.captured_queries)):
        auth_client.get("/bets/")


def test_inline_settlement_returns_the_row(auth_client):
    make_bets(1)
    bet = Bet.objects.get()
    response = auth_client.post(f"/bets/{bet.pk}/settle/", {"status": "half_lost"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="bet-{bet.pk}">')
    assert "−5.00" in html
    assert json.loads(response["HX-Trigger"]) == {"betSettled": {"id": bet.pk}}
    bad = auth_client.post(f"/bets/{bet.pk}/settle/", {"status": "maybe"})
    assert bad.status_code == 400


def test_csv_export_of_the_filtered_bets(auth_client):
    make_bets(3)
    auth_client.post(f"/bets/{Bet.objects.order_by('id').first().pk}/settle/", {"status": "lost"})
    response = auth_client.get("/bets/export.csv", {"status": "pending"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "placed_at", "sport", "event"]
    assert len(rows) == 3
    assert {r[11] for r in rows[1:]} == {"pending"}
    assert rows[1][9:11] == ["2.100", "10.00"]


def test_the_ledger_form_rejects_nonsense(auth_client):
    response = auth_client.post("/bets/ledger/", {"kind": "deposit", "amount": "0"}, follow=True)
    assert "amount: must be a non-zero amount" in response.content.decode()
    auth_client.post("/bets/ledger/", {"kind": "withdrawal", "amount": "25.00"})
    html = auth_client.get("/bets/").content.decode()
    assert "−25.00" in html


def test_csv_export_is_utf8_and_neutralises_formulas(auth_client):
    event = h2h_event(
        "hostile", {"bet365": {"H": 2.1, "D": 3.4, "A": 3.8}}, home='=HYPERLINK("http://evil.example")', away="Zürich"
    )
    for outcome, notes, strategy in [
        ('=HYPERLINK("http://evil.example")', "@SUM(A1:A9)", "-2+3"),
        ("Draw", "\t=cmd", "+value"),
        ("Zürich", "\r=1+1", "plain"),
    ]:
        placing = BetInputFactory(
            event=event,
            outcome=outcome,
            stake="12.50",
            placed_at=NOW - timedelta(minutes=1),
            notes=notes,
            strategy_name=strategy,
        )
        place_bet(bet=placing)
    auth_client.post(f"/bets/{Bet.objects.order_by('id').first().pk}/settle/", {"status": "lost"})
    response = auth_client.get("/bets/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))
    by_outcome = {row[6]: row for row in rows[1:]}
    columns = ["event", "outcome", "stake", "status", "profit", "strategy", "notes"]
    picked = {name: [rows[0].index(c) for c in columns] for name in by_outcome}
    assert {name: [row[i] for i in picked[name]] for name, row in by_outcome.items()} == {
        '\'=HYPERLINK("http://evil.example")': [
            '\'=HYPERLINK("http://evil.example") v Zürich',
            '\'=HYPERLINK("http://evil.example")',
            "12.50",
            "lost",
            "-12.50",  # a negative number stays a number
            "'-2+3",
            "'@SUM(A1:A9)",
        ],
        "Draw": ['\'=HYPERLINK("http://evil.example") v Zürich', "Draw", "12.50", "pending", "", "'+value", "'\t=cmd"],
        "Zürich": [
            '\'=HYPERLINK("http://evil.example") v Zürich',
            "Zürich",
            "12.50",
            "pending",
            "",
            "plain",
            "'\r=1+1",
        ],
    }


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-A1", "'-A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.50", "-12.50"),
        ("+3", "+3"),
        ("Arsenal", "Arsenal"),
        ("", ""),
        (Decimal("-12.50"), Decimal("-12.50")),
        (7, 7),
    ],
)
def test_spreadsheet_safe_cells(cell, safe):
    assert spreadsheet_safe(cell) == safe


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (
            "0001-01-01T00:00:00+05:00",
            "at: 0001-01-01T00:00:00+05:00 is before 2000-01-01, the earliest a ledger entry can have",
        ),
        (
            "2099-01-01T00:00:00+00:00",
            "at: 2099-01-01T00:00:00+00:00 is in the future (more than 5 minutes ahead of now)",
        ),
        ("2026-11-24T10:00:00\x00", "at: Enter a valid date/time."),
        ("1_000", "amount: &#x27;1_000&#x27; has an underscore: write 1000, not 1_000"),
    ],
    ids=["year-1", "future", "nul", "underscore"],
)
def test_the_ledger_form_refuses_times_and_amounts_out_of_bounds(auth_client, at, message):
    values = {"kind": "deposit", "amount": "1_000" if at == "1_000" else "25.00", "at": "" if at == "1_000" else at}
    response = auth_client.post("/bets/ledger/", values, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert LedgerEntry.objects.count() == 0
    assert auth_client.get("/bets/").status_code == 200


def expected_clvs(price: str, close: list[float], index: int) -> dict[str, Decimal]:
    """The CLV under each devig method, by hand: price × fair probability (kept to 6 places) − 1."""
    from decimal import ROUND_HALF_UP

    from opportunities.pricing import METHODS, devig

    return {
        m: (
            Decimal(price) * Decimal(repr(devig(close, m)[index])).quantize(Decimal("0.000001"), ROUND_HALF_UP) - 1
        ).quantize(Decimal("0.00001"))
        for m in METHODS
    }


def test_a_bets_page_shows_its_clv_under_every_method_and_where_the_fair_price_came_from(auth_client, closed_bet):
    from bets.tests.conftest import PINNACLE_CLOSE
    from web.templatetags.monps import signed_pct

    html = auth_client.get(f"/bets/{closed_bet.pk}/").content.decode()
    table = html[html.index('id="closing"') : html.index('<details id="provenance">')]
    for method, clv in expected_clvs("2.750", PINNACLE_CLOSE, 0).items():
        row = table[table.index(f"<td>{method}") :]
        row = row[: row.index("</tr>")]
        assert signed_pct(clv) in row, method
    assert '<td>shin <span class="badge">the bet\'s CLV</span></td>' in table
    start = html.index('<details id="provenance">')
    details = html[start : html.index("</details>", start)]
    assert "Reference Pinnacle" in details
    assert "devigged by shin; last quoted 25 Nov 2026 15:00 UTC, 0 min before kick-off" in details
    cells = [
        f'<td>{outcome}</td><td class="num">{price:.2f}</td>'
        for outcome, price in zip(["Bournemouth", "Draw", "West Ham"], PINNACLE_CLOSE, strict=True)
    ]
    assert all(cell in details for cell in cells)
    assert sorted(cells, key=details.index) == cells  # in the outcomes' order
    assert "used" in details


def test_a_moved_line_bets_page_says_why_and_keeps_the_other_line_apart(auth_client):
    from bets.services import settle_pending
    from odds.ingest import ingest_snapshot
    from odds.models import Event
    from odds.providers.football_data import parse_csv

    # The Asian handicap opened at -0.5 (AHh) and closed at -0.75 (AHCh), in football-data's layout.
    text = (
        "Div,Date,Time,HomeTeam,AwayTeam,AHh,B365AHH,B365AHA,PAHH,PAHA,AHCh,B365CAHH,B365CAHA,PCAHH,PCAHA\n"
        "E0,25/11/2026,15:00,Bournemouth,West Ham,-0.5,1.95,1.95,1.93,1.97,-0.75,2.05,1.85,2.04,1.86\n"
    )
    ingest_snapshot(snapshot=parse_csv(text).snapshot)
    event = Event.objects.get()
    spreads = BetInputFactory(event=event, market="spreads", outcome="Bournemouth", point="-0.5", price="1.950")
    bet = place_bet(bet=spreads)
    import time_machine

    with time_machine.travel(event.commence_time + timedelta(minutes=1), tick=False):
        settle_pending()
    html = auth_client.get(f"/bets/{bet.pk}/").content.decode()
    assert "No CLV: line moved: the reference closed at −0.75." in html
    assert "The reference's close on another line (-0.75): not this bet's CLV" in html
    assert '<td>Bournemouth</td><td class="num">2.04</td>' in html


def test_the_bets_list_links_each_bet_to_its_page(auth_client, closed_bet):
    html = auth_client.get("/bets/").content.decode()
    assert f'<a href="/bets/{closed_bet.pk}/">Bournemouth </a>' in html
    assert auth_client.get(f"/bets/{closed_bet.pk + 1000}/").status_code == 404


def test_csv_export_has_the_closing_provenance_and_the_clv_of_every_method(auth_client, closed_bet):
    from bets.tests.conftest import PINNACLE_CLOSE

    response = auth_client.get("/bets/export.csv")
    header, row = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    cells = dict(zip(header, row, strict=True))
    for method, clv in expected_clvs("2.750", PINNACLE_CLOSE, 0).items():
        assert cells[f"clv_{method}"] == str(clv), method
    assert cells["clv"] == cells["clv_shin"]
    assert {k: cells[k] for k in ("closing_reference", "closing_method", "closing_age_minutes", "closing_note")} == {
        "closing_reference": "pinnacle",
        "closing_method": "shin",
        "closing_age_minutes": "0.0",
        "closing_note": "",
    }
    assert cells["closing_seen_at"] == "2026-11-25T15:00:00+00:00"


def test_a_bets_page_before_kick_off_says_when_the_closing_line_is_taken(auth_client, event):
    bet = place_bet(bet=BetInputFactory(event=event))
    html = auth_client.get(f"/bets/{bet.pk}/").content.decode()
    assert "The closing line is taken once the event has started." in html
    Bet.objects.filter(pk=bet.pk).update(clv=Decimal("0.01234"))  # a CLV recorded before provenance was kept
    html = auth_client.get(f"/bets/{bet.pk}/").content.decode()
    assert "This CLV was recorded before monps kept it under every method with its provenance." in html
