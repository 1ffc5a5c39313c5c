"""Appeal attachments: what ``portal.uploads`` takes for them.

A PDF, or a JPEG or PNG picture (stored re-encoded in its own format), under
``evaluations/appeals/`` with a random name, outside any public URL; served
only by a view that fetches the appeal through the user's scope.
"""

from django.utils.translation import gettext_lazy as _

from portal.uploads import IMAGE, OTHER, PDF, SAME_FORMAT, UploadPolicy

APPEAL_ATTACHMENT = UploadPolicy(
    kinds=frozenset({PDF, IMAGE}),
    image_formats=frozenset({"JPEG", "PNG"}),
    max_side=3600,
    image_output=SAME_FORMAT,
    jpeg_quality=88,
    folder="evaluations/appeals",
    dated=False,
    messages={
        "empty": _("附件是空文件。"),
        "too_big": _("附件不能超过 %(mb)s MB。"),
        "broken_image": _("图片文件已损坏或格式不正确。"),
        "pixels": _("图片像素过多，请缩小后再上传。"),
        OTHER: _("附件只能是 PDF、JPG 或 PNG 文件。"),
    },
)
