import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
def epl_jan15():
    return load("epl_odds_2024-01-15.json")


@pytest.fixture
def epl_jan30():
    return load("epl_odds_2024-01-30.json")
