"""The calibration page: the stored scores, the best method, the reliability diagram, a constant
number of queries."""

import io
import math

import pytest
from django.core.management import call_command

from opportunities.pricing import METHODS, devig
from stats.models import Calibration
from stats.tests.conftest import CLOSED, h2h, result, snapshot

pytestmark = pytest.mark.django_db
URL = "/stats/calibration/"


def test_the_page_shows_every_methods_scores_and_the_best(auth_client, season):
    call_command("calibrate", resamples=100, seed=0, stdout=io.StringIO())
    html = auth_client.get(URL, {"sport": "soccer_epl", "reference": "pinnacle"}).content.decode()
    stored = Calibration.objects.get(sport__key="soccer_epl", market="h2h", reference__key="pinnacle", at="closing")
    assert "3 events with a result and a complete Pinnacle line" in html
    happened = [((1.9, 3.8, 3.8), 0), ((1.6, 4.8, 4.8), 1), ((3.8, 3.8, 1.9), 0)]
    for method in METHODS:
        log_loss = sum(-math.log(devig(prices, method)[i]) for prices, i in happened) / 3
        events = '<td class="num full" data-label="Events">3</td>'
        assert f'<td>{method}</td>{events}\n      <td class="num" data-label="Log loss">{log_loss:.5f}</td>' in html
    assert f'<tr class="best">\n      <td>{stored.best}</td>' in html
    assert f"Best: <strong>{stored.best}</strong>" in html
    assert html.count("<polyline") == len(METHODS)  # the reliability diagram, a curve per method
    titles = [html.index(f"<title>{method}</title>") for method in METHODS]
    assert titles == sorted(titles)  # in METHODS order, as the table's columns
    # Multiplicative's bin 0.2-0.3: 0.25 and 0.25 (e1), 0.2 and 0.2 (e2), 0.25 and 0.25 (e3), of which
    # the draw of e2 and the home win of e3 happened: mean (2 x 0.2 + 4 x 0.25) / 6, frequency 2 / 6.
    bin_cell = '<td class="num" data-label="multiplicative">0.233 → 0.333 <span class="muted">(6)</span></td>'
    assert f"<tr><td>0.2–0.3</td>{bin_cell}" in html
    # A bin no method forecast in says so once, across the methods' columns.
    bins = stored.reliability["multiplicative"]
    empty = [i for i in range(len(bins)) if not any(stored.reliability[m][i]["forecasts"] for m in METHODS)]
    assert empty  # three events leave most bins without a forecast
    assert html.count("no forecasts") == len(empty)
    first = bins[empty[0]]
    cell = '<td class="muted full" colspan="5">no forecasts</td>'
    assert f"<tr><td>{first['low']:.1f}–{first['high']:.1f}</td>{cell}</tr>" in html
    assert '<option value="closing" selected>' in html  # the moment shown, by default
    assert "of 100 resamples of the events (seed 0)" in html
    # Its sport and reference's other calibrations, each a link to its own.
    assert '<a href="?sport=soccer_epl&amp;market=totals&amp;point=2.50&amp;reference=pinnacle&amp;at=opening">' in html


def test_a_parameter_it_cannot_read_is_shown_beside_its_field(auth_client, season):
    call_command("calibrate", resamples=10, seed=0, stdout=io.StringIO())
    html = auth_client.get(URL, {"market": "totals", "point": "2.25"}).content.decode()
    assert "2.25 can push: only half-point lines (2.5, -1.5) are calibrated" in html
    assert 'id="calibration"' not in html


def test_without_calibrations_the_page_says_how_to_make_them(auth_client):
    html = auth_client.get(URL).content.decode()
    assert "No calibration stored for these choices." in html
    assert "manage.py calibrate" in html


def test_the_page_query_count_is_constant(auth_client, season, django_assert_num_queries):
    call_command("calibrate", market=["h2h"], at=["closing"], resamples=10, seed=0, stdout=io.StringIO())
    with django_assert_num_queries(7) as small:
        auth_client.get(URL, {"sport": "soccer_epl", "reference": "pinnacle"})
    for i in range(10):
        snapshot(f"more{i}", f"H{i}", f"A{i}", CLOSED, h2h(f"H{i}", f"A{i}", "pinnacle", (2.1, 3.4, 3.5)))
        result(f"more{i}", f"H{i}", f"A{i}", (1, 0))
    call_command("calibrate", resamples=10, seed=0, stdout=io.StringIO())
    assert Calibration.objects.filter(sport__key="soccer_epl", reference__key="pinnacle").count() == 4
    with django_assert_num_queries(len(small.captured_queries)):
        html = auth_client.get(URL, {"sport": "soccer_epl", "reference": "pinnacle"}).content.decode()
    assert "13 events with a result" in html
