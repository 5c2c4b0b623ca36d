"""What the audit trail records as a call's targets (`api.audit_trail._targets`)."""

from __future__ import annotations

from api.audit_trail import _targets


def test_the_audit_names_channel_identity_targets() -> None:
    """Strawberry hands resolvers snake_case argument names."""
    found = _targets({"channel": "sms", "external_user_id": "+15550001"}, None)
    assert "sms:+15550001" in found
    found = _targets({"channel": "web", "external_id": "cookie-1"}, None)
    assert "web:cookie-1" in found
