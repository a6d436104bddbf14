"""Settings: resolved once by the CLI, frozen, passed down.

Sources, highest priority first: keyword arguments (the CLI's flags), the
environment (``NEWSWIRE_*``; nested keys with ``__``, e.g.
``NEWSWIRE_POLLER__TIMEOUT=5``), the TOML file (``newswire.toml`` in the
working directory, or ``--config`` / ``NEWSWIRE_CONFIG``), then the defaults,
which are the embedded backends in the data home: ``NEWSWIRE_HOME``, else the
platform's user data directory (``~/.local/share/newswire`` on Linux), never
the working directory. Nothing below the CLI reads ``os.environ``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from newswire.core.errors import ConfigError
from newswire.core.models import MAX_TEXT

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "default_home",
    "FeedConfig",
    "KafkaSettings",
    "PollerSettings",
    "ExtractorSettings",
    "ProjectorSettings",
    "ApiSettings",
    "ServiceSettings",
    "Settings",
    "TopicRetention",
    "check_db_url",
    "check_log_url",
    "load_settings",
    "sqlalchemy_url",
    "missing_sqlite_file",
]

DEFAULT_CONFIG_FILE = "newswire.toml"


def sqlalchemy_url(db_url: str) -> str:
    """``postgresql://`` (or ``postgres://``) means psycopg 3 here: SQLAlchemy's default driver, psycopg2,
    is not installed."""
    for prefix in ("postgresql://", "postgres://"):
        if db_url.startswith(prefix):
            return "postgresql+psycopg://" + db_url.removeprefix(prefix)
    return db_url


def check_db_url(value: str) -> str:
    """A database URL newswire can use: SQLite or PostgreSQL (what :mod:`newswire.core.db` opens)."""
    if not value.startswith(("sqlite:///", "postgresql://", "postgresql+psycopg://", "postgres://")):
        raise ValueError("must be sqlite:///PATH or postgresql://user@host/db")
    return value


def check_log_url(value: str) -> str:
    """``sqlite:///PATH`` or ``kafka://host:port[,host:port]`` with numeric ports."""
    if value.startswith("sqlite:///"):
        return value
    if not value.startswith("kafka://"):
        raise ValueError("must be sqlite:///PATH or kafka://host:port[,host:port]")
    servers = [s for s in value.removeprefix("kafka://").split(",") if s.strip()]
    if not servers:
        raise ValueError("kafka:// needs at least one host:port")
    for server in servers:
        host, _, port = server.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{server!r} is not host:port (a port is a number from 1 to 65535)")
    return value


def missing_sqlite_file(db_url: str) -> Path | None:
    """The file a ``sqlite:///PATH`` URL names when it does not exist (None otherwise, and for servers).

    Read-only commands check this first: SQLite would create an empty file on connect.
    """
    if not db_url.startswith("sqlite:///"):
        return None
    path = db_url.removeprefix("sqlite:///").split("?", 1)[0]
    if not path or path == ":memory:" or Path(path).is_file():
        return None
    return Path(path)


#: File names of the embedded backends in the data home.
LOG_FILE = "log.db"
DB_FILE = "newswire.db"


def default_home() -> Path:
    """The platform's user data directory for newswire (``~/.local/share/newswire`` on Linux)."""
    return Path(platformdirs.user_data_dir("newswire", appauthor=False))


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FeedConfig(Section):
    """One feed to poll."""

    url: str = Field(description="http(s) URL of an RSS/Atom feed, or a file path / file:// URL of a local one")
    outlet: str = Field(description="short outlet name, e.g. 'aljazeera'")
    interval: float = Field(default=300.0, gt=0, description="seconds between polls")
    language: str | None = None
    local: bool = Field(default=False, description="trust loopback/private addresses for this feed and its pages")


class KafkaSettings(Section):
    """Connection settings beyond the bootstrap list. Secrets are never logged."""

    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    sasl_password_file: Path | None = Field(default=None, description="read the SASL password from this file")
    ssl_cafile: Path | None = None
    client_id: str = "newswire"
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 1_000
    request_timeout_ms: int = 30_000

    def password(self) -> str | None:
        if self.sasl_password is not None:
            return self.sasl_password.get_secret_value()
        if self.sasl_password_file is not None:
            try:
                return self.sasl_password_file.read_text().strip()
            except OSError as exc:
                raise ConfigError(f"cannot read the SASL password file: {exc.strerror}",
                                  where="kafka.sasl_password_file") from None
        return None


