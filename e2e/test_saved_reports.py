"""Saved reports in Chromium (docs/reports.md "Saved reports", "Schedules"): a player deposits; an
analyst runs the payments question, saves it with the range "today", exports it by id as CSV and
XLSX (openpyxl's cells equal the CSV's), schedules it to two addresses, sends it now and receives
it through the SMTP relay with the XLSX attached; the mail's attachment, read by Python's `email`
package and openpyxl, holds the same cells. The page then shows the run as sent; in Russian on a
phone the list fits the screen. Deleting the report removes it and its schedule.
"""
from __future__ import annotations

import csv
import io
import secrets
import time
from typing import Callable

import openpyxl
from playwright.sync_api import Page, expect

from conftest import PHONE, SMTPInbox
from layout import assert_no_sideways_scroll
from strings import t
from test_cashier import Depositor, depositor  # noqa: F401 (fixture)
from test_reports import deposit
from test_staff import (  # noqa: F401 (fixtures)
    StaffFactory, assert_clean_console, cli_env, open_admin, server_secret_key, sign_in, staff_factory)

QUESTION = "/admin/reports?measure=deposits&measure=net_deposits&dimension=gateway&currency=EUR"


def csv_rows(page: Page, report_id: str) -> list[list[str]]:
    export = page.request.get(f"/api/v1/reports/{report_id}/export?format=csv")
    assert export.status == 200 and export.headers["content-type"].startswith("text/csv"), export.status
    assert export.headers["content-disposition"].startswith("attachment; filename="), export.headers
    return list(csv.reader(io.StringIO(export.text())))


def assert_same_cells(workbook: bytes, rows: list[list[str]]) -> None:
    """The XLSX's cells are the CSV's: the header and the gateway as text, the money as numbers."""
    cells = [list(row) for row in openpyxl.load_workbook(io.BytesIO(workbook)).active.iter_rows(values_only=True)]
    assert cells[0] == rows[0], (cells[0], rows[0])
    assert len(cells) == len(rows), (cells, rows)
    for xlsx_row, csv_row in zip(cells[1:], rows[1:]):
        assert xlsx_row[0] == csv_row[0], (xlsx_row, csv_row)
        assert [float(v) for v in xlsx_row[1:]] == [float(v) for v in csv_row[1:]], (xlsx_row, csv_row)


