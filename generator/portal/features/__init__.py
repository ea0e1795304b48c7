"""What the pages compute from the model: the nearest places, the maps and charts, the hours as the browser reads
them, the JSON-LD, the visit statistics read from their API. Nothing here writes a file."""
