"""`migrations/` is the only way the schema changes: it must build, from empty, exactly what the models say."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from billing_desk import create_app
from billing_desk.extensions import db
from tests.databases import suite_database


@pytest.fixture
def empty_database_url(tmp_path):
    with suite_database("billing_migrations", tmp_path / "migrations.sqlite") as url:
        yield url


def _schema_differences():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


# SQLite cannot reflect the expression indexes (lower(name)) and says so; PostgreSQL compares them.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(empty_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "REDIS_URL": None})
    with app.app_context():
        upgrade()
        assert _schema_differences() == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            remaining = db.inspect(conn).get_table_names()
        assert set(remaining) <= {"alembic_version"}
        upgrade()
        assert _schema_differences() == []
        db.engine.dispose()