def test_an_analyst_saves_exports_and_receives_a_scheduled_report(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, staff_factory: StaffFactory,
        smtp_inbox: SMTPInbox) -> None:
    deposit(new_page("en"), base_url, depositor)
    page = new_page("en")
    sign_in(page, staff_factory.create("analyst"))
    open_admin(page, "/admin/reports")
    page.goto(QUESTION)
    deadline = time.monotonic() + 60
    while not page.get_by_test_id("report-row").count() and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    expect(page.get_by_test_id("report-row").first).to_be_visible()

    name = f"Платежи сегодня {secrets.token_hex(3)}"
    page.get_by_test_id("report-save-name").fill(name)
    page.get_by_test_id("report-save-range").select_option("today")
    with page.expect_navigation():
        page.get_by_test_id("report-save-submit").click()
    expect(page.get_by_test_id("report-notice")).to_have_text(t("en", "admin.reports.saved.results.saved"))
    expect(page.get_by_test_id("report-saved-name")).to_contain_text(name)
    saved = page.get_by_test_id("saved-report").filter(has_text=name)
    expect(saved).to_have_count(1)
    report_id = saved.get_attribute("data-id") or ""
    assert report_id.isdigit(), report_id

    rows = csv_rows(page, report_id)
    assert rows[0] == ["gateway", "deposits", "net_deposits"], rows[0]
    assert any(row[0] == "sandbox" and float(row[1]) >= 25 for row in rows[1:]), rows
    workbook = page.request.get(saved.get_by_test_id("saved-export-xlsx").get_attribute("href") or "")
    assert workbook.status == 200, workbook.status
    assert_same_cells(workbook.body(), rows)

    recipients = [f"cfo-{secrets.token_hex(3)}@casino.test", f"ops-{secrets.token_hex(3)}@casino.test"]
    saved.get_by_test_id("saved-schedule-open").click()
    form = saved.get_by_test_id("saved-schedule-form")
    form.locator("select[name=cadence]").select_option("daily")
    form.locator("select[name=hour]").select_option("7")
    form.locator("input[name=tz]").fill("Europe/Moscow")
    form.locator("select[name=format]").select_option("xlsx")
    saved.get_by_test_id("saved-recipients").fill(", ".join(recipients))
    with page.expect_navigation():
        saved.get_by_test_id("saved-schedule-submit").click()
    expect(page.get_by_test_id("report-notice")).to_have_text(t("en", "admin.reports.saved.results.scheduled"))
    saved = page.get_by_test_id("saved-report").filter(has_text=name)
    expect(saved.get_by_test_id("saved-cadence")).to_contain_text("07:00 Europe/Moscow")

    after = smtp_inbox.mark()
    with page.expect_navigation():
        saved.get_by_test_id("saved-send").click()
    expect(page.get_by_test_id("report-notice")).to_have_text(t("en", "admin.reports.saved.results.queued"))
    for recipient in recipients:
        mail = smtp_inbox.wait_for_mail(recipient, timeout=90, after=after).message
        assert name in str(mail["subject"]), mail["subject"]
        attachments = list(mail.iter_attachments())
        assert len(attachments) == 1, [a.get_filename() for a in attachments]
        attached = attachments[0]
        assert attached.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        filename = attached.get_filename() or ""
        assert filename.startswith(name) and filename.endswith(".xlsx"), filename
        assert_same_cells(attached.get_payload(decode=True), csv_rows(page, report_id))

    deadline = time.monotonic() + 30
    while not page.get_by_test_id("saved-report").filter(has_text=name).get_by_test_id("saved-last-run").count() \
            and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    saved = page.get_by_test_id("saved-report").filter(has_text=name)
    expect(saved.get_by_test_id("saved-last-run")).to_contain_text(t("en", "admin.reports.saved.outcomes.sent"))
    assert_clean_console(page, "the reports page with saved reports")

    phone = new_page("ru", viewport="phone")
    sign_in(phone, staff_factory.create("finance"))
    open_admin(phone, "/admin/reports")
    expect(phone.get_by_test_id("saved-report").filter(has_text=name)).to_have_count(1)
    expect(phone.get_by_test_id("saved-report").filter(has_text=name).get_by_test_id("saved-last-run")).to_contain_text(
        t("ru", "admin.reports.saved.outcomes.sent"))
    phone.get_by_test_id("saved-report").filter(has_text=name).get_by_test_id("saved-schedule-open").click()
    expect(phone.get_by_test_id("saved-report").filter(has_text=name).get_by_test_id("saved-recipients")).to_have_value(
        ", ".join(sorted(recipients)))
    assert_no_sideways_scroll(phone, PHONE["width"], "the saved reports on a phone, a schedule open")

    # Deleted by another analyst, so that each page's screenshot keeps what it showed.
    other = new_page("en")
    sign_in(other, staff_factory.create("analyst"))
    open_admin(other, "/admin/reports")
    with other.expect_navigation():
        other.get_by_test_id("saved-report").filter(has_text=name).get_by_test_id("saved-delete").click()
    expect(other.get_by_test_id("report-notice")).to_have_text(t("en", "admin.reports.saved.results.deleted"))
    expect(other.get_by_test_id("saved-report").filter(has_text=name)).to_have_count(0)
    assert other.request.get(f"/api/v1/reports/{report_id}").status == 404


def test_a_risk_officer_sees_saved_reports_but_cannot_save(
        new_page: Callable[..., Page], staff_factory: StaffFactory) -> None:
    page = new_page("en")
    sign_in(page, staff_factory.create("risk"))
    open_admin(page, "/admin/reports")
    page.goto(QUESTION)
    expect(page.get_by_test_id("saved-reports")).to_be_visible()
    expect(page.get_by_test_id("report-save")).to_have_count(0)
    expect(page.get_by_test_id("saved-schedule-form")).to_have_count(0)
