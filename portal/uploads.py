"""Uploads: refused by their size before they are read, then checked by content.

Every upload of the portal goes through here; an app only declares what it
takes (an ``UploadPolicy``: which kinds, how many, how images are re-encoded,
where they are stored, and its own wording where it has one).

Size, before the view runs. Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not
count files and ``FILE_UPLOAD_MAX_MEMORY_SIZE`` only decides memory or disk, so
without this a 120 MB upload is received whole (into a temporary file) before
the check of ``PORTAL_MAX_UPLOAD_BYTES`` refuses it. Two guards:

- ``UploadLimitMiddleware`` answers 413 from the ``Content-Length`` header,
  before a byte of the body is read, when the body is larger than
  ``PORTAL_MAX_UPLOAD_BYTES`` per file the view accepts (one, unless the view
  says more with ``upload_limit``) plus ``FORM_ALLOWANCE`` for the form's
  other fields: a clear Chinese page (JSON on the API), never a 500;
- ``LimitedUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) keeps no byte
  of a file past ``PORTAL_MAX_UPLOAD_BYTES`` (neither in memory nor on disk)
  and hands the view an empty file that knows its real size, so the check
  below refuses it with its message and the rest of the form (minutes being
  typed) is shown again. The body it still reads is bounded by the
  middleware.

Content, in the service (``upload_check``, ``uploads_check``). The kind is
decided by the bytes, never by the file name or the browser's content type:
an image Pillow decodes (then re-encoded, which drops metadata such as a
phone's GPS position and anything hidden after the picture), a PDF, or an
Office document (OOXML zip with the right parts and no macros, or a legacy
OLE2 file named .doc/.xls/.ppt). Executables and scripts are refused whatever
their name. Every refusal is a ``ValidationError`` with a Chinese message
naming the file, so a view shows it instead of a 500. Stored files get a
name chosen by the server (``upload_store``, ``upload_content``); the user's
name is only displayed (``upload_name_clean``).
"""

import io
import os
import re
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

MB = 1024 * 1024
#: Room for the form's other fields and the multipart boundaries.
FORM_ALLOWANCE = 1024 * 1024

View = TypeVar("View")


# -- size, before the view runs ---------------------------------------------------------


def upload_limit(files: int) -> Callable[[View], View]:
    """Let a view (function, or DRF view class) take up to ``files`` files in
    one request: its requests may be that many times larger."""

    def mark(view: View) -> View:
        view.upload_files = files  # type: ignore[attr-defined]
        return view

    return mark


def files_allowed(view_func: object) -> int:
    """Return how many files a request to ``view_func`` may carry (1 unless said)."""
    for holder in (
        view_func,
        getattr(view_func, "view_class", None),  # Django class-based views
        getattr(view_func, "cls", None),  # DRF views and viewsets
    ):
        files = getattr(holder, "upload_files", None)
        if files:
            return int(files)
    return 1


def request_limit(view_func: object) -> int:
    """Return the largest body a request to ``view_func`` may send (bytes)."""
    per_file: int = settings.PORTAL_MAX_UPLOAD_BYTES
    return per_file * files_allowed(view_func) + FORM_ALLOWANCE


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def too_large(request: HttpRequest) -> HttpResponse:
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

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: object,
        view_args: object,
        view_kwargs: object,
    ) -> HttpResponse | None:
        if _content_length(request) > request_limit(view_func):
            return too_large(request)
        return None


class LimitedUploadHandler(FileUploadHandler):
    """Keep nothing of a file past ``PORTAL_MAX_UPLOAD_BYTES``; hand on an
    empty file of the real size, which every upload check refuses first."""

    oversized = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.oversized = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.oversized or start + len(raw_data) > settings.PORTAL_MAX_UPLOAD_BYTES:
            self.oversized = True
            return None  # the handlers after this one store nothing more
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
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


# -- content: what a use takes ------------------------------------------------------------

#: The kinds of file (the values of ``meetings.AttachmentKind``).
IMAGE = "image"
PDF = "pdf"
OFFICE = "office"

#: How a policy re-encodes an image: always JPEG; PNG when the picture is
#: transparent, else JPEG; or the input's own format (a PNG stays a PNG).
JPEG_ALWAYS = "jpeg"
PNG_IF_TRANSPARENT = "png_if_transparent"
SAME_FORMAT = "same"

