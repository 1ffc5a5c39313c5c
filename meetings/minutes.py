"""Sanitising the minutes' formatted text (nh3, an allow-list HTML cleaner).

Only formatting tags survive; scripts and styles are removed with their
content; event-handler attributes are dropped because no attribute is allowed
except a link's ``href``, and a link keeps its ``href`` only for http, https
and mailto (so ``javascript:`` and ``data:`` URLs go). Images are not allowed
inline: photos are attachments, checked and re-encoded by ``meetings.uploads``.
"""

import re

import nh3
from django.utils.html import escape

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "ul",
        "ol",
        "li",
        "h2",
        "h3",
        "h4",
        "blockquote",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
REMOVED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "template",
        "noscript",
        "svg",
        "math",
    }
)

_TAG = re.compile(r"<[a-zA-Z/!]")
_BLOCK = re.compile(r"<(p|br|ul|ol|li|h[1-6]|table|blockquote|div|hr)\b", re.IGNORECASE)


def _paragraphs(text, escape_text):
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "".join(
        "<p>%s</p>" % (escape(b) if escape_text else b).replace("\n", "<br>")
        for b in blocks
    )


def sanitise_minutes(text):
    """Return ``text`` as safe HTML: formatting kept, anything active removed.

    Plain text (typed without the editor, e.g. with scripts off) becomes
    paragraphs, one per blank-line-separated block, with line breaks kept; so
    does text with only inline tags. The cleaner runs on the result either way.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return ""
    if not _TAG.search(text):
        text = _paragraphs(text, escape_text=True)
    elif not _BLOCK.search(text):
        text = _paragraphs(text, escape_text=False)
    return nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def minutes_text(html):
    """Return the visible text of sanitised minutes (to check it is not empty)."""
    return re.sub(r"\s+", " ", nh3.clean(html or "", tags=set())).strip()
