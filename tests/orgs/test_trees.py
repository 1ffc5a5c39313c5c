"""Tree integrity: check_trees, and concurrent writers on PostgreSQL."""

import random
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from grids.models import Cell
from orgs import services
from orgs.models import OrgKind, OrgNode


def test_check_trees_passes_on_a_sound_street(world, capsys):
    call_command("check_trees")
    assert "完好" in capsys.readouterr().out


def test_check_trees_lists_a_corrupted_org_node_and_fails(world, capsys):
    # given: a raw UPDATE that breaks the nested-set numbers
    OrgNode.objects.filter(pk=world.unit_b.pk).update(lft=999)
    # when / then
    with pytest.raises(CommandError) as exc:
        call_command("check_trees")
    assert "处树结构问题" in str(exc.value)
    assert "T-02-U001" in capsys.readouterr().err


def test_check_trees_lists_a_wrong_community_key(world, capsys):
    OrgNode.objects.filter(pk=world.party_org_a.pk).update(community=world.b)
    with pytest.raises(CommandError):
        call_command("check_trees")
    assert "T-01-U001-P1" in capsys.readouterr().err


def test_check_trees_also_checks_grid_cells(world, capsys):
    child = Cell.objects.create(
        level=2,
        code="T-01-01",
        name="甲一片",
        parent=world.cell_a,
        street=world.street,
        community=world.a,
    )
    call_command("check_trees")
    Cell.objects.filter(pk=child.pk).update(community=world.b)
    Cell.objects.filter(pk=world.cell_a.pk).update(rght=3)
    with pytest.raises(CommandError):
        call_command("check_trees")
    err = capsys.readouterr().err
    assert "网格 T-01-01" in err and "网格 T-01" in err


@pytest.mark.postgres
def test_concurrent_inserts_and_moves_leave_every_tree_sound(transactional_db):
    assert connection.vendor == "postgresql", "CI runs this on PostgreSQL"
    # given: two streets, each with three communities
    streets = []
    for s in range(2):
        street = services.org_node_create(
            kind=OrgKind.STREET, name=f"并发街道{s}", code=f"C{s}"
        )
        communities = [
            services.org_node_create(
                kind=OrgKind.COMMUNITY,
                name=f"并发社区{s}-{c}",
                code=f"C{s}-{c:02d}",
                parent=street,
            )
            for c in range(3)
        ]
        streets.append(communities)
    threads_n, rounds = 6, 8
    barrier = threading.Barrier(threads_n)
    errors = []

    def writer(t):
        rng = random.Random(t)  # noqa: S311
        try:
            barrier.wait()
            communities = streets[t % 2]
            mine = []
            for r in range(rounds):
                unit = services.org_node_create(
                    kind=OrgKind.UNIT,
                    name=f"单位{t}-{r}",
                    code=f"C{t % 2}-T{t}-U{r:03d}",
                    parent=rng.choice(communities),
                    unit_kind="merchant",
                )
                services.org_node_create(
                    kind=OrgKind.PARTY_ORG,
                    name=f"单位{t}-{r}党支部",
                    code=f"C{t % 2}-T{t}-U{r:03d}-P1",
                    parent=unit,
                )
                mine.append(unit)
                if r % 2:
                    services.org_node_move(
                        node=rng.choice(mine), new_parent=rng.choice(communities)
                    )
            if mine:
                services.org_node_delete(
                    node=OrgNode.objects.get(parent=mine[-1], kind=OrgKind.PARTY_ORG)
                )
        except Exception as exc:  # report any failure to the main thread
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then
    assert errors == []
    assert OrgNode.objects.filter(kind=OrgKind.UNIT).count() == threads_n * rounds
    assert OrgNode.objects.filter(kind=OrgKind.PARTY_ORG).count() == threads_n * (
        rounds - 1
    )
    call_command("check_trees")
