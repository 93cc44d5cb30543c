"""Use cases over the call registry, and the event bus."""
