"""In a real Chromium: every page renders under the Content-Security-Policy without a violation or a
console message, the API docs render from our own server alone, and a locked-out login says so on
the login page at desktop and phone widths (screenshots in $MONPS_VAR/screenshots/)."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from web.tests.factories import UserFactory
from web.tests.test_browser import PASSWORD, SIZES, login, market, plain_static  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("MONPS_VAR", ROOT / "var")) / "screenshots"

# Reports every violation to the test, whatever the page does with the error it causes.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__reportViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


@pytest.fixture
def watched(page, live_server):
    """The page, with everything that went wrong on it collected: CSP violations, console messages,
    script errors, failed responses, and any request that leaves the live server."""
    problems: list[str] = []
    requests: list[str] = []
    page.expose_function("__reportViolation", lambda text: problems.append(f"CSP: {text}"))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    def failed_response(r) -> None:
        if r.status >= 400:
            problems.append(f"{r.status} {r.url}")

    page.on("response", failed_response)
    page.on("request", lambda request: requests.append(request.url))
    # Nothing may leave the machine: a request elsewhere is recorded above, then refused here.
    local = urlsplit(live_server.url).netloc
    page.route(
        "**/*",
        lambda route: route.continue_() if urlsplit(route.request.url).netloc == local else route.abort(),
    )
    page.problems = problems
    page.requests = requests
    return page


def elsewhere(requests: list[str], live_server) -> list[str]:
    local = urlsplit(live_server.url).netloc
    return [url for url in requests if urlsplit(url).scheme not in {"data", "blob"} and urlsplit(url).netloc != local]


@pytest.mark.usefixtures("market")
def test_every_page_passes_the_content_security_policy(watched, live_server, django_user_model):
    from odds.models import Event

    page = watched
    django_user_model.objects.filter(username="bettor").update(is_staff=True, is_superuser=True)
    login(page, live_server)
    event = Event.objects.filter(commence_time__gt=timezone.now()).order_by("commence_time").first()
    pages = [
        "/",
        "/opportunities/",
        "/opportunities/strategies/",
        "/bets/",
        f"/events/{event.pk}/",
        "/stats/",
        "/settings/",
        "/admin/",
        "/admin/opportunities/strategy/",
        "/admin/bets/bet/add/",
        "/admin/axes/accessattempt/",
        "/api/docs/",
    ]
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"].split("; "), path
        page.wait_for_load_state("networkidle")
        # Let the page's own scripts run a moment (htmx settles, Swagger UI renders).
        page.wait_for_timeout(200)
        assert page.problems == [], path
    # The HTMX parts refresh and the bet form opens without a violation either.
    page.goto(f"{live_server.url}/")
    page.locator("#top-opportunities a.button").first.click()
    page.wait_for_selector("#bet-form form")
    page.wait_for_timeout(200)
    assert page.problems == []
    assert elsewhere(page.requests, live_server) == []


@pytest.mark.usefixtures("market")
def test_the_api_docs_render_from_this_server_alone(watched, live_server):
    page = watched
    login(page, live_server)
    page.goto(f"{live_server.url}/api/docs/")
    operation = page.locator(".opblock-summary-path", has_text="/api/bets/").first
    operation.wait_for(timeout=15000)
    assert operation.is_visible()
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("monps API")
    # The schema came from this server, with the session: the operations are ours.
    assert any(url.endswith("/api/schema/") for url in page.requests)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "api-docs-desktop.png"))
    assert elsewhere(page.requests, live_server) == []
    assert page.problems == []


@pytest.mark.usefixtures("plain_static")
@pytest.mark.parametrize("size", list(SIZES))
def test_a_locked_out_login_says_so_on_the_login_page(page, live_server, size):
    from django.conf import settings

    UserFactory(username="bettor", password=PASSWORD, is_staff=True)
    page.set_viewport_size(SIZES[size])
    page.goto(f"{live_server.url}/accounts/login/")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        page.fill("#id_username", "bettor")
        page.fill("#id_password", f"wrong-{attempt}")
        page.click("button[type=submit]")
        page.wait_for_selector(".errorlist")
    page.fill("#id_username", "bettor")
    page.fill("#id_password", PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 429
    error = page.locator(".errorlist.nonfield li")
    assert error.inner_text() == settings.AXES_COOLOFF_MESSAGE
    assert error.is_visible()
    assert "/accounts/login/" in page.url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"] + 1, f"the login page scrolls sideways at {size} width ({width}px)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"login-locked-{size}.png"), full_page=True)

    # The same account from the same address is locked out of the admin's login page as well.
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "bettor")
    page.fill("#id_password", PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("input[type=submit]")
    assert answer.value.status == 429
    error = page.locator("#content p.errornote")
    assert error.inner_text() == settings.AXES_COOLOFF_MESSAGE
    assert error.is_visible()
    page.screenshot(path=str(SCREENSHOTS / f"admin-login-locked-{size}.png"), full_page=True)
