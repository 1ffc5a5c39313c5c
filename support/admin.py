"""Back-office views. Writes with rules go through the services; the fund
ledger is read-only here (append-only by design)."""

from django.contrib import admin

from support.models import (
    Budget,
    BudgetRevision,
    SocialOrg,
    SpecialFund,
    SpecialFundEntry,
    Spending,
    Training,
    TrainingAttendance,
    Worker,
)


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin):
    list_display = ["person", "worker_type", "community", "employer", "hired_on"]
    list_filter = ["worker_type", "community"]
    search_fields = ["person__name", "employer"]
    raw_id_fields = ["person", "street", "community", "cells"]


class AttendanceInline(admin.TabularInline):
    model = TrainingAttendance
    extra = 0
    raw_id_fields = ["worker", "street", "community", "recorded_by"]


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ["held_on", "topic", "community", "trainer"]
    list_filter = ["community"]
    date_hierarchy = "held_on"
    raw_id_fields = ["street", "community", "created_by"]
    inlines = [AttendanceInline]


@admin.register(SocialOrg)
class SocialOrgAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "community", "incubated_on"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "activity"]
    raw_id_fields = ["street", "community"]


class RevisionInline(admin.TabularInline):
    model = BudgetRevision
    extra = 0
    can_delete = False
    readonly_fields = ["amount_before", "amount_after", "reason", "changed_by"]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["community", "year", "line", "amount"]
    list_filter = ["year", "line"]
    raw_id_fields = ["street", "community"]
    inlines = [RevisionInline]


@admin.register(Spending)
class SpendingAdmin(admin.ModelAdmin):
    list_display = ["spent_on", "community", "budget", "amount", "purpose", "voided_at"]
    list_filter = ["budget__line"]
    raw_id_fields = ["street", "community", "budget", "created_by", "voided_by"]
    readonly_fields = ["attachment", "attachment_name", "attachment_type"]


@admin.register(SpecialFund)
class SpecialFundAdmin(admin.ModelAdmin):
    list_display = ["name", "manager", "street", "established_on"]
    raw_id_fields = ["street"]


@admin.register(SpecialFundEntry)
class SpecialFundEntryAdmin(admin.ModelAdmin):
    list_display = ["occurred_on", "fund", "kind", "amount", "counterparty"]
    list_filter = ["kind", "fund"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
