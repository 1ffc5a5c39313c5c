"""Business rows hold on to the org and grid trees: deleting a node they
reference is refused (``on_delete=PROTECT``), never a silent cascade."""

from django.apps import apps
from django.db import models

from grids.models import Cell
from orgs.models import OrgNode

TREES = (OrgNode, Cell)
#: Many-to-many links whose row goes with the node, and why that is right.
LINKS_THAT_GO_WITH_THE_NODE = {
    # A cell's list of the units it covers: the unit is gone, so is the line.
    "grids.Cell.units",
    # The cells a support worker is responsible for: likewise.
    "support.Worker.cells",
}


def _references_to_the_trees():
    for model in apps.get_models(include_auto_created=False):
        for field in model._meta.get_fields():
            if not field.is_relation or field.related_model not in TREES:
                continue
            if field.concrete and (field.many_to_one or field.one_to_one):
                yield model, field


def test_every_foreign_key_to_a_tree_node_protects_it():
    found = list(_references_to_the_trees())
    # the walk sees the apps' business rows (so the test can fail)
    labels = {f"{m._meta.label}.{f.name}" for m, f in found}
    assert {"volunteers.CheckIn.community", "meetings.Problem.reporter_unit"} <= labels
    loose = [
        f"{m._meta.label}.{f.name} ({f.remote_field.on_delete.__name__})"
        for m, f in found
        if f.remote_field.on_delete is not models.PROTECT
    ]
    assert not loose, loose


def test_many_to_many_links_to_the_trees_are_only_the_known_ones():
    links = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.local_many_to_many
        if field.related_model in TREES
    }
    assert links == LINKS_THAT_GO_WITH_THE_NODE