#: Office document extension → content type.
OFFICE_TYPES: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
#: First folder of an OOXML package → its extension.
_OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_OLE2_EXTENSIONS = ("doc", "xls", "ppt")

_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
)
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",  # Mach-O fat
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"#!",  # scripts
)
_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Names that say "a picture" (a file so named that is none is a broken image).
_IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp", "heic", "bmp")

#: The refusals, each with its message; a policy may word any differently.
#: Placeholders: ``%(name)s`` (the file's displayed name), ``%(size)s`` and
#: ``%(max)s`` (human sizes), ``%(mb)s`` (the cap in MB), ``%(count)s``.
MESSAGES: dict[str, Promise] = {
    "count": gettext_lazy("一次最多上传 %(count)s 个文件。"),
    "empty": gettext_lazy("“%(name)s”是空文件。"),
    "too_big": gettext_lazy("“%(name)s”太大（%(size)s），单个文件不能超过 %(max)s。"),
    "executable": gettext_lazy(
        "“%(name)s”是可执行程序或脚本，不允许上传（与文件扩展名无关）。"
    ),
    "not_image": gettext_lazy("“%(name)s”不是有效的图片，文件可能已损坏。"),
    "broken_image": gettext_lazy("“%(name)s”不是有效的图片，文件可能已损坏。"),
    "pixels": gettext_lazy("“%(name)s”的像素过多，请缩小后再上传。"),
    "pdf_broken": gettext_lazy("“%(name)s”这个 PDF 文件不完整或已损坏。"),
    "office_broken": gettext_lazy("“%(name)s”已损坏，无法打开。"),
    "zip_not_office": gettext_lazy(
        "“%(name)s”是压缩包，不是 Office 文档；只能上传图片、PDF 或 Office 文档。"
    ),
    "macro": gettext_lazy(
        "“%(name)s”含有宏，出于安全考虑不允许上传，请另存为不含宏的文档。"
    ),
    "office_unknown": gettext_lazy("“%(name)s”不是可识别的 Office 文档。"),
    "ole2_ext": gettext_lazy(
        "“%(name)s”看起来是旧版 Office 文件，请使用 .doc、.xls 或 .ppt 扩展名。"
    ),
    "image_format": gettext_lazy(
        "“%(name)s”的文件类型不支持：只能上传图片（JPG、PNG、GIF、WebP）、"
        "PDF 或 Office 文档（Word、Excel、PowerPoint）。"
    ),
    "unsupported": gettext_lazy(
        "“%(name)s”的文件类型不支持：只能上传图片（JPG、PNG、GIF、WebP）、"
        "PDF 或 Office 文档（Word、Excel、PowerPoint）。"
    ),
}
#: Key of ``UploadPolicy.messages`` worded for every refusal it does not name.
OTHER = "other"


@dataclass(frozen=True)
class UploadPolicy:
    """What one use of uploads takes, and how it keeps it.

    ``messages`` words refusals (keys of ``MESSAGES``, or ``OTHER`` for every
    refusal not named) where the use has its own wording; the rest read as in
    ``MESSAGES``. ``folder`` is where ``upload_store`` writes (under
    ``YYYY/MM/`` when ``dated``); a model whose ``upload_to`` names the file
    takes ``upload_content`` instead. ``form_field`` is the form field the
    refusals belong to (``None``: the form as a whole).
    """

    kinds: frozenset[str] = frozenset({IMAGE, PDF, OFFICE})
    image_formats: frozenset[str] = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
    office_types: frozenset[str] = frozenset(OFFICE_TYPES)
    max_files: int = 1
    #: Bytes per file (``None``: ``settings.PORTAL_MAX_UPLOAD_BYTES``, read per call).
    max_bytes: int | None = None
    #: Longest side kept; larger pictures are scaled down.
    max_side: int = 2560
    #: Pixels above which an image is refused before decoding (decompression bombs).
    max_pixels: int = 50_000_000
    image_output: str = PNG_IF_TRANSPARENT
    jpeg_quality: int = 85
    folder: str = ""
    dated: bool = True
    form_field: str | None = None
    messages: Mapping[str, Promise | str] = field(default_factory=dict)

    def message(self, code: str) -> Promise | str:
        """Return the wording of refusal ``code`` for this use."""
        if code in self.messages:
            return self.messages[code]
        if OTHER in self.messages:
            return self.messages[OTHER]
        return MESSAGES[code]


