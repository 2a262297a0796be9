"""Benchmarks for eventwire (run ``python -m benchmarks.bench``; not part of the package)."""
