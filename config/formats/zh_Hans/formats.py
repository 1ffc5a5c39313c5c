"""Chinese number formats: figures grouped by thousands, as in English.

Django's own zh_Hans formats group nothing (``1303157``); the portal shows
``1,303,157`` in both languages. Only what ``intcomma``, ``floatformat:"g"``
and ``portal_figures.figure`` group is grouped: ``USE_THOUSAND_SEPARATOR``
stays off, so years, months, ids and codes are never grouped.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
