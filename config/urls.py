"""Top-level routes: pages of each app, the API, auth, language, admin.

Each app's ``urls.py`` (with its ``app_name``) is imported here and mounted
at ``/<app>/``: a new app is one import and one line of ``APP_URLS``.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.api import build_router
from dashboard import urls as dashboard_urls
from dashboard.api import StatsView
from evaluations import urls as evaluations_urls
from grids import urls as grids_urls
from meetings import urls as meetings_urls
from orgs import urls as orgs_urls
from portal import account_views, inbox_views, views
from portal.api import TokenView
from support import urls as support_urls
from volunteers import urls as volunteers_urls

#: Each app's pages, mounted at ``/<prefix>/``.
APP_URLS = [
    ("orgs", orgs_urls),
    ("grids", grids_urls),
    ("meetings", meetings_urls),
    ("volunteers", volunteers_urls),
    ("evaluations", evaluations_urls),
    ("support", support_urls),
]

router = build_router()

urlpatterns = [
    # The home page and the dashboards (``home``, ``street-dashboard``, …).
    path("", include(dashboard_urls)),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", account_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_reset/", account_views.password_reset, name="password_reset"
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/users/", account_views.users, name="users"),
    path(
        "accounts/users/<int:pk>/password-reset/",
        account_views.user_password_reset,
        name="user-password-reset",
    ),
    path("accounts/otp/", account_views.otp_verify, name="otp-verify"),
    path("accounts/otp/setup/", account_views.otp_setup, name="otp-setup"),
    path("accounts/otp/disable/", account_views.otp_disable, name="otp-disable"),
    path("accounts/security/", account_views.account_security, name="account-security"),
    path("accounts/lockouts/", account_views.lockouts, name="lockouts"),
    path("accounts/inbox/", inbox_views.inbox, name="inbox"),
    path("accounts/inbox/read/", inbox_views.inbox_read_all, name="inbox-read-all"),
    path("accounts/inbox/<int:pk>/", inbox_views.inbox_open, name="inbox-open"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/stats/", StatsView.as_view(), name="api-stats"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # The split view serves its start-up script as a file: no inline script
        # under the Content-Security-Policy.
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("healthz/", views.healthz, name="healthz"),
]

urlpatterns += [path(f"{prefix}/", include(module)) for prefix, module in APP_URLS]

handler400 = views.error_400
handler403 = views.error_403
handler404 = views.error_404
handler500 = views.error_500
