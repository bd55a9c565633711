"""Fixtures of the pure domain tests."""
from __future__ import annotations

import pytest

from loyalty.domain.program import Program

from .builders import make_program


@pytest.fixture
def program() -> Program:
    return make_program()
