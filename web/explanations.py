"""What each number monps shows means, in a bettor's words: the one home of the texts that
templates/partials/explain.html shows beside a number (``{% include "partials/explain.html" with term="edge" %}``).
The formulas are those of ``opportunities.pricing`` and ``stats.formulas``; docs/commands.md defines them."""

from __future__ import annotations

from typing import NamedTuple


class Explanation(NamedTuple):
    name: str  # what a screen reader says the button explains: "What is {name}?"
    text: str


EXPLANATIONS: dict[str, Explanation] = {
    "edge": Explanation(
        "edge",
        "Edge: what a price returns per unit staked in the long run if the fair price is right: "
        "price × fair probability − 1. +3% expects 0.03 profit per 1 staked; below 0 the bookmaker expects to win.",
    ),
    "fair": Explanation(
        "the fair price",
        "Fair price: the price without the bookmaker's margin, 1 ÷ fair probability. The fair probabilities are "
        "the reference's prices (a sharp book, or the average of several books) with the margin removed by the "
        "strategy's devig method.",
    ),
    "margin": Explanation(
        "the margin",
        "Margin: what a bookmaker keeps on a line it prices in full: the sum of 1 ÷ price over every outcome, "
        "minus 1. 5% means the prices pay 5% less than fair on average; lower is better for you.",
    ),
    "kelly": Explanation(
        "the Kelly stake",
        "Kelly stake: the share of bankroll that grows it fastest at this edge, (b·p − q) ÷ b with b = price − 1, "
        "p the fair probability and q = 1 − p; the strategy stakes a fraction of it (e.g. a quarter), capped, of "
        "the bankroll now.",
    ),
    "available": Explanation(
        "the stake available",
        "Stake available: the Kelly stake less what you already have on this selection, capped at the book's "
        "limit (the largest stake it accepted from you) and at what you hold there, when you recorded it. "
        "Expected profit = edge × this stake; the list is ranked by it unless you choose another order.",
    ),
    "clv": Explanation(
        "CLV",
        "Closing line value: the price taken against the fair price at kick-off, price × closing fair "
        "probability − 1, the fair probability from the strategy's reference devigged at its last prices. "
        "Beating the close is the surest sign of an edge.",
    ),
    "pvalue": Explanation(
        "the p-value",
        "p-value: how often a result at least this good would come from luck alone, if there were no edge at "
        "all. Below 0.05 (5%) luck is an unlikely explanation; it says nothing about how large the edge is, "
        "and it needs many bets to fall.",
    ),
}


def explanation(term: str) -> Explanation:
    """The explanation of ``term``; an unknown term is a mistake in a template, not a blank."""
    try:
        return EXPLANATIONS[term]
    except KeyError:
        raise KeyError(f"no explanation of {term!r}: add it to web.explanations.EXPLANATIONS") from None
