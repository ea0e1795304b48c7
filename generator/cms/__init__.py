"""The web editor (Decap CMS): its configuration generated from the models, and local editing."""
