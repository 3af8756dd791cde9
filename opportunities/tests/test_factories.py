"""The factories' derived numbers follow the pricing rules, so a test reading a factory-made
opportunity reads what a detection pass would have stored."""

from decimal import Decimal

import pytest

from opportunities.tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_an_opportunity_has_the_fair_price_edge_and_kelly_stake_of_its_price():
    opportunity = OpportunityFactory(price=Decimal("2.200"), fair_probability=Decimal("0.500000"))
    # Fair price 1 / 0.5; edge 2.2 x 0.5 - 1; full Kelly (b p - q) / b with b = 1.2: (0.6 - 0.5) / 1.2
    # = 1/12, a quarter of it (the model's default fraction) under the 5% cap, on a bankroll of 1000.
    quarter_kelly = (1.2 * 0.5 - 0.5) / 1.2 * 0.25
    assert opportunity.fair_price == Decimal("2.000")
    assert opportunity.edge == Decimal("0.10000")
    assert opportunity.kelly_share == Decimal(f"{quarter_kelly:.5f}") == Decimal("0.02083")
    assert opportunity.suggested_stake == Decimal("20.83")
    assert (opportunity.market, opportunity.outcome, opportunity.point) == ("h2h", "Home", None)
    assert opportunity.event == opportunity.selection.event
    opportunity.refresh_from_db()  # what was stored, not only what was built
    assert (opportunity.edge, opportunity.kelly_share) == (Decimal("0.10000"), Decimal("0.02083"))


def test_a_kelly_share_above_the_strategys_cap_is_capped():
    opportunity = OpportunityFactory(price=Decimal("3.000"), fair_probability=Decimal("0.600000"))
    # Full Kelly (2 x 0.6 - 0.4) / 2 = 0.4; a quarter is 0.1, above the default cap of 5%.
    assert opportunity.kelly_share == Decimal(f"{opportunity.strategy.max_stake_share:.5f}") == Decimal("0.05000")
    assert opportunity.suggested_stake == Decimal("50.00")
