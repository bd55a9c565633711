"""The operator console and the member wallet in a real browser (Playwright driving Chromium) against the started
local run: signing in through the local authorization code + PKCE flow, then what the page shows compared with
what the API answers over HTTP. One browser for the module; each console its own context (its own session)."""
from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import API, ROOT, Client, new_id

if os.environ.get("LOYALTY_BROWSER_TESTS") != "required":  # make e2e requires them; elsewhere, skip without it
    pytest.importorskip("playwright", reason="playwright is not installed (requirements-dev.txt)")
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # Debian's: Playwright's own download is not used
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# where the pages' screenshots go; `make screenshots` sets docs/ (the README shows them)
SHOTS = Path(os.environ.get("CONSOLE_SCREENSHOTS", ROOT / "build" / "screenshots"))
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: `make test` installs it (apt-get install chromium, as root)")
    started = time.monotonic()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()
    print(f"\nbrowser tests: {time.monotonic() - started:.1f} s with the browser up")  # a figure, never asserted


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport={"width": 1280, "height": 900})
    opened.set_default_timeout(TIMEOUT_MS)
    yield opened
    opened.close()


def sign_in(page: Page, app: str, field: str, who: str) -> None:
    """The console's Sign in, the local sign-in form, and back to the console with a code it exchanges."""
    page.goto(f"{API}/{app}/")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/local/oauth2/authorize"))
    page.get_by_label(field).fill(who)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"/{app}/$"))  # the code and state are gone from the address once exchanged


# every control a page shows has an accessible name: a <label>, an aria-label, or a button's text
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
  .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
    && !(e.tagName === 'BUTTON' && e.textContent.trim()))
  .map((e) => e.outerHTML)"""


# text whose contrast with the background it sits on is under WCAG AA's 4.5:1 (3:1 for large text)
LOW_CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (e) => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll('body *')].filter((e) => [...e.childNodes]
      .some((n) => n.nodeType === 3 && n.textContent.trim()) && e.getClientRects().length)
    .map((e) => {
      const style = getComputedStyle(e);
      const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(e))];
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      return { text: e.textContent.trim().slice(0, 40), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), large };
    }).filter((t) => t.ratio < (t.large ? 3 : 4.5));
}"""


def shot(page: Page, name: str) -> None:
    """The page's screenshot, once its controls are checked for labels and its text for contrast."""
    assert page.evaluate(UNLABELLED) == [], name
    assert page.evaluate(LOW_CONTRAST) == [], name
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def figure(page: Page, name: str) -> str:
    return page.locator(f"[data-figure={name}]").inner_text()


