"""Test set-up: dummy credentials, never a real AWS endpoint; `loyalty` and `local` are the installed packages.

The environment is set before anything imports the layer (its models read the table names when they are
defined): this module imports only the environment module, and `pytest_plugins` are imported after it has run."""
from __future__ import annotations

import pytest

from tests.support.environment import use_in_process_aws

use_in_process_aws()

pytest_plugins = ["tests.support.fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    from local.atomic_moto import serialize_in_process_moto
    from local.isolation import isolate_invocations_per_thread

    serialize_in_process_moto()
    isolate_invocations_per_thread()  # tests run concurrent invocations on threads, as the local run does
