"""The console's reports in Chromium (docs/reports.md): a player deposits through the sandbox; the
event reaches ClickHouse through the relay and the loader; an analyst opens the payments preset
and finds the deposit under the sandbox gateway, with its chart and its CSV export. A hostile time
zone is refused on the page by name; support neither sees the reports nor opens them. English on a
desktop, Russian on a phone.
"""
from __future__ import annotations

import csv
import io
import time
from typing import Callable

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE
from layout import assert_no_sideways_scroll
from strings import t
from test_cashier import Depositor, depositor, open_cashier, start_deposit  # noqa: F401 (fixture)
from test_staff import (  # noqa: F401 (fixtures)
    StaffFactory, assert_clean_console, cli_env, open_admin, server_secret_key, sign_in, staff_factory)


def deposit(page: Page, base_url: str, depositor: Depositor) -> None:
    open_cashier(page, base_url, depositor)
    start_deposit(page, "sandbox:EUR", preset="25")
    page.get_by_test_id("sandbox-secure").click()
    with page.expect_navigation():
        page.get_by_test_id("sandbox-approve").click()
    deadline = time.monotonic() + 60
    while depositor.real() != "25.00000" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert depositor.real() == "25.00000", "the sandbox deposit was credited"


def sandbox_deposits(page: Page) -> float:
    """The payments preset's deposits under the sandbox gateway, summed over the rows shown."""
    total = 0.0
    for row in page.get_by_test_id("report-row").all():
        cells = row.locator("td").all_inner_texts()
        if len(cells) >= 3 and cells[1] == "sandbox":
            total += float(cells[2])
    return total


