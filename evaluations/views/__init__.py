"""Staff pages of the evaluations: thin, they call selectors and services.

One module per part of the app (``urls.py`` imports them): ``runs`` (the
monthly runs and the scoring policy), ``results``, ``deliveries`` (a published
month's feedback), ``ratings`` (credit ratings, plaques, appeals), ``notices``
(notices to departments, annual reports) and ``commitments`` (two-way
commitments and their surveys).
"""
