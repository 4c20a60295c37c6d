"""In a real browser: a villager on a phone finds their village's board from the home page
and opens a matter, with no script, nothing refused by the Content-Security-Policy, and
nothing wider than the screen."""

import pytest

from tests.browser.conftest import VIEWPORTS
from tests.public.conftest import build_board

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_villager_on_a_phone_reaches_a_matter_from_the_home_page(
    page, live_server, screenshot, village, hamlet, county_staff, town, county
):
    board = build_board(village, hamlet, county_staff)
    problems = []
    page.on(
        "console",
        lambda message: (
            None
            if message.location.get("url", "").endswith("/favicon.ico")
            else problems.append(f"{page.url}: {message.text}")
        ),
    )
    page.set_viewport_size(VIEWPORTS["phone"])

    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/public/"
    assert page.locator("a", has_text="工作人员登录").count() == 1
    screenshot("public-index")
    page.set_viewport_size(VIEWPORTS["phone"])
    page.click(f"text={town.name}")
    page.click(f"text={village.name}")
    assert page.url.endswith(f"/public/{village.code}/")
    assert page.locator("h1").inner_text().startswith("陆水村")
    assert page.evaluate("document.scripts.length") == 0
    # Nothing wider than the phone: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
    screenshot("public-village")
    page.set_viewport_size(VIEWPORTS["phone"])

    page.click("text=孙家通湾公路建成通车")
    assert page.url.endswith(f"/public/matters/{board.road_matter.pk}/")
    for stage in ["决策共谋", "发展共建", "建设共管", "效果共评", "成果共享"]:
        assert page.locator("h2", has_text=stage).count() == 1
    # The public progress photo loads (through the public view, not /media/).
    image = page.locator("img.progress-photo")
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert "/media/" not in image.get_attribute("src")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
    screenshot("public-matter")

    page.goto(f"{live_server.url}/public/{village.code}/print/")
    page.emulate_media(media="print")
    assert page.locator(".public-header").is_hidden()
    screenshot("public-notice")
    assert problems == []