class TopicRetention(Section):
    """Kafka's ``retention.ms`` and ``retention.bytes`` (per partition) of one topic; -1 is no limit."""

    ms: int = Field(default=-1, ge=-1, description="delete records older than this many milliseconds")
    bytes: int = Field(default=-1, ge=-1, description="delete a partition's oldest records beyond this size")


class ServiceSettings(Section):
    """What every long-running service has: a metrics/health port and a batch size."""

    metrics_port: int | None = Field(default=None, description="serve /healthz and /metrics here; none to disable")
    batch_size: int = Field(default=500, gt=0)
    poll_timeout: float = Field(default=0.5, gt=0, description="seconds a poll of the log waits for records")


class PollerSettings(ServiceSettings):
    feeds: list[FeedConfig] = Field(default_factory=list)
    include_sample_feed: bool = Field(default=True, description="also poll the bundled offline sample feed")
    user_agent: str = "newswire/0.1 (+https://github.com/newswire/newswire; conflict-monitoring feed reader)"
    timeout: float = Field(default=20.0, gt=0, description="seconds per HTTP request")
    max_body_bytes: int = Field(default=5_000_000, gt=0)
    max_text_chars: int = Field(default=100_000, gt=0, le=MAX_TEXT,
                                description="an article's text is cut here (truncated = true)")
    max_record_bytes: int = Field(
        default=1_000_000, ge=10_000,
        description="an article record is cut to fit: keep it below the broker's message.max.bytes "
                    "(Kafka's default 1,048,588)")
    max_redirects: int = Field(default=5, ge=0)
    host_delay: float = Field(default=1.0, ge=0, description="minimum seconds between requests to one host")
    host_concurrency: int = Field(default=2, gt=0)
    respect_robots: bool = True
    backoff_base: float = Field(default=30.0, gt=0, description="first retry delay after a failure, doubled each time")
    backoff_max: float = Field(default=3600.0, gt=0)
    seen_horizon_days: float = Field(
        default=90.0, gt=0, description="forget a published article's id and hash this many days after it was "
                                        "first seen (feeds list an item for days; articles stay 30 days on the log)")
    metrics_port: int | None = 9101


class ExtractorSettings(ServiceSettings):
    group_id: str = "newswire-extractor"
    metrics_port: int | None = 9102


class ProjectorSettings(ServiceSettings):
    group_id: str = "newswire-projector"
    db_url: str | None = Field(default=None, description="overrides db_url for the projector's tables")
    metrics_port: int | None = 9103
    cache_reports: int = Field(default=200_000, ge=0,
                               description="reports of recently touched places and crossings kept in memory "
                                           "between batches (bounds the projector's memory; 0 disables the cache)")

    @field_validator("db_url")
    @classmethod
    def _check_db_url(cls, value: str | None) -> str | None:
        return None if value is None else check_db_url(value)


class ApiSettings(Section):
    """``newswire serve``: the read API and the map page."""

    host: str = Field(default="127.0.0.1", description="address to bind")
    port: int = Field(default=8080, ge=0, le=65535, description="port to bind (0: any free port)")
    tile_url: str | None = Field(
        default=None, description="XYZ tile URL template for the map's background, e.g. "
                                  "https://tile.example/{z}/{x}/{y}.png; none (the default): outlines only, offline")
    tile_attribution: str = Field(default="", description="attribution shown with the tiles")
    cache_mb: int = Field(default=256, ge=0, description="memory for encoded responses, reused until the tables change")
    changes_interval: float = Field(default=0.5, gt=0, description="seconds between checks for table changes")


