"""Retention of personal data: anonymise a person everywhere, history included.

Personal information is kept no longer than its purpose needs (PIPL art. 19
and 47). When that time is over (for a volunteer: ``PORTAL_RETENTION_DAYS``
after he left, see ``volunteers.services.volunteers_anonymise_departed``),
``person_anonymise`` rewrites every place the portal keeps the person's name,
phone and account, so that a dump of the database no longer holds them:

- the person (``orgs.Person``) and his sign-in account: name, phone, gender,
  birth year; username, names and e-mail; the account is switched off, its
  tokens, authenticator devices, notifications and reminders deleted;
- copies made of them: a meeting's attendance list, grid case steps, the
  reporter of a problem or a case, the resident of a micro-wish or a service
  post with the same phone;
- history: every audit-log entry (``auditlog.LogEntry``) about a row that
  names him (his person, volunteer, account and every audited row pointing at
  them, also rows deleted since), and any entry holding his phone; the
  personal-data access log's rows of his account and filters naming him;
  django-axes' sign-in records of his username.

Numbers stay: the points ledger, check-ins and counts keep their rows (the
ledger is append-only and holds no name), so figures and balances do not
change. Free text typed by staff (minutes, notes, reasons) is not searched
for names: a name is not unique enough to rewrite text safely.

The rewriting uses UPDATE without model signals, so the anonymisation does not
write the old values into the audit log again; one entry per person records
that (and when) it happened, without the data.

The kernel knows no app's models: each app tells it, in its
``AppConfig.ready()``, which of its rows keep a person's data
(``register_keeper``), which copy his name or phone (``register_copy``) and
which are his own (``register_person_rows``).
"""

import logging
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from portal.audit import mask_value

log = logging.getLogger("portal.retention")

#: In ``register_copy``'s values: the anonymised person's label.
LABEL = object()

#: (model, condition(person) -> Q, reason), in the order registered.
_KEEPERS = []
#: (model, what the lookup compares with, lookup, values), in the order registered.
_COPIES = []
#: Models whose rows (``person`` foreign key) are the person's own.
_PERSON_ROWS = []


def register_keeper(model, condition, reason):
    """While a row of ``model`` matches ``condition(person)``, keep his data.

    ``reason`` says why (a few words, for the log), e.g. ``"seat"``.
    """
    if not any(m is model and r == reason for m, _c, r in _KEEPERS):
        _KEEPERS.append((model, condition, reason))


def register_copy(model, *, of, lookup, values):
    """Rows of ``model`` hold a copy of the person's name or phone: rewrite them.

    ``of`` is what ``lookup`` is compared with: ``"person"``, his ``"user"``
    (skipped without an account) or his ``"phone"`` (skipped without one).
    ``values`` are the fields to set, ``LABEL`` standing for his label.
    """
    if of not in ("person", "user", "phone"):
        raise ValueError(of)
    entry = (model, of, lookup, tuple(values.items()))
    if entry not in _COPIES:
        _COPIES.append(entry)


def register_person_rows(model):
    """Rows of ``model`` (its ``person`` foreign key) are the person's own:
    their audit history, and that of rows pointing at them, is rewritten."""
    if model not in _PERSON_ROWS:
        _PERSON_ROWS.append(model)


def anonymous_label(person):
    """Return the name an anonymised person is shown under (data, not UI)."""
    return "已匿名#%s" % person.pk


@dataclass
class Report:
    """What one anonymisation rewrote (counts only: no personal data)."""

    log_entries: int = 0
    access_logs: int = 0
    signin_records: int = 0
    copies: int = 0


def person_is_still_needed(person):
    """Return a reason (text) why ``person`` must keep his data, else ``""``.

    A person who is still a party member, holds a seat, leads or serves a grid
    cell, heads an organisation, works for the community, or signs in with
    another role keeps his
    data under that other purpose's own rules.
    """
    for model, condition, reason in _KEEPERS:
        if model.objects.filter(condition(person)).exists():
            return reason
    from portal.models import Role

    user = person.user
    if user is not None:
        if user.is_staff or user.is_superuser:
            return "staff account"
        if user.role_assignments.exclude(role=Role.VOLUNTEER).exists():
            return "other role"
    return ""


