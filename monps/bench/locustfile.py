"""The load step's users (``monps.bench.load`` runs locust on this file): each logs in once as one
of the bench's users, then browses the pages with 1-3 s between requests.

Environment: ``LOAD_USER_PREFIX`` and ``LOAD_USER_COUNT`` (the users ``bench-load-00`` …),
``LOAD_PASSWORD``, ``LOAD_EVENT`` (an event page's path).
"""

from __future__ import annotations

import itertools
import os
import re

from locust import HttpUser, between, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOGIN = "/accounts/login/"
_numbers = itertools.count()


def username(number: int) -> str:
    prefix, count = os.environ.get("LOAD_USER_PREFIX", "bench-load-"), int(os.environ.get("LOAD_USER_COUNT", "50"))
    return f"{prefix}{number % count:02d}"


class Browser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        with self.client.get(LOGIN, name="login page", catch_response=True) as page:
            token = CSRF.search(page.text)
            if token is None:
                page.failure("no CSRF token on the login page")
                return
        data = {
            "username": username(next(_numbers)),
            "password": os.environ["LOAD_PASSWORD"],
            "csrfmiddlewaretoken": token.group(1),
            "next": "/",
        }
        headers = {"Referer": f"{self.host}{LOGIN}"}
        with self.client.post(LOGIN, data=data, headers=headers, name="login", catch_response=True) as answer:
            if answer.url is None or LOGIN in answer.url:
                answer.failure("the login did not succeed")

    def _page(self, path: str, name: str | None = None) -> None:
        with self.client.get(path, name=name or path, catch_response=True, allow_redirects=False) as answer:
            if answer.status_code != 200:
                answer.failure(f"status {answer.status_code}")

    @task
    def home(self) -> None:
        self._page("/")

    @task
    def opportunities(self) -> None:
        self._page("/opportunities/")

    @task
    def bets(self) -> None:
        self._page("/bets/")

    @task
    def stats(self) -> None:
        self._page("/stats/")

    @task
    def event(self) -> None:
        self._page(os.environ["LOAD_EVENT"], "/events/<id>/")

    @task
    def api_opportunities(self) -> None:
        self._page("/api/opportunities/")
