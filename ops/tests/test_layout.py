"""The layout says what each part is: configuration imports no app, odds tables are named in SQL only by
the odds app (its store), the migrations and the benchmark, and production code needs no development tool."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = {"ops", "web", "odds", "opportunities", "bets", "stats"}
DEVELOPMENT = {"devtools", "bench"}
PRODUCTION = ("monps", *sorted(APPS))
# A table name as SQL would write it: odds_ then the model's lower-case name, e.g. odds_pricehistory.
TABLES = "sport|bookmaker|event|selection|price|pricehistory|withdrawnprice|collectorrun|lease"
ODDS_TABLE = re.compile(rf"\bodds_({TABLES})\b")


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def sources(package: str, *, tests: bool = False) -> list[Path]:
    return [
        path
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and (tests or "tests" not in path.parts)
    ]


def test_the_configuration_imports_no_app():
    found = {str(path.relative_to(ROOT)): imported_packages(path) & (APPS | DEVELOPMENT) for path in sources("monps")}
    assert {path: names for path, names in found.items() if names} == {}


def test_production_code_imports_no_development_tool():
    found = {
        str(path.relative_to(ROOT)): imported_packages(path) & DEVELOPMENT
        for package in PRODUCTION
        for path in sources(package)
    }
    assert {path: names for path, names in found.items() if names} == {}


def test_only_the_odds_app_names_odds_tables():
    outside = [package for package in PRODUCTION if package != "odds"]
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for package in outside
        for path in sources(package)
        for match in ODDS_TABLE.finditer(path.read_text())
    ]
    assert found == []


def test_the_layout_check_sees_a_table_name():
    # The pattern would find what it guards against, so an empty result above means something.
    assert ODDS_TABLE.search('cursor.execute("SELECT price FROM odds_price WHERE selection_id = %s")')
    assert not ODDS_TABLE.search("odds_ratio, odds_api, import_odds")