def _identifiers(person, user):
    """The strings that identify the person, longest first."""
    values = {person.name, person.phone}
    if person.phone:
        values.add(mask_value(person.phone))
    if user is not None:
        values.update(
            {
                user.username,
                user.display_name,
                user.email,
                user.get_full_name(),
                f"{user.last_name}{user.first_name}",
            }
        )
    # Too short a string would match inside unrelated words.
    values = {v.strip() for v in values if v and len(v.strip()) >= 2}
    return sorted(values, key=len, reverse=True)


def _replace(value, identifiers, label):
    """Return ``value`` (text or JSON data) with every identifier replaced."""
    if isinstance(value, str):
        for identifier in identifiers:
            if identifier in value:
                value = value.replace(identifier, label)
        return value
    if isinstance(value, list):
        return [_replace(v, identifiers, label) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, identifiers, label) for k, v in value.items()}
    return value


def _audited_rows_about(targets):
    """Return ``{content type id: {object pk, …}}`` of audited rows naming them.

    ``targets`` maps a model to the primary keys of the person's own rows (his
    person, volunteer, account). Besides those rows: every row of an audited
    model with a foreign key to one of them, found twice: rows that exist now,
    and rows whose log entries carried the key (rows deleted since, like a
    revoked role).
    """
    from auditlog.models import LogEntry
    from auditlog.registry import auditlog

    found = {}

    def add(model, pks):
        ct = ContentType.objects.get_for_model(model)
        found.setdefault(ct.pk, set()).update(str(pk) for pk in pks)

    for model, pks in targets.items():
        add(model, pks)
    registered = set(auditlog.get_models())
    for model, pks in targets.items():
        if not pks:
            continue
        for relation in model._meta.related_objects:
            related = relation.related_model
            if related not in registered or relation.many_to_many:
                continue
            name = relation.field.name
            add(
                related,
                related.objects.filter(**{f"{name}__in": pks}).values_list(
                    "pk", flat=True
                ),
            )
            ct = ContentType.objects.get_for_model(related)
            keyed = Q()
            for pk in pks:
                for position in (0, 1):
                    keyed |= Q(**{f"changes__{name}__{position}": pk})
                    keyed |= Q(**{f"changes__{name}__{position}": str(pk)})
            add(
                related,
                LogEntry.objects.filter(keyed, content_type_id=ct.pk).values_list(
                    "object_pk", flat=True
                ),
            )
    return found


def _rewrite_log_entries(rows, identifiers, phone, user, label):
    from auditlog.models import LogEntry

    condition = Q()
    for ct_id, pks in rows.items():
        condition |= Q(content_type_id=ct_id, object_pk__in=sorted(pks))
    if phone:
        condition |= (
            Q(object_repr__contains=phone)
            | Q(changes_text__contains=phone)
            | Q(changes__icontains=phone)
            | Q(serialized_data__icontains=phone)
            | Q(additional_data__icontains=phone)
        )
    count = 0
    for entry in LogEntry.objects.filter(condition).iterator(chunk_size=500):
        new = {
            "object_repr": _replace(entry.object_repr, identifiers, label),
            "changes_text": _replace(entry.changes_text, identifiers, label),
            "changes": _replace(entry.changes, identifiers, label),
            "serialized_data": _replace(entry.serialized_data, identifiers, label),
            "additional_data": _replace(entry.additional_data, identifiers, label),
        }
        if any(getattr(entry, k) != v for k, v in new.items()):
            LogEntry.objects.filter(pk=entry.pk).update(**new)
            count += 1
    if user is not None:
        count += (
            LogEntry.objects.filter(actor=user)
            .exclude(actor_email="")
            .update(actor_email="")
        )
    return count


