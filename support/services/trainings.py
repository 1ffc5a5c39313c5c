"""Writes of the rotation trainings and their attendance."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode
from portal.models import User
from portal.roles import require
from support.models import AttendanceStatus, Training, TrainingAttendance, Worker
from support.services._common import _check_community, _today, _training_target


@transaction.atomic
def training_create(
    *,
    user: User,
    topic: str,
    held_on: date,
    trainer: str,
    street: OrgNode | None = None,
    community: OrgNode | None = None,
    location: str = "",
    audience: str = "",
) -> Training:
    """Schedule or record a rotation training for a community or the street."""
    if community is not None:
        _check_community(community)
        street = OrgNode.objects.get(pk=community.street_id)
    if street is None or street.kind != OrgKind.STREET:
        raise ValidationError({"community": _("请选择社区，或选择全街道。")})
    require(user, "support.manage", **_training_target(street, community))
    training = Training(
        street=street,
        community=community,
        topic=topic,
        held_on=held_on,
        trainer=trainer,
        location=location,
        audience=audience,
        created_by=user,
    )
    training.full_clean()
    training.save()
    return training


@transaction.atomic
def training_update(
    *,
    user: User,
    training: Training,
    topic: str,
    held_on: date,
    trainer: str,
    location: str = "",
) -> Training:
    """Correct a training's topic, date, trainer or place."""
    require(
        user, "support.manage", **_training_target(training.street, training.community)
    )
    training = Training.objects.select_for_update().get(pk=training.pk)
    if held_on > _today() and training.attendances.exists():
        raise ValidationError(
            {"held_on": _("已登记出勤的培训，日期不能改到今天之后。")}
        )
    training.topic = topic
    training.held_on = held_on
    training.trainer = trainer
    training.location = location
    training.full_clean()
    training.save(
        update_fields=["topic", "held_on", "trainer", "location", "updated_at"]
    )
    return training


@transaction.atomic
def training_record_attendance(
    *,
    user: User,
    training: Training,
    statuses: Mapping[int, str] | Mapping[str, str],
) -> int:
    """Record attendance: ``statuses`` maps worker id → ``AttendanceStatus``.

    A worker left out keeps what was recorded before. Every worker must be
    eligible for the training and in a community the user may record for (a
    secretary records only their own workers at a street-wide training).
    """
    if training.held_on > _today():
        raise ValidationError(_("培训尚未举行，不能登记出勤。"))
    statuses = {int(k): v for k, v in statuses.items() if v}
    if not statuses:
        raise ValidationError(_("请至少登记一名人员的出勤。"))
    valid = set(AttendanceStatus.values)
    if not set(statuses.values()) <= valid:
        raise ValidationError(_("出勤状态无效。"))
    workers = {
        w.pk: w
        for w in Worker.objects.filter(pk__in=list(statuses)).select_related("person")
    }
    missing = set(statuses) - set(workers)
    if missing:
        raise ValidationError(_("有人员不存在（编号 %s）。") % min(missing))
    for worker in workers.values():
        require(
            user,
            "support.record_attendance",
            street_id=worker.street_id,
            community_id=worker.community_id,
        )
        if not _eligible(worker, training):
            raise ValidationError(
                _("%(name)s不在本次培训的参训范围内。") % {"name": worker.person.name}
            )
    rows = [
        TrainingAttendance(
            training=training,
            worker=worker,
            street_id=worker.street_id,
            community_id=worker.community_id,
            status=statuses[pk],
            recorded_by=user,
        )
        for pk, worker in workers.items()
    ]
    # One statement, race-free against a second recorder: the unique
    # (training, worker) pair turns a concurrent insert into an update.
    TrainingAttendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["training", "worker"],
        update_fields=["status", "recorded_by", "updated_at"],
    )
    return len(rows)


def _eligible(worker: Worker, training: Training) -> bool:
    if worker.street_id != training.street_id:
        return False
    if training.community_id and worker.community_id != training.community_id:
        return False
    if training.audience and worker.worker_type != training.audience:
        return False
    if worker.hired_on > training.held_on:
        return False
    return worker.left_on is None or worker.left_on >= training.held_on
