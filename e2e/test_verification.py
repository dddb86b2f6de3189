"""KYC in Chromium (docs/compliance.md): the player's verification page, document uploads and
staff's review in the console.

An L0 player's withdrawal over L0's limit is refused with the limit, what is left and what L1
needs; they give their details, apply, a KYC reviewer approves in the console, and the same
withdrawal goes on. Documents are typed by their bytes, not their names: a program named
`passport.jpg`, a 20 MiB file, an empty file and a form without the CSRF token are refused by
name and store nothing. Only staff with `kyc.review` open a document, as a download that cannot
run in the console's origin. `croupier audit` finds nothing afterwards.
"""
from __future__ import annotations

import datetime
import hashlib
import struct
import zlib
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, e2e_sql
from layout import assert_no_sideways_scroll
from strings import t
from test_cashier import Depositor, depositor, open_cashier  # noqa: F401 (fixture)
from test_payments_stripe import audit_is_clean
from test_staff import StaffFactory, assert_clean_console, cli_env, open_admin, server_secret_key, sign_in, staff_factory  # noqa: F401
from test_withdrawals import ACCOUNT, deposit


def png(width: int = 40, height: int = 24) -> bytes:
    """A real PNG (a grey rectangle), so the console's preview has something to draw."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# The first bytes of an ELF program, named and declared as a JPEG.
PROGRAM = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 4088


def documents_of(service_env: dict[str, str], player_id: int) -> int:
    return int(e2e_sql(service_env, f"SELECT count(*) FROM compliance_documents WHERE player_id = {int(player_id)}"))


def open_verification(page: Page) -> None:
    response = page.goto("/verification")
    assert response is not None and response.status == 200, f"GET /verification -> {response and response.status}"


def fill_details(page: Page, name: str = "Anna Maria Keller", birth: str = "1990-04-12", country: str = "DE") -> None:
    page.fill("#kyc-name", name)
    page.fill("#kyc-birth", birth)
    page.select_option("#kyc-country", country)
    with page.expect_navigation():
        page.get_by_test_id("details-submit").click()


def upload(page: Page, kind: str, name: str, mime: str, data: bytes) -> None:
    page.select_option("#kyc-kind", kind)
    page.set_input_files("#kyc-file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    with page.expect_navigation():
        page.get_by_test_id("upload-submit").click()


def post_upload(page: Page, csrf: str | None, kind: str, name: str, mime: str, data: bytes):
    """The upload form's POST made by hand, with the browser's cookies (what a script could send)."""
    fields: dict[str, object] = {"kind": kind, "document": {"name": name, "mimeType": mime, "buffer": data}}
    if csrf is not None:
        fields["csrf"] = csrf
    return page.request.post("/verification/documents", multipart=fields, max_redirects=0)


def ask_withdrawal(page: Page, amount: str) -> None:
    page.goto("/cashier#withdraw")
    page.select_option("#withdrawal-method", "sandbox:EUR")
    page.fill("#withdrawal-amount", amount)
    page.fill("#withdrawal-destination", ACCOUNT)
    with page.expect_navigation():
        page.get_by_test_id("withdrawal-submit").click()


def approve_in_console(staff: Page, player_id: int, lang: str) -> None:
    open_admin(staff, "/admin/kyc")
    row = staff.locator(f'[data-testid="application"][data-player="{player_id}"]')
    with staff.expect_navigation():
        row.get_by_test_id("review").click()
    with staff.expect_navigation():
        staff.get_by_test_id("approve").click()
    expect(staff.get_by_test_id("kyc-notice")).to_have_text(t(lang, "admin.kyc.results.approved"))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_l0_withdrawal_over_the_limit_proceeds_once_staff_approve_l1(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, service_env: dict[str, str], server_env: dict[str, str],
        staff_factory: StaffFactory, lang: str) -> None:
    page = new_page(lang)
    open_cashier(page, base_url, depositor)
    deposit(page, "90")
    # L0 allows EUR 50 of withdrawals a day: 80 is refused with the limit, what is left and L1's needs.
    ask_withdrawal(page, "80")
    error = page.get_by_test_id("withdrawal-error")
    expect(error).to_contain_text(t(lang, "kyc.limits.withdrawal.day"))
    expect(error).to_contain_text("50")
    for requirement in ("legalName", "dateOfBirth", "country"):
        expect(error).to_contain_text(t(lang, f"kyc.requirements.{requirement}"))
    assert e2e_sql(service_env, f"SELECT count(*) FROM payments_withdrawals WHERE player_id = {depositor.id}") == "0"

    open_verification(page)
    expect(page.get_by_test_id("verification-level")).to_have_attribute("data-level", "0")
    expect(page.get_by_test_id("limit-withdrawal-day").get_by_test_id("limit-left")).to_contain_text("50")
    fill_details(page)
    expect(page.get_by_test_id("verification-notice")).to_have_text(t(lang, "kyc.results.detailsSaved"))
    with page.expect_navigation():
        page.get_by_test_id("apply-submit").click()
    expect(page.get_by_test_id("verification-notice")).to_have_text(t(lang, "kyc.results.applied"))
    expect(page.get_by_test_id("verification-application")).to_be_visible()

    staff = new_page(lang)
    sign_in(staff, staff_factory.create("risk"))
    approve_in_console(staff, depositor.id, lang)
    expect(staff.get_by_test_id("kyc-player-level")).to_have_text(t(lang, "kyc.levels.l1"))
    assert_clean_console(staff, "KYC review")

    open_verification(page)
    expect(page.get_by_test_id("verification-level")).to_have_attribute("data-level", "1")
    ask_withdrawal(page, "80")
    expect(page.get_by_test_id("withdrawal-code-step")).to_be_visible()
    audit = e2e_sql(service_env, "SELECT string_agg(action, ',' ORDER BY id) FROM identity_audit_log "
                                 f"WHERE target IN ('player:{depositor.id}') OR summary->>'player' = '{depositor.id}'")
    assert "compliance.profile_changed" in audit and "compliance.application_approved" in audit, audit
    audit_is_clean(server_env)


def test_documents_are_typed_by_their_bytes_and_refusals_store_nothing(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, service_env: dict[str, str], server_env: dict[str, str]) -> None:
    page = new_page("en")
    open_cashier(page, base_url, depositor)
    open_verification(page)
    upload(page, "identityDocument", "passport.png", "image/png", png())
    expect(page.get_by_test_id("verification-notice")).to_have_text(t("en", "kyc.results.documentUploaded"))
    # A real PDF is welcome whatever it is called.
    upload(page, "proofOfAddress", "bill.jpg", "image/jpeg", PDF)
    expect(page.get_by_test_id("document")).to_have_count(2)
    stored = documents_of(service_env, depositor.id)
    assert stored == 2

    # A program named passport.jpg, through the page.
    upload(page, "identityDocument", "passport.jpg", "image/jpeg", PROGRAM)
    expect(page.get_by_test_id("upload-error")).to_have_text(t("en", "kyc.errors.documentTypeUnsupported"))
    csrf = page.locator('[data-testid="upload-form"] input[name="csrf"]').get_attribute("value")
    refused = {
        "program": (post_upload(page, csrf, "identityDocument", "passport.jpg", "image/jpeg", PROGRAM), 415),
        "20 MiB": (post_upload(page, csrf, "identityDocument", "big.png", "image/png", png() + b"\x00" * (20 << 20)), 413),
        "empty": (post_upload(page, csrf, "identityDocument", "empty.png", "image/png", b""), 422),
        "no CSRF token": (post_upload(page, None, "identityDocument", "passport.png", "image/png", png()), 403),
        "a wrong CSRF token": (post_upload(page, "x" * 43, "identityDocument", "passport.png", "image/png", png()), 403),
    }
    for what, (response, status) in refused.items():
        assert response.status == status, f"{what}: {response.status}"
    assert documents_of(service_env, depositor.id) == stored, "a refused upload stored something"

    # No route gives a document back to a player, theirs or another's.
    document_id = page.get_by_test_id("document").first.get_attribute("data-document")
    assert document_id and document_id.startswith("doc_"), document_id
    answer = page.request.get(f"/admin/kyc/documents/{document_id}", max_redirects=0)
    assert answer.status in (302, 303, 401, 403), answer.status
    assert b"IHDR" not in answer.body() and b"%PDF" not in answer.body()
    audit_is_clean(server_env)


def test_a_reviewer_sees_the_documents_safely_and_others_cannot(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, service_env: dict[str, str],
        staff_factory: StaffFactory) -> None:
    page = new_page("en")
    open_cashier(page, base_url, depositor)
    open_verification(page)
    fill_details(page)
    picture = png()
    upload(page, "identityDocument", "passport.png", "image/png", picture)
    upload(page, "selfie", "me.png", "image/png", png(30, 30))
    with page.expect_navigation():
        page.get_by_test_id("apply-submit").click()
    # The page offers the next level: L1 (details only).
    expect(page.get_by_test_id("verification-application")).to_contain_text(t("en", "kyc.levels.l1"))

    finance = new_page("en")
    sign_in(finance, staff_factory.create("finance"))
    response = finance.goto("/admin/kyc")
    assert response is not None and response.status == 403, "finance staff have no kyc.review"

    reviewer = new_page("en")
    sign_in(reviewer, staff_factory.create("risk"))
    open_admin(reviewer, f"/admin/kyc/players/{depositor.id}")
    previews = reviewer.locator(".kyc-document__preview")
    expect(previews).to_have_count(2)
    expect(previews.first).to_have_js_property("complete", True)
    assert previews.first.evaluate("img => img.naturalWidth") > 0, "the picture did not render"
    document_id = reviewer.get_by_test_id("kyc-document").last.get_attribute("data-document")
    answer = reviewer.request.get(f"/admin/kyc/documents/{document_id}")
    assert answer.status == 200
    assert answer.headers["content-disposition"].startswith("attachment;"), answer.headers
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in answer.headers["content-security-policy"]
    assert answer.headers["content-type"] == "image/png"
    assert hashlib.sha256(answer.body()).hexdigest() == hashlib.sha256(picture).hexdigest()
    viewed = e2e_sql(service_env, "SELECT count(*) FROM identity_audit_log WHERE action = 'compliance.document_viewed' "
                                  f"AND target = 'document:{document_id}'")
    assert int(viewed) >= 1, "viewing a document is audited"
    approve_in_console(reviewer, depositor.id, "en")
    assert_clean_console(reviewer, "KYC player page")

    # A verified field is the staff's to correct, and a level is set with a reason, both audited.
    reviewer.fill("#c-name", "Anna Maria Keller-Braun")
    with reviewer.expect_navigation():
        reviewer.get_by_test_id("correct").click()
    expect(reviewer.get_by_test_id("kyc-notice")).to_have_text(t("en", "admin.kyc.results.detailsCorrected"))
    expect(reviewer.get_by_test_id("kyc-details")).to_contain_text("Anna Maria Keller-Braun")
    reviewer.select_option("#set-level", "0")
    reviewer.fill("#set-level-reason", "The identity document expired.")
    with reviewer.expect_navigation():
        reviewer.get_by_test_id("set-level").click()
    expect(reviewer.get_by_test_id("kyc-player-level")).to_have_text(t("en", "kyc.levels.l0"))
    actions = e2e_sql(service_env, "SELECT string_agg(action, ',' ORDER BY id) FROM identity_audit_log "
                                   f"WHERE target = 'player:{depositor.id}' AND actor LIKE 'staff:%'")
    assert "compliance.profile_changed" in actions and "compliance.player_level_set" in actions, actions


def test_the_verification_page_fits_a_phone_in_russian(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor) -> None:
    page = new_page("ru", viewport=PHONE)
    open_cashier(page, base_url, depositor)
    open_verification(page)
    expect(page.locator("h1")).to_have_text(t("ru", "kyc.heading"))
    expect(page.get_by_test_id("verification-limits")).to_be_visible()
    assert_no_sideways_scroll(page, PHONE["width"])


def test_staff_set_and_import_fx_rates_all_or_nothing(
        new_page: Callable[..., Page], staff_factory: StaffFactory, service_env: dict[str, str]) -> None:
    staff = new_page("en")
    sign_in(staff, staff_factory.create("finance"))
    open_admin(staff, "/admin/fx")
    staff.fill("#fx-currency", "USD")
    staff.fill("#fx-rate", "0.9315")
    staff.fill("#fx-valid", "2031-01-01T00:00:00Z")
    with staff.expect_navigation():
        staff.get_by_test_id("fx-submit").click()
    expect(staff.get_by_test_id("fx-notice")).to_have_text(t("en", "admin.fx.results.rateSet"))

    before = e2e_sql(service_env, "SELECT count(*) FROM compliance_fx_rates")
    staff.fill("#fx-csv", "currency,rate,valid_from\nRUB,0.0101,2031-02-01\nUSD,zero,2031-02-01\nXXX,1,2031-02-01\n")
    with staff.expect_navigation():
        staff.get_by_test_id("fx-import-submit").click()
    errors = staff.get_by_test_id("fx-import-errors")
    expect(errors).to_contain_text("3")
    expect(errors).to_contain_text("4")
    assert e2e_sql(service_env, "SELECT count(*) FROM compliance_fx_rates") == before, "a refused import added rates"

    staff.fill("#fx-csv", "currency,rate,valid_from\nRUB,0.0101,2031-02-01\nUSDT,0.93,2031-02-01T12:00:00Z\n")
    with staff.expect_navigation():
        staff.get_by_test_id("fx-import-submit").click()
    expect(staff.get_by_test_id("fx-notice")).to_have_text(t("en", "admin.fx.results.imported").replace("{count}", "2"))
    assert int(e2e_sql(service_env, "SELECT count(*) FROM compliance_fx_rates")) == int(before) + 2
    fresh = new_page("ru")
    sign_in(fresh, staff_factory.create("finance"))
    open_admin(fresh, "/admin/fx")
    expect(fresh.locator('[data-testid="fx-rate"][data-currency="USD"]')).to_be_visible()
    assert_clean_console(fresh, "FX rates")


def test_kyc_levels_are_data_staff_edit_and_a_bad_limit_is_refused(
        new_page: Callable[..., Page], staff_factory: StaffFactory, service_env: dict[str, str]) -> None:
    staff = new_page("en", viewport=PHONE)
    sign_in(staff, staff_factory.create("risk"))
    open_admin(staff, "/admin/kyc/levels")
    before = e2e_sql(service_env, "SELECT string_agg(level || ':' || coalesce(deposits_day::text, '-'), ',' ORDER BY level) FROM compliance_levels")
    form = staff.get_by_test_id("level-form-3")
    form.locator('input[name="depositsDay"]').fill("12,5")
    with staff.expect_navigation():
        form.get_by_test_id("level-save").click()
    expect(staff.get_by_test_id("levels-error")).to_contain_text("12,5")
    assert e2e_sql(service_env, "SELECT string_agg(level || ':' || coalesce(deposits_day::text, '-'), ',' ORDER BY level) "
                                "FROM compliance_levels") == before, "a refused change wrote something"
    assert_no_sideways_scroll(staff, PHONE["width"], "the KYC levels")
    # Saving L3 as it is (no limits) is accepted and audited.
    open_admin(staff, "/admin/kyc/levels")
    with staff.expect_navigation():
        staff.get_by_test_id("level-form-3").get_by_test_id("level-save").click()
    expect(staff.get_by_test_id("levels-notice")).to_have_text(t("en", "admin.kyc.levels.saved"))
    assert e2e_sql(service_env, "SELECT count(*) FROM identity_audit_log WHERE action = 'compliance.level_changed'") != "0"
    assert e2e_sql(service_env, "SELECT string_agg(level || ':' || coalesce(deposits_day::text, '-'), ',' ORDER BY level) "
                                "FROM compliance_levels") == before


def test_a_date_of_birth_under_18_closes_play_and_deposits_and_opens_a_case(
        new_page: Callable[..., Page], base_url: str, depositor: Depositor, service_env: dict[str, str]) -> None:
    page = new_page("ru")
    open_cashier(page, base_url, depositor)
    open_verification(page)
    today = datetime.date.today()
    seventeen = today.replace(year=today.year - 17).isoformat() if not (today.month == 2 and today.day == 29) else f"{today.year - 17}-03-01"
    fill_details(page, birth=seventeen)
    expect(page.get_by_test_id("verification-notice")).to_have_text(t("ru", "kyc.results.closed"))
    assert e2e_sql(service_env, f"SELECT disabled_at IS NOT NULL FROM identity_players WHERE id = {depositor.id}") == "t"
    assert e2e_sql(service_env, f"SELECT count(*) FROM compliance_cases WHERE player_id = {depositor.id} AND state = 'open'") == "1"
    page.goto("/cashier")
    page.select_option("#deposit-method", "sandbox:EUR")
    page.fill("#deposit-amount", "10")
    with page.expect_navigation():
        page.get_by_test_id("deposit-submit").click()
    expect(page.get_by_test_id("deposit-error")).to_have_text(t("ru", "cashier.errors.playerDisabled"))
    assert e2e_sql(service_env, f"SELECT count(*) FROM payments_deposits WHERE player_id = {depositor.id}") == "0"
