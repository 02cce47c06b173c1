"""Realistic Kulcs pushes: Hungarian names with ő and ű, windows-1250, decimal commas, every full-sync
field, about a fifth of the products on sale."""
from __future__ import annotations

import random
from xml.sax.saxutils import escape

WORDS = ("kőműves", "fűrész", "csavarhúzó", "tűzőgép", "kerti", "szék", "asztal", "bőr", "öv",
         "üveg", "pohár", "gyűrű", "zöld", "fehér", "lábtörlő", "hűtőtáska", "ülőpárna", "fúró")
UNITS = ("db", "db", "db", "kg", "m", "csomag")
VATS = ("27", "27", "27", "18", "5", "AAM")
CATEGORIES = ("Kerti bútor", "Szerszámok", "Konyha", "Ruházat", "Lakberendezés", "Építőanyag")


def hungarian_number(value: float, decimals: int = 2) -> str:
    whole, _, fraction = f"{value:.{decimals}f}".partition(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    text = " ".join([whole, *groups])
    return f"{text},{fraction}" if decimals else text


def product_row(n: int, rng: random.Random, price_shift: float = 0.0) -> dict:
    price = round(rng.uniform(100, 250_000) * (1 + price_shift), 2)
    name = " ".join(rng.choice(WORDS) for _ in range(3)).capitalize()
    row = {"termekkod": f"KS-{n:07d}", "ar": hungarian_number(price), "szabadraktar": str(rng.randint(-2, 500)),
           "nev": f"{name} {n}", "mee": rng.choice(UNITS), "afakulcs": rng.choice(VATS),
           "kep": f"https://kep.example.hu/termek/{n}.jpg", "kat": rng.choice(CATEGORIES),
           "tmegjegyzes": f"{name}: tartós, minőségi termék, {rng.randint(1, 99)} év garanciával."}
    row["arakcios"] = hungarian_number(price * 0.85) if rng.random() < 0.2 else "0"
    return row


def catalogue_rows(rows: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    return [product_row(n, rng) for n in range(rows)]


def to_xml(rows: list[dict], encoding: str = "windows-1250") -> bytes:
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>\n<termekek>\n']
    for row in rows:
        parts.append("<termek>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in row.items()) + "</termek>\n")
    parts.append("</termekek>\n")
    return "".join(parts).encode(encoding)


def catalogue_xml(rows: int, seed: int = 1) -> bytes:
    return to_xml(catalogue_rows(rows, seed))


def change_prices_and_stocks(rows: list[dict], indices, seed: int = 2) -> list[dict]:
    """A copy of `rows` where the rows at `indices` have a new price and a new stock (the rest as is)."""
    rng, changed = random.Random(seed), list(rows)
    for i in indices:
        price = round(rng.uniform(100, 250_000), 2)
        changed[i] = {**rows[i], "ar": hungarian_number(price), "szabadraktar": str(rng.randint(501, 900))}
    return changed
