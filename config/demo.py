"""The demo street's build: every app's ``seed.py``, in order, plainly imported.

Each step exposes ``seed(ctx)`` (a ``portal.demo.SeedContext``) and runs in
its own transaction. A new app's seed is one import and one line of
``SEED_STEPS``. ``seed_demo`` and the query-count tests call ``build_street``.
"""

import io
import random
import time

from django.db import transaction

from config import demo_logins
from evaluations import seed as evaluations_seed
from grids import seed as grids_seed
from meetings import seed as meetings_seed
from orgs import seed as orgs_seed
from portal.demo import RANDOM_SEED, SeedContext
from support import seed as support_seed
from volunteers import seed as volunteers_seed

#: (name, seed function) in order: the logins need the grid's cells, and the
#: meetings the logins' users.
SEED_STEPS = (
    ("orgs", orgs_seed.seed),
    ("grids", grids_seed.seed),
    ("logins", demo_logins.seed),
    ("meetings", meetings_seed.seed),
    ("volunteers", volunteers_seed.seed),
    ("evaluations", evaluations_seed.seed),
    ("support", support_seed.seed),
)


def build_street(
    index,
    *,
    password,
    shared,
    scale=1.0,
    today=None,
    stdout=None,
    counter=None,
    on_step=None,
):
    """Build street number ``index`` (0: the demo street) with every app's seed.

    Each step is one transaction. ``on_step(index, step, name, rows, seconds)``
    hears of each finished step (``rows`` from ``counter``, a
    ``portal.bulk.RowCounter``, when given). Return the street's context.
    """
    ctx = SeedContext(
        # Street 1 is the demo street, the same on every run; each further
        # street draws from its own generator.
        rng=random.Random(RANDOM_SEED + index),  # noqa: S311
        stdout=stdout or io.StringIO(),
        password=password,
        street_index=index,
        shared=shared,
        scale=scale,
        data={"today": today} if today else {},
    )
    for k, (name, seed) in enumerate(SEED_STEPS):
        started = time.monotonic()
        before = counter.rows if counter else 0
        with transaction.atomic():
            seed(ctx)
        if on_step is not None:
            rows = counter.rows - before if counter else 0
            on_step(index, k, name, rows, time.monotonic() - started)
    return ctx
