"""The load step's users (``bench.load`` runs locust on this file): each logs in once as one
of the bench's users, then browses the pages with 1-3 s between requests.

Environment: ``LOAD_USER_PREFIX`` and ``LOAD_USER_COUNT`` (the users ``bench-load-00`` …),
``LOAD_PASSWORD``, ``LOAD_EVENT`` (an event page's path), ``LOAD_RUN_USERS`` (this run's users),
``LOAD_SAMPLES`` (where to write, at the end, every request's name, seconds, error and whether all
of this run's users had logged in by then, as JSON).
"""

from __future__ import annotations

import itertools
import json
import os
import re

from locust import HttpUser, between, events, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOGIN = "/accounts/login/"
PAGES = ("/", "/opportunities/", "/bets/", "/stats/", "/api/opportunities/")
_numbers = itertools.count()
_logged_in = 0
_samples: list[tuple[str, float, str | None, bool]] = []


def _sample(name: str, response_time: float, exception: BaseException | None, **_: object) -> None:
    _samples.append((name, response_time / 1000, None if exception is None else repr(exception), _all_logged_in()))


def _write(**_: object) -> None:
    if os.environ.get("LOAD_SAMPLES"):
        with open(os.environ["LOAD_SAMPLES"], "w") as out:
            json.dump(_samples, out)


# Not as decorators: EventHook.add_listener has no type hints.
events.request.add_listener(_sample)
events.test_stop.add_listener(_write)


def _all_logged_in() -> bool:
    return _logged_in >= int(os.environ.get("LOAD_RUN_USERS", "1"))


def username(number: int) -> str:
    prefix, count = os.environ.get("LOAD_USER_PREFIX", "bench-load-"), int(os.environ.get("LOAD_USER_COUNT", "50"))
    return f"{prefix}{number % count:02d}"


class Browser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        event = os.environ["LOAD_EVENT"]
        self.pages = [(path, path) for path in PAGES] + [(event, "/events/<id>/")]
        self.visits = next(_numbers)
        with self.client.get(LOGIN, name="login page", catch_response=True) as page:
            token = CSRF.search(page.text)
            if token is None:
                page.failure("no CSRF token on the login page")
                return
        data = {
            "username": username(self.visits),
            "password": os.environ["LOAD_PASSWORD"],
            "csrfmiddlewaretoken": token.group(1),
            "next": "/",
        }
        headers = {"Referer": f"{self.host}{LOGIN}"}
        with self.client.post(LOGIN, data=data, headers=headers, name="login", catch_response=True) as answer:
            if answer.url is None or LOGIN in answer.url:
                answer.failure(f"the login did not succeed: status {answer.status_code} {answer.error!r}")
                return
        global _logged_in
        _logged_in += 1

    def _page(self, path: str, name: str | None = None) -> None:
        with self.client.get(path, name=name or path, catch_response=True, allow_redirects=False) as answer:
            if answer.status_code != 200:
                answer.failure(f"status {answer.status_code} {answer.error!r}")

    @task
    def browse(self) -> None:
        """The next page of the round (every user starts at a page of its own): a user of a short
        run still requests each page."""
        path, name = self.pages[self.visits % len(self.pages)]
        self.visits += 1
        self._page(path, name)
