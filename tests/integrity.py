"""Expect the database itself to refuse a write, and say which rule it broke.

Matching the rule's name keeps a test honest: a bad row that happens to break some other
constraint first would otherwise pass for the wrong reason.
"""

import re

import pytest
from django.db import IntegrityError


def violates(constraint):
    """A CHECK constraint: SQLite and PostgreSQL both name it in the error."""
    return pytest.raises(IntegrityError, match=re.escape(constraint))


def violates_unique(constraint, table, *columns):
    """A unique rule: PostgreSQL names the constraint, SQLite lists the table's columns."""
    sqlite = "UNIQUE constraint failed: " + ", ".join(f"{table}.{column}" for column in columns)
    return pytest.raises(IntegrityError, match=f"{re.escape(constraint)}|{re.escape(sqlite)}")
