"""`make bench` (`python -m scripts.bench`: `__main__.py` runs the phases of its modules and prints the report).

A package so that the in-process environment is set before any of its modules imports the layer, whose models read the
table names when they are defined: Python runs this module before any module of the package."""
from tests.support.environment import use_in_process_aws

use_in_process_aws()
