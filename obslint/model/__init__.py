"""Typed views of what rules reason about, built from the index (shared by the families)."""
