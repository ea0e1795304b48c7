"""The developers' tools, outside the runtime import graph: ``msap serve`` (its front process included) and
``msap bench``. Nothing of the portal or of the API imports them."""
