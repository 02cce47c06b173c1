"""Behind a TLS-terminating proxy the service itself is spoken to in plain HTTP, yet its cookies must
still be Secure: the public URL it is configured with says how people reach it."""
from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.web.helpers import CSRF_FIELD


def _set_cookie(response, name: str) -> str:
    headers = [h for h in response.headers.getall("Set-Cookie", []) if h.startswith(f"{name}=")]
    assert headers, (name, response.headers.getall("Set-Cookie", []))
    return headers[-1]


async def _sign_in_response(browser):
    """The sign-in form's anonymous session comes back as a browser at the https:// URL would send it
    (this client speaks plain HTTP, as the proxy does, and keeps Secure cookies to itself)."""
    one = browser()
    form = await one.get("/ui/sign-in")
    csrf = CSRF_FIELD.search(await form.text()).group(1)
    anonymous = _set_cookie(form, "kl_session").split(";", 1)[0]
    return await one.post("/ui/sign-in", {"csrf": csrf, "token": ADMIN_TOKEN, "next": "/ui/"},
                          headers={"Cookie": anonymous})


class TestBehindATlsProxy:
    @pytest.fixture
    def settings(self, settings):
        return dataclasses.replace(settings, public_base_url="https://ledger.example.hu")

    async def test_session_cookies_are_secure_when_the_public_url_is_https(self, client, browser):
        assert "Secure" in _set_cookie(await browser().get("/ui/sign-in"), "kl_session")
        response = await _sign_in_response(browser)
        assert response.status == 303
        assert "Secure" in _set_cookie(response, "kl_session")

    async def test_language_cookie_is_secure_when_the_public_url_is_https(self, client, browser):
        response = await browser().get("/ui/sign-in?lang=en")
        assert "Secure" in _set_cookie(response, "kl_lang")


async def test_session_cookie_over_plain_http_without_a_public_url_is_not_secure(client, browser):
    """Local use over http://127.0.0.1: a Secure cookie would never come back, and sign-in would loop."""
    response = await _sign_in_response(browser)
    assert response.status == 303
    assert "Secure" not in _set_cookie(response, "kl_session")
