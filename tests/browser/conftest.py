"""Browser tests: a real Chromium driven by Playwright against pytest-django's live server.

Every request that does not go to the live server is aborted (the tests never reach the
internet), and any console error or uncaught page error fails the test.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test's
# own fixtures are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).parent / f"vendor/axe-core-{AXE_VERSION}/axe.min.js"
SCREENSHOT_DIR = Path(os.environ.get("MAILLAGE_SCREENSHOT_DIR", "/tmp/maillage-screenshots"))

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


# How long an expectation waits for the page before it fails (Playwright's default: 5 s).
# On a slow or loaded machine (CI ran 2.5 times longer on one machine of this kind than
# on another) a page can take longer without anything being wrong; a wrong page still
# fails.
EXPECT_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    playwright_sync.expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def expected_error_urls() -> set[str]:
    """URLs a test expects to answer with an error status (a 404 page under test)."""
    return set()


@pytest.fixture
def page(browser, live_server, settings, expected_error_urls):
    settings.LANGUAGE_CODE = "fr"
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    problems: list[str] = []

    def only_live_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            problems.append(f"blocked request to {route.request.url}")
            route.abort()

    page.route("**/*", only_live_server)

    def on_console(message):
        if message.type != "error":
            return
        if message.location.get("url") in expected_error_urls and message.text.startswith(
            "Failed to load resource"
        ):
            return
        problems.append(f"console: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield page
    context.close()
    if problems:
        pytest.fail("The browser reported problems:\n" + "\n".join(problems))


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under SCREENSHOT_DIR, to look at while working on the CSS."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        # Grow the viewport to the page instead of full_page=True, which stretches elements
        # sized in vh (the body's min-height) far below the footer.
        path = SCREENSHOT_DIR / f"{name}.png"
        viewport = page.viewport_size
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": viewport["width"], "height": height})
        page.screenshot(path=str(path))
        # Tall pages also in slices, readable at the scale an image viewer shows them.
        slice_height = viewport["width"] * 3
        for number, top in enumerate(range(0, height, slice_height), start=1):
            page.screenshot(
                path=str(SCREENSHOT_DIR / f"{name}.{number}.png"),
                clip={
                    "x": 0,
                    "y": top,
                    "width": viewport["width"],
                    "height": min(slice_height, height - top),
                },
            )
        page.set_viewport_size(viewport)
        return path

    return take


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """The axe-core violations of the current page at the given impact levels."""
    # Evaluated through the DevTools protocol rather than as an inline <script>: the site's
    # Content-Security-Policy rightly refuses inline scripts without its nonce.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in impacts
    ]
