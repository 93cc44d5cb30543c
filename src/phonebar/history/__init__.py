"""The call history: every ended call in SQLite, paged by GET /api/recents."""
