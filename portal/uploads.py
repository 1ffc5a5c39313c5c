"""Uploads refused by their size before they are read.

Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not count files and
``FILE_UPLOAD_MAX_MEMORY_SIZE`` only decides memory or disk, so without this
a 120 MB upload is received whole (into a temporary file) before the app's own
check of ``PORTAL_MAX_UPLOAD_BYTES`` refuses it. Two guards:

- ``UploadLimitMiddleware`` answers 413 from the ``Content-Length`` header,
  before a byte of the body is read, when the body is larger than
  ``PORTAL_MAX_UPLOAD_BYTES`` per file the view accepts (one, unless the view
  says more with ``upload_limit``) plus ``FORM_ALLOWANCE`` for the form's
  other fields: a clear Chinese page (JSON on the API), never a 500;
- ``LimitedUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) keeps no byte
  of a file past ``PORTAL_MAX_UPLOAD_BYTES`` (neither in memory nor on disk)
  and hands the view an empty file that knows its real size, so the app's
  own check refuses it with its message and the rest of the form (minutes
  being typed) is shown again. The body it still reads is bounded by the
  middleware.
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

MB = 1024 * 1024
#: Room for the form's other fields and the multipart boundaries.
FORM_ALLOWANCE = 1024 * 1024


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
    limit = "%s MB" % format(settings.PORTAL_MAX_UPLOAD_BYTES / MB, ".1f").removesuffix(
        ".0"
    )
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
    """Refuse a body that is too large before reading it (see the module).

    Placed before ``CsrfViewMiddleware``, whose ``process_view`` reads the
    body of a POST.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _content_length(request) > request_limit(view_func):
            return too_large(request)
        return None


class LimitedUploadHandler(FileUploadHandler):
    """Keep nothing of a file past ``PORTAL_MAX_UPLOAD_BYTES``; hand on an
    empty file of the real size, which every upload check refuses first."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.oversized = False

    def receive_data_chunk(self, raw_data, start):
        if self.oversized or start + len(raw_data) > settings.PORTAL_MAX_UPLOAD_BYTES:
            self.oversized = True
            return None  # the handlers after this one store nothing more
        return raw_data

    def file_complete(self, file_size):
        if not self.oversized:
            return None  # the next handler (memory or disk) has the file
        return UploadedFile(
            file=io.BytesIO(),
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
