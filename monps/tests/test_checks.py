import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_check_with_the_database_says_which_storage_path_is_active(capsys):
    call_command("check", databases=["default"])
    captured = capsys.readouterr()
    assert "(monps.I001) storage path: plain PostgreSQL" in captured.err + captured.out


@pytest.mark.django_db
def test_check_with_mode_on_is_an_error_without_timescaledb(settings):
    from django.core.management.base import SystemCheckError

    settings.TIMESCALE_MODE = "on"
    with pytest.raises(SystemCheckError, match=r"monps\.E001"):
        call_command("check", databases=["default"])
