"""Benchmarks (`make bench`, `python -m bench [engine frame e2e solve] [--quick]`).

Figures, never timed tests: every figure is a median of repeated runs, and every speed-up is
a ratio measured side by side in the same run. Results go to stdout as markdown tables.
"""
