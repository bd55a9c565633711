"""Fault injection: throttling, conflicts, crashes after the write, duplicate and concurrent deliveries."""
