"""``GET /api/stats/calibration/``: the stored calibration, in the issue's shape, at full precision."""

import io
import math

import pytest
from django.core.management import call_command

from opportunities.pricing import METHODS, devig
from stats.models import Calibration

pytestmark = pytest.mark.django_db
URL = "/api/stats/calibration/"


@pytest.fixture
def calibrated(season):
    call_command("calibrate", resamples=100, seed=0, stdout=io.StringIO())


def test_the_calibration_has_the_documented_shape_at_full_precision(auth_client, calibrated):
    answer = auth_client.get(URL, {"sport": "soccer_epl", "market": "h2h", "reference": "pinnacle", "at": "closing"})
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == ["sport", "market", "reference", "at", "results", "best"]
    assert [body[key] for key in ("sport", "market", "reference", "at")] == ["soccer_epl", "h2h", "pinnacle", "closing"]
    assert [r["method"] for r in body["results"]] == list(METHODS)
    for r in body["results"]:
        assert list(r) == ["method", "n", "log_loss", "brier", "rps", "ci95"]
        assert list(r["ci95"]) == ["log_loss", "brier", "rps"]
        assert all(len(r["ci95"][name]) == 2 for name in ("log_loss", "brier", "rps"))
    # The season's closing prices (stats/tests/conftest.py) and results, by the definition of log loss.
    happened = [((1.9, 3.8, 3.8), 0), ((1.6, 4.8, 4.8), 1), ((3.8, 3.8, 1.9), 0)]
    for r in body["results"]:
        expected = sum(-math.log(devig(prices, r["method"])[i]) for prices, i in happened) / 3
        assert r["log_loss"] == pytest.approx(expected, rel=1e-12)
    stored = Calibration.objects.get(sport__key="soccer_epl", market="h2h", reference__key="pinnacle", at="closing")
    assert body["results"] == stored.results  # every digit of the stored floats
    assert body["best"] == stored.best == min(body["results"], key=lambda r: r["log_loss"])["method"]


def test_a_two_way_line_needs_its_point_and_has_no_rps(auth_client, calibrated):
    body = auth_client.get(URL, {"sport": "soccer_epl", "market": "totals", "point": "2.5"}).json()
    assert (body["market"], body["at"], body["reference"]) == ("totals", "closing", "pinnacle")
    assert {r["n"] for r in body["results"]} == {2}
    assert all(r["rps"] is None and r["ci95"]["rps"] is None for r in body["results"])
    assert auth_client.get(URL, {"market": "totals", "point": "2.5", "at": "opening"}).json()["at"] == "opening"


PUSHES = "can push: only half-point lines (2.5, -1.5) are calibrated"


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"market": "totals"}, {"point": ["required for totals: the line, e.g. 2.5 (totals) or -0.5 (spreads)"]}),
        ({"market": "totals", "point": "2.25"}, {"point": [f"2.25 {PUSHES}"]}),
        ({"market": "spreads", "point": "-1"}, {"point": [f"-1 {PUSHES}"]}),
        ({"point": "2.5"}, {"point": ["h2h has no point; leave it out"]}),
        ({"market": "totals", "point": "2_5"}, {"point": ["'2_5' has an underscore: write 1000, not 1_000"]}),
        ({"at": "kickoff"}, {"at": ['"kickoff" is not a valid choice.']}),
        ({"market": "corners"}, {"market": ['"corners" is not a valid choice.']}),
    ],
)
def test_parameters_it_cannot_read_answer_400_naming_them(auth_client, calibrated, query, errors):
    answer = auth_client.get(URL, query)
    assert answer.status_code == 400
    assert answer.json() == {"detail": "Invalid input.", "errors": errors}


def test_no_stored_calibration_answers_404(auth_client, calibrated):
    for query in ({"sport": "soccer_mars"}, {"reference": "williamhill"}, {"market": "spreads", "point": "-0.5"}):
        answer = auth_client.get(URL, query)
        assert answer.status_code == 404
        assert answer.json() == {
            "detail": "no calibration stored for these parameters: run manage.py calibrate",
            "errors": {},
        }


def test_the_schema_documents_the_parameters(auth_client):
    schema = auth_client.get("/api/schema/?format=json").json()
    operation = schema["paths"][URL]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["at", "market", "point", "reference", "sport"]
    shape = schema["components"]["schemas"]["CalibrationOut"]["properties"]
    assert list(shape) == ["sport", "market", "reference", "at", "results", "best"]
