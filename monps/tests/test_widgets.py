from html.parser import HTMLParser

import pytest
from django import forms

from monps.widgets import FastSelect


class Tags(HTMLParser):
    """Tags, sorted attributes and text: markup compared without its whitespace and attribute order."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, tuple(sorted(attrs, key=lambda a: a[0]))))

    def handle_endtag(self, tag):
        self.items.append(("/" + tag,))

    def handle_data(self, data):
        if data.strip():
            self.items.append(("text", data.strip()))


def parsed(html: str) -> list[tuple]:
    tags = Tags()
    tags.feed(str(html))
    return tags.items


CHOICES = [("", "All"), ("a&b", 'Tom & "Jerry" <x>'), ("2", "Two"), ("Group", [("g1", "G one"), ("g2", "G two")])]


@pytest.mark.parametrize("value", ["", "a&b", "g2", None])
@pytest.mark.parametrize("required", [True, False])
def test_fast_select_renders_what_djangos_select_renders(value, required):
    def field(widget):
        class Form(forms.Form):
            pick = forms.ChoiceField(choices=CHOICES, required=required, widget=widget(attrs={"class": "x"}))

        return Form({"pick": value} if value is not None else None)["pick"]

    ours, django = str(field(FastSelect)), str(field(forms.Select))
    assert parsed(ours) == parsed(django)
    assert "Tom &amp; &quot;Jerry&quot; &lt;x&gt;" in ours
    assert ('value="g2" selected' in ours) == (value == "g2")


@pytest.mark.django_db
def test_the_filter_bars_use_it():
    from bets.forms import BetFilterForm
    from opportunities.forms import OpportunityFilterForm

    for form in (BetFilterForm(), OpportunityFilterForm()):
        selects = [f for f in form.fields.values() if isinstance(f.widget, forms.Select)]
        assert selects
        assert all(isinstance(f.widget, FastSelect) for f in selects)
