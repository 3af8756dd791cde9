"""The backtest page's forms: a run to start (read into a ``RunRequest``), runs to compare."""

from __future__ import annotations

from typing import Any

from django import forms

from odds.models import MARKETS, Sport
from opportunities.backtest_runs import FLAT, KELLY, LEAD, OPENING, RunRequest
from opportunities.models import BacktestRun, Strategy
from opportunities.pricing import METHODS
from opportunities.valuation import BEST
from web.forms import PlainDecimalField

STRATEGY_DEFAULT = "blank: the strategy's"
METHOD_CHOICES = [(m, m.replace("_", " ")) for m in METHODS]


def _values(text: str) -> list[str]:
    return [v.strip() for v in text.replace(";", ",").split(",") if v.strip()]


class BacktestForm(forms.Form):
    strategy = forms.ModelChoiceField(Strategy.objects.all(), empty_label=None)
    sport = forms.ModelChoiceField(
        Sport.objects.filter(events__isnull=False).distinct().order_by("title"),
        to_field_name="key",
        required=False,
        empty_label="Every sport the strategy covers",
        label="Sport or league",
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To (included)")
    bet_at = forms.ChoiceField(
        choices=[(LEAD, "A chosen time before kick-off"), (OPENING, "At the opening price")],
        initial=LEAD,
        widget=forms.RadioSelect,
        label="When to bet",
    )
    lead_hours = PlainDecimalField(
        initial=24, min_value=0, max_digits=7, decimal_places=2, label="Hours before kick-off"
    )
    staking = forms.ChoiceField(
        choices=[(FLAT, "Flat: the same stake on every bet"), (KELLY, "Kelly: a fraction of the running bankroll")],
        initial=FLAT,
        widget=forms.RadioSelect,
    )
    kelly_fraction = PlainDecimalField(
        required=False, max_digits=4, decimal_places=3, help_text=f"e.g. 0.25 for quarter Kelly; {STRATEGY_DEFAULT}"
    )
    bankroll = PlainDecimalField(initial=1000, max_digits=14, decimal_places=2, label="Starting bankroll")
    flat_stake = PlainDecimalField(initial=1, max_digits=12, decimal_places=2, label="Flat stake")
    min_edge = PlainDecimalField(
        required=False, max_digits=6, decimal_places=4, help_text=f"e.g. 0.03 for 3%; {STRATEGY_DEFAULT}"
    )
    method = forms.ChoiceField(
        choices=[("", "The strategy's"), *METHOD_CHOICES, (BEST, "best-scoring")], required=False, label="Devig method"
    )
    min_price = PlainDecimalField(required=False, max_digits=8, decimal_places=3, help_text=STRATEGY_DEFAULT)
    max_price = PlainDecimalField(required=False, max_digits=8, decimal_places=3, help_text=STRATEGY_DEFAULT)
    markets = forms.MultipleChoiceField(
        choices=MARKETS, required=False, widget=forms.CheckboxSelectMultiple, help_text="none ticked: the strategy's"
    )
    max_stake_share = PlainDecimalField(
        required=False,
        max_digits=4,
        decimal_places=3,
        label="Largest stake (share of bankroll)",
        help_text=STRATEGY_DEFAULT,
    )
    grid_min_edge = forms.CharField(
        required=False, label="Minimum edges to try", help_text="e.g. 0.01, 0.02, 0.03", max_length=200
    )
    grid_kelly_fraction = forms.CharField(
        required=False, label="Kelly fractions to try", help_text="e.g. 0.25, 0.5 (stakes by Kelly)", max_length=200
    )
    grid_method = forms.MultipleChoiceField(
        choices=METHOD_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, label="Devig methods to try"
    )

    ADJUSTMENTS = ("min_edge", "method", "min_price", "max_price", "markets", "max_stake_share")
    GRID = {"grid_min_edge": "min_edge", "grid_kelly_fraction": "kelly_fraction", "grid_method": "method"}

    def run_request(self) -> RunRequest:
        """What a valid form asks for (the service checks the rest and names the fields)."""
        data = self.cleaned_data

        def number(name: str) -> float | None:
            return None if data.get(name) is None else float(data[name])

        grid: dict[str, list[Any]] = {}
        for name, axis in self.GRID.items():
            value = data.get(name)
            values = _values(value) if isinstance(value, str) else list(value or [])
            if values:
                grid[axis] = values
        return RunRequest(
            strategy=data["strategy"].pk,
            sport=data["sport"].key if data.get("sport") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            bet_at=data["bet_at"],
            lead_hours=float(data["lead_hours"]),
            staking=data["staking"],
            kelly_fraction=number("kelly_fraction"),
            bankroll=float(data["bankroll"]),
            flat_stake=float(data["flat_stake"]),
            rules={name: data[name] for name in self.ADJUSTMENTS if data.get(name) not in (None, "", [])},
            grid=grid or None,
        )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """The service's reasons, on the fields they name (a grid's on the grid)."""
        for name, messages in errors.items():
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, f"Grid: {message}" if name == "grid" else message)


class CompareForm(forms.Form):
    runs = forms.ModelMultipleChoiceField(BacktestRun.objects.filter(status=BacktestRun.FINISHED))

    def clean_runs(self) -> list[BacktestRun]:
        runs = list(self.cleaned_data["runs"].order_by("pk"))
        if not 2 <= len(runs) <= 4:
            raise forms.ValidationError(f"choose two to four finished runs to compare ({len(runs)} chosen)")
        return runs
