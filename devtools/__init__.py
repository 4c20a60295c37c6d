"""Tools for developers, never for a production site: the demo data (``seed_demo``), the
province generator (``seed_scale``) and the benchmark (``bench``).

Installed only when the environment says DEVTOOLS=1 (``make run``, ``make test`` and
``make bench`` do); the product (consultations, organizations, wuhgong) never imports it.
"""
