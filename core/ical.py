"""A minimal iCalendar (RFC 5545) writer for the meetings feed."""

from datetime import UTC, timedelta

from django.urls import reverse
from django.utils import timezone

# Meetings record a start only; a village meeting usually takes about two hours.
ASSUMED_DURATION = timedelta(hours=2)


def _escape(text):
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line):
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _stamp(moment):
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(meetings, *, name, url_for):
    now = _stamp(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//wuhgong//meetings//ZH",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    for meeting in meetings:
        url = url_for(reverse("meeting_detail", args=[meeting.pk]))
        lines += [
            "BEGIN:VEVENT",
            f"UID:meeting-{meeting.pk}@wuhgong",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(meeting.starts_at)}",
            f"DTEND:{_stamp(meeting.starts_at + ASSUMED_DURATION)}",
            f"SUMMARY:{_escape(f'{meeting.get_format_display()}：{meeting.title}')}",
            f"LOCATION:{_escape(' '.join(filter(None, [meeting.area.name, meeting.place])))}",
            f"DESCRIPTION:{_escape(meeting.agenda)}",
            f"URL:{url}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
