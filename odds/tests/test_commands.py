import pytest
from django.core.management import CommandError, call_command

from odds.models import CollectorRun, Event, PriceHistory
from odds.tests.conftest import DATA

pytestmark = pytest.mark.django_db


def test_import_odds_prints_what_it_read_and_wrote(capsys):
    path = DATA / "epl_odds_2024-01-15.json"
    call_command("import_odds", str(path), sport="soccer_epl")
    assert capsys.readouterr().out.strip() == (
        f"{path}: 15 events, 842 prices read, 842 history rows written, 0 rejected."
    )
    call_command("import_odds", str(path), sport="soccer_epl")
    assert "0 history rows written" in capsys.readouterr().out


def test_import_odds_refuses_bad_files(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": "x",')
    with pytest.raises(CommandError, match=r"broken.json: not valid JSON \(line 1, column 13"):
        call_command("import_odds", str(broken), sport="soccer_epl")
    with pytest.raises(CommandError, match="events of soccer_epl in a file given as --sport icehockey_nhl"):
        call_command("import_odds", str(DATA / "epl_odds_2024-01-15.json"), sport="icehockey_nhl")
    assert PriceHistory.objects.count() == 0


def test_import_scores(capsys):
    call_command("import_scores", str(DATA / "nhl_scores.json"), sport="icehockey_nhl")
    assert "33 events read, 33 updated (33 new), 18 completed, 0 rejected." in capsys.readouterr().out
    assert Event.objects.filter(completed=True).count() == 18


def test_collect_odds_without_key_says_why(settings):
    settings.ODDS_API_KEY = ""
    with pytest.raises(CommandError, match="collection did not complete"):
        call_command("collect_odds", sport="soccer_epl")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 10_000 + "]" * 10_000, "not valid JSON (nested deeper than 64 levels)"),  # RecursionError before
        ('[{"id": ' + "[" * 65 + "]" * 65 + "}]", "not valid JSON (nested deeper than 64 levels)"),
        (b'[{"id": "caf\xe9"}]', "not UTF-8 text (byte 12: invalid continuation byte)"),
    ],
    ids=["10000-levels", "65-levels", "latin-1"],
)
def test_import_odds_refuses_files_it_cannot_read_and_writes_nothing(tmp_path, content, message):
    hostile = tmp_path / "hostile.json"
    if isinstance(content, bytes):
        hostile.write_bytes(content)
    else:
        hostile.write_text(content)
    with pytest.raises(CommandError) as caught:
        call_command("import_odds", str(hostile), sport="soccer_epl")
    assert str(caught.value) == f"{hostile}: {message}"
    assert (Event.objects.count(), PriceHistory.objects.count(), CollectorRun.objects.count()) == (0, 0, 0)


def test_the_collector_decodes_a_deep_body_as_not_json():
    """What the collector's decoder (orjson) does with the same body: its own limit of 1,024 levels,
    a ValueError that the client reports as a ProviderError."""
    from odds.providers.odds_api import decode_json

    with pytest.raises(ValueError, match="depth limit exceeded"):
        decode_json("[" * 10_000 + "]" * 10_000)
