from organizations.scoping import user_area


def navigation(request):
    """The signed-in user's area, shown in the header of every staff page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_area": user_area(user)}
