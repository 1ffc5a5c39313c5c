"""Two-factor sign-in with TOTP (django-otp): who needs it and how to check it.

A user must pass a TOTP code after the password when
- he holds a role of ``settings.PORTAL_OTP_REQUIRED_ROLES`` (street admins) or
  is a superuser, while ``settings.PORTAL_REQUIRE_ADMIN_OTP`` is on; or
- he chose to enrol a device (optional for everyone else): the session
  remembers at sign-in that he has one (``SESSION_ENROLLED``).

A verified session carries django-otp's device id (``django_otp.login``);
``portal.middleware.OTPRequiredMiddleware`` sends the others to the code page.
"""

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.scope import scope_for

#: Session key: the user had a confirmed device when he signed in.
SESSION_ENROLLED = "portal_otp_enrolled"


def role_requires_otp(user):
    """Return whether the user's roles make TOTP compulsory."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not settings.PORTAL_REQUIRE_ADMIN_OTP:
        return False
    if user.is_superuser:
        return True
    required = set(settings.PORTAL_OTP_REQUIRED_ROLES)
    return bool(required & set(scope_for(user).roles))


def otp_needed(request):
    """Return whether this signed-in request must be OTP-verified."""
    user = request.user
    if not user.is_authenticated:
        return False
    return bool(request.session.get(SESSION_ENROLLED)) or role_requires_otp(user)


def is_verified(request):
    """Return whether the session passed a TOTP code (django-otp's middleware)."""
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def confirmed_devices(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id")


def verify_code(user, token):
    """Return the confirmed device that accepts ``token``, or ``None``.

    django-otp throttles each device after a wrong code and refuses a code
    already used (``last_t``), so a code works once.
    """
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit():
        return None
    with transaction.atomic():
        for device in confirmed_devices(user).select_for_update():
            if device.verify_token(token):
                return device
    return None


def throttled_until(user):
    """Return when the user's devices accept codes again, or ``None``."""
    for device in confirmed_devices(user):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            return data["locked_until"]
    return None


def secret_b32(device):
    """The device's key as the base32 text an authenticator app accepts."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_data_uri(device):
    """The device's ``otpauth://`` URI as an SVG QR code in a ``data:`` URI.

    Drawn by the portal itself (no third-party service sees the secret); the
    CSP allows ``data:`` images for this.
    """
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


@receiver(user_logged_in, dispatch_uid="portal.otp.remember_enrolment")
def remember_enrolment(sender, request, user, **kwargs):
    """At sign-in, note in the session whether the user enrolled a device."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_ENROLLED] = user_has_device(user, confirmed=True)
