"""QR codes as SVG (for pages, no inline style) and PNG (for email attachments)."""

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

# The projector's code is read from across a room, off a washed-out screen:
# the full quiet zone of the standard (4 modules) and medium error correction
# (15 %), which keeps the modules large; a higher level would make them
# smaller for the same screen, which hurts more than glare does.
PROJECTOR_QR_BORDER = 4
PROJECTOR_QR_ERROR_CORRECTION = ERROR_CORRECT_M


def qr_svg(data: str, *, border: int = 2, error_correction: int = ERROR_CORRECT_M) -> str:
    qr = qrcode.QRCode(
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=border,
        error_correction=error_correction,
    )
    qr.add_data(data)
    qr.make(fit=True)
    return qr.make_image().to_string(encoding="unicode")


def qr_png(data: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(data, box_size=8, border=2).save(buffer)
    return buffer.getvalue()
