"""Form pieces shared by every stage: scoped choices, Chinese-friendly widgets, uploads."""

from pathlib import PurePosixPath

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultations import uploads
from organizations.models import Area, Organization, Person

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_UPLOAD_SUFFIXES = tuple(s for kind in uploads.ALL_KINDS for s in kind.suffixes)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class AreaChoiceField(forms.ModelChoiceField):
    """Areas indented by level so the tree reads in a plain select."""

    def label_from_instance(self, obj):
        return "\u3000" * (obj.level - 1) + obj.name


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids no table can hold before they reach the database: SQLite raises
    OverflowError (a 500) on an integer beyond 64 bits in an IN (...) list."""

    def _check_values(self, value):
        for pk in value:
            if str(pk).isdigit() and len(str(pk)) > 18:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


def scope_choices(form, user, *, areas=(), organizations=(), people=()):
    """Limit the named fields' choices to what the user may see."""
    for name in areas:
        form.fields[name].queryset = Area.objects.visible_to(user).order_by("code")
    for name in organizations:
        form.fields[name].queryset = (
            Organization.objects.visible_to(user)
            .select_related("area")
            .order_by("area__code", "name")
        )
    for name in people:
        form.fields[name].queryset = Person.objects.visible_to(user).order_by("area__code", "name")


def _upload_error(message, code, **params):
    return ValidationError(message, code=code, params=params or None)


def validate_upload(upload, *, kinds=uploads.ALL_KINDS):
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
    head = uploads.read_head(upload)
    if uploads.looks_executable(head):
        raise _upload_error(
            _("This file is a program or script under another name; it was refused."),
            "file_executable",
        )
    if uploads.looks_like_markup(head):
        raise _upload_error(
            _(
                "This file is a web page or an SVG drawing, which can carry scripts; only "
                "images (JPG, PNG, GIF, WebP) and PDF files can be attached."
            ),
            "file_markup",
        )
    kind = uploads.sniff(head)
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
        problem = uploads.image_is_whole(upload, kind)
        if problem == "too_big":
            raise _upload_error(
                _("The image is more than %(limit)d million pixels; please send a smaller one."),
                "image_size",
                limit=uploads.MAX_IMAGE_PIXELS // 1_000_000,
            )
        if problem:
            raise _upload_error(
                _("The image is damaged or incomplete and cannot be opened."), "file_damaged"
            )
    elif not uploads.pdf_is_whole(upload):
        raise _upload_error(
            _("The PDF file is damaged or incomplete (its end is missing)."), "file_damaged"
        )
    upload.content_type = kind.content_type
    return upload


def validate_photo(upload):
    """An upload that must be an image: a progress photo."""
    return validate_upload(upload, kinds=uploads.IMAGE_KINDS)


# Lets the browser's file picker show the right files first; the server checks regardless.
UPLOAD_ACCEPT = ",".join(kind.content_type for kind in uploads.ALL_KINDS)
PHOTO_ACCEPT = ",".join(kind.content_type for kind in uploads.IMAGE_KINDS)
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
