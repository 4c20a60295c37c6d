"""Inputs that use the browser's own pickers: on a phone, its date wheel and keypad."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's own date picker (ISO dates, which it requires)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """The browser's own date and time picker."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")
