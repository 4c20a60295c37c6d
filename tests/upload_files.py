"""Real small files for upload tests, made on the spot: uploads are checked by content."""

import io

from PIL import Image


def image_bytes(fmt="JPEG", size=(16, 12), color=(200, 60, 30)):
    """A real image of ``fmt`` (JPEG, PNG, GIF, WEBP), decodable to its last byte."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf_bytes(text="会议记录"):
    """A minimal one-page PDF (Pillow writes it from an image), with its %%EOF marker."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (255, 255, 255)).save(buffer, format="PDF", title=text)
    return buffer.getvalue()
