"""The store: the only package with SQL. `Database` plus one repository module per aggregate."""

from bot.db.database import Connection, Database, DatabaseError, MigrationError, backup_database

__all__ = ["Connection", "Database", "DatabaseError", "MigrationError", "backup_database"]
