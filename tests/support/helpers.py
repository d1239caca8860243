from alembic.config import Config

from core.settings import PROJECT_ROOT
from scripts.stack import free_port

# A port nobody listens on once free_port has closed it: a dependency that is down.
closed_port = free_port


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["configure_logger"] = False
    return config
