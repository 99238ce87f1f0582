"""Everything that runs against a database (a DSN): the migration and purge runner, the
upcaster proof, the check that custom SQL calls only immutable functions, the store's
statistics. It runs SQL that emit/ and upcast/ wrote; it writes none itself; commands stay thin."""
