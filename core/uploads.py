"""What an uploaded file really is, judged by its bytes rather than its name, and how a
stored file is sent back.

Attachments and progress photos are images (JPEG, PNG, GIF, WebP) or PDF documents. The
name a browser sends is whatever the uploader typed, so the form validator
(``validate_upload`` below) and the views that serve files both ask
this module instead. SVG is refused on purpose: it is XML that can carry script.
"""

import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

HEAD_BYTES = 2048
# The end-of-file marker of a PDF sits in its last kilobyte (the spec allows some trailing
# junk after it, which real scanners and writers do add).
PDF_TAIL_BYTES = 1024
# Decoding a larger image would take hundreds of megabytes of memory for one upload; real
# photos from phones and cameras stay well below this.
MAX_IMAGE_PIXELS = 50_000_000


@dataclass(frozen=True)
class Kind:
    name: str
    content_type: str
    suffixes: tuple[str, ...]
    pillow_format: str | None
    label: str

    @property
    def is_image(self):
        return self.pillow_format is not None


JPEG = Kind("jpeg", "image/jpeg", (".jpg", ".jpeg"), "JPEG", _("a JPEG image"))
PNG = Kind("png", "image/png", (".png",), "PNG", _("a PNG image"))
GIF = Kind("gif", "image/gif", (".gif",), "GIF", _("a GIF image"))
WEBP = Kind("webp", "image/webp", (".webp",), "WEBP", _("a WebP image"))
PDF = Kind("pdf", "application/pdf", (".pdf",), None, _("a PDF document"))

IMAGE_KINDS = (JPEG, PNG, GIF, WEBP)
ALL_KINDS = (*IMAGE_KINDS, PDF)


