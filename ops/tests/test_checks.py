import pytest
from django.core.management import call_command
from django.db import connection

from ops.timescale import probe

# The suite runs against whatever server DATABASE_URL names: the embedded plain PostgreSQL, or a
# TimescaleDB server (TIMESCALE_MODE=on), where these checks must say so instead.


@pytest.mark.django_db
def test_check_with_the_database_says_which_storage_path_is_active(capsys):
    call_command("check", databases=["default"])
    captured = capsys.readouterr()
    path = "TimescaleDB (hypertables" if probe(connection).usable else "plain PostgreSQL"
    assert f"(monps.I001) storage path: {path}" in captured.err + captured.out


@pytest.mark.django_db
def test_check_with_mode_on_is_an_error_without_timescaledb(settings):
    from django.core.management.base import SystemCheckError

    settings.TIMESCALE_MODE = "on"
    if probe(connection).usable:
        call_command("check", databases=["default"])  # raises SystemCheckError on any error
    else:
        with pytest.raises(SystemCheckError, match=r"monps\.E001"):
            call_command("check", databases=["default"])


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits non-zero on a missing migration


def test_the_code_is_ruff_clean():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([str(ruff), "check", "--quiet", str(root)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