@pytest.mark.parametrize("lang, viewport", [("en", "desktop"), ("ru", "phone")])
def test_an_analyst_finds_a_deposit_in_the_payments_report_and_exports_it(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, staff_factory: StaffFactory, lang: str,
        viewport: str) -> None:
    page = new_page(lang, viewport=viewport)
    sign_in(page, staff_factory.create("analyst"))
    open_admin(page, "/admin/reports")
    before = 0.0
    with page.expect_navigation():
        page.locator('[data-testid="report-preset"][data-preset="payments"]').click()
    expect(page.get_by_test_id("report-result")).to_be_visible()
    before = sandbox_deposits(page)

    deposit(new_page(lang), base_url, depositor)
    # The loader writes within seconds of the relay; the page is read again until it shows.
    deadline = time.monotonic() + 60
    while sandbox_deposits(page) < before + 25 and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    assert sandbox_deposits(page) >= before + 25, f"the deposit reached the report ({before} before)"
    expect(page.get_by_test_id("report-table").locator("th").first).to_have_text(t(lang, "admin.reports.dimensions.time"))
    expect(page.get_by_test_id("report-chart")).to_be_visible()
    expect(page.get_by_test_id("report-bar").first).to_be_attached()
    if viewport == "phone":
        assert_no_sideways_scroll(page, PHONE["width"], "the reports page")

    href = page.get_by_test_id("report-export").get_attribute("href")
    assert href and href.startswith("/admin/reports/export?"), href
    export = page.request.get(href)
    assert export.status == 200 and export.headers["content-type"].startswith("text/csv"), export.status
    rows = list(csv.reader(io.StringIO(export.text())))
    assert rows[0] == ["time", "gateway", "deposits", "withdrawals", "net_deposits", "ftd_count", "ftd_amount"], rows[0]
    assert sum(float(r[2]) for r in rows[1:] if r[1] == "sandbox") >= before + 25, rows
    # The depositor signed up today and this was (on the first run) their first deposit.
    assert sum(int(r[5]) for r in rows[1:] if r[1] == "sandbox") >= 1, rows
    workbook = page.request.get(page.get_by_test_id("report-export-xlsx").get_attribute("href") or "")
    assert workbook.status == 200, workbook.status
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.body())).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == rows[0], cells[0]
    assert len(cells) == len(rows), (len(cells), len(rows))
    for xlsx_row, csv_row in zip(cells[1:], rows[1:]):
        assert xlsx_row[:2] == csv_row[:2], (xlsx_row, csv_row)
        assert [float(v) for v in xlsx_row[2:]] == [float(v) for v in csv_row[2:]], (xlsx_row, csv_row)
    exported = page.request.get(page.get_by_test_id("report-export-json").get_attribute("href") or "").json()
    assert exported["columns"] == rows[0] and exported["rows"] == rows[1:], exported
    assert_clean_console(page, "the reports page")

    open_admin(page, "/admin")
    tiles = {tile.locator("dt").inner_text(): tile.locator("dd").inner_text()
             for tile in page.get_by_test_id("dashboard-tile").all()}
    deposits = tiles.get(t(lang, "admin.reports.measures.deposits"))
    assert deposits is not None and float(deposits) >= 25, f"today's tiles: {tiles}"
    # What waits is for the roles that approve withdrawals and see the system's health.
    expect(page.get_by_test_id("dashboard-pipeline")).to_have_count(0)
    admin = new_page(lang, viewport=viewport)
    sign_in(admin, staff_factory.create("admin"))
    open_admin(admin, "/admin")
    for test_id in ("dashboard-withdrawals-waiting", "dashboard-loader-waiting"):
        assert admin.get_by_test_id(test_id).locator("dd").inner_text().rstrip("+").isdigit(), test_id
    lag = admin.get_by_test_id("dashboard-outbox-lag").locator("dd").inner_text()
    assert lag == t(lang, "admin.dashboard.pipeline.seconds").replace("{seconds}", lag.split()[0]), lag

    # The depositor's registration reached analytics as a new player of today.
    today = time.strftime("%Y-%m-%d", time.gmtime())
    response = page.goto(f"/admin/reports?measure=new_players&dimension=kyc_level&from={today}&to={today}")
    assert response is not None and response.status == 200, response and response.status
    new_players = sum(int(row.locator("td").all_inner_texts()[1]) for row in page.get_by_test_id("report-row").all())
    assert new_players >= 1, "a player who signed up today is a new player"

    # Every currency together, valued in the pivot (EUR needs no rate: it is the pivot).
    response = page.goto(f"/admin/reports?measure=deposits&dimension=gateway&currency=pivot&from={today}&to={today}")
    assert response is not None and response.status == 200, response and response.status
    expect(page.locator("#report-currency option:checked")).to_have_text(
        t(lang, "admin.reports.form.inPivot").replace("{pivot}", "EUR"))
    pivoted = sum(float(row.locator("td").all_inner_texts()[1]) for row in page.get_by_test_id("report-row").all()
                  if row.locator("td").all_inner_texts()[0] == "sandbox")
    assert pivoted >= 25, f"the sandbox deposit in the pivot: {pivoted}"


def test_a_hostile_time_zone_is_refused_by_name_and_support_has_no_reports(
        new_page: Callable[..., Page], staff_factory: StaffFactory) -> None:
    page = new_page("en")
    sign_in(page, staff_factory.create("analyst"))
    response = page.goto("/admin/reports?measure=ggr&dimension=time&currency=EUR&tz=UTC%27)%20--")
    assert response is not None and response.status == 400, response and response.status
    expect(page.get_by_test_id("report-error")).to_have_text(t("en", "admin.reports.errors.unknownTimeZone"))
    response = page.goto("/admin/reports?measure=ggr&dimension=time&currency=EUR&grain=hour&from=2016-01-01&to=2025-12-31")
    assert response is not None and response.status == 400
    expect(page.get_by_test_id("report-error")).to_have_text(t("en", "admin.reports.errors.rangeTooLarge"))

    support = new_page("en")
    sign_in(support, staff_factory.create("support"))
    expect(support.locator('a[href="/admin/reports"]')).to_have_count(0)
    response = support.goto("/admin/reports")
    assert response is not None and response.status == 403, response and response.status
