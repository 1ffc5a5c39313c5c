"""All-or-nothing Excel imports of units and party members (services).

Every row is checked first; a file with any bad row writes nothing and answers
with every bad row's number and reason. Only then are rows written, in one
transaction, in bulk (tree nodes through ``org_tree_bulk_add`` under the writer
lock), so a 10,000-row file costs about as much as parsing it.

From the import page the file goes through an ``ImportJob``: the request only
checks the file's form without reading its rows (``import_job_start``: size,
header, row count) and stores it; the task ``orgs.run_import`` reads and
imports it (``import_job_execute``) with progress, so no web worker parses a
spreadsheet. Without a broker (the embedded default) the task runs in-process.

Headers are the file format (the same Chinese in every interface language).
"""

import logging
import os
from collections import defaultdict
from datetime import timedelta
from functools import partial

from auditlog.context import set_actor
from celery import signature
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orgs.excel import (
    Column,
    ImportRefused,
    as_date,
    as_int,
    as_text,
    join_reasons,
    read_rows,
    sheet_check,
)
from orgs.models import (
    ACTIVE_IMPORT_STATUSES,
    Gender,
    ImportJob,
    ImportKind,
    ImportStatus,
    MemberStatus,
    OrgKind,
    OrgNode,
    PartyMember,
    Person,
    UnitKind,
)
from orgs.selectors import org_node_list
from orgs.services import (
    TREE_LOCK,
    NodeSpec,
    _next_code,
    _person_write_allowed,
    clean_phone,
    org_tree_bulk_add,
    party_member_check,
)
from portal.db import advisory_xact_lock
from portal.models import Role
from portal.roles import can, require
from portal.scope import scope_for
from portal.tasks import enqueue

log = logging.getLogger("orgs.imports")

#: The task that reads a job's file (``orgs.tasks.run_import``), sent by name:
#: the tasks call these services, so this module does not import them back.
RUN_TASK = "orgs.run_import"


def _zh_labels(choices):
    with translation.override("zh-hans"):
        return {str(label): value for value, label in choices}


UNIT_KIND_BY_LABEL = _zh_labels(UnitKind.choices)
STATUS_BY_LABEL = _zh_labels(MemberStatus.choices)
GENDER_BY_LABEL = _zh_labels(Gender.choices)
YES = {"是", "Y", "y", "yes", "Yes", "1", 1}
NO = {"否", "N", "n", "no", "No", "0", 0, ""}

UNIT_COLUMNS = [
    Column("community", "所属社区*", True, example="东风社区", width=14),
    Column("name", "单位名称*", True, example="襄阳汉江鑫盛商贸有限公司", width=30),
    Column(
        "unit_kind",
        "单位性质*",
        True,
        choices=tuple(UNIT_KIND_BY_LABEL),
        example="非公企业",
        width=12,
    ),
    Column("headcount", "职工人数", example=35, width=10),
    Column("address", "地址", example="长虹路88号", width=24),
    Column("contact_name", "联系人", example="王芳", width=10),
    Column("contact_phone", "联系电话", example="13800000000", width=14),
    Column("head_name", "负责人姓名", example="李建国", width=12),
    Column("head_phone", "负责人手机号", example="13900000000", width=14),
]
UNIT_NOTES = [
    "单位性质可选：%s；机关、事业单位、国有企业为体制内，其余为体制外。"
    % "、".join(UNIT_KIND_BY_LABEL),
    "所属社区填社区全称（如“东风社区”）或社区编码；社区书记只能导入本社区的单位。",
    "单位编码由系统自动生成；填写负责人姓名时会同时登记负责人。",
]

MEMBER_COLUMNS = [
    Column("name", "姓名*", True, example="张伟", width=10),
    Column("phone", "手机号", example="13800000000", width=14),
    Column("gender", "性别", choices=tuple(GENDER_BY_LABEL), example="男", width=6),
    Column("birth_year", "出生年份", example=1985, width=10),
    Column("party_org", "所在党组织*", True, example="东风社区党委", width=28),
    Column(
        "status",
        "党员类别*",
        True,
        choices=tuple(STATUS_BY_LABEL),
        example="直管党员",
        width=10,
    ),
    Column(
        "directly_managed",
        "街道直管",
        choices=("是", "否"),
        example="是",
        width=8,
    ),
    Column("employer_unit", "工作单位", example="", width=28),
    Column("residence_community", "居住社区", example="东风社区", width=12),
    Column("joined_on", "入党日期", example="2010-07-01", width=12),
]
MEMBER_NOTES = [
    "党员类别可选：%s。在职党员须填工作单位和居住社区；流动党员须填居住社区。"
    % "、".join(STATUS_BY_LABEL),
    "所在党组织、工作单位填全称或编码（名称重名时请填编码，可在组织页面查到）。",
    "街道直管留空时按党组织是否由街道党工委直管自动判断；只有直管党组织的直管党员计入“直管党员”。",
    "同一街道内姓名和手机号都相同的党员视为已登记，不会重复导入。",
]


