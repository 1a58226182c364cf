"""Run Alembic migrations from code (used by `flask setup`, `flask db upgrade` and tests)."""
from alembic import command
from alembic.config import Config

from .config import ROOT


def alembic_config(database_url: str) -> Config:
    """An Alembic config for the migrations/ folder and this database."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str) -> None:
    """Bring the database schema to the newest migration."""
    command.upgrade(alembic_config(database_url), "head")
