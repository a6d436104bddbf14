"""The read API and the map page (``newswire serve``), and ``newswire export``: read-only over the tables.

See ``docs/api.md``. Loaded on first use, like the services: ``newswire --help``
need not import FastAPI.
"""
