"""The suite's own parallel run: tests sharing an outside resource stay together.

``make test`` runs on two xdist workers with ``--dist loadgroup``. xdist
groups a test by a ``@group`` suffix it writes into the node id; a pytest it
does not support leaves the id alone and the browser journeys then start two
live portals on one database (pytest 9.2 did, so pytest is pinned to 9.1).
"""

import pytest


def test_grouped_tests_carry_their_group_in_the_node_id(request):
    config = request.config
    if not config.getoption("loadgroup", default=False):
        pytest.skip("not an xdist --dist loadgroup worker")
    grouped = [i for i in request.session.items if i.get_closest_marker("xdist_group")]
    if not grouped:
        pytest.skip("no grouped test collected in this run")
    wrong = [
        i.nodeid
        for i in grouped
        if not i.nodeid.endswith("@" + i.get_closest_marker("xdist_group").args[0])
    ]
    assert not wrong, f"xdist did not group {len(wrong)} tests, e.g. {wrong[:3]}"
