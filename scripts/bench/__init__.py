"""`make bench` (`python -m scripts.bench`, the measurement in `__main__.py`).

A package so that the in-process environment is set before `__main__` imports the layer, whose models read the
table names when they are defined: Python runs this module before any module of the package."""
from tests.support.environment import use_in_process_aws

use_in_process_aws()
