"""村务公开 the public board: read-only pages anyone may open, under /public/."""

from django.urls import path, re_path

from .views import public

# Division codes: county 6 digits, town 9, village 12 (hamlets have no board of their own).
CODE = r"(?P<code>\d{6}|\d{9}|\d{12})"

urlpatterns = [
    path("", public.public_index, name="public_index"),
    re_path(rf"^{CODE}/$", public.public_area, name="public_area"),
    re_path(rf"^{CODE}/print/$", public.public_print, name="public_print"),
    *(
        re_path(
            rf"^{CODE}/{section}/$",
            public.public_section,
            {"section": section},
            name=f"public_{section}",
        )
        for section in public.SECTIONS
    ),
    path("matters/<int:pk>/", public.public_matter, name="public_matter"),
    path("photos/meeting/<int:pk>/", public.public_meeting_photo, name="public_meeting_photo"),
    path("photos/progress/<int:pk>/", public.public_progress_photo, name="public_progress_photo"),
    path("language/<str:language>/", public.public_language, name="public_language"),
]