class Settings(BaseSettings):
    """Every setting newswire reads. Build with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_", env_nested_delimiter="__", frozen=True, extra="forbid",
    )

    home: Path = Field(default_factory=default_home,
                       description="the data home: where the embedded log and database live by default")
    log_url: str = Field(default="", description="sqlite:///PATH or kafka://host:port[,host:port]; "
                                                 "default: sqlite:///HOME/log.db")
    db_url: str = Field(default="", description="SQLAlchemy URL of the tables and service state; "
                                                "default: sqlite:///HOME/newswire.db")
    partitions: int = Field(default=3, gt=0, description="partitions per topic when newswire creates topics")
    retention: dict[str, TopicRetention] = Field(
        default_factory=dict, description="per topic, overrides the catalogue's retention (schemas/asyncapi.yaml)")
    retention_check_interval: float = Field(
        default=300.0, gt=0, description="seconds between retention runs of the embedded log (Kafka: the broker's)")
    metrics_host: str = Field(default="0.0.0.0",  # noqa: S104 - probes and scrapers come from outside the container
                              description="address every service's health and metrics server binds "
                                          "(127.0.0.1 keeps them local)")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto: console on a terminal, JSON lines otherwise")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    poller: PollerSettings = Field(default_factory=PollerSettings)
    extractor: ExtractorSettings = Field(default_factory=ExtractorSettings)
    projector: ProjectorSettings = Field(default_factory=ProjectorSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)

    @model_validator(mode="after")
    def _default_to_home(self) -> Settings:
        # Frozen model: the defaults depend on `home`, so they are filled in once, here.
        if not self.log_url:
            object.__setattr__(self, "log_url", f"sqlite:///{self.home / LOG_FILE}")
        if not self.db_url:
            object.__setattr__(self, "db_url", f"sqlite:///{self.home / DB_FILE}")
        return self

    @field_validator("log_url")
    @classmethod
    def _check_log_url(cls, value: str) -> str:
        return check_log_url(value) if value else value  # empty: the data home's (filled in below)

    @field_validator("db_url")
    @classmethod
    def _check_db_url(cls, value: str) -> str:
        return check_db_url(value) if value else value

    def projector_db_url(self) -> str:
        return self.projector.db_url or self.db_url

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = _CONFIG_FILE.get("path")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


# The TOML path for the Settings being built; pydantic-settings reads sources
# from the class, so load_settings passes the path through here.
_CONFIG_FILE: dict[str, Path | None] = {"path": None}


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Resolve the settings once: flags > environment > TOML file > defaults.

    ``config`` is the ``--config`` flag; without it ``NEWSWIRE_CONFIG``, then
    ``./newswire.toml`` if it exists. Raises :class:`ConfigError` with the file
    or key at fault.
    """
    from_env = os.environ.get("NEWSWIRE_CONFIG")
    explicit = config or (Path(from_env) if from_env else None)
    path = explicit or (Path(DEFAULT_CONFIG_FILE) if Path(DEFAULT_CONFIG_FILE).is_file() else None)
    if path is not None:
        try:
            with path.open("rb") as fh:
                tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError("no such file", where=f"config {path}",
                              hint="pass --config PATH or unset NEWSWIRE_CONFIG") from None
        except OSError as exc:
            raise ConfigError(f"cannot read: {exc.strerror}", where=f"config {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid TOML: {exc}", where=f"config {path}") from None
        except UnicodeDecodeError:
            raise ConfigError("not a TOML file (not UTF-8 text)", where=f"config {path}",
                              hint="pass --config a TOML file, or unset NEWSWIRE_CONFIG") from None
    _CONFIG_FILE["path"] = path
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc), where=f"config {path}" if path else "config") from None
    except SettingsError as exc:  # an environment variable holding complex JSON that does not parse
        cause = f": {' '.join(str(exc.__cause__).split())}" if exc.__cause__ else ""
        raise ConfigError(f"{exc}{cause}", where="environment",
                          hint=f"fix or unset {_env_of_field(str(exc))}") from None
    finally:
        _CONFIG_FILE["path"] = None


def _env_of_field(message: str) -> str:
    """``error parsing value for field "poller" from source ...`` -> ``NEWSWIRE_POLLER__*``."""
    field = message.split('field "', 1)[1].split('"', 1)[0] if 'field "' in message else ""
    return f"NEWSWIRE_{field.upper()} / NEWSWIRE_{field.upper()}__*" if field else "the NEWSWIRE_* variable"


def _one_line(exc: ValidationError) -> str:
    """The first problem, naming the key as a user writes it (TOML path and env var)."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    env_name = "NEWSWIRE_" + "__".join(str(p) for p in err["loc"]).upper()
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{loc} ({env_name}): {err['msg']}{more}"
