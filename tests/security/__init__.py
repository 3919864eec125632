"""Shared helpers for the security proofs (tests/test_security_*.py): corpus loaders and HTML invariants."""
