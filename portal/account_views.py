"""Account security pages: two-factor code, enrolment, status; passwords
(change, reset links handed over by a street admin); sign-out; login lockouts."""

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import pages, selectors, services
from portal.audit import log_access
from portal.otp import (
    SESSION_ENROLLED,
    confirmed_devices,
    is_verified,
    qr_data_uri,
    role_requires_otp,
    secret_b32,
    throttled_until,
    verify_code,
)
from portal.roles import can
from portal.security import current_lockouts

DEVICE_NAME = "手机验证器"


class CodeForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("动态验证码"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "autofocus": True,
            }
        ),
    )


def _next_url(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _sign_in_device(request, device):
    """Mark the session verified by ``device`` under a fresh session key."""
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session[SESSION_ENROLLED] = True


@never_cache
@login_required
def otp_verify(request):
    """Ask for the TOTP code after the password."""
    if not confirmed_devices(request.user).exists():
        return redirect(f"{reverse('otp-setup')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = verify_code(request.user, form.cleaned_data["token"])
        if device is not None:
            _sign_in_device(request, device)
            return redirect(_next_url(request))
        until = throttled_until(request.user)
        if until:
            form.add_error("token", _("错误次数过多，请稍候片刻再输入新的验证码。"))
        else:
            form.add_error(
                "token", _("验证码不正确或已过期，请输入手机上显示的新验证码。")
            )
    return render(
        request,
        "portal/account/otp_verify.html",
        {"form": form, "next": _next_url(request)},
    )


@never_cache
@login_required
def otp_setup(request):
    """Enrol (or replace) the user's TOTP device: QR code, then one code."""
    user = request.user
    has_device = confirmed_devices(user).exists()
    if has_device and not is_verified(request):
        # Someone who only knows the password must not bind his own phone.
        return redirect(f"{reverse('otp-verify')}?{request.GET.urlencode()}")
    device = (
        TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    # The code comes after reading the steps and scanning: no autofocus here.
    form.fields["token"].widget.attrs.pop("autofocus", None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            ok = device.verify_token(form.cleaned_data["token"].strip())
            if ok:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        if ok:
            _sign_in_device(request, device)
            messages.success(
                request, _("两步验证已开启，以后登录时需要输入手机上的动态验证码。")
            )
            return redirect(_next_url(request, default="account-security"))
        form.add_error("token", _("验证码不正确，请确认手机时间准确后输入新的验证码。"))
    return render(
        request,
        "portal/account/otp_setup.html",
        {
            "form": form,
            "qr": qr_data_uri(device),
            "secret": secret_b32(device),
            "replacing": has_device,
            "required": role_requires_otp(user),
            "gate": role_requires_otp(user) and not is_verified(request),
            "next": _next_url(request, default="account-security"),
        },
    )


@never_cache
@login_required
def account_security(request):
    """The user's two-factor status, with enrol / replace / switch-off."""
    user = request.user
    return render(
        request,
        "portal/account/security.html",
        {
            "enrolled": confirmed_devices(user).exists(),
            "required": role_requires_otp(user),
            "verified": is_verified(request),
            "can_unlock": can(user, "portal.unlock_logins"),
            "can_reset": can(user, "portal.reset_passwords"),
        },
    )


# -- sign-out and passwords ---------------------------------------------------------


class LogoutView(auth_views.LogoutView):
    """Sign out, and revoke the user's API tokens with the session."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.api_tokens_revoke(user=request.user)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password: the old one, then the new one twice (the
    password rules apply). The session stays; other sessions and every API
    token of the user end."""

    template_name = "portal/account/password_change.html"
    success_url = reverse_lazy("account-security")

    def form_valid(self, form):
        try:
            services.user_password_set(
                user=form.user,
                password=form.cleaned_data["new_password1"],
                event=services.CHANGED_BY_SELF,
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("密码已修改。API 令牌已失效，请重新获取。"))
        return redirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password through a reset link a street admin handed over.

    Django's view: the link works once (the new password invalidates it) and
    until ``PASSWORD_RESET_TIMEOUT``; the token leaves the address bar for the
    session before the form is shown.
    """

    template_name = "portal/account/password_reset_confirm.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        try:
            services.user_password_set(
                user=form.user,
                password=form.cleaned_data["new_password1"],
                event=services.RESET_BY_LINK,
            )
        except ValidationError as exc:
            pages.form_errors(form, exc)
            return self.form_invalid(form)
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        messages.success(self.request, _("新密码已设置，请用新密码登录。"))
        return redirect(self.get_success_url())


@never_cache
def password_reset(request):
    """Forgot the password: no e-mail on the intranet; the street admin makes
    a one-time link."""
    return render(request, "portal/account/password_reset.html")


@never_cache
@login_required
def users(request):
    """Street admins: the accounts of their streets, each with a reset link."""
    if not can(request.user, "portal.reset_passwords"):
        raise PermissionDenied(_("只有街道管理员可以管理账号。"))
    q = request.GET.get("q", "").strip()[:50]
    page = pages.page(request, selectors.user_list(user=request.user, q=q), 50)
    log_access(request, "portal.user", len(page.object_list))
    return render(request, "portal/account/users.html", {"page": page, "q": q})


@never_cache
@require_POST
@login_required
def user_password_reset(request, pk):
    """Make a one-time password reset link for an account of one's streets."""
    if not can(request.user, "portal.reset_passwords"):
        raise PermissionDenied(_("只有街道管理员可以生成重置密码链接。"))
    account = selectors.user_get(user=request.user, pk=pk)
    uidb64, token = services.password_reset_link_create(
        user=request.user, account=account
    )
    link = request.build_absolute_uri(
        reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    )
    return render(
        request,
        "portal/account/password_reset_link.html",
        {"account": account, "link": link, "hours": _reset_hours()},
    )


def _reset_hours():
    return max(settings.PASSWORD_RESET_TIMEOUT // 3600, 1)


@require_POST
@login_required
def otp_disable(request):
    """Switch two-factor sign-in off: only when optional and just verified."""
    user = request.user
    if role_requires_otp(user):
        raise PermissionDenied(_("您的角色必须使用两步验证，不能关闭。"))
    if not is_verified(request):
        raise PermissionDenied(_("请先输入动态验证码，再关闭两步验证。"))
    TOTPDevice.objects.filter(user=user).delete()
    request.session.pop(SESSION_ENROLLED, None)
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    messages.success(request, _("两步验证已关闭。"))
    return redirect("account-security")


def _require_unlock(request):
    if not can(request.user, "portal.unlock_logins"):
        raise PermissionDenied(_("只有街道管理员可以解除登录锁定。"))


@never_cache
@login_required
def lockouts(request):
    """Street admins: who is locked out of signing in right now."""
    from axes.utils import reset

    _require_unlock(request)
    if request.method == "POST":
        from axes.models import AccessAttempt

        attempt = current_lockouts().filter(pk=request.POST.get("attempt")).first()
        if attempt is None:
            messages.warning(request, _("该锁定记录已不存在（可能已自动解除）。"))
        else:
            reset(ip=attempt.ip_address, username=attempt.username)
            # Attempts without an address (API clients) are keyed on the name.
            AccessAttempt.objects.filter(pk=attempt.pk).delete()
            messages.success(
                request,
                _("已解除 %(username)s 在 %(ip)s 的登录锁定。")
                % {"username": attempt.username, "ip": attempt.ip_address or "-"},
            )
        return redirect("lockouts")
    rows = list(current_lockouts()[:200])
    log_access(request, "axes.accessattempt", len(rows))
    return render(request, "portal/account/lockouts.html", {"rows": rows})
