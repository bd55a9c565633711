"""The program document, read from SSM through Powertools Parameters and cached for five minutes."""
from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from ..domain.program import Program
from .settings import settings

CACHE_SECONDS = 300
_parsed: dict[str, Program] = {}


def current_program() -> Program:
    raw = parameters.get_parameter(settings().program_parameter, max_age=CACHE_SECONDS)
    assert isinstance(raw, str)
    program = _parsed.get(raw)
    if program is None:  # parse once per distinct document, not per request
        program = Program.model_validate_json(raw)
        _parsed.clear()
        _parsed[raw] = program
    return program
