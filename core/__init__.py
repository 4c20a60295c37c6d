"""Helpers that are neither territory nor a stage; imports neither app (README, Layout)."""
