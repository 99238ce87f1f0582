"""Support shared by the tests and the benchmarks (neither imports the other): a PostgreSQL
server and databases to run against (`postgres`), and a reproducible shop event history
(`shop_history`). Not part of the escodegen package."""
