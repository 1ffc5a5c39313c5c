"""Enumerations and fixed sets of the volunteers app's models."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# -- volunteers and teams -----------------------------------------------------------


class VolunteerKind(models.TextChoices):
    RESIDENT = "resident", _("居民志愿者")
    PARTY_MEMBER = "party_member", _("党员志愿者")
    IN_SERVICE = "in_service", _("在职党员（到社区报到）")


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    LEFT = "left", _("已退出")


# -- activities -----------------------------------------------------------------


class ActivityType(models.TextChoices):
    POLICY = "policy", _("政策宣讲")
    JOBS = "jobs", _("就业岗位")
    LEGAL = "legal", _("法律援助")
    CULTURE = "culture", _("文化活动")
    MEDICAL = "medical", _("医疗义诊")
    ELDERLY = "elderly", _("关爱老人")
    ENVIRONMENT = "environment", _("环境整治")
    CIVILITY = "civility", _("文明创建")
    SAFETY = "safety", _("平安巡逻")
    OTHER = "other", _("其他")


class ServiceMode(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("行政式")
    GROUP = "group", _("组团式")
    VOLUNTARY = "voluntary", _("志愿式")
    COLLABORATIVE = "collaborative", _("协作式")


class ActivityCategory(models.TextChoices):
    ACTIVITY = "activity", _("志愿活动")
    PROJECT = "project", _("公益项目")


class ActivityStatus(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    CANCELLED = "cancelled", _("已取消")


class SignUpStatus(models.TextChoices):
    SIGNED = "signed", _("已报名")
    CANCELLED = "cancelled", _("已取消")


class Attendance(models.TextChoices):
    PENDING = "pending", _("待确认")
    PRESENT = "present", _("出勤")
    LATE = "late", _("迟到")
    ABSENT = "absent", _("缺勤")


#: Attendance values that count as a service (S15) and may earn points.
ATTENDED = (Attendance.PENDING, Attendance.PRESENT, Attendance.LATE)


# -- points ledger --------------------------------------------------------------------


class EntryKind(models.TextChoices):
    AWARD = "award", _("服务积分")
    REDEMPTION = "redemption", _("兑换")
    CORRECTION = "correction", _("调整")
    REVERSAL = "reversal", _("冲正")


# -- love station ------------------------------------------------------------------------


class RedemptionStatus(models.TextChoices):
    DONE = "done", _("已兑换")
    CANCELLED = "cancelled", _("已撤销")


# -- micro-wishes and service posts ----------------------------------------------------


class ClaimStatus(models.TextChoices):
    OPEN = "open", _("待认领")
    CLAIMED = "claimed", _("已认领")
    FULFILLED = "fulfilled", _("已完成待确认")
    CONFIRMED = "confirmed", _("社区已确认")
    CANCELLED = "cancelled", _("已撤销")


#: Statuses in which a claimant has been accepted.
CLAIMED_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.FULFILLED, ClaimStatus.CONFIRMED)
DONE_STATUSES = (ClaimStatus.FULFILLED, ClaimStatus.CONFIRMED)


class WishCategory(models.TextChoices):
    STUDY = "study", _("助学")
    LIVING = "living", _("生活物资")
    REPAIR = "repair", _("维修")
    HEALTH = "health", _("健康")
    COMPANY = "company", _("陪伴")
    OTHER = "other", _("其他")


class PostKind(models.TextChoices):
    CIVILITY = "civility", _("文明劝导岗")
    ENVIRONMENT = "environment", _("环境监督岗")
    SAFETY = "safety", _("治安巡逻岗")
    ELDERLY = "elderly", _("邻里守望岗")
    POLICY = "policy", _("政策宣传岗")
    OTHER = "other", _("其他岗位")


# -- group service events --------------------------------------------------------------


class GroupServiceType(models.TextChoices):
    POLICY = "policy", _("送政策")
    JOBS = "jobs", _("送岗位")
    LEGAL = "legal", _("送法律")
    CULTURE = "culture", _("送文化")
    MEDICAL = "medical", _("送医疗")
    OTHER = "other", _("其他")
