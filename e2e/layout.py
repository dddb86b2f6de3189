"""Layout checks shared by the browser tests: pages must fit a phone without sideways scroll."""
from __future__ import annotations

from playwright.sync_api import Locator, Page


def assert_no_sideways_scroll(page: Page, width: int, what: str = "the page") -> None:
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == width, f"layout width is {inner_width}px, want {width}px"
    assert scroll_width <= inner_width + 1, f"{what} scrolls sideways: {scroll_width} > {inner_width}"


def assert_inside_viewport(locator: Locator, width: int, what: str) -> None:
    box = locator.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0, f"{what} is not rendered"
    assert box["x"] >= -0.5 and box["x"] + box["width"] <= width + 0.5, f"{what} overflows the viewport: {box}"
