"""Spending vouchers: what ``portal.uploads`` takes for them.

Invoices and receipts come as scans, photos or exports: a PDF, a JPEG or PNG
picture (stored re-encoded in its own format) or an Excel/Word file
(xlsx/docx, without macros). The stored name is chosen by the model
(``support.models._spending_upload_to``).
"""

from django.utils.translation import gettext_lazy as _

from portal.uploads import IMAGE, OFFICE, OTHER, PDF, SAME_FORMAT, UploadPolicy

VOUCHER = UploadPolicy(
    kinds=frozenset({PDF, IMAGE, OFFICE}),
    image_formats=frozenset({"JPEG", "PNG"}),
    office_types=frozenset({"xlsx", "docx"}),
    max_side=3600,
    image_output=SAME_FORMAT,
    jpeg_quality=88,
    form_field="attachment",
    messages={
        "empty": _("附件是空文件。"),
        "too_big": _("附件不能超过 %(max)s（当前 %(size)s）。"),
        "pixels": _("图片像素过多，请缩小后再上传。"),
        OTHER: _(
            "附件格式不支持：只接受 PDF、JPG、PNG 图片或 Excel/Word（xlsx/docx）文件。"
        ),
    },
)
