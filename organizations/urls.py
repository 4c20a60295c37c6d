from django.urls import path

from . import views

urlpatterns = [
    path("areas/", views.area_home, name="area_home"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
]
