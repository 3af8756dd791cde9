"""The skill-or-luck verdict in one plain sentence, for the stats page, the API and the backtest.

The figures are ``stats.formulas``' (``clv_significance``); percentages read as the pages show them.
"""

from __future__ import annotations

from stats.formulas import ClvSignificance
from stats.selectors import NO_KEY
from web.templatetags.monps import signed_pct

SIGNIFICANT = 0.05


def verdict_sentence(clv: ClvSignificance, *, subject: str = "Your average CLV") -> str:
    """The verdict in one plain sentence, e.g. "Your average CLV of +2.1% over 212 bets is unlikely to
    be luck (p = 0.003)." or "... could still be luck (p = 0.21); about 140 more bets at this CLV
    would tell." (p to three significant digits)."""
    if clv.bets == 0 or clv.mean is None:
        return "No bet has a valid CLV yet: there is nothing to judge."
    count = f"{clv.bets} bet" + ("s" if clv.bets != 1 else "")
    head = f"{subject} of {signed_pct(clv.mean)} over {count}"
    if clv.p_value is None:
        if clv.bets < 2:
            return f"One bet with a valid CLV ({signed_pct(clv.mean)}) is too few to tell skill from luck."
        return f"{head} has no spread at all: there is nothing to test."
    p = "p < 0.001" if clv.p_value < 0.001 else f"p = {clv.p_value:.3g}"
    if clv.mean <= 0:
        return f"{head} does not beat the closing line ({p})."
    if clv.p_value < SIGNIFICANT:
        return f"{head} is unlikely to be luck ({p})."
    if clv.bets_needed:
        return f"{head} could still be luck ({p}); about {clv.bets_needed:,} more bets at this CLV would tell."
    return f"{head} could still be luck ({p}), though it is at the threshold: a few more bets at this CLV would tell."


def strategy_subject(name: str) -> str:
    """Whose CLV a strategy's sentence speaks of: "Pinnacle value's average CLV"."""
    return "Unassigned bets' average CLV" if name == NO_KEY else f"{name}'s average CLV"
