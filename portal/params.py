"""Numbers in query strings, read one way by every page and API list.

A filter in a URL is typed, edited or forged by whoever holds the link, so any
text may come: ``?year=-1``, ``?year=99999999999999999999999``, ``?page=²``.
Each reader returns a number within its bounds or the caller's default and
never raises: a bad filter shows the unfiltered (or default) list, as an
unknown choice does, instead of a server error deeper down (``datetime`` has
no year 10000, PostgreSQL no integer that large).

NUL characters never reach a view: ``portal.middleware.QueryStringGuardMiddleware``
refuses them for every request, since PostgreSQL refuses NUL in text.

``params`` is ``request.GET`` on a page, ``request.query_params`` on the API.
"""

import re

#: Years a page or filter may name. Anything else is a typing mistake, and
#: month arithmetic on these stays far inside ``datetime``'s range.
YEAR_MIN, YEAR_MAX = 2000, 2100
#: The largest id of a PostgreSQL ``bigint`` primary key.
ID_MAX = 2**63 - 1

#: An optional sign and up to 20 ASCII digits (``re.ASCII``: ``²`` and ``١``
#: are digits to ``str.isdigit`` but not numbers to this portal).
_INT = re.compile(r"[+-]?[0-9]{1,20}", re.ASCII)


def to_int(raw, default=None, *, minimum=None, maximum=None):
    """Return ``raw`` as an int within ``minimum..maximum``, else ``default``."""
    text = str(raw).strip() if raw is not None else ""
    if not _INT.fullmatch(text):
        return default
    value = int(text)
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        return default
    return value


def query_int(params, name, default=None, *, minimum=None, maximum=None):
    """Return ``?name=`` as an int within the bounds, else ``default``."""
    return to_int(params.get(name), default, minimum=minimum, maximum=maximum)


def query_id(params, name, default=None):
    """Return ``?name=`` as a row id (a positive bigint), else ``default``."""
    return query_int(params, name, default, minimum=1, maximum=ID_MAX)


def query_year(params, name="year", default=None):
    """Return ``?name=`` as a year of ``YEAR_MIN..YEAR_MAX``, else ``default``."""
    return query_int(params, name, default, minimum=YEAR_MIN, maximum=YEAR_MAX)


def query_month(params, name="month", default=None):
    """Return ``?name=`` as a month number 1..12, else ``default``."""
    return query_int(params, name, default, minimum=1, maximum=12)


class YearConverter:
    """``<year:year>`` in a URL: four digits within ``YEAR_MIN..YEAR_MAX``.

    Another year matches no route (404), as a missing object would; the view
    never gets a year ``datetime`` cannot hold. Registered in
    ``PortalConfig.ready()``.
    """

    regex = "[0-9]{4}"

    def to_python(self, value):
        year = to_int(value, minimum=YEAR_MIN, maximum=YEAR_MAX)
        if year is None:
            raise ValueError(value)
        return year

    def to_url(self, value):
        return f"{int(value):04d}"
