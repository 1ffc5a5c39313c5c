"""Photos of cases and visits: what ``portal.uploads`` takes for them.

Images only (decoded by content), re-encoded as JPEG (EXIF and GPS position
dropped, transparency on white) and scaled to 2048 pixels; the stored name is
chosen by ``grids.models.photo_path``.
"""

from django.utils.translation import gettext_lazy as _

from portal.uploads import IMAGE, JPEG_ALWAYS, OTHER, UploadPolicy

#: Photos per case or visit.
MAX_PHOTOS = 6

PHOTOS = UploadPolicy(
    kinds=frozenset({IMAGE}),
    image_formats=frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP"}),
    max_files=MAX_PHOTOS,
    max_side=2048,
    max_pixels=40_000_000,
    image_output=JPEG_ALWAYS,
    form_field="photos",
    messages={
        "count": _("每次最多上传 %(count)s 张照片。"),
        "too_big": _("照片“%(name)s”超过了 %(mb)s MB 的上限。"),
        "image_format": _(
            "“%(name)s”不是可接受的图片格式（请上传 JPEG、PNG 或 WebP 照片）。"
        ),
        "pixels": _("照片“%(name)s”的像素太多，请缩小后再上传。"),
        OTHER: _("“%(name)s”不是有效的图片文件，或者文件已损坏。"),
    },
)