class _Lookup:
    """Nodes by code and by name; a name shared by two nodes is ambiguous."""

    def __init__(self, nodes):
        self.by_code = {}
        self.by_name = defaultdict(list)
        for n in nodes:
            self.by_code[n.code.upper()] = n
            self.by_name[n.name].append(n)

    def find(self, text, what):
        """Return the node named or coded ``text``; raise ``ValueError`` with why."""
        if not text:
            return None
        node = self.by_code.get(text.upper())
        if node is not None:
            return node
        found = self.by_name.get(text, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValueError(
                _("%(what)s“%(text)s”有重名，请改填编码。")
                % {"what": what, "text": text}
            )
        raise ValueError(
            _("%(what)s“%(text)s”不存在或不在您的管辖范围内。")
            % {"what": what, "text": text}
        )


def _refuse(row_errors):
    raise ImportRefused(
        _("导入失败：共有 %s 行有误，未写入任何数据。请改正后重新上传整个文件。")
        % len(row_errors),
        sorted(row_errors),
    )


def _editable_communities(user):
    nodes = org_node_list(user=user).filter(kind=OrgKind.COMMUNITY)
    return [c for c in nodes if user is None or can(user, "orgs.manage_tree", c)]


@transaction.atomic
def units_import(*, user, upload=None, rows=None):
    """Import resident units (and their heads) from ``upload`` (or its ``rows``
    as ``read_rows`` returns them); return how many."""
    if user is not None:
        require(user, "orgs.import")
    if rows is None:
        rows = read_rows(upload, UNIT_COLUMNS)
    communities = _Lookup(_editable_communities(user))
    existing = set(
        OrgNode.objects.filter(kind=OrgKind.UNIT).values_list("community_id", "name")
    )
    errors = []
    clean = []
    seen = set()
    for number, row in rows:
        reasons = []
        try:
            community = communities.find(as_text(row.get("community")), _("社区"))
            if community is None:
                reasons.append(_("请填写所属社区。"))
        except ValueError as exc:
            community = None
            reasons.append(str(exc))
        name = as_text(row.get("name"))
        if not name:
            reasons.append(_("请填写单位名称。"))
        elif len(name) > 200:
            reasons.append(_("单位名称过长（最多 200 字）。"))
        elif community is not None:
            key = (community.pk, name)
            if key in existing:
                reasons.append(_("“%s”已在该社区登记。") % name)
            elif key in seen:
                reasons.append(_("“%s”在文件中重复。") % name)
            seen.add(key)
        kind_text = as_text(row.get("unit_kind"))
        unit_kind = UNIT_KIND_BY_LABEL.get(kind_text)
        if unit_kind is None:
            reasons.append(
                _("单位性质“%(value)s”无效，应为：%(choices)s。")
                % {"value": kind_text, "choices": "、".join(UNIT_KIND_BY_LABEL)}
            )
        try:
            headcount = as_int(row.get("headcount"))
            if headcount is not None and not 0 <= headcount <= 1_000_000:
                raise ValueError
        except ValueError:
            headcount = None
            reasons.append(_("职工人数必须是不小于 0 的整数。"))
        phones = {}
        for key in ("contact_phone", "head_phone"):
            try:
                phones[key] = clean_phone(as_text(row.get(key)), key)
            except ValidationError:
                phones[key] = ""
                reasons.append(_("电话号码“%s”格式不正确。") % as_text(row.get(key)))
        head_name = as_text(row.get("head_name"))
        if phones["head_phone"] and not head_name:
            reasons.append(_("填写了负责人手机号但没有负责人姓名。"))
        if reasons:
            errors.append((number, join_reasons(reasons)))
            continue
        clean.append(
            {
                "community": community,
                "name": name,
                "unit_kind": unit_kind,
                "headcount": headcount,
                "address": as_text(row.get("address"))[:255],
                "contact_name": as_text(row.get("contact_name"))[:50],
                "contact_phone": phones["contact_phone"],
                "head_name": head_name[:50],
                "head_phone": phones["head_phone"],
            }
        )
    if errors:
        _refuse(errors)
    by_community = defaultdict(list)
    for item in clean:
        by_community[item["community"].pk].append(item)
    units = []
    heads = []
    for items in by_community.values():
        community = items[0]["community"]
        advisory_xact_lock(TREE_LOCK, community.tree_id)
        first = int(_next_code(community, "U").rsplit("-U", 1)[1])
        specs = [
            NodeSpec.of(
                OrgKind.UNIT,
                item["name"],
                f"{community.code}-U{first + i:03d}",
                unit_kind=item["unit_kind"],
                headcount=item["headcount"],
                address=item["address"],
                contact_name=item["contact_name"],
                contact_phone=item["contact_phone"],
            )
            for i, item in enumerate(items)
        ]
        created = org_tree_bulk_add(parent=community, specs=specs)
        for unit, item in zip(created, items, strict=True):
            units.append(unit)
            if item["head_name"]:
                heads.append(
                    (
                        unit,
                        Person(
                            name=item["head_name"],
                            phone=item["head_phone"],
                            street_id=community.street_id,
                            community=community,
                            unit=unit,
                        ),
                    )
                )
    Person.objects.bulk_create([p for _u, p in heads], batch_size=1000)
    for unit, person in heads:
        unit.head = person
    OrgNode.objects.bulk_update([u for u, _p in heads], ["head"], batch_size=500)
    return len(units)


@transaction.atomic
def party_members_import(*, user, upload=None, rows=None):
    """Import party members (and the people they are) from ``upload`` (or its
    ``rows``)."""
    if user is not None:
        require(user, "orgs.import")
    if rows is None:
        rows = read_rows(upload, MEMBER_COLUMNS)
    visible = list(org_node_list(user=user))
    party_orgs = _Lookup(
        n
        for n in visible
        if n.kind == OrgKind.PARTY_ORG and (user is None or can(user, "orgs.edit", n))
    )
    units = _Lookup(n for n in visible if n.kind == OrgKind.UNIT)
    streets = {n.pk if n.kind == OrgKind.STREET else n.street_id for n in visible}
    communities = _Lookup(
        OrgNode.objects.filter(kind=OrgKind.COMMUNITY, street_id__in=streets)
    )
    people = {
        (name, phone, street): (pk, has_membership)
        for name, phone, street, pk, has_membership in Person.objects.filter(
            street_id__in=streets
        ).values_list("name", "phone", "street_id", "pk", "party_membership")
    }
    this_year = timezone.localdate().year
    errors = []
    clean = []
    seen = set()
    for number, row in rows:
        reasons = []

        def find(lookup, key, what, reasons=reasons, row=row):
            try:
                return lookup.find(as_text(row.get(key)), what)
            except ValueError as exc:
                reasons.append(str(exc))
                return None

        name = as_text(row.get("name"))
        if not name:
            reasons.append(_("请填写姓名。"))
        elif len(name) > 50:
            reasons.append(_("姓名过长（最多 50 字）。"))
        try:
            phone = clean_phone(as_text(row.get("phone")))
        except ValidationError:
            phone = ""
            reasons.append(_("手机号“%s”格式不正确。") % as_text(row.get("phone")))
        gender_text = as_text(row.get("gender"))
        gender = GENDER_BY_LABEL.get(gender_text, "")
        if gender_text and not gender:
            reasons.append(_("性别应为“男”或“女”。"))
        try:
            birth_year = as_int(row.get("birth_year"))
            if birth_year is not None and not 1900 <= birth_year <= this_year:
                raise ValueError
        except ValueError:
            birth_year = None
            reasons.append(_("出生年份应为 1900 到今年之间的四位数字。"))
        party_org = find(party_orgs, "party_org", _("党组织"))
        if party_org is None and not as_text(row.get("party_org")):
            reasons.append(_("请填写所在党组织。"))
        status_text = as_text(row.get("status"))
        status = STATUS_BY_LABEL.get(status_text)
        if status is None:
            reasons.append(
                _("党员类别“%(value)s”无效，应为：%(choices)s。")
                % {"value": status_text, "choices": "、".join(STATUS_BY_LABEL)}
            )
        dm_value = row.get("directly_managed")
        if dm_value in (None, ""):
            directly_managed = bool(
                party_org
                and party_org.directly_managed
                and status == MemberStatus.REGULAR
            )
        elif dm_value in YES:
            directly_managed = True
        elif dm_value in NO:
            directly_managed = False
        else:
            directly_managed = False
            reasons.append(_("街道直管应填“是”或“否”。"))
        employer = find(units, "employer_unit", _("工作单位"))
        residence = find(communities, "residence_community", _("居住社区"))
        try:
            joined_on = as_date(row.get("joined_on"))
            if joined_on is not None and joined_on > timezone.localdate():
                reasons.append(_("入党日期不能晚于今天。"))
        except (ValueError, TypeError):
            joined_on = None
            reasons.append(
                _("入党日期“%s”无法识别，请写成 2010-07-01。")
                % as_text(row.get("joined_on"))
            )
        if party_org is not None and status is not None:
            probe = Person(street_id=party_org.street_id, name=name)
            try:
                party_member_check(
                    person=probe,
                    party_org=party_org,
                    status=status,
                    directly_managed=directly_managed,
                    employer_unit=employer,
                    residence_community=residence,
                )
            except ValidationError as exc:
                reasons.extend(exc.messages)
            if not _person_write_allowed(
                user,
                street_id=party_org.street_id,
                community_id=residence.pk if residence else party_org.community_id,
                unit=employer,
            ):
                reasons.append(_("您不能在该社区或单位登记人员。"))
            key = (name, phone, party_org.street_id)
            if people.get(key, (None, None))[1] is not None:
                reasons.append(_("“%s”已登记为党员。") % name)
            elif key in seen:
                reasons.append(_("“%s”在文件中重复。") % name)
            seen.add(key)
        if reasons:
            errors.append((number, join_reasons(reasons)))
            continue
        clean.append(
            {
                "key": key,
                "person": {
                    "name": name,
                    "phone": phone,
                    "gender": gender,
                    "birth_year": birth_year,
                    "street_id": party_org.street_id,
                    "community_id": residence.pk
                    if residence
                    else party_org.community_id,
                    "unit": employer,
                },
                "member": {
                    "party_org": party_org,
                    "status": status,
                    "directly_managed": directly_managed,
                    "employer_unit": employer,
                    "residence_community": residence,
                    "street_id": party_org.street_id,
                    "community_id": party_org.community_id,
                    "joined_on": joined_on,
                },
            }
        )
    if errors:
        _refuse(errors)
    new_people = []
    members = []
    for item in clean:
        existing = people.get(item["key"])
        if existing is not None:
            person = Person(pk=existing[0])
        else:
            person = Person(**item["person"])
            new_people.append(person)
        members.append((person, item["member"]))
    Person.objects.bulk_create(new_people, batch_size=1000)
    PartyMember.objects.bulk_create(
        [PartyMember(person_id=p.pk, **m) for p, m in members], batch_size=1000
    )
    return len(members)


# -- import jobs: the page's way in ------------------------------------------------

#: kind → (the import service, its columns).
KINDS = {
    ImportKind.UNITS: (units_import, UNIT_COLUMNS),
    ImportKind.PARTY_MEMBERS: (party_members_import, MEMBER_COLUMNS),
}
#: A running job whose worker has been silent this long is taken over (more
#: than the task's time limit, so its worker is surely gone).
STALE_AFTER = timedelta(minutes=20)
#: A job still queued after this long is sent again (the broker was down).
RESEND_AFTER = timedelta(minutes=1)
#: Finished jobs (and their row errors, which name people) are kept this long.
KEEP_FOR = timedelta(days=30)


def _job_place(user):
    """Return ``(street id, community id)`` a user's job is filed under: his
    street for street staff, his community for a secretary."""
    scope = scope_for(user)
    if scope.street_ids:
        return min(scope.street_ids), None
    communities = scope.role_communities[Role.COMMUNITY_SECRETARY]
    if communities:
        community = OrgNode.objects.only("street_id").get(pk=min(communities))
        return community.street_id, community.pk
    return None, None


@transaction.atomic
def import_job_start(*, user, kind, upload):
    """Check ``upload``'s form, store it and queue its import; return the job.

    Reads no data row: the header (first row only) and the number of rows
    (counted by scanning, stopping past the limit) are checked here, so a
    file that is too big, too long or has the wrong header is refused with
    ``ImportRefused`` at once. The rows are read by the task.
    """
    require(user, "orgs.import")
    if kind not in KINDS:
        raise ValidationError(_("未知的导入类型。"))
    total = sheet_check(upload, KINDS[kind][1])
    street_id, community_id = _job_place(user)
    job = ImportJob(
        kind=kind,
        created_by=user,
        street_id=street_id,
        community_id=community_id,
        rows_total=total,
        file_name=os.path.basename(getattr(upload, "name", "") or "")[:200],
        language=translation.get_language() or "",
        heartbeat_at=timezone.now(),
    )
    upload.seek(0)
    job.file.save("upload.xlsx", upload, save=False)
    job.save()
    # After the commit, so the worker finds the job; a broker outage leaves it
    # queued for ``import_jobs_resume``.
    transaction.on_commit(partial(enqueue, signature(RUN_TASK), job.pk))
    return job


def _finish(job_id, **fields):
    ImportJob.objects.filter(pk=job_id).update(
        finished_at=timezone.now(), heartbeat_at=timezone.now(), **fields
    )


def import_job_execute(*, job_id):
    """Read and import a job's file: claimed once, all or nothing.

    Claimed by a conditional UPDATE (queued, or running with a silent worker),
    so two deliveries never both import. Progress (rows read) is saved as the
    rows are read, outside the import's transaction, so the page sees it; the
    import and the job's "done" commit together. A refusal records the
    summary and every bad row. The stored file is deleted once the job ends.
    Return the job, or ``None`` when there was nothing to do.
    """
    now = timezone.now()
    claimed = (
        ImportJob.objects.filter(pk=job_id)
        .filter(
            Q(status=ImportStatus.PENDING)
            | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
        )
        .update(
            status=ImportStatus.RUNNING,
            attempts=F("attempts") + 1,
            heartbeat_at=now,
            started_at=now,
            rows_done=0,
        )
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    service, columns = KINDS[job.kind]
    user = job.created_by

    def progress(done, total):
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.RUNNING).update(
            rows_done=done, rows_total=total, heartbeat_at=timezone.now()
        )

    language = job.language or settings.LANGUAGE_CODE
    with translation.override(language), set_actor(user):
        try:
            if not job.file:
                raise ImportRefused(_("上传的文件已不在，请重新上传。"))
            with job.file.open("rb") as upload:
                rows = read_rows(upload, columns, progress=progress)
            progress(len(rows), len(rows))
            with transaction.atomic():
                count = service(user=user, rows=rows)
                _finish(
                    job_id,
                    status=ImportStatus.DONE,
                    imported=count,
                    summary=_("导入成功，共 %s 条。") % count,
                )
        except ImportRefused as exc:
            _finish(
                job_id,
                status=ImportStatus.REFUSED,
                summary=exc.summary,
                row_errors=[[row, str(reason)] for row, reason in exc.row_errors],
            )
        except PermissionDenied:
            _finish(
                job_id,
                status=ImportStatus.REFUSED,
                summary=_("您已没有导入的权限，未写入任何数据。"),
            )
        except ValidationError as exc:
            _finish(
                job_id,
                status=ImportStatus.REFUSED,
                summary=join_reasons(exc.messages),
            )
        except Exception:
            log.exception("import job %s failed", job_id)
            _finish(
                job_id,
                status=ImportStatus.FAILED,
                summary=_("导入时出错，未写入任何数据。请稍后重试，或联系管理员。"),
            )
        finally:
            _file_delete(job)
    job.refresh_from_db()
    return job


def _file_delete(job):
    """Delete the stored upload: it holds personal data and is no longer needed."""
    if job.file:
        name = job.file.name
        job.file.storage.delete(name)
        ImportJob.objects.filter(pk=job.pk, file=name).update(file="")


def import_jobs_resume(*, now=None):
    """Queue again the jobs a broker outage left waiting, and those whose
    worker died; delete finished jobs past ``KEEP_FOR`` (with their files).
    Return the ids queued (every minute from beat)."""
    now = now or timezone.now()
    waiting = list(
        ImportJob.objects.filter(
            Q(status=ImportStatus.PENDING, created_at__lt=now - RESEND_AFTER)
            | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
        ).values_list("pk", flat=True)
    )
    for pk in waiting:
        enqueue(signature(RUN_TASK), pk)
    old = ImportJob.objects.exclude(status__in=ACTIVE_IMPORT_STATUSES).filter(
        finished_at__lt=now - KEEP_FOR
    )
    for job in old.exclude(file=""):
        _file_delete(job)
    old.delete()
    return waiting
