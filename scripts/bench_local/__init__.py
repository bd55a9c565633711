"""`python -m scripts.bench_local` (`make bench-local`): the local run's requests/s and p50/p99 for 1 and 50
clients, on empty tables and after seeding 100 000 items (issue 12). See __main__ for the method."""
