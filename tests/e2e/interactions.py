"""Counting what a person does on a phone, the way the interaction budgets count it.

One interaction each: a tap, typing into one field, and a swipe to bring the next control into
view. A swipe moves the page by four fifths of the screen, as a thumb does (less only where
that would carry the control past the top); the control must then be wholly on screen.
Tapping a link that opens a new page starts it at the top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page

SWIPE_SHARE = 0.8


@dataclass
class Interactions:
    page: Page
    steps: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.steps)

    def tap(self, control: Locator, what: str) -> None:
        self._bring_into_view(control, what)
        control.click()
        self.steps.append(f"tap {what}")

    def type(self, control: Locator, text: str, what: str) -> None:
        self._bring_into_view(control, what)
        control.fill(text)
        self.steps.append(f"type {what}")

    def _bring_into_view(self, control: Locator, what: str) -> None:
        control.wait_for(state="visible")
        viewport = self.page.viewport_size
        assert viewport is not None  # the tests always set one
        height = viewport["height"]
        swipe = int(height * SWIPE_SHARE)
        for _ in range(50):
            box = control.bounding_box()
            assert box is not None, what
            if box["y"] >= 0 and box["y"] + box["height"] <= height:
                return
            # A thumb's swipe moves the page a screen's worth, not the least it could: one
            # swipe, stopping where the control reaches the top (or bottom) of the screen.
            if box["y"] < 0:
                move = max(-swipe, int(box["y"] + box["height"] - height) + 8)
            else:
                move = min(swipe, int(box["y"]) - 8)
            self.page.evaluate("(dy) => window.scrollBy(0, dy)", move)
            self.steps.append(f"swipe to {what}")
        raise AssertionError(f"{what} never came into view")
