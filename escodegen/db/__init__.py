"""Everything escodegen runs against a live database (`--dsn`): the commands stay thin."""
