"""The content stages, before the portal: read a fiche (``reader``, ``yamlio``), validate it against the schema
(``validation``), load the whole tree (``site``), check it against itself and the reference geography
(``checks``, ``geo``, ``geo_centres``; ``geo_refresh`` rebuilds the geography), and make its Markdown safe
(``sanitiser``). Nothing here imports the portal (tests/test_architecture.py)."""
