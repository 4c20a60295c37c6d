"""What a form's person, organization or proposal picker offers: its select holds only the
chosen options, and the rest come from the search address it carries (data-search-url)."""

import html
import re
from urllib.parse import urlencode


def picker_url(body, name):
    select = re.search(rf'<select name="{name}"[^>]*>', body).group(0)
    return html.unescape(re.search(r'data-search-url="([^"]*)"', select).group(1))


def picker_offers(client, body, name, q=""):
    """The labels the picker of field ``name`` on the page ``body`` offers for ``q`` typed."""
    url = picker_url(body, name)
    url += ("&" if "?" in url else "?") + urlencode({"q": q})
    response = client.get(url)
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def offers_name(client, body, name, wanted, q=None):
    """Whether the picker of ``name`` offers someone or something named ``wanted``."""
    labels = picker_offers(client, body, name, wanted if q is None else q)
    return any(label.split(" · ")[0] == wanted for label in labels)
