"""Salted slow hashes for Kulcs passwords; random tokens with salted digests for the API."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Kulcs calls come often and each carries the password: a moderate cost, plus the verified-secret
# cache in ledger.http.kulcs_auth, keeps that affordable while a stolen hash stays expensive to crack.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, presented: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, presented)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, str, bytes, bytes]:
    """(token to show once, token id, salt, digest)."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    salt = secrets.token_bytes(16)
    return f"kl_{token_id}_{secret}", token_id, salt, token_digest(salt, secret)


def token_digest(salt: bytes, secret: str) -> bytes:
    return hashlib.sha256(salt + secret.encode()).digest()


def split_token(token: str) -> tuple[str, str] | None:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "kl":
        return None
    return parts[1], parts[2]


def digests_match(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
