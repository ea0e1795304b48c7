"""Visit tracking ("fréquentation"): the companion API agents record visits with, its entry form, exports and
the aggregates the portal publishes. See docs/frequentation.md."""
