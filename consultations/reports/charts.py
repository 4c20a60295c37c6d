"""Charts drawn on the server as inline SVG: no script, no style attribute (the page's
Content-Security-Policy allows neither), colours from classes in static/css/wuhgong.css.

Each chart is a picture of a table printed beside it; the table is the record, the chart a
help to the eye, so a chart carries a title for screen readers and no numbers of its own
that the table lacks.
"""

from django.utils.html import format_html, format_html_join

WIDTH = 400
BAR_AREA = 300  # the longest bar; the rest of the width holds its value
ROW = 34


def _scale(value, largest, length):
    if not value or not largest:
        return 0
    return max(1, round(float(value) / float(largest) * length)) if value > 0 else 0


def _join(parts):
    """Concatenate markup pieces built by format_html (each already escaped)."""
    return format_html_join("", "{}", ((part,) for part in parts))


def _svg(chart_id, title, height, body, css_class=""):
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}-title">{}</title>{}</svg>',
        css_class,
        WIDTH,
        height,
        chart_id,
        chart_id,
        title,
        body,
    )


def bar_chart(chart_id, title, rows, css_class=""):
    """Horizontal bars, one per (label, value, text) row; the label sits above its bar so
    that long Chinese labels need no room beside it on a phone. ``value`` may be None."""
    largest = max((value or 0 for _label, value, _text in rows), default=0)
    parts = []
    for n, (label, value, text) in enumerate(rows):
        top = n * ROW
        length = _scale(value, largest, BAR_AREA)
        parts.append(
            format_html(
                '<text class="label" x="0" y="{}">{}</text>'
                '<rect class="bar" x="0" y="{}" width="{}" height="12" rx="2"></rect>'
                '<text class="value" x="{}" y="{}">{}</text>',
                top + 13,
                label,
                top + 18,
                length,
                length + 6,
                top + 29,
                text,
            )
        )
    return _svg(chart_id, title, max(len(rows) * ROW, ROW), _join(parts), css_class)


def paired_bar_chart(chart_id, title, rows, series):
    """Two bars per row (say planned and received), with a legend naming ``series``.

    ``rows`` holds (label, (first, second), (first text, second text)).
    """
    largest = max((v or 0 for _label, values, _texts in rows for v in values), default=0)
    legend = format_html_join(
        "",
        '<rect class="bar series-{}" x="{}" y="2" width="12" height="12"></rect>'
        '<text class="value" x="{}" y="12">{}</text>',
        ((i, i * 120, i * 120 + 16, name) for i, name in enumerate(series)),
    )
    parts = [legend]
    row = 48
    for n, (label, values, texts) in enumerate(rows):
        top = 22 + n * row
        parts.append(format_html('<text class="label" x="0" y="{}">{}</text>', top + 13, label))
        for i, (value, text) in enumerate(zip(values, texts, strict=True)):
            length = _scale(value, largest, BAR_AREA)
            y = top + 18 + i * 13
            parts.append(
                format_html(
                    '<rect class="bar series-{}" x="0" y="{}" width="{}" height="11" rx="2">'
                    '</rect><text class="value" x="{}" y="{}">{}</text>',
                    i,
                    y,
                    length,
                    length + 6,
                    y + 10,
                    text,
                )
            )
    height = 22 + max(len(rows), 1) * row
    return _svg(chart_id, title, height, _join(parts))


def column_chart(chart_id, title, rows):
    """Vertical columns for a series in time (meetings per month); labels thin out when
    there are many columns so that they never overlap."""
    height, top, bottom = 180, 18, 24
    plot = height - top - bottom
    largest = max((value or 0 for _label, value, _text in rows), default=0)
    count = max(len(rows), 1)
    slot = WIDTH / count
    every = max(1, -(-count // 12))  # at most twelve labels
    parts = [
        format_html(
            '<line class="axis" x1="0" y1="{}" x2="{}" y2="{}"></line>',
            top + plot,
            WIDTH,
            top + plot,
        )
    ]
    for n, (label, value, text) in enumerate(rows):
        bar = _scale(value, largest, plot)
        width = min(slot * 0.7, 40)  # one month alone is a column, not a wall
        middle = n * slot + slot / 2
        x = middle - width / 2
        parts.append(
            format_html(
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>',
                f"{x:.1f}",
                top + plot - bar,
                f"{width:.1f}",
                bar,
            )
        )
        if count <= 24:
            parts.append(
                format_html(
                    '<text class="value" x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{middle:.1f}",
                    top + plot - bar - 4,
                    text,
                )
            )
        if n % every == 0:
            parts.append(
                format_html(
                    '<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{middle:.1f}",
                    height - 6,
                    label,
                )
            )
    return _svg(chart_id, title, height, _join(parts))
