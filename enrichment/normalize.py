"""One real thing, one value: the normalized form of each entity type.

>>> normalize_identifier("a-12345")
'A12345'
>>> normalize_money("$", "1,299.5")
'1299.50 USD'
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import phonenumbers
from dateutil import parser as date_parser

CURRENCIES = {
    "$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "buck": "USD",
    "bucks": "USD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "¥": "JPY",
    "jpy": "JPY",
    "cad": "CAD",
    "aud": "AUD",
    "chf": "CHF",
}
RELATIVE_DAYS = {"today": 0, "tomorrow": 1, "yesterday": -1}
URL_TRAILING = ".,;:!?)]}'\""


def normalize_identifier(text: str) -> str:
    """Order ids, SKUs, tickets, accounts, tracking numbers: uppercase, separators dropped."""
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def normalize_email(text: str) -> str:
    return text.strip().lower()


def normalize_url(text: str) -> str:
    """Lowercase scheme and host; trailing punctuation and slash dropped; `www.` gets https."""
    url = text.rstrip(URL_TRAILING)
    if url.lower().startswith("www."):
        url = "https://" + url
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}".rstrip("/")


def normalize_money(currency: str, amount: str) -> str | None:
    """`<amount with 2 decimals> <ISO currency>`, e.g. `49.99 USD`."""
    code = CURRENCIES.get(currency.lower())
    try:
        value = Decimal(amount.replace(",", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return f"{value:.2f} {code}" if code else None


def normalize_phone(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_date(text: str, reference: datetime, *, dayfirst: bool = False) -> str | None:
    """ISO date; relative words resolve against `reference` (the message's time)."""
    word = text.strip().lower()
    if word in RELATIVE_DAYS:
        return (reference.date() + timedelta(days=RELATIVE_DAYS[word])).isoformat()
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text, flags=re.IGNORECASE)
    cleaned = re.sub(r"\bof\b", " ", cleaned, flags=re.IGNORECASE)
    default = datetime(reference.year, reference.month, reference.day)
    try:
        parsed: date = date_parser.parse(cleaned, default=default, dayfirst=dayfirst).date()
    except (ValueError, OverflowError):
        return None
    return parsed.isoformat()
