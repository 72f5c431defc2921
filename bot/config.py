"""Settings from environment variables and `.env` (pydantic-settings).

Every setting is documented in README.md ("Settings"). Names are fixed: outside
checks rely on `GDPRBOT_DATABASE_URL`, `SLACK_*`, `GDPRBOT_SLACK_API_URL`, `GDPRBOT_PORT`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.env_file import EnvFileError, check_env_file
from storage.clock import DEFAULT_TIMEZONE

if TYPE_CHECKING:
    from knowledge import Encoder

CommaList = Annotated[list[str], NoDecode]
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class SettingsError(ValueError):
    """Settings that do not fit together; the message names the variables to fix.

    `gdpr-bot run` prints it as one line and exits non-zero (no traceback).
    """


class TeamsSettingsError(SettingsError):
    """The Microsoft app settings do not fit together; the message names the variables."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    def __init__(self, **values: Any) -> None:
        try:
            check_env_file()  # dotenv would skip a broken line and keep the default
        except EnvFileError as exc:
            raise SettingsError(str(exc)) from None
        super().__init__(**values)

    # --- storage -------------------------------------------------------------------------
    database_url: str = Field(
        "sqlite:///gdpr-bot.db", validation_alias=_alias("GDPRBOT_DATABASE_URL", "database_url")
    )
    db_pool_size: int = Field(
        5, ge=1, validation_alias=_alias("GDPRBOT_DB_POOL_SIZE", "db_pool_size")
    )
    db_statement_timeout_ms: int = Field(
        5000,
        ge=0,  # 0: no timeout
        validation_alias=_alias("GDPRBOT_DB_STATEMENT_TIMEOUT_MS", "db_statement_timeout_ms"),
    )

    # --- logging -------------------------------------------------------------------------
    log_level: str = Field("INFO", validation_alias=_alias("GDPRBOT_LOG_LEVEL", "log_level"))
    log_format: Literal["text", "json"] = Field(
        "text", validation_alias=_alias("GDPRBOT_LOG_FORMAT", "log_format")
    )

    # --- knowledge -----------------------------------------------------------------------
    knowledge_dirs: CommaList = Field(
        default_factory=list, validation_alias=_alias("GDPRBOT_KNOWLEDGE_DIR", "knowledge_dirs")
    )
    quiz_dirs: CommaList = Field(
        default_factory=list, validation_alias=_alias("GDPRBOT_QUIZ_DIR", "quiz_dirs")
    )
    dpo_contact: str = Field(
        "dpo@example.com",
        validation_alias=_alias("GDPRBOT_DPO_CONTACT", "dpo_contact"),
    )
    organisation: str = Field("", validation_alias=_alias("GDPRBOT_ORGANISATION", "organisation"))
    default_language: Literal["sv", "en"] = Field(
        "sv", validation_alias=_alias("GDPRBOT_DEFAULT_LANGUAGE", "default_language")
    )
    embeddings: str = Field("builtin", validation_alias=_alias("GDPRBOT_EMBEDDINGS", "embeddings"))
    embeddings_model: str = Field(
        "multilingual-e5-small",
        validation_alias=_alias("GDPRBOT_EMBEDDINGS_MODEL", "embeddings_model"),
    )
    embeddings_prefixes: bool = Field(
        True, validation_alias=_alias("GDPRBOT_EMBEDDINGS_PREFIXES", "embeddings_prefixes")
    )
    embeddings_timeout: float = Field(
        10.0, gt=0, validation_alias=_alias("GDPRBOT_EMBEDDINGS_TIMEOUT", "embeddings_timeout")
    )
    embeddings_api_key: str = Field(
        "", validation_alias=_alias("GDPRBOT_EMBEDDINGS_API_KEY", "embeddings_api_key")
    )
    embeddings_threads: int = Field(
        1, ge=1, validation_alias=_alias("GDPRBOT_EMBEDDINGS_THREADS", "embeddings_threads")
    )
    vector_cache: str = Field("", validation_alias=_alias("GDPRBOT_VECTOR_CACHE", "vector_cache"))

    # --- client directory (customer-service companies) ------------------------------------
    clients_files: CommaList = Field(
        default_factory=list, validation_alias=_alias("GDPRBOT_CLIENTS", "clients_files")
    )

    # --- routines ------------------------------------------------------------------------
    routines_files: CommaList = Field(
        default_factory=list, validation_alias=_alias("GDPRBOT_ROUTINES_FILE", "routines_files")
    )
    timezone: str = Field(DEFAULT_TIMEZONE, validation_alias=_alias("GDPRBOT_TIMEZONE", "timezone"))
    scheduler_enabled: bool = Field(
        True, validation_alias=_alias("GDPRBOT_SCHEDULER", "scheduler_enabled")
    )
    tick_seconds: int = Field(
        60, ge=1, validation_alias=_alias("GDPRBOT_TICK_SECONDS", "tick_seconds")
    )
    claim_lease_seconds: int = Field(
        120, ge=1, validation_alias=_alias("GDPRBOT_CLAIM_LEASE_SECONDS", "claim_lease_seconds")
    )
    inbox_lease_seconds: float = Field(
        30.0,
        gt=0,
        validation_alias=_alias("GDPRBOT_INBOX_LEASE_SECONDS", "inbox_lease_seconds"),
    )

    # --- roles ---------------------------------------------------------------------------
    compliance_officers: CommaList = Field(
        default_factory=list,
        validation_alias=_alias("GDPRBOT_COMPLIANCE_OFFICERS", "compliance_officers"),
    )

    # --- privacy -------------------------------------------------------------------------
    question_log: Literal["anonymous", "off"] = Field(
        "anonymous", validation_alias=_alias("GDPRBOT_QUESTION_LOG", "question_log")
    )
    question_log_days: int = Field(  # 0 or less would purge every question at once
        90, ge=1, validation_alias=_alias("GDPRBOT_QUESTION_LOG_DAYS", "question_log_days")
    )
    evidence_years: int = Field(  # 0 would pseudonymise every identity behind evidence
        5, ge=1, validation_alias=_alias("GDPRBOT_EVIDENCE_YEARS", "evidence_years")
    )
    requests_years: int = Field(
        3, ge=1, validation_alias=_alias("GDPRBOT_REQUESTS_YEARS", "requests_years")
    )
    identity_idle_days: int = Field(
        365, ge=1, validation_alias=_alias("GDPRBOT_IDENTITY_IDLE_DAYS", "identity_idle_days")
    )

    # --- HTTP server ---------------------------------------------------------------------
    host: str = Field("127.0.0.1", validation_alias=_alias("GDPRBOT_HOST", "host"))
    port: int = Field(3978, ge=0, le=65535, validation_alias=_alias("GDPRBOT_PORT", "port"))
    public_url: str = Field("", validation_alias=_alias("GDPRBOT_PUBLIC_URL", "public_url"))
    console: Literal["auto", "on", "off"] = Field(
        "auto", validation_alias=_alias("GDPRBOT_CONSOLE", "console")
    )
    # Who types in the console (local only): decides officer rights and assignments there.
    console_user: str = Field("", validation_alias=_alias("GDPRBOT_CONSOLE_USER", "console_user"))

    # --- web pages (bot/web) -------------------------------------------------------------
    web_enabled: bool = Field(True, validation_alias=_alias("GDPRBOT_WEB", "web_enabled"))
    web_secret: str = Field("", validation_alias=_alias("GDPRBOT_WEB_SECRET", "web_secret"))
    web_secret_file: str = Field(
        "", validation_alias=_alias("GDPRBOT_WEB_SECRET_FILE", "web_secret_file")
    )

    # --- the evidence ledger -------------------------------------------------------------
    ledger_key: str = Field("", validation_alias=_alias("GDPRBOT_LEDGER_KEY", "ledger_key"))
    ledger_key_file: str = Field(
        "", validation_alias=_alias("GDPRBOT_LEDGER_KEY_FILE", "ledger_key_file")
    )
    ledger_witness_file: str = Field(
        "", validation_alias=_alias("GDPRBOT_LEDGER_WITNESS_FILE", "ledger_witness_file")
    )

    # --- Slack ---------------------------------------------------------------------------
    slack_bot_token: str = Field("", validation_alias=_alias("SLACK_BOT_TOKEN", "slack_bot_token"))
    slack_signing_secret: str = Field(
        "", validation_alias=_alias("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_app_token: str = Field("", validation_alias=_alias("SLACK_APP_TOKEN", "slack_app_token"))
    slack_api_url: str = Field(
        "https://slack.com/api/",
        validation_alias=_alias("GDPRBOT_SLACK_API_URL", "slack_api_url"),
    )

    # --- Microsoft Teams (Bot Framework) -------------------------------------------------
    microsoft_app_id: str = Field(
        "", validation_alias=_alias("MicrosoftAppId", "MICROSOFT_APP_ID", "microsoft_app_id")
    )
    microsoft_app_password: str = Field(
        "",
        validation_alias=_alias(
            "MicrosoftAppPassword", "MICROSOFT_APP_PASSWORD", "microsoft_app_password"
        ),
    )
    microsoft_app_tenant_id: str = Field(
        "",
        validation_alias=_alias(
            "MicrosoftAppTenantId", "MICROSOFT_APP_TENANT_ID", "microsoft_app_tenant_id"
        ),
    )
    microsoft_app_type: str = Field(
        "MultiTenant",
        validation_alias=_alias("MicrosoftAppType", "MICROSOFT_APP_TYPE", "microsoft_app_type"),
    )
    teams_enabled: bool = Field(True, validation_alias=_alias("GDPRBOT_TEAMS", "teams_enabled"))
    teams_tenants: CommaList = Field(
        default_factory=list, validation_alias=_alias("GDPRBOT_TEAMS_TENANTS", "teams_tenants")
    )
    teams_insecure_dev: bool = Field(
        False, validation_alias=_alias("GDPRBOT_TEAMS_INSECURE_DEV", "teams_insecure_dev")
    )

    @field_validator(
        "knowledge_dirs",
        "quiz_dirs",
        "routines_files",
        "clients_files",
        "compliance_officers",
        "teams_tenants",
        mode="before",
    )
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        # checked here so every command says which setting is wrong, not ZoneInfoNotFoundError
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone (an IANA name such as Europe/Stockholm)"
            ) from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> object:
        if isinstance(value, str):
            level = value.strip().upper()
            if level not in LOG_LEVELS:
                raise ValueError(f"{value!r} is not one of {', '.join(LOG_LEVELS)}")
            return level
        return value

    @classmethod
    def names(cls) -> set[str]:
        """Every GDPRBOT_ variable that is a setting."""
        return {
            choice
            for field in cls.model_fields.values()
            for choice in getattr(field.validation_alias, "choices", ())
            if isinstance(choice, str) and choice.startswith("GDPRBOT_")
        }

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    @property
    def teams_configured(self) -> bool:
        return bool(self.microsoft_app_id)

    @property
    def production_like(self) -> bool:
        """An https public URL or PostgreSQL: the web pages then need GDPRBOT_WEB_SECRET."""
        return self.public_url.lower().startswith("https://") or self.database_url.startswith(
            "postgresql"
        )

    @property
    def knowledge_paths(self) -> list[Path]:
        return [Path(p).expanduser() for p in self.knowledge_dirs]

    @property
    def quiz_paths(self) -> list[Path]:
        return [Path(p).expanduser() for p in self.quiz_dirs]

    def build_encoder(self) -> Encoder | None:
        """The encoder `GDPRBOT_EMBEDDINGS` asks for (None: off; the builtin model loads at
        its first use). Raises SettingsError naming the variable on a bad value."""
        from knowledge import build_encoder

        try:
            return build_encoder(
                self.embeddings,
                threads=self.embeddings_threads,
                model=self.embeddings_model,
                prefixes=self.embeddings_prefixes,
                timeout=self.embeddings_timeout,
                api_key=self.embeddings_api_key or None,
            )
        except ValueError as exc:
            raise SettingsError(str(exc)) from None

    def configure_ledger_keys(self) -> None:
        """Make GDPRBOT_LEDGER_KEY / _FILE the process's ledger keys (the bot at start),
        logging the loud warning when there is none; a bad key raises SettingsError."""
        from routines.ledger.keys import LedgerKeyError, configure_keys

        try:
            configure_keys(self.ledger_key, self.ledger_key_file, warn=True)
        except LedgerKeyError as exc:
            raise SettingsError(str(exc)) from None

    @property
    def vector_cache_dir(self) -> Path | None:
        """Where article vectors are cached: None when `GDPRBOT_VECTOR_CACHE=off`."""
        from knowledge import default_cache_dir

        if self.vector_cache.strip().lower() == "off":
            return None
        return Path(self.vector_cache).expanduser() if self.vector_cache else default_cache_dir()

    @property
    def routines_paths(self) -> list[Path]:
        return [Path(p).expanduser() for p in self.routines_files]

    @property
    def clients_paths(self) -> list[Path]:
        return [Path(p).expanduser() for p in self.clients_files]