@dataclass(frozen=True)
class CheckedFile:
    """An accepted upload: its kind, the bytes to store (re-encoded for an
    image), the extension and content type they have, and the name to show."""

    kind: str
    ext: str
    content_type: str
    data: bytes
    original_name: str


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def upload_name_clean(name: object) -> str:
    """Return a displayable file name: no path, no control characters."""
    text = os.path.basename(str(name or "").replace("\\", "/"))
    text = re.sub(r"[\x00-\x1f\x7f]", "", text).strip()
    return text[:200] or _("未命名文件")


def _ext(name: str) -> str:
    return os.path.splitext(name)[1].lower().lstrip(".")


def _limit(policy: UploadPolicy) -> int:
    return policy.max_bytes or settings.PORTAL_MAX_UPLOAD_BYTES


def _refusal(
    policy: UploadPolicy, code: str, *, name: str = "", size: int = 0
) -> ValidationError:
    limit = _limit(policy)
    text = policy.message(code) % {
        "name": name,
        "size": filesizeformat(size),
        "max": filesizeformat(limit),
        "mb": max(round(limit / MB, 1), 0.1),
        "count": policy.max_files,
    }
    if policy.form_field:
        return ValidationError({policy.form_field: [ValidationError(text, code=code)]})
    return ValidationError(text, code=code)


def upload_check(upload: Any, *, policy: UploadPolicy) -> CheckedFile:
    """Return ``upload`` checked (an image re-encoded) under ``policy``.

    Raise ``ValidationError`` with the policy's Chinese message when it is
    empty, too large, of a kind the policy does not take, or broken.
    """
    name = upload_name_clean(getattr(upload, "name", ""))
    limit = _limit(policy)
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refusal(policy, "too_big", name=name, size=size)
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise _refusal(policy, "too_big", name=name, size=size or len(data))
    try:
        return _check(data, name, policy)
    except _Refused as refused:
        raise _refusal(policy, refused.code, name=name, size=len(data)) from None


def uploads_check(uploads: Iterable[Any], *, policy: UploadPolicy) -> list[CheckedFile]:
    """Check every file of ``uploads`` (empty entries skipped); return them all,
    or raise one ``ValidationError`` listing every refusal (all or none)."""
    files = [u for u in uploads or () if u]
    if len(files) > policy.max_files:
        raise _refusal(policy, "count")
    checked: list[CheckedFile] = []
    errors: list[ValidationError] = []
    for upload in files:
        try:
            checked.append(upload_check(upload, policy=policy))
        except ValidationError as exc:
            errors.extend(
                exc.error_dict[policy.form_field]
                if policy.form_field
                else exc.error_list
            )
    if errors:
        raise ValidationError(
            {policy.form_field: errors} if policy.form_field else errors
        )
    return checked


def _check(data: bytes, name: str, policy: UploadPolicy) -> CheckedFile:
    if not data:
        raise _Refused("empty")
    head = data[:16]
    if head.startswith(_EXECUTABLE_MAGIC):
        raise _Refused("executable")
    if head.startswith(_PDF_MAGIC):
        if PDF not in policy.kinds:
            raise _Refused("unsupported")
        if b"%%EOF" not in data[-2048:]:
            raise _Refused("pdf_broken")
        return CheckedFile(PDF, "pdf", "application/pdf", data, name)
    if head.startswith(_ZIP_MAGIC):
        if OFFICE not in policy.kinds:
            raise _Refused("unsupported")
        return _check_ooxml(data, name, policy)
    if head.startswith(_OLE2_MAGIC):
        if OFFICE not in policy.kinds or not policy.office_types & set(
            _OLE2_EXTENSIONS
        ):
            raise _Refused("unsupported")
        ext = _ext(name)
        if ext not in _OLE2_EXTENSIONS:
            raise _Refused("ole2_ext")
        if ext not in policy.office_types:
            raise _Refused("unsupported")
        return CheckedFile(OFFICE, ext, OFFICE_TYPES[ext], data, name)
    if IMAGE not in policy.kinds:
        raise _Refused("unsupported")
    return _check_image(data, name, policy)


