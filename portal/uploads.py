"""Uploads refused by their size before they are read.

Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not count files and
``FILE_UPLOAD_MAX_MEMORY_SIZE`` only decides memory or disk, so without this
a 120 MB upload is received whole (into a temporary file) before the app's own
check of ``PORTAL_MAX_UPLOAD_BYTES`` refuses it. Two guards:

- ``UploadLimitMiddleware`` answers 413 from the ``Content-Length`` header,
  before a byte of the body is read: more than ``PORTAL_MAX_UPLOAD_BYTES``
  per file the view accepts (one, unless the view says more with
  ``upload_limit``) plus ``FORM_ALLOWANCE`` for the form's other fields;
- ``LimitedUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) stops reading a
  body as soon as one file in it passes ``PORTAL_MAX_UPLOAD_BYTES`` (several
  files in one request, or a body without ``Content-Length``); the middleware
  then answers the same 413.

Both answer with a Chinese page (JSON on the API), never a 500.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

#: Room for the form's other fields and the multipart boundaries.
FORM_ALLOWANCE = 1024 * 1024
#: Set on the request by the handler when a file passed the limit.
_REFUSED = "_portal_upload_too_large"


def upload_limit(files):
    """Let a view (function, or DRF view class) take up to ``files`` files in
    one request: its requests may be that many times larger."""

    def mark(view):
        view.upload_files = files
        return view

    return mark


def files_allowed(view_func):
    """Return how many files a request to ``view_func`` may carry (1 unless said)."""
    for holder in (
        view_func,
        getattr(view_func, "view_class", None),  # Django class-based views
        getattr(view_func, "cls", None),  # DRF views and viewsets
    ):
        files = getattr(holder, "upload_files", None)
        if files:
            return files
    return 1


def request_limit(view_func):
    """Return the largest body a request to ``view_func`` may send (bytes)."""
    return settings.PORTAL_MAX_UPLOAD_BYTES * files_allowed(view_func) + (
        FORM_ALLOWANCE
    )


def _content_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def too_large(request):
    """The refusal: a page, or JSON for the API."""
    limit = filesizeformat(settings.PORTAL_MAX_UPLOAD_BYTES)
    message = _("上传的文件太大：单个文件不能超过 %s，请压缩或分批后再上传。") % limit
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return render(
        request,
        "error.html",
        {"code": 413, "title": _("文件太大"), "message": message},
        status=413,
    )


class UploadLimitMiddleware:
    """Refuse an upload that is too large before reading it (see the module).

    Placed before ``CsrfViewMiddleware``, whose ``process_view`` reads the
    body of a POST.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if _content_length(request) > request_limit(view_func):
            return too_large(request)
        if request.content_type != "multipart/form-data":
            return None
        # Read the form now (CSRF would next): the handler stops at the
        # first file over the limit and leaves its mark.
        try:
            request.POST  # noqa: B018 (parses the body)
        except (MultiPartParserError, OSError):
            return None  # the view or CSRF answers a broken body as before
        if getattr(request, _REFUSED, False):
            return too_large(request)
        return None


class LimitedUploadHandler(FileUploadHandler):
    """Stop reading the body once one file passes ``PORTAL_MAX_UPLOAD_BYTES``."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.PORTAL_MAX_UPLOAD_BYTES:
            setattr(self.request, _REFUSED, True)
            # The rest of the body is left unread: the answer is a refusal.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None
