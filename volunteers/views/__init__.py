"""Pages of the volunteers app, one module per subdomain.

Phone-first pages for volunteers (activities near me, sign-up, check-in by
QR code, my check-ins, my points, the love station, the wishes wall) and
staff pages (activities, attendance, ledger, wishes and posts boards, love
station, group services, points rules, in-service party member reports).
Views are thin: selectors read (scoped: another scope's object is a 404),
services write (a forbidden action is a 403, a broken rule a message).
``volunteers/urls.py`` imports the modules.
"""
