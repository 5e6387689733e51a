"""The story view in a real browser (Debian chromium via Playwright): reports side by side, each in its own
direction, the evidence shown, "reviewed" for the whole story, and a split that persists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from storage import story_repo
from tests.stories.test_story_store import _real, _store
from tests.web.test_browser import Live, browser, live, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_story_view_side_by_side_review_and_split(live: Live, page: Any) -> None:  # noqa: F811
    with live.sessions.begin() as session:
        english = _store(session, _real("l-toi-en"), "timesofisrael")
        arabic = _store(session, _real("l-wiki-ar"), "wikipedia")
    assert english != arabic
    page.goto(f"{live.base}/article/{arabic}")
    page.click("p.story-link a")
    assert page.url.endswith(f"/story/{english}")
    reports = page.locator("article.story-report")
    assert reports.count() == 2
    directions = {int(reports.nth(i).get_attribute("data-article-id")): reports.nth(i).evaluate("e => getComputedStyle(e).direction")
                  for i in range(2)}
    assert directions == {english: "ltr", arabic: "rtl"}
    boxes = [reports.nth(i).bounding_box() for i in range(2)]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 1 and boxes[0]["x"] != boxes[1]["x"]  # side by side
    assert "lavrov" in page.locator(f'article.story-report[data-article-id="{arabic}"] .evidence').inner_text()
    with page.expect_navigation():
        page.click("button.act-story-reviewed")
    assert {reports.nth(i).get_attribute("data-review-status") for i in range(2)} == {"reviewed"}
    with page.expect_navigation():
        page.click(f'article.story-report[data-article-id="{arabic}"] button.act-split')
    assert page.url.endswith(f"/story/{arabic}")
    page.goto(f"{live.base}/story/{english}")
    assert page.locator("article.story-report").count() == 1
    with live.sessions() as session:
        assert story_repo.story_of(session, arabic) == arabic
    page.goto(f"{live.base}/story/999999")
    assert "no story" in page.content()
    _ = (json, Path)
