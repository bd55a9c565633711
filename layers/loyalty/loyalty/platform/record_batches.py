"""Powertools' batch utility, as the functions that take batches of records (a stream's, a queue's) import it.

Imported from here, the layer's package runs first and registers Powertools' catch-all packages unrun
(`deferred_inits`), so the batch utility's import of one DynamoDB stream record class no longer runs
`utilities/data_classes/__init__.py` (every event class). It must still come before pydantic: the batch utility
imports its pydantic record models when pydantic is imported already (`has_pydantic = "pydantic" in
sys.modules`), and we give it no model; functions/ruff.toml sorts this import first."""
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

__all__ = ["BatchProcessor", "EventType", "PartialItemFailureResponse", "process_partial_response"]
