"""Flask extensions, created unbound here and bound to the app in `create_app`."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

from billing_desk.bounds import MAX_PAGE, MAX_PER_PAGE, page_number

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class Database(SQLAlchemy):
    """Flask-SQLAlchemy whose `paginate` never takes a page or page size beyond `bounds`: a huge `?page=`
    would otherwise become an OFFSET PostgreSQL refuses (a 500) or one that scans the whole table."""

    def paginate(self, select, *, page=None, per_page=None, max_per_page=MAX_PER_PAGE, **kwargs):
        page = page_number() if page is None else min(max(page, 1), MAX_PAGE)
        per_page = min(per_page, max_per_page) if per_page else None
        return super().paginate(select, page=page, per_page=per_page or 20, max_per_page=max_per_page, **kwargs)


db = Database(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
