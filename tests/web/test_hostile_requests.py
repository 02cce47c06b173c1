"""Requests no browser makes from these pages still get a 4xx page, never a 500 or a cut connection."""
from __future__ import annotations

import aiohttp
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.http.helpers import make_shop


@pytest.mark.parametrize("body, content_type", [
    (b"token=%ff\xff\xfe&csrf=x", "application/x-www-form-urlencoded"),
    (b"--x\r\nnot a part", "multipart/form-data"),
    (b"--b\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nabc", "multipart/form-data; boundary=b"),
])
async def test_a_post_body_that_cannot_be_read_is_a_400_page(browser, body, content_type):
    one = browser()
    for path in ("/ui/sign-in", "/ui/sign-out"):
        response = await one.http.post(one.url(path), data=body, allow_redirects=False,
                                       headers={"Content-Type": content_type})
        assert response.status == 400, (path, content_type, await response.text())
        assert "text/html" in response.headers["Content-Type"]


async def test_a_next_target_with_a_line_break_or_sent_as_a_file_signs_in_to_the_start_page(browser):
    one = browser()
    csrf = await one.csrf()
    response = await one.post("/ui/sign-in", {"csrf": csrf, "token": ADMIN_TOKEN,
                                              "next": "/ui/\r\nSet-Cookie: x=1"})
    assert (response.status, response.headers["Location"]) == (303, "/ui/")
    other = browser()
    form = aiohttp.FormData()
    form.add_field("csrf", await other.csrf())
    form.add_field("token", ADMIN_TOKEN)
    form.add_field("next", b"/ui/shops", filename="next.txt")
    response = await other.http.post(other.url("/ui/sign-in"), data=form, allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/ui/")


@pytest.mark.parametrize("path", ["/ui/shops/bolt/syncs?before=%C2%B2", "/ui/shops/bolt/price-list?day=9999-12-31",
                                  "/ui/shops/bolt/syncs?to=9999-12-31", "/ui/shops/bolt/syncs?from=0001-01-01"])
async def test_query_values_out_of_range_are_a_400_page(client, browser, path):
    await make_shop(client)
    one = await browser().sign_in(ADMIN_TOKEN)
    response = await one.get(path)
    assert response.status == 400, (path, await response.text())
