"""Benchmarks: scripts that print tables, not tests. ``python -m benchmarks`` runs them all."""
