"""The public board's sitemap (/sitemap.xml): its public pages only, never a staff page."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from organizations.models import Area, AreaLevel

from . import public_board


class PublicAreaSitemap(Sitemap):
    """Every county, town and village board."""

    changefreq = "weekly"

    def items(self):
        return Area.objects.filter(level__lte=AreaLevel.VILLAGE).order_by("code").only("code")

    def location(self, item):
        return reverse("public_area", args=[item.code])


class PublicMatterSitemap(Sitemap):
    """Every published matter's page."""

    changefreq = "weekly"

    def items(self):
        return public_board.published_matters().order_by("pk").only("pk")

    def location(self, item):
        return reverse("public_matter", args=[item.pk])


class PublicIndexSitemap(Sitemap):
    changefreq = "weekly"
    priority = 1.0

    def items(self):
        return ["public_index"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "index": PublicIndexSitemap,
    "areas": PublicAreaSitemap,
    "matters": PublicMatterSitemap,
}
