"""System health (/admin/health, docs/operations.md "System health"): an admin sees every
dependency with its state, the queues, the event stream, the schema and the running copy of the
e2e server with its background jobs; the section refreshes itself without a reload; the page fits
a phone. Support (no system.view) neither sees the link nor opens the page.
"""
from __future__ import annotations

from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE
from layout import assert_no_sideways_scroll
from strings import t
from test_staff import (  # noqa: F401 (fixtures)
    StaffFactory, assert_clean_console, cli_env, open_admin, server_secret_key, sign_in, staff_factory)


def dependency(page: Page, name: str):
    return page.locator(f'[data-testid="health-dependency"][data-name="{name}"]')


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_admin_sees_every_part_and_the_page_refreshes_itself(
        new_page: Callable[..., Page], staff_factory: StaffFactory, lang: str) -> None:
    admin = staff_factory.create("admin")
    page = new_page(lang)
    sign_in(page, admin)
    open_admin(page, "/admin/health")
    expect(page.locator("h1")).to_have_text(t(lang, "admin.health.title"))
    for name in ("postgres", "nats", "clickhouse"):
        expect(dependency(page, name)).to_have_count(1)
    expect(dependency(page, "postgres")).to_have_attribute("data-state", "ok")
    expect(page.locator('[data-testid="health-queue"]')).to_have_count(3)
    expect(page.get_by_test_id("health-pending-migrations")).to_have_text("0")
    serve = page.locator('[data-testid="health-copy"][data-role="serve"][data-silent="false"]')
    expect(serve.first).to_be_visible()
    expect(serve.first.locator('[data-testid="health-job"][data-job="outbox relay"]')).to_have_count(1, timeout=20_000)

    refreshed = page.get_by_test_id("health-refreshed").inner_text()
    expect(page.get_by_test_id("health-refreshed")).not_to_have_text(refreshed, timeout=15_000)
    expect(page.get_by_test_id("health-live")).not_to_have_attribute("data-stale", "true")
    assert page.url.endswith("/admin/health"), "the section refreshed in place"
    assert_clean_console(page, "/admin/health")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_page_fits_a_phone(new_page: Callable[..., Page], staff_factory: StaffFactory, lang: str) -> None:
    owner = staff_factory.create("owner")
    page = new_page(lang, "phone")
    sign_in(page, owner)
    open_admin(page, "/admin/health")
    expect(page.locator('[data-testid="health-copy"]').first).to_be_visible()
    assert_no_sideways_scroll(page, PHONE["width"], "/admin/health")
    assert_clean_console(page, "/admin/health on a phone")


def test_support_neither_sees_nor_opens_it(new_page: Callable[..., Page], staff_factory: StaffFactory) -> None:
    support = staff_factory.create("support")
    page = new_page("en")
    sign_in(page, support)
    open_admin(page, "/admin")
    expect(page.locator('a[href="/admin/health"]')).to_have_count(0)
    response = page.goto("/admin/health")
    assert response is not None and response.status == 403, response and response.status
