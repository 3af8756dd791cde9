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
