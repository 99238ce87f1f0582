import psycopg


def test_each_test_gets_an_empty_database_of_its_own(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn) as conn:
        tables = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'public'"
        ).fetchone()
        assert tables == (0,)
        conn.execute("create table leak_probe (x int)")


def test_a_table_made_by_another_test_is_not_seen(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn) as conn:
        found = conn.execute("select to_regclass('leak_probe') is null").fetchone()
        assert found == (True,)
