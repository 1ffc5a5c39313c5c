"""Read the work centre (``/work/``) as a user sees it."""

import html
import re

_ITEM = re.compile(
    r'<li class="work-item[^"]*" data-work="([^"]+)">\s*<h3>'
    r'(?:<a href="([^"]+)">)?([^<]+)'
)


def listed(client):
    """Return ``[(kind, url or None, title)]`` of the work page, in its order."""
    response = client.get("/work/")
    assert response.status_code == 200
    return [
        (kind, html.unescape(url) if url else None, html.unescape(title))
        for kind, url, title in _ITEM.findall(response.content.decode())
    ]


def find(client, kind, text=""):
    """Return the ``(url, title)`` of the first item of ``kind`` whose title
    holds ``text``, or ``None``."""
    for k, url, title in listed(client):
        if k == kind and text in title:
            return url, title
    return None
