"""``make bench``: the page driver (``driver``) and its bare views (``views``)."""
