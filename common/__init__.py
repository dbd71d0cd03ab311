"""Leaves every layer may import: the error root and its reason codes."""
