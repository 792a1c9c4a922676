"""Benchmarks for ``adba`` against a real Samba AD DC (see docs/performance.md)."""
