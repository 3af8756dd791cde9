import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the first user when there is none (MONPS_ADMIN_USER / MONPS_ADMIN_PASSWORD, or printed once)."

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        if User.objects.exists():
            return
        username = os.environ.get("MONPS_ADMIN_USER", "admin")
        password = os.environ.get("MONPS_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if os.environ.get("MONPS_ADMIN_PASSWORD"):
            self.stdout.write(f"Created user {username!r} with the password from MONPS_ADMIN_PASSWORD.")
        else:
            self.stdout.write(
                self.style.WARNING(f"Created user {username!r} with password {password!r}. It is shown only this once.")
            )
