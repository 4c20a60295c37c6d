"""Staff pages of the organizations app: people with their memberships (people), and
organizations (organizations). Their detail pages, which show the matters they took part
in, are consultations' (consultations/views/territory.py)."""
