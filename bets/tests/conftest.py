import pytest
import time_machine

from opportunities.tests.factories import NOW, h2h_event


@pytest.fixture(autouse=True)
def clock():
    """Bets are placed against an event a day ahead of a fixed now."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def event(db):
    return h2h_event(
        "e1",
        {"pinnacle": {"H": 2.00, "D": 3.60, "A": 4.00}, "bet365": {"H": 2.10, "D": 3.40, "A": 3.80}},
        home="Arsenal",
        away="Chelsea",
    )


# football-data.co.uk's layout (odds/providers/football_data.py): Bournemouth v West Ham as in
# odds/tests/data/E0_2324_head.csv line 4 (Pinnacle's 1X2 there), moved to a day after the tests' now.
# Closing columns (*C*) are stored at kick-off, 15:00 UK (GMT) here; opening ones 2 days before.
CLOSED_CSV = (
    "Div,Date,Time,HomeTeam,AwayTeam,B365H,B365D,B365A,PSH,PSD,PSA,B365CH,B365CD,B365CA,PSCH,PSCD,PSCA\n"
    "E0,25/11/2026,15:00,Bournemouth,West Ham,2.75,3.40,2.70,2.70,3.47,2.71,2.80,3.50,2.60,2.75,3.60,2.63\n"
)
PINNACLE_CLOSE = [2.75, 3.60, 2.63]  # PSCH, PSCD, PSCA: outcomes in name order Bournemouth, Draw, West Ham


@pytest.fixture
def closed_bet(db):
    """A bet at bet365 on Bournemouth at 2.750 whose close, Pinnacle's at kick-off, is recorded."""
    from datetime import timedelta

    from bets.models import Bet
    from bets.services import BetInput, place_bet, settle_pending
    from odds.ingest import ingest_snapshot
    from odds.models import Event
    from odds.providers.football_data import parse_csv

    ingest_snapshot(snapshot=parse_csv(CLOSED_CSV).snapshot)
    event = Event.objects.get(home_team="Bournemouth")
    bet = place_bet(
        bet=BetInput(
            event_id=event.pk,
            market="h2h",
            outcome="Bournemouth",
            point=None,
            bookmaker="bet365",
            price="2.750",
            stake="10.00",
        )
    )
    with time_machine.travel(event.commence_time + timedelta(minutes=1), tick=False):
        settle_pending()
    return Bet.objects.get(pk=bet.pk)