def _scrub_copies(person, user, label):
    """Rewrite the copies other records made of the person's name and phone.

    Return ``{model: [pk, …]}`` of the rows rewritten, so that their audit
    log entries (which hold the same copies) are rewritten too.
    """
    keys = {"person": person, "user": user, "phone": person.phone}
    touched = {}
    for model, of, lookup, values in _COPIES:
        key = keys[of]
        if not key:  # no account, or no phone
            continue
        pks = list(model.objects.filter(**{lookup: key}).values_list("pk", flat=True))
        if pks:
            model.objects.filter(pk__in=pks).update(
                **{field: label if v is LABEL else v for field, v in values}
            )
            touched[model] = pks
    return touched


def _scrub_access_logs(user, identifiers, label):
    from portal.models import AccessLog

    count = 0
    if user is not None:
        count += AccessLog.objects.filter(user=user).update(username=label)
    forms = set()
    for identifier in identifiers:
        forms.update({identifier, quote(identifier), quote_plus(identifier)})
        forms.add(quote(identifier).lower())
    forms = sorted(forms, key=len, reverse=True)
    condition = Q()
    for form in forms:
        condition |= Q(query__contains=form) | Q(path__contains=form)
    for row in AccessLog.objects.filter(condition).only("pk", "query", "path"):
        AccessLog.objects.filter(pk=row.pk).update(
            query=_replace(row.query, forms, quote(label))[:500],
            path=_replace(row.path, forms, quote(label))[:300],
        )
        count += 1
    return count


def _scrub_signin_records(user, identifiers):
    if not apps.is_installed("axes") or user is None:
        return 0
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    names = {user.username, user.email} - {""}
    count = 0
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        count += model.objects.filter(username__in=names).delete()[0]
    return count


def _close_account(user):
    from django_otp import devices_for_user
    from rest_framework.authtoken.models import Token

    from portal.models import Notification, Reminder

    for device in devices_for_user(user, confirmed=None):
        device.delete()
    Token.objects.filter(user=user).delete()
    Notification.objects.filter(recipient=user).delete()
    Reminder.objects.filter(recipient=user).delete()
    get_user_model().objects.filter(pk=user.pk).update(
        username=f"anonymised-{user.pk}",
        first_name="",
        last_name="",
        email="",
        display_name="",
        is_active=False,
        password=make_password(None),
    )


@transaction.atomic
def person_anonymise(person, *, reason):
    """Anonymise ``person`` everywhere (see the module's text); return a Report.

    ``reason`` (e.g. ``"volunteer left 2023-05-01, retention 730 days"``) goes
    into the one audit entry that records the anonymisation. Idempotent: a
    second call finds nothing left to rewrite.
    """
    from auditlog.models import LogEntry

    person_model = type(person)
    person = person_model.objects.select_for_update().get(pk=person.pk)
    user = person.user
    label = anonymous_label(person)
    identifiers = [i for i in _identifiers(person, user) if i != label]
    targets = {person_model: [person.pk]}
    for model in _PERSON_ROWS:
        targets[model] = list(
            model.objects.filter(person=person).values_list("pk", flat=True)
        )
    if user is not None:
        targets[get_user_model()] = [user.pk]
    report = Report()
    copies = _scrub_copies(person, user, label)
    report.copies = sum(len(pks) for pks in copies.values())
    rows = _audited_rows_about(targets)
    for model, pks in copies.items():
        ct = ContentType.objects.get_for_model(model)
        rows.setdefault(ct.pk, set()).update(str(pk) for pk in pks)
    report.log_entries = _rewrite_log_entries(
        rows, identifiers, person.phone, user, label
    )
    report.access_logs = _scrub_access_logs(user, identifiers, label)
    report.signin_records = _scrub_signin_records(user, identifiers)
    if user is not None:
        _close_account(user)
    person_model.objects.filter(pk=person.pk).update(
        name=label, phone="", gender="", birth_year=None
    )
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(person_model),
        object_pk=str(person.pk),
        object_id=person.pk,
        object_repr=label,
        action=LogEntry.Action.UPDATE,
        changes={"name": ["***", label], "phone": ["***", ""]},
        additional_data={"anonymised": reason},
    )
    log.info("anonymised person %s (%s)", person.pk, reason)
    return report
