"""Reads of accounts: which sign-in accounts a street admin manages."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from portal.models import Role, RoleAssignment, User
from portal.nodes import person_model
from portal.scope import scope_for


def user_list(*, user: User | AnonymousUser, q: str = "") -> QuerySet[User]:
    """Return the accounts ``user`` manages (reset links), by username.

    A street admin manages an account whose every role and whose person record
    lie in his streets, with at least one of them there: an account that also
    acts in another street, a superuser and Django admin staff are not his.
    Superusers manage every account but other superusers. ``q`` filters by
    username, display name or person's name.
    """
    if not user.is_authenticated:
        return User.objects.none()
    qs = User.objects.filter(is_superuser=False, is_active=True)
    if not user.is_superuser:
        streets = sorted(scope_for(user).role_streets[Role.STREET_ADMIN])
        if not streets:
            return User.objects.none()
        person = person_model()
        in_streets = Q(org_node_id__in=streets) | Q(org_node__street_id__in=streets)
        roles = RoleAssignment.objects.filter(user=OuterRef("pk"))
        people = person._default_manager.filter(user=OuterRef("pk"))
        qs = (
            qs.filter(is_staff=False)
            .filter(
                Exists(roles.filter(in_streets))
                | Exists(people.filter(street_id__in=streets))
            )
            .exclude(Exists(roles.exclude(in_streets)))
            .exclude(Exists(people.exclude(street_id__in=streets)))
        )
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(display_name__icontains=q)
            | Q(person__name__icontains=q)
        )
    return (
        qs.select_related("person")
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.select_related("org_node").order_by(
                    "id"
                ),
            )
        )
        .order_by("username", "id")
    )


def user_get(*, user: User | AnonymousUser, pk: int) -> User:
    """Return the account ``pk`` if ``user`` manages it, else 404."""
    return get_object_or_404(user_list(user=user), pk=pk)
