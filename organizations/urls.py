from django.urls import path

from .views import choices, organizations, people

urlpatterns = [
    # People and their memberships (personal data: scoped, phones masked in lists)
    path("people/", people.person_list, name="person_list"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/memberships/new/", people.membership_create, name="membership_create"),
    path("memberships/<int:pk>/end/", people.membership_end, name="membership_end"),
    # What a form's person or organization picker offers as the user types
    path("choices/people/", choices.choices, {"kind": "people"}, name="people_choices"),
    path("choices/organizations/", choices.choices, {"kind": "organizations"}, name="org_choices"),
    # Organizations: host units, handling units, stewards
    path("organizations/", organizations.organization_list, name="organization_list"),
    path("organizations/new/", organizations.organization_create, name="organization_create"),
    path(
        "organizations/<int:pk>/edit/",
        organizations.organization_edit,
        name="organization_edit",
    ),
]
