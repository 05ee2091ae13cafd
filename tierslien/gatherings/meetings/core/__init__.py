"""A themed meeting itself: creating, editing, opening, archiving; contributors; public pages."""
