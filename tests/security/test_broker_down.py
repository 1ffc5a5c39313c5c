"""Redis down: every page and API operation of the matrix still answers.

The broker points at a port where nothing listens (``tests/portal/test_faults.py``
explains why the shared Redis is not stopped). Each row is asked by the first
persona the matrix lets in (2xx or 3xx in its own scope), with the work a
request commits, such as an evaluation run's enqueue, done as at the end of a
real request: the answer must be the one the matrix expects, never a 500.
"""

import logging

import pytest

from tests.portal.test_faults import broker_down  # noqa: F401 (fixture)
from tests.security import harness as h
from tests.security.matrix import COLUMNS, MATRIX, STREET_WIDE, parse


@pytest.fixture(autouse=True)
def _quiet_logs():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def _let_in(row):
    """The first persona the row lets in, with its expected answer."""
    cells = parse(row)
    for persona in COLUMNS:
        token = cells[persona][0]
        if token[:1] in "23" and token != "login":
            return persona, token
    return None, None


ROWS = sorted(key for key, row in MATRIX.items() if _let_in(row)[0])


def test_most_rows_are_asked():
    assert len(ROWS) > 250


@pytest.mark.parametrize("key", ROWS)
def test_the_route_answers_with_the_broker_down(matrix_data, db, broker_down, key):  # noqa: F811
    d = matrix_data
    persona, expected = _let_in(MATRIX[key])
    answer = h.ask(d, key, persona, h.OWN, STREET_WIDE.get(key, ()), commit=True)
    assert answer.status < 500
    assert h.token_of(answer, persona).rstrip("w") == expected.rstrip("w"), (
        f"{key} as {persona}: {answer.status}"
    )


def test_a_request_that_enqueues_is_among_them(matrix_data, db, broker_down, caplog):  # noqa: F811
    """Starting a month's evaluation enqueues its job: the broker is really
    asked (and found down), the run stays recorded for the periodic catch-up."""
    from evaluations.models import EvaluationRun

    logging.disable(logging.NOTSET)
    d = matrix_data
    key = "POST evaluations:run_start"
    assert key in ROWS
    with caplog.at_level(logging.WARNING, logger="portal.tasks"):
        answer = h.ask(d, key, h.SA, h.OWN, commit=True)
    assert answer.status == 302
    assert "broker unreachable" in caplog.text
    assert "evaluations_evaluationrun" in answer.wrote or not h.writes_seen()
    assert EvaluationRun.objects.exists()
