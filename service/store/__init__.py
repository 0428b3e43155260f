"""The store: SQLAlchemy over SQLite (default) or PostgreSQL. It is the source of truth."""