def _check_ooxml(data: bytes, name: str, policy: UploadPolicy) -> CheckedFile:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _Refused("office_broken") from None
    if "[Content_Types].xml" not in names:
        raise _Refused("zip_not_office")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _Refused("macro")
    for prefix, ext in _OOXML_PARTS.items():
        if any(n.startswith(prefix) for n in names):
            if ext not in policy.office_types:
                raise _Refused("unsupported")
            return CheckedFile(OFFICE, ext, OFFICE_TYPES[ext], data, name)
    raise _Refused("office_unknown")


def _looks_like_image(data: bytes) -> bool:
    head = data[:16]
    return head.startswith(_IMAGE_MAGIC) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    )


def _check_image(data: bytes, name: str, policy: UploadPolicy) -> CheckedFile:
    magic = _looks_like_image(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                probe = Image.open(io.BytesIO(data))
            except UnidentifiedImageError:
                if magic:
                    raise _Refused("broken_image") from None
                if _ext(name) in _IMAGE_EXTENSIONS:
                    raise _Refused("not_image") from None
                raise _Refused("unsupported") from None
            with probe:
                image_format = probe.format or ""
                if image_format not in policy.image_formats:
                    raise _Refused("image_format")
                width, height = probe.size
                if width * height > policy.max_pixels:
                    raise _Refused("pixels")
                probe.verify()  # the structure; the object is unusable after
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # every pixel: a truncated file fails here
                return _reencode(image, image_format, name, policy)
    except _Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _Refused("pixels") from None
    except Exception:  # Pillow raises many kinds of errors on bad input
        raise _Refused("broken_image") from None


def _reencode(
    image: Image.Image, image_format: str, name: str, policy: UploadPolicy
) -> CheckedFile:
    """Return the picture alone, as a fresh file without metadata."""
    image = ImageOps.exif_transpose(image) or image
    out = io.BytesIO()
    if policy.image_output == SAME_FORMAT and image_format == "PNG":
        image.thumbnail((policy.max_side, policy.max_side))
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
        return CheckedFile(IMAGE, "png", "image/png", out.getvalue(), name)
    transparent = image.mode in ("RGBA", "LA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if policy.image_output == PNG_IF_TRANSPARENT and transparent:
        image.thumbnail((policy.max_side, policy.max_side))
        image.convert("RGBA").save(out, format="PNG", optimize=True)
        return CheckedFile(IMAGE, "png", "image/png", out.getvalue(), name)
    if image.mode not in ("RGB", "L"):
        # Transparent parts become white, as on paper.
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((policy.max_side, policy.max_side))
    image.convert("RGB").save(
        out, format="JPEG", quality=policy.jpeg_quality, optimize=True
    )
    return CheckedFile(IMAGE, "jpg", "image/jpeg", out.getvalue(), name)


# -- storage ------------------------------------------------------------------------------


def upload_stored_name(checked: CheckedFile, *, policy: UploadPolicy) -> str:
    """Return a server-chosen storage name; the user's name is only displayed."""
    folder = policy.folder.strip("/")
    if policy.dated:
        folder = "%s/%s" % (folder, timezone.localdate().strftime("%Y/%m"))
    return "%s/%s.%s" % (folder, uuid.uuid4().hex, checked.ext)


def upload_store(checked: CheckedFile, *, policy: UploadPolicy) -> str:
    """Write ``checked`` under a server-chosen name in the policy's folder;
    return the name stored."""
    return default_storage.save(
        upload_stored_name(checked, policy=policy), ContentFile(checked.data)
    )


def upload_content(checked: CheckedFile) -> ContentFile:
    """Return ``checked`` as a file named by the server, for a model field
    whose ``upload_to`` chooses the folder."""
    return ContentFile(checked.data, name="%s.%s" % (uuid.uuid4().hex, checked.ext))


def upload_open(name: str) -> IO[bytes]:
    """Open a stored file for reading (the caller checked the scope)."""
    return default_storage.open(name, "rb")


def upload_delete_quietly(name: str) -> None:
    """Delete a stored file if it is there (undoing a write that failed)."""
    if name:
        try:
            default_storage.delete(name)
        except OSError:
            pass
