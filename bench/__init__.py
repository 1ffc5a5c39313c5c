"""Benchmarks that print ratios against the database's own floor (not tests)."""
