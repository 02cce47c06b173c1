"""Cross-site request forgery: every POST form carries its session's secret in a hidden field, and
the handler compares it in constant time before doing anything (a SameSite cookie alone is not
enough: older browsers and same-site subdomains do not honour it)."""
from __future__ import annotations

import hmac

from ledger.web.session import Session

FIELD = "csrf"


def valid(session: Session | None, submitted) -> bool:
    if session is None or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(session.csrf.encode(), submitted.encode())
