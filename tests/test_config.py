from pathlib import Path

import pytest

from newswire.core.config import load_settings
from newswire.core.errors import ConfigError


def test_defaults_are_the_embedded_backends_in_the_platform_data_directory(tmp_path: Path) -> None:
    settings = load_settings()
    home = tmp_path / "xdg-data" / "newswire"  # platformdirs' user data directory (XDG_DATA_HOME, see conftest)
    assert settings.home == home
    assert settings.log_url == f"sqlite:///{home / 'log.db'}"
    assert settings.db_url == f"sqlite:///{home / 'newswire.db'}"


def test_newswire_home_moves_both_defaults_and_the_working_directory_does_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_HOME", str(tmp_path / "elsewhere"))
    first = load_settings()
    monkeypatch.chdir(tmp_path / "..")
    second = load_settings()
    assert first.log_url == second.log_url == f"sqlite:///{tmp_path / 'elsewhere' / 'log.db'}"
    assert first.db_url == second.db_url == f"sqlite:///{tmp_path / 'elsewhere' / 'newswire.db'}"


def test_an_explicit_url_wins_over_the_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_HOME", str(tmp_path / "home"))
    settings = load_settings(db_url="sqlite:///x.db")
    assert settings.db_url == "sqlite:///x.db" and settings.log_url.endswith("/home/log.db")


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
