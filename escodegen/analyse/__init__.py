"""Stage 4: what the model means for consumers — canonical JSON Schemas, the registry, and the
rules that classify a change between two models (the decision matrix)."""
