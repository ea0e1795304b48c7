"""One module per `msap` command that has no home of its own (MkDocs' ``commands/``): the others live beside
what they drive (``contrib/review.py``, ``geo_refresh.py``…), and ``generator/cli.py`` only parses and dispatches."""