def test_operator_dashboard_program_preview_and_member(context: BrowserContext, admin: Client,
                                                       service: Client) -> None:
    member_id = new_id("m-console")
    assert service.post("/v1/members", {"member_id": member_id}).status_code == 201
    assert service.post(f"/v1/members/{member_id}/accruals", {"transaction_id": new_id("pay"), "kind": "purchase",
                        "amount_minor": 12_300, "currency": "USD"}).status_code == 201
    page = context.new_page()
    sign_in(page, "console", "Operator name", "ops-console")
    expect(page.locator("[data-figure=issued]")).to_be_visible()

    # the dashboard shows the analytics API's figures (read over HTTP now, nothing writes in between)
    analytics = admin.get("/v1/admin/analytics").json()
    for name in ("issued", "redeemed", "expired", "outstanding"):
        assert figure(page, name) == f"{analytics['totals'][name]:,}", name
    liability = analytics["liability"]
    assert figure(page, "liability") == f"${liability['amount_minor'] / 100:,.2f}" and liability["currency"] == "USD"
    for tier, count in analytics["tiers"].items():
        assert page.locator(f"[data-tier={tier}]").inner_text() == f"{count:,}"
    assert page.locator("canvas").count() == 3
    shot(page, "console-dashboard")

    # the program editor: a new promotion, first refused at its field, then saved as the next revision
    page.get_by_role("link", name="Program").click()
    revision = admin.get("/v1/admin/program").json()["revision"]
    expect(page.locator("[data-program=revision]")).to_have_text(str(revision))
    promotions = len(admin.get("/v1/admin/program").json()["program"]["promotions"])
    segment, promotion_id = new_id("seg"), new_id("promo")
    page.get_by_role("button", name="Add promotion").click()
    item = page.locator(f"[data-item='promotions.{promotions}']")
    item.get_by_label("Promotion id").fill(promotion_id)
    item.get_by_label("Name").fill("Triple points for the console's segment")
    item.get_by_label("Segments (comma separated)").fill(segment)  # only this test's segment: nobody else earns it
    item.get_by_label("Multiplier (decimal, e.g. 2)").fill("0.5")
    page.get_by_role("button", name="Save the program").click()
    field_error = page.locator(f"[data-path='promotions.{promotions}.multiplier'] .field-error")
    expect(field_error).to_have_text(re.compile("greater than 1"))
    assert admin.get("/v1/admin/program").json()["revision"] == revision  # refused: nothing changed
    shot(page, "console-program")
    item.get_by_label("Multiplier (decimal, e.g. 2)").fill("3")
    page.get_by_role("button", name="Save the program").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_have_text(f"Saved: revision {revision + 1} is in force")
    saved = admin.get("/v1/admin/program").json()
    assert saved["revision"] == revision + 1
    assert next(p for p in saved["program"]["promotions"] if p["promotion_id"] == promotion_id)["segments"] == [segment]
    expect(page.locator(f"[data-revision='{revision + 1}']")).to_contain_text("ops-console")

    # the preview earns what the simulation route answers, with the new promotion's share
    preview = page.locator("form.preview")
    preview.get_by_label("Segments (comma separated)").fill(segment)
    preview.get_by_label("Amount").fill("40.00")
    preview.get_by_role("button", name="Preview").click()
    expected = admin.post("/v1/admin/simulations/accrual", {"tier": "Member", "segments": [segment], "purchase": {
        "transaction_id": "console-preview", "kind": "purchase", "amount_minor": 4000, "currency": "USD"}}).json()
    assert expected["accrual"]["promotions"][0]["promotion_id"] == promotion_id
    expect(page.locator("[data-preview=points]")).to_have_text(f"{expected['accrual']['points']:,}")
    expect(page.locator(f"[data-preview-promotion='{promotion_id}']")).to_be_visible()

    # find the member (the keyboard: Enter submits), credit it, cancel its redemption, block and unblock it;
    # after each the page and the API agree
    redemption_id = new_id("r")
    assert admin.post(f"/v1/members/{member_id}/redemptions", {"redemption_id": redemption_id,
                      "reward_id": "charity-100"}).status_code == 201

    def available() -> int:
        balance: int = admin.get(f"/v1/members/{member_id}").json()["balance"]["available"]
        expect(page.locator("[data-member=available]")).to_have_text(f"{balance:,}")
        return balance

    page.get_by_role("link", name="Members").click()
    page.get_by_label("Member id").fill(member_id)
    page.get_by_label("Member id").press("Enter")
    before = available()
    page.get_by_label("Points", exact=True).fill("250")
    page.get_by_label("Reason", exact=True).fill("console goodwill")
    page.get_by_label("Reason", exact=True).press("Enter")
    expect(page.get_by_role("status")).to_have_text("Credited 250 points")
    assert available() == before + 250
    entries = admin.get(f"/v1/members/{member_id}/transactions").json()["items"]
    assert (entries[0]["type"], entries[0]["points"], entries[0]["reference"]) == ("adjustment", 250, "console goodwill")

    page.get_by_role("button", name=f"Cancel redemption {redemption_id}").click()
    expect(page.get_by_role("status")).to_have_text(f"Redemption {redemption_id} cancelled")
    assert available() == before + 250 + 100
    page.get_by_label("Reason to block").fill("console check")
    page.get_by_role("button", name="Block", exact=True).click()
    expect(page.locator("[data-member=status]")).to_have_text("blocked")
    assert admin.get(f"/v1/members/{member_id}").json()["status"] == "blocked"
    shot(page, "console-member")
    page.get_by_label("Reason to unblock").fill("checked")
    page.get_by_role("button", name="Unblock").click()
    expect(page.locator("[data-member=status]")).to_have_text("active")
    assert admin.get(f"/v1/members/{member_id}").json()["status"] == "active"


def test_member_redeems_once_despite_a_double_click(context: BrowserContext, admin: Client,
                                                     service: Client) -> None:
    member_id = new_id("m-wallet")
    assert service.post("/v1/members", {"member_id": member_id}).status_code == 201
    for _ in range(10):  # with the welcome bonus, 11 entries: two pages of history
        assert admin.post(f"/v1/admin/members/{member_id}/adjustments", {"adjustment_id": new_id("adj"),
                          "points": 100, "reason": "wallet test"}).status_code == 201
    available = admin.get(f"/v1/members/{member_id}").json()["balance"]["available"]
    coffee = next(r for r in admin.get("/v1/rewards").json()["items"] if r["reward_id"] == "coffee")
    page = context.new_page()
    sign_in(page, "wallet", "Member id", member_id)
    expect(page.locator("[data-wallet=available]")).to_have_text(f"{available:,}")
    rows = page.locator("tr[data-entry]")
    expect(rows).to_have_count(10)
    page.get_by_role("button", name="More history").click()
    expect(rows).to_have_count(11)
    expect(page.get_by_role("button", name="More history")).to_have_count(0)

    page.locator("[data-reward=coffee] button").dblclick()
    expect(page.get_by_role("status")).to_contain_text(f"Redeemed {coffee['points']} points")
    expect(page.locator("[data-wallet=available]")).to_have_text(f"{available - coffee['points']:,}")
    entries = admin.get(f"/v1/members/{member_id}/transactions?limit=50").json()["items"]
    assert [e["points"] for e in entries if e["type"] == "redemption"] == [-coffee["points"]]
    assert admin.get(f"/v1/members/{member_id}").json()["balance"]["available"] == available - coffee["points"]
    expect(page.locator("tr[data-entry^='redemption#']")).to_have_count(1)
    shot(page, "wallet")