def sniff(head):
    """The allowed kind whose signature ``head`` (the file's first bytes) carries, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


# Signatures of files that can run: programs, scripts, and markup a browser would execute.
_PROGRAM_SIGNATURES = (
    b"MZ",  # Windows .exe/.dll
    b"\x7fELF",  # Linux programs
    b"\xfe\xed\xfa",  # Mach-O (macOS)
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java classes
    b"#!",  # shell, Python, Perl scripts
)


def looks_executable(head):
    """True for a program or script, whatever the file is called."""
    return head.startswith(_PROGRAM_SIGNATURES)


def looks_like_markup(head):
    """True for HTML, SVG or other XML: a browser may run the scripts inside them."""
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    return text.startswith(b"<")


def read_head(upload, size=HEAD_BYTES):
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def read_tail(upload, size):
    total = upload.size
    upload.seek(max(total - size, 0))
    tail = upload.read(size)
    upload.seek(0)
    return tail


def image_is_whole(upload, kind):
    """Open the image with Pillow, check it is the format its signature claims, check its
    structure, then decode it, so a truncated or corrupt image is caught here and not in
    someone's browser. Returns a reason to refuse, or None."""
    try:
        upload.seek(0)
        with Image.open(upload, formats=[kind.pillow_format]) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                return "too_big"
            image.verify()
        # verify() leaves the image unusable; decoding needs a fresh open.
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=[kind.pillow_format]) as image:
                if kind is JPEG:
                    # Decoding at an eighth of the size still reads every byte of the
                    # compressed data (so truncation shows), in a fraction of the memory.
                    image.draft("RGB", (max(image.width // 8, 1), max(image.height // 8, 1)))
                image.load()
    # Pillow reports damaged data through many exception types (OSError, SyntaxError,
    # ValueError, struct.error, EOFError...); whichever it is, the file is refused.
    except Exception:
        return "damaged"
    finally:
        upload.seek(0)
    return None


def pdf_is_whole(upload):
    return b"%%EOF" in read_tail(upload, PDF_TAIL_BYTES)


def file_response(field_file):
    """Send a stored upload with the content type its bytes show, never one guessed from its
    name. Images and PDF documents open in the browser; anything else (a file stored before
    uploads were checked by content) is only offered as a download, as opaque bytes."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    kind = sniff(handle.read(HEAD_BYTES))
    handle.seek(0)
    response = FileResponse(
        handle,
        as_attachment=kind is None,
        filename=field_file.name.rsplit("/", 1)[-1],
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    # Browsers must take the content type as given, not guess HTML from the bytes.
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- checking an upload in a form ---------------------------------------------------------

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_UPLOAD_SUFFIXES = tuple(s for kind in ALL_KINDS for s in kind.suffixes)


def _upload_error(message, code, **params):
    return ValidationError(message, code=code, params=params or None)


def validate_upload(upload, *, kinds=ALL_KINDS):
    """Accept an image (JPEG, PNG, GIF, WebP) or a PDF by what its bytes are, not its name.

    Refuses, each with its own message: a file over ``MAX_UPLOAD_BYTES``; a name without an
    allowed extension; a program, script, web page or SVG whatever it is called; content that
    is none of ``kinds``; a name whose extension disagrees with the content; an image Pillow
    cannot decode to the end (truncated, corrupt, a decompression bomb); a PDF without its
    end-of-file marker.
    """
    if upload.size > MAX_UPLOAD_BYTES:
        raise _upload_error(
            _("The file is %(size)s; the limit is %(limit)s."),
            "file_size",
            size=filesizeformat(upload.size),
            limit=filesizeformat(MAX_UPLOAD_BYTES),
        )
    suffix = PurePosixPath(upload.name.lower()).suffix
    if suffix not in ALLOWED_UPLOAD_SUFFIXES:
        raise _upload_error(
            _("Only images (JPG, PNG, GIF, WebP) and PDF files can be attached."), "file_type"
        )
    head = read_head(upload)
    if looks_executable(head):
        raise _upload_error(
            _("This file is a program or script under another name; it was refused."),
            "file_executable",
        )
    if looks_like_markup(head):
        raise _upload_error(
            _(
                "This file is a web page or an SVG drawing, which can carry scripts; only "
                "images (JPG, PNG, GIF, WebP) and PDF files can be attached."
            ),
            "file_markup",
        )
    kind = sniff(head)
    if kind is None:
        raise _upload_error(
            _("The file's content is not an image or a PDF, whatever its name says."),
            "file_content",
        )
    if kind not in kinds:
        raise _upload_error(
            _("The file is %(kind)s, which cannot be used here."), "file_type", kind=kind.label
        )
    if suffix not in kind.suffixes:
        raise _upload_error(
            _("The file is %(kind)s but its name ends in “%(suffix)s”; name it for what it is."),
            "file_mismatch",
            kind=kind.label,
            suffix=suffix,
        )
    if kind.is_image:
        problem = image_is_whole(upload, kind)
        if problem == "too_big":
            raise _upload_error(
                _("The image is more than %(limit)d million pixels; please send a smaller one."),
                "image_size",
                limit=MAX_IMAGE_PIXELS // 1_000_000,
            )
        if problem:
            raise _upload_error(
                _("The image is damaged or incomplete and cannot be opened."), "file_damaged"
            )
    elif not pdf_is_whole(upload):
        raise _upload_error(
            _("The PDF file is damaged or incomplete (its end is missing)."), "file_damaged"
        )
    upload.content_type = kind.content_type
    return upload


def validate_photo(upload):
    """An upload that must be an image: a progress photo."""
    return validate_upload(upload, kinds=IMAGE_KINDS)


# Lets the browser's file picker show the right files first; the server checks regardless.
UPLOAD_ACCEPT = ",".join(kind.content_type for kind in ALL_KINDS)
PHOTO_ACCEPT = ",".join(kind.content_type for kind in IMAGE_KINDS)
UPLOAD_HELP_TEXT = lazy(
    lambda: (
        gettext("An image (JPG, PNG, GIF or WebP) or a PDF file, up to %(limit)s.")
        % {"limit": filesizeformat(MAX_UPLOAD_BYTES)}
    ),
    str,
)()
PHOTO_HELP_TEXT = lazy(
    lambda: (
        gettext("A photo from the site: JPG, PNG, GIF or WebP, up to %(limit)s.")
        % {"limit": filesizeformat(MAX_UPLOAD_BYTES)}
    ),
    str,
)()
