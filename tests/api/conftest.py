"""Servers with authentication on (not dev mode), shared by the security tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from graph.config import Settings
from tests.helpers.server import JWT_SECRET, serve


@pytest.fixture(scope="session")
def secure_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "jwt_secret": SecretStr(JWT_SECRET),
            "auth_cache_seconds": 0,
            "max_request_bytes": 256 * 1024,
        }
    )


@pytest.fixture(scope="session")
def secure_server(secure_settings: Settings) -> Iterator[str]:
    with serve(secure_settings, dev=False) as url:
        yield url
