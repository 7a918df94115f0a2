"""Reviews: the review workspace, its team and roles, and (later) imports, records and deduplication."""
