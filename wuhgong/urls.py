from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import set_language

from consultations.sitemaps import SITEMAPS
from wuhgong.health import healthz

urlpatterns = [
    # No trailing slash, no redirect: probes take the first answer they get.
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The language switch must work on the sign-in page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    # 村务公开: the public board and its sitemap, open to anyone.
    path("public/", include("consultations.public_urls")),
    path(
        "sitemap.xml",
        login_not_required(
            cache_control(public=True, max_age=settings.PUBLIC_BOARD_MAX_AGE)(sitemap)
        ),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    # The developer tools' routes (make bench's bare views), only with DEVTOOLS=1: named by
    # string, so that the product never imports devtools.
    *([path("", include("devtools.urls"))] if settings.DEVTOOLS else []),
    path("", include("organizations.urls")),
    path("", include("consultations.urls")),
]
