"""The top floor: settings, URLs, WSGI, the Celery app, the API router and
``seed_demo``. It wires each domain app in with plain imports; no app imports
it (``tests/portal/test_layers.py``)."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
