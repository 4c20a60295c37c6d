"""Staff pages of the organizations app, one module per page family: territory (areas),
people with their memberships (people), and organizations (organizations)."""
