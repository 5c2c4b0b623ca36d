"""A webhook whose signing secret is not configured refuses every request, unless the deployment
says it runs without one (`insecure`, for local development)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from connectors.platforms._common import signing_secret
from connectors.platforms.base import WebhookError


def test_a_webhook_without_its_secret_refuses_unless_insecure() -> None:
    with pytest.raises(WebhookError) as caught:
        signing_secret(None, insecure=False)
    assert caught.value.status == 403
    assert signing_secret(None, insecure=True) is None
    assert signing_secret(SecretStr("s"), insecure=False) == "s"
