"""Contribution workflow tools: review summary, reviewer routing, freshness."""
