"""QR codes as SVG (for pages, no inline style) and PNG (for email attachments)."""

import io

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


def qr_png(data: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(data, box_size=8, border=2).save(buffer)
    return buffer.getvalue()
