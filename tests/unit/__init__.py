"""Pure domain tests: no AWS, no clock."""
