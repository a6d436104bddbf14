from pathlib import Path

import pytest

from newswire.core.config import load_settings
from newswire.core.errors import ConfigError


def test_defaults_are_the_embedded_backends() -> None:
    settings = load_settings()
    assert settings.log_url == "sqlite:///data/log.db"
    assert settings.db_url == "sqlite:///data/newswire.db"


def test_environment_wins_over_the_toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "custom.toml"
    config.write_text('log_url = "sqlite:///from-file.db"\ndb_url = "sqlite:///file-tables.db"\n'
                      "[poller]\ntimeout = 7\n")
    monkeypatch.setenv("NEWSWIRE_LOG_URL", "kafka://127.0.0.1:9092")
    settings = load_settings(config)
    assert settings.log_url == "kafka://127.0.0.1:9092"
    assert settings.db_url == "sqlite:///file-tables.db"
    assert settings.poller.timeout == 7


def test_newswire_toml_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / "newswire.toml").write_text("partitions = 5\n")
    assert load_settings().partitions == 5


def test_nested_environment_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_PROJECTOR__DB_URL", "sqlite:///p.db")
    assert load_settings().projector_db_url() == "sqlite:///p.db"


def test_bad_log_url_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"log_url \(NEWSWIRE_LOG_URL\)"):
        load_settings(log_url="ftp://nowhere")


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "absent.toml")


def test_invalid_toml_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("log_url = \n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(bad)


def test_secrets_are_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_KAFKA__SASL_PASSWORD", "hunter2")
    settings = load_settings()
    assert "hunter2" not in repr(settings)
    assert settings.kafka.password() == "hunter2"


def test_password_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("NEWSWIRE_KAFKA__SASL_PASSWORD_FILE", str(secret))
    assert load_settings().kafka.password() == "s3cret"
