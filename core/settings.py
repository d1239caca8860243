"""Settings from environment variables (documented in .env.example).

Embedded defaults make `make run` work with no configuration: a SQLite file and an embedded
Celery broker under `var/`. Production sets DATABASE_URL, REDIS_URL and the secrets.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        # var/local.env holds secrets generated for local runs; .env (yours) overrides it.
        env_file=(PROJECT_ROOT / "var" / "local.env", PROJECT_ROOT / ".env"),
        extra="ignore",
    )

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias="KIM_ENV"
    )
    county: str = Field("hoexter", validation_alias="KIM_COUNTY")
    counties_dir: Path = PROJECT_ROOT / "config" / "counties"
    var_dir: Path = Field(PROJECT_ROOT / "var", validation_alias="KIM_VAR_DIR")

    database_url: str | None = None
    redis_url: str | None = None

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # One Rasa, or several separated by commas: the api gives each conversation always the
    # same one (its tracker lives there), so they share the load without a shared store.
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    rasa_timeout_seconds: float = 30.0
    # Messages one Rasa process works on at once; the others wait in line at the api (api/rasa.py).
    rasa_max_in_flight: int = 4
    # Where residents reach the api (links, QR codes); defaults to the local address.
    public_url: str | None = None

    # Shared with Rasa (NLG callback) and the action server: guards the api's internal endpoints.
    internal_token: SecretStr = SecretStr("")
    # Secret pepper for pseudonymous conversation ids: a sender's id is never stored as is.
    pseudonym_pepper: SecretStr = SecretStr("")
    # Fernet keys for sensitive data at rest, comma-separated, newest first (core/crypto.py).
    data_keys: SecretStr = SecretStr("")
    # Shared with the case system: signs webhook deliveries (intake/adapters.py).
    case_system_secret: SecretStr = SecretStr("")

    bot_domain_path: Path = PROJECT_ROOT / "bot" / "domain.yml"
    locales_dir: Path = PROJECT_ROOT / "i18n" / "locales"

    chat_max_chars: int = 1000
    # Messages per sender and minute in every channel; more get a translated "slow down".
    chat_rate_per_minute: int = 20

    # Twilio (WhatsApp and SMS). Without an auth token the channel runs in local mode:
    # webhooks are still checked (against an empty token they always fail), outgoing messages
    # are logged instead of sent.
    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr = SecretStr("")
    # Senders: "whatsapp:+4915..." and "+4915..." (a Messaging Service SID also works).
    twilio_whatsapp_from: str = ""
    twilio_sms_from: str = ""
    # Content template SIDs per language for reminders outside WhatsApp's 24-hour window,
    # e.g. {"de": "HX...", "ar": "HX..."} (JSON).
    twilio_reminder_templates: dict[str, str] = {}
    # The Twilio REST API's base URL; tests point it at a stand-in on loopback.
    twilio_api_base: str = "https://api.twilio.com"
    # The WhatsApp number residents write to (digits only, for wa.me links on the QR page).
    whatsapp_number: str = ""

    # Telegram: the bot's token, the webhook's secret token and the bot's @name for links.
    telegram_bot_token: SecretStr = SecretStr("")
    telegram_secret_token: SecretStr = SecretStr("")
    telegram_bot_username: str = ""
    telegram_api_base: str = "https://api.telegram.org"

    @model_validator(mode="after")
    def _secrets_required_outside_development(self) -> "Settings":
        if self.environment == "production":
            missing = [
                name
                for name in ("internal_token", "pseudonym_pepper", "data_keys")
                if len(getattr(self, name).get_secret_value()) < 16
            ]
            if missing:
                raise ValueError(
                    "production needs these secrets (at least 16 characters): "
                    + ", ".join(name.upper() for name in missing)
                )
            if not self.database_url:
                raise ValueError("production needs DATABASE_URL (PostgreSQL)")
        return self

    @property
    def rasa_urls(self) -> list[str]:
        return [url.strip().rstrip("/") for url in self.rasa_url.split(",") if url.strip()]

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with a driver SQLAlchemy 2 can use (psycopg 3 for PostgreSQL)."""
        if not self.database_url:
            return f"sqlite:///{self.var_dir / 'kim.sqlite'}"
        url = self.database_url
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def celery_broker_url(self) -> str:
        return self.redis_url or f"sqla+sqlite:///{self.var_dir / 'celery-broker.sqlite'}"

    @property
    def celery_result_backend(self) -> str:
        return self.redis_url or f"db+sqlite:///{self.var_dir / 'celery-results.sqlite'}"


@lru_cache
def get_settings() -> Settings:
    settings = Settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    return settings
