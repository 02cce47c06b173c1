"""kulcs-ledger: the command line (api.md, "Operations")."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import asyncpg

from ledger.config import Settings
from ledger.logs import configure_logging, send_library_logs_to_json
from projections.runner import NAME as PROJECTIONS
from projections.shadow import ShadowBusy

CANNOT_RUN = (ValueError, ShadowBusy, OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


_DATA_DIR_HELP = "embedded database folder (default ./.kulcs-ledger)"


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535, not {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(add_help=False)
    top.add_argument("--data-dir", type=Path, help=_DATA_DIR_HELP)
    # Below the top level the option has no default: argparse would otherwise set the value given
    # before the command back to None.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help=_DATA_DIR_HELP)
    parser = argparse.ArgumentParser(prog="kulcs-ledger", parents=[top])
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", parents=[common], help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8080)
    commands.add_parser("migrate", parents=[common], help="apply pending migrations")

    token = commands.add_parser("token", parents=[common],
                                help="API tokens (token create, token list, token revoke)").add_subparsers(
        dest="action", required=True)
    create_token = token.add_parser("create", parents=[common], help="print a new API token once")
    create_token.add_argument("--role", required=True, choices=["admin", "support", "auditor", "shop"])
    create_token.add_argument("--shop")
    create_token.add_argument("--name", help="a label shown in token list (who or what holds it)")
    token.add_parser("list", parents=[common], help="every token: id, role, shop, created, revoked")
    revoke_token = token.add_parser("revoke", parents=[common], help="refuse a token from now on")
    revoke_token.add_argument("token_id", help="the 12 characters after kl_ (as token list shows it)")

    shop = commands.add_parser("shop", parents=[common], help="webshops (shop create)").add_subparsers(
        dest="action", required=True)
    create_shop = shop.add_parser("create", parents=[common], help="register a webshop")
    create_shop.add_argument("webshopid")
    given = create_shop.add_mutually_exclusive_group(required=True)
    given.add_argument("--password", help="Kulcs's password for the shop (visible in ps and shell history)")
    given.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input")
    create_shop.add_argument("--sync-type", choices=["stock_price", "full"], default="stock_price")
    create_shop.add_argument("--import-password")
    create_shop.add_argument("--shipping-sku")
    create_shop.add_argument("--payment-fee-sku")
    create_shop.add_argument("--coupon-sku")
    create_shop.add_argument("--manage-categories", action="store_true")
    create_shop.add_argument("--payment-due-days", type=int,
                             help="the payment term (days) of an order placed without its own")

    projections = commands.add_parser("projections", parents=[common],
                                      help="read models (projections rebuild, projections status)").add_subparsers(
        dest="action", required=True)
    rebuild = projections.add_parser("rebuild", parents=[common], help="rebuild read models from the events")
    rebuild.add_argument("name", nargs="?", choices=[PROJECTIONS], help="all views are rebuilt together")
    projections.add_parser("status", parents=[common], help="position and lag of each projection")

    replay = commands.add_parser("replay", parents=[common], help="re-apply a stored sync (dry run unless --apply)")
    replay.add_argument("shop")
    replay.add_argument("sync_id")
    replay.add_argument("--apply", action="store_true")
    verify = commands.add_parser("verify", parents=[common], help="check the ledger against its events")
    verify.add_argument("shop", nargs="?")

    backup = commands.add_parser("backup", parents=[common],
                                 help="the whole ledger to a file (pg_dump; safe while serving)")
    backup.add_argument("file")
    restore = commands.add_parser("restore", parents=[common], help="a backup into an empty database")
    restore.add_argument("file")

    history = commands.add_parser("history", parents=[common], help="a product's field history")
    history.add_argument("shop")
    history.add_argument("sku")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except CANNOT_RUN as error:
        # an unreachable or missing database, a data folder that cannot be one, a bad setting, a port
        # already taken: the operator's to fix, so one line rather than a traceback
        print(f"kulcs-ledger: {error}", file=sys.stderr)
        return 2


def _run(args) -> int:
    settings = Settings.from_env(data_dir=args.data_dir)
    configure_logging(cache=args.command == "serve")
    send_library_logs_to_json()
    if args.command == "serve":
        from ledger.serve import serve

        serve(Settings.from_env(data_dir=args.data_dir, host=args.host, port=args.port))
        return 0
    from ledger import commands

    handler = {
        ("migrate", None): commands.migrate,
        ("token", "create"): commands.create_token,
        ("token", "list"): commands.list_tokens,
        ("token", "revoke"): commands.revoke_token,
        ("shop", "create"): commands.create_shop,
        ("projections", "rebuild"): commands.rebuild_projections,
        ("projections", "status"): commands.projection_status,
        ("history", None): commands.history,
        ("replay", None): commands.replay,
        ("verify", None): commands.verify,
        ("backup", None): commands.backup,
        ("restore", None): commands.restore,
    }[(args.command, getattr(args, "action", None))]
    result = asyncio.run(handler(settings, args))
    if result is not None:
        print(result if isinstance(result, str) else json.dumps(result, indent=2, ensure_ascii=False))
    if isinstance(result, dict) and result.get("ok") is False:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
