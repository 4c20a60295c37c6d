"""Helpers that are neither territory nor a stage; imports neither app (README, Layout).
Among them, reading a model's rows as spreadsheet columns (``columns``) and writing them as
CSV or xlsx (``spreadsheets``)."""
