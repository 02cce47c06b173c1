"""`serve` hides the objects its startup made from the cyclic collector (`gc.freeze`)."""
from __future__ import annotations

import gc

from aiohttp import web

from ledger import serve as serve_module
from ledger.http.app import create_app, freeze_startup_objects


async def test_an_app_made_to_freeze_startup_objects_freezes_them_once_started(aiohttp_client, settings, db_url):
    gc.unfreeze()
    try:
        client = await aiohttp_client(create_app(settings, db_url, freeze_startup=True))
        assert gc.get_freeze_count() > 10_000
        assert (await client.get("/healthz")).status == 200
    finally:
        gc.unfreeze()


async def test_an_app_made_for_tests_leaves_the_collector_alone(aiohttp_client, settings, db_url):
    gc.unfreeze()
    await aiohttp_client(create_app(settings, db_url))
    assert gc.get_freeze_count() == 0


def test_serve_freezes_after_the_pools_are_open(monkeypatch, settings, db_url):
    started = {}

    def run_app(app: web.Application, **_kwargs) -> None:
        started["app"] = app

    monkeypatch.setattr(serve_module.web, "run_app", run_app)
    monkeypatch.setattr(serve_module, "locate_database", lambda *_: type(
        "Located", (), {"url": db_url, "embedded_server": None})())
    serve_module.serve(settings)
    hooks = list(started["app"].on_startup)
    assert freeze_startup_objects in hooks
    assert hooks.index(freeze_startup_objects) > hooks.index(started["app"].cleanup_ctx._on_startup)
