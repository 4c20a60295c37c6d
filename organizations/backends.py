"""Signing in with a username and password, as Django's ModelBackend does, but loading the
signed-in user together with their area: every staff page needs the area (scope, header),
and one query per request fewer is a few percent of a page at province scale."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AreaModelBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("area").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
