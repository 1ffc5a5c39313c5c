from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path("", views.home, name="home"),
    path("workers/", views.worker_list, name="workers"),
    path("workers/new/", views.worker_create, name="worker_new"),
    path("workers/compliance/", views.compliance, name="compliance"),
    path("workers/compliance.xlsx", views.compliance_xlsx, name="compliance_xlsx"),
    path("workers/<int:pk>/", views.worker_detail, name="worker_detail"),
    path("workers/<int:pk>/edit/", views.worker_edit, name="worker_edit"),
    path("workers/<int:pk>/leave/", views.worker_leave, name="worker_leave"),
    path("trainings/", views.training_list, name="trainings"),
    path("trainings/new/", views.training_create, name="training_new"),
    path("trainings/<int:pk>/", views.training_detail, name="training_detail"),
    path("trainings/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("social-orgs/", views.social_org_list, name="social_orgs"),
    path("social-orgs/new/", views.social_org_create, name="social_org_new"),
    path("social-orgs/<int:pk>/", views.social_org_detail, name="social_org_detail"),
    path("funds/", views.funds, name="funds"),
    path("funds/budget/", views.budget_set, name="budget_set"),
    path("funds/spendings/", views.spending_list, name="spendings"),
    path("funds/spendings/new/", views.spending_create, name="spending_new"),
    path("funds/spendings/<int:pk>/void/", views.spending_void, name="spending_void"),
    path(
        "funds/spendings/<int:pk>/attachment/",
        views.spending_attachment,
        name="spending_attachment",
    ),
    path("special-fund/", views.special_funds, name="special_funds"),
    path(
        "special-fund/<int:pk>/",
        views.special_fund_detail,
        name="special_fund_detail",
    ),
    path(
        "special-fund/entries/<int:pk>/reverse/",
        views.special_fund_entry_reverse,
        name="fund_entry_reverse",
    ),
    path("notice/", views.notice, name="notice"),
    path("notice.xlsx", views.notice_xlsx, name="notice_xlsx"),
]
