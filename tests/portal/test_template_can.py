"""``{% can %}`` (``portal_tags``) answers what ``portal.roles.can`` answers."""

from django.template import Context, Template
from django.test import RequestFactory

from portal.roles import can

TEMPLATE = Template(
    "{% load portal_tags %}"
    '{% can "volunteers.manage" as anywhere %}'
    '{% can "orgs.manage_tree" node as on_node %}'
    '{% can "orgs.manage_tree" community_id=other.pk street_id=other.street_id as on_target %}'
    "{{ anywhere }} {{ on_node }} {{ on_target }}"
)


def _render(user, world):
    request = RequestFactory().get("/")
    request.user = user
    context = Context({"request": request, "node": world.a, "other": world.b})
    return TEMPLATE.render(context)


def test_the_tag_asks_the_views_permission_table(world):
    # given the secretary of A, the street staff and a volunteer
    for user in (world.secretary_a, world.street_staff, world.volunteer_a):
        # when a template asks about an action anywhere, on A, and on B
        rendered = _render(user, world)
        # then it answers as the views' ``can`` does
        expected = [
            can(user, "volunteers.manage"),
            can(user, "orgs.manage_tree", world.a),
            can(user, "orgs.manage_tree", world.b),
        ]
        assert rendered == " ".join(str(x) for x in expected)
    assert _render(world.secretary_a, world) == "True True False"
    assert _render(world.volunteer_a, world) == "False False False"
