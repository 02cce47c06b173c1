"""The client's address: the peer's, unless the peer is a trusted proxy (KULCS_LEDGER_TRUSTED_PROXIES);
then the rightmost X-Forwarded-For address that is not itself a trusted proxy. What a client writes in
X-Forwarded-For is believed only as far as a trusted proxy vouches for it."""
from __future__ import annotations

import pytest

from ledger.config import Settings, trusted_networks
from ledger.http.client_address import address_behind_proxies

PROXIES = trusted_networks("10.0.0.1, 192.168.0.0/16, fd00::/8", "KULCS_LEDGER_TRUSTED_PROXIES")


@pytest.mark.parametrize("peer, forwarded, expected", [
    ("203.0.113.9", [], "203.0.113.9"),  # no proxy
    ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  # a client's own X-Forwarded-For: ignored
    ("10.0.0.2", ["198.51.100.1"], "10.0.0.2"),  # 10.0.0.2 is not 10.0.0.1
    ("10.0.0.1", [], "10.0.0.1"),  # a trusted proxy that says nothing: itself
    ("10.0.0.1", ["198.51.100.1"], "198.51.100.1"),
    ("10.0.0.1", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # the spoofed left part is not believed
    ("10.0.0.1", ["6.6.6.6, 198.51.100.1, 192.168.4.4"], "198.51.100.1"),  # a chain of trusted proxies
    ("10.0.0.1", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # two header lines are one list
    ("10.0.0.1", [" 198.51.100.1 ,  "], "198.51.100.1"),
    ("10.0.0.1", ["192.168.4.4, 192.168.5.5"], "192.168.4.4"),  # all trusted: the farthest one
    ("10.0.0.1", ["2001:db8::7"], "2001:db8::7"),
    ("fd00::1", ["[2001:db8::7]:4711"], "2001:db8::7"),  # a port some proxies add
    ("10.0.0.1", ["198.51.100.1:4711"], "198.51.100.1"),
    ("10.0.0.1", ["6.6.6.6, not-an-address"], "10.0.0.1"),  # what the proxy wrote is unreadable: stop there
    ("10.0.0.1", ["unknown"], "10.0.0.1"),
    (None, ["198.51.100.1"], "?"),
    ("not-an-ip", ["198.51.100.1"], "not-an-ip"),
    # a server listening on "::" sees IPv4 peers as ::ffff:a.b.c.d: the same proxy, the same client
    ("::ffff:10.0.0.1", ["198.51.100.1"], "198.51.100.1"),
    ("::ffff:10.0.0.1", ["6.6.6.6, ::ffff:192.168.4.4"], "6.6.6.6"),
])
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(peer, forwarded, expected):
    assert address_behind_proxies(peer, forwarded, PROXIES) == expected


@pytest.mark.parametrize("peer", ["::ffff:10.0.0.1", "10.0.0.1"])
def test_a_trusted_proxy_named_as_ffff_a_b_c_d_is_trusted_in_either_form(peer):
    """An operator whose server listens on "::" saw the proxy as ::ffff:10.0.0.1 and named it so."""
    mapped = trusted_networks("::ffff:10.0.0.1, ::ffff:192.168.0.0/112", "KULCS_LEDGER_TRUSTED_PROXIES")
    assert address_behind_proxies(peer, ["6.6.6.6, 198.51.100.1"], mapped) == "198.51.100.1"
    assert address_behind_proxies(peer, ["198.51.100.1, 192.168.4.4"], mapped) == "198.51.100.1"


def test_without_trusted_proxies_the_peer_is_the_client_whatever_x_forwarded_for_says():
    assert address_behind_proxies("10.0.0.1", ["198.51.100.1"], ()) == "10.0.0.1"


def test_trusted_proxies_setting_reads_addresses_and_networks(monkeypatch):
    monkeypatch.setenv("KULCS_LEDGER_TRUSTED_PROXIES", " 10.0.0.1 ,192.168.0.0/16,, ::1 ")
    assert [str(n) for n in Settings.from_env().trusted_proxies] == ["10.0.0.1/32", "192.168.0.0/16", "::1/128"]
    monkeypatch.setenv("KULCS_LEDGER_TRUSTED_PROXIES", "")
    assert Settings.from_env().trusted_proxies == () == Settings().trusted_proxies


@pytest.mark.parametrize("value", ["proxy.example.hu", "10.0.0.1; 10.0.0.2", "10.0.0.0/33", "*"])
def test_a_trusted_proxies_value_that_is_not_addresses_is_refused_naming_the_setting(monkeypatch, value):
    monkeypatch.setenv("KULCS_LEDGER_TRUSTED_PROXIES", value)
    with pytest.raises(ValueError, match="KULCS_LEDGER_TRUSTED_PROXIES"):
        Settings.from_env()
