"""Proof photos of fulfilled wishes and posts: what ``portal.uploads`` takes.

One image (decoded by content), re-encoded as JPEG (metadata and anything
hidden after the picture dropped) and scaled to 2048 pixels, stored under
``volunteers/claims/YYYY/MM/`` with a random name; served only through views
that check the viewer's scope.
"""

from django.utils.translation import gettext_lazy as _

from portal.uploads import IMAGE, JPEG_ALWAYS, OTHER, UploadPolicy

PROOF_PHOTO = UploadPolicy(
    kinds=frozenset({IMAGE}),
    image_formats=frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP"}),
    max_side=2048,
    max_pixels=40_000_000,
    image_output=JPEG_ALWAYS,
    folder="volunteers/claims",
    form_field="photo",
    messages={
        "too_big": _("照片不能超过 %(mb)s MB。"),
        "empty": _("照片是空文件。"),
        "image_format": _("只接受 JPEG、PNG、WEBP 等常见图片格式。"),
        "pixels": _("图片尺寸过大。"),
        "broken_image": _("图片已损坏，无法读取。"),
        OTHER: _("文件不是可识别的图片。"),
    },
)
