"""Fixtures of the fault tests."""
from __future__ import annotations

import random
import time

import pytest

from loyalty.service import execution


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the service's backoff (it is what resolves contention) but shorten its sleeps tenfold."""
    monkeypatch.setattr(execution, "backoff", lambda attempt: time.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt))))
