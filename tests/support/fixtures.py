"""Shared fixtures: a fresh moto account per test, provisioned from template.yaml."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from . import aws


def reset_clients() -> None:
    """Containers cache clients; a new moto account needs fresh ones."""
    from loyalty.platform import bus
    from loyalty.storage import repository

    bus._client = None
    repository._connection = None


@pytest.fixture
def moto_aws() -> Iterator[None]:
    with mock_aws():
        reset_clients()
        aws.provision()
        yield
        reset_clients()
