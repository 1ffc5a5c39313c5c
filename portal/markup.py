"""Plain text typed by users: markup removed before it is stored.

Pages escape every value, so stored text never runs in the portal itself; the
API, though, hands the same text to other clients (a WeChat mini-program, a
big screen) that may render it as HTML. ``strip_markup`` keeps what a person
wrote and drops tags, with the content of ``<script>`` and ``<style>``, so no
client has markup to run. Rich text (the minutes) has its own allow-list
cleaner, ``meetings.minutes.sanitise_minutes``.
"""

import html

import nh3

#: Entities decoded after a pass could form tags again: clean until stable.
_MAX_PASSES = 5


def strip_markup(value):
    """Return ``value`` as plain text: tags (and scripts' content) removed.

    Text that only looks like markup stays (``a < b``, ``<3``). Entities are
    decoded, since the result is text, not HTML; a decoded entity that forms a
    tag is cleaned in the next pass.
    """
    text = value or ""
    for _ in range(_MAX_PASSES):
        cleaned = html.unescape(
            nh3.clean(text, tags=set(), clean_content_tags={"script", "style"})
        )
        if cleaned == text:
            return cleaned
        text = cleaned
    # Nested entities deeper than any honest text: neutralise what is left.
    return text.replace("<", "＜").replace(">", "＞")
