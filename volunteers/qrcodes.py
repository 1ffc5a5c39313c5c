"""QR codes drawn by the portal itself (``qrcode`` + Pillow): no outside service."""

import io

import qrcode


def qr_png(data):
    """Return a PNG image (bytes) of a QR code holding ``data``."""
    image = qrcode.make(data, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()
