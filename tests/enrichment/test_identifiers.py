"""Entities support conversations live on, normalized so one real thing is one key."""

from __future__ import annotations

import pytest

from enrichment.pipeline import Enricher
from tests.helpers.enrichment import annotate, keys


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My order A-12345 never arrived", ["ORDER_ID:A12345"]),
        ("any update on a12345?", ["ORDER_ID:A12345"]),
        ("Order #778812 was charged twice", ["ORDER_ID:778812"]),
        ("order number: 55-0192-77 please", ["ORDER_ID:55019277"]),
        ("It's PO 2024-77813", ["ORDER_ID:202477813"]),
        ("Is SKU-88213 back in stock?", ["SKU:88213"]),
        ("item code: BX-2201-L in large", ["SKU:BX2201L"]),
        ("UPS says 1Z999AA10123456784", ["TRACKING_NUMBER:1Z999AA10123456784"]),
        ("tracking number 9400111899223856943010", ["TRACKING_NUMBER:9400111899223856943010"]),
        ("Tracking: 7489 2011 is wrong", []),
        ("my account no. 99812345 is locked", ["ACCOUNT_NUMBER:99812345"]),
        ("see ticket #INC-4432", ["TICKET_NUMBER:INC4432"]),
        ("Case 00981234 is still open", ["TICKET_NUMBER:00981234"]),
        ("email me at Jane.Doe+shop@Example.COM.", ["EMAIL:jane.doe+shop@example.com"]),
        ("Call me on (415) 555-2671", ["PHONE:+14155552671"]),
        ("London office +44 20 7946 0958 works", ["PHONE:+442079460958"]),
        ("I paid $1,299.50 yesterday", ["MONEY:1299.50 USD", "DATE:2026-11-24"]),
        ("refund of 45 euros please", ["MONEY:45.00 EUR"]),
        ("it cost GBP 12.5", ["MONEY:12.50 GBP"]),
        ("deliver on 2026-12-03", ["DATE:2026-12-03"]),
        ("it was due March 3rd", ["DATE:2026-03-03"]),
        ("booked for 14 February 2027", ["DATE:2027-02-14"]),
        ("arriving tomorrow", ["DATE:2026-11-26"]),
        (
            "details at https://Shop.Example.com/orders/77?x=1.",
            ["URL:https://shop.example.com/orders/77?x=1"],
        ),
        ("www.example.org/help", ["URL:https://www.example.org/help"]),
    ],
)
def test_identifier_is_found_and_normalized(
    rules: Enricher, text: str, expected: list[str]
) -> None:
    assert keys(rules, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I have 2 kids and 3 cats",
        "the year 2026 was fine",
        "call me maybe",
        "my order status please",
        "I'm at 50% battery",
        "version 3.8.0 of the app",
        "room 101",
        "COVID-19 delays",
        "user@localhost is not an email",
        "",
    ],
)
def test_ordinary_text_yields_no_identifier(rules: Enricher, text: str) -> None:
    assert keys(rules, text) == []


def test_mentions_carry_exact_offsets_and_text(rules: Enricher) -> None:
    text = "Order A-12345 for jane@example.com"
    mentions = annotate(rules, text).mentions
    assert [(m.text, text[m.start : m.end]) for m in mentions] == [
        ("A-12345", "A-12345"),
        ("jane@example.com", "jane@example.com"),
    ]


def test_same_thing_written_differently_has_one_key(rules: Enricher) -> None:
    variants = ["order A-12345", "ORDER a12345", "a-12345"]
    assert {keys(rules, v)[0] for v in variants} == {"ORDER_ID:A12345"}
