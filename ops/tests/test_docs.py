"""What the README and docs/ name exists: every file and folder, every link, every ``module.name`` of
ours, and every function or setting named beside its file."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PACKAGES = {"monps", "ops", "web", "odds", "opportunities", "bets", "stats", "devtools", "bench"}
# `odds/ingest.py`, `odds/store/`: a path in the repository (var/ is made at run time, <x> a placeholder).
PATH = re.compile(r"`((?!var/)[\w.-]+(?:/[\w.-]+)*/(?:[\w.-]+\.(?:py|md|yml|json|html|toml|lock))?)`")
LINK = re.compile(r"\]\(((?!https?:)[^)#\s]+)(?:#[^)]*)?\)")
# `odds.tasks.collect_odds`; not a system check's id (`monps.I001`)
DOTTED = re.compile(rf"`((?:{'|'.join(sorted(PACKAGES))})(?:\.(?![A-Z]\d{{3}}`)\w+)+)`")
# `path.py` (`name`), `name` (`path.py`), `NAME` in `path.py`
BESIDE = [
    re.compile(r"`(?P<path>[\w/]+\.py)`\s+\(`(?P<name>\w+)`"),
    re.compile(r"`(?P<name>\w+)`\s+\(`(?P<path>[\w/]+\.py)`\)"),
    re.compile(r"`(?P<name>\w+)`\s+in\s+`(?P<path>[\w/]+\.py)`"),
]


def defined(path: Path) -> set[str]:
    """Names a module defines or imports at its top level (what ``module.name`` can reach)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def module_file(parts: list[str]) -> Path | None:
    for candidate in (ROOT.joinpath(*parts).with_suffix(".py"), ROOT.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


def missing_in(doc: Path) -> list[str]:
    text = doc.read_text()
    missing = [f"`{name}`" for name in PATH.findall(text) if not (ROOT / name).exists()]
    missing += [f"({target})" for target in LINK.findall(text) if not (doc.parent / target).exists()]
    for dotted in DOTTED.findall(text):
        parts = dotted.split(".")
        # the longest module prefix, then at most one name defined in it
        found = next(
            ((module, parts[n:]) for n in range(len(parts), 0, -1) if (module := module_file(parts[:n])) is not None),
            None,
        )
        if found is None or len(found[1]) > 1 or (found[1] and found[1][0] not in defined(found[0])):
            missing.append(f"`{dotted}`")
    for pattern in BESIDE:
        for match in pattern.finditer(text):
            path = ROOT / match["path"]
            if not path.is_file() or match["name"] not in defined(path):
                missing.append(match.group(0))
    return missing


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_what_the_docs_name_exists(doc):
    assert missing_in(doc) == []


def test_the_check_finds_what_does_not_exist(tmp_path):
    # The patterns find what they guard against, so an empty result above means something.
    doc = tmp_path / "doc.md"
    doc.write_text(
        "`odds/nowhere.py`, `odds/store/`, `odds/gone/`, [x](missing.md), `odds.tasks.collect_odds`, "
        "`odds.tasks.no_such_task`, `odds/ingest.py` (`ingest_snapshot`), `no_such` (`bets/services.py`), "
        "`CELERY_TASK_ROUTES` in `monps/settings.py`, `var/pgdata`, `/api/bets/`"
    )
    assert missing_in(doc) == [
        "`odds/nowhere.py`",
        "`odds/gone/`",
        "(missing.md)",
        "`odds.tasks.no_such_task`",
        "`no_such` (`bets/services.py`)",
    ]
