"""The hidden opportunities page reads as many queries with one hidden price as with twenty."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opportunities.detection import detect
from opportunities.models import HiddenOpportunity, Opportunity
from opportunities.services import hide_opportunity
from opportunities.tests.factories import NOW, event_with, quotes

pytestmark = pytest.mark.django_db


def hide_value_in(n: int, *, start: int, user) -> None:
    """``n`` events where bet365's Over 2.5 at 2.20 beats Pinnacle's even 2.00/2.00, each hidden."""
    for i in range(start, start + n):
        prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": 2.20, "Under": 1.70}}
        event_with(f"h{i}", quotes(f"Home {i}", prices, market="totals", point=2.5), home=f"Home {i}")
    detect(now=NOW)
    for opportunity in Opportunity.objects.active().filter(bookmaker__key="bet365"):
        hide_opportunity(user_id=user.pk, opportunity=opportunity)


def test_the_hidden_list_query_count_is_the_same_for_1_and_20(auth_client, user):
    hide_value_in(1, start=0, user=user)
    with CaptureQueriesContext(connection) as one:
        html = auth_client.get("/opportunities/hidden/").content.decode()
    assert html.count('<tr id="hidden-') == 1
    hide_value_in(19, start=1, user=user)
    assert HiddenOpportunity.objects.filter(user=user).count() == 20
    with CaptureQueriesContext(connection) as twenty:
        html = auth_client.get("/opportunities/hidden/").content.decode()
    assert html.count('<tr id="hidden-') == 20
    assert html.count("edge <details") == 20  # each with the edge it is active at now
    # The session, the user, the preferences, the count for the pager, the page of hidden rows.
    assert len(one) == len(twenty) == 5
