"""KafkaLog beyond the shared contract: connection settings, errors a user sees, secrets kept out of output."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from newswire.core.config import KafkaSettings, load_settings
from newswire.core.errors import ConfigError, LogUnavailable
from newswire.core.log import open_log
from newswire.core.log.kafka import DEFAULT_BOOTSTRAP_TIMEOUT_MS, KafkaLog, kafka_client_config
from newswire.core.logging import configure_logging
from newswire.core.topics import TOPICS

SECRET = "s3cret-hunter2"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_plaintext_config_bounds_the_time_to_find_a_broker() -> None:
    config = kafka_client_config(["b1:9092", "b2:9092"], KafkaSettings(request_timeout_ms=30_000))
    assert config["bootstrap_servers"] == ["b1:9092", "b2:9092"]
    assert config["security_protocol"] == "PLAINTEXT"
    assert config["bootstrap_timeout_ms"] == DEFAULT_BOOTSTRAP_TIMEOUT_MS < 30_000
    assert "sasl_plain_password" not in config


def test_sasl_ssl_settings_reach_the_client_with_the_password_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "password").write_text(SECRET + "\n")
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    settings = KafkaSettings(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512", sasl_username="svc",
                             sasl_password_file=tmp_path / "password", ssl_cafile=tmp_path / "ca.pem")
    config = kafka_client_config(["b:9093"], settings)
    assert (config["security_protocol"], config["sasl_mechanism"]) == ("SASL_SSL", "SCRAM-SHA-512")
    assert (config["sasl_plain_username"], config["sasl_plain_password"]) == ("svc", SECRET)
    assert config["ssl_cafile"] == str(tmp_path / "ca.pem")


def test_the_password_comes_from_the_environment_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_LOG_URL", "kafka://b:9093")
    monkeypatch.setenv("NEWSWIRE_KAFKA__SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("NEWSWIRE_KAFKA__SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("NEWSWIRE_KAFKA__SASL_USERNAME", "svc")
    monkeypatch.setenv("NEWSWIRE_KAFKA__SASL_PASSWORD", SECRET)
    settings = load_settings()
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    assert kafka_client_config(["b:9093"], settings.kafka)["sasl_plain_password"] == SECRET


@pytest.mark.parametrize(("settings", "key"), [
    (KafkaSettings(security_protocol="SASL_SSL"), "kafka.sasl_mechanism"),
    (KafkaSettings(sasl_mechanism="PLAIN"), "kafka.security_protocol"),
    (KafkaSettings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_password=SECRET),
     "kafka.sasl_username"),
    (KafkaSettings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="svc"),
     "kafka.sasl_password"),
    (KafkaSettings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="svc",
                   sasl_password_file=Path("/nonexistent/password")), "kafka.sasl_password_file"),
    (KafkaSettings(security_protocol="SSL", ssl_cafile=Path("/nonexistent/ca.pem")), "kafka.ssl_cafile"),
], ids=["no-mechanism", "mechanism-without-sasl", "no-user", "no-password", "password-file", "ca-file"])
def test_inconsistent_security_settings_name_the_key(settings: KafkaSettings, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        kafka_client_config(["b:9092"], settings)
    assert str(info.value).startswith(key + ":")
    assert SECRET not in str(info.value)


def test_an_unreachable_broker_is_log_unavailable_naming_the_address() -> None:
    address = f"127.0.0.1:{closed_port()}"
    with pytest.raises(LogUnavailable) as info:
        KafkaLog([address], KafkaSettings())
    assert str(info.value).startswith(f"kafka://{address}: ")
    assert "\n" not in str(info.value)


@pytest.mark.kafka
def test_a_failed_sasl_handshake_keeps_the_password_out_of_errors_and_logs(
        kafka_bootstrap: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    # The test broker has no SASL listener: the handshake fails, as with wrong credentials.
    configure_logging("info", "json")
    caplog.set_level(logging.DEBUG, logger="kafka")
    settings = KafkaSettings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="svc",
                             sasl_password=SECRET)
    with pytest.raises(LogUnavailable) as info:
        KafkaLog([kafka_bootstrap], settings)
    out = capsys.readouterr()
    assert kafka_bootstrap in str(info.value)
    for text in (str(info.value), out.out, out.err, caplog.text):
        assert SECRET not in text


@pytest.mark.kafka
def test_open_log_creates_newswires_topics_with_the_configured_partitions(
        kafka_broker_factory: Callable[[], str]) -> None:
    bootstrap = kafka_broker_factory()  # a private broker: the topic names are newswire's fixed ones
    settings = load_settings(log_url=f"kafka://{bootstrap}", partitions=2,
                             kafka={"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000})
    log = open_log(settings)
    try:
        log.ping()
        assert isinstance(log, KafkaLog)
        topics = log.topics()
        assert {t.name: topics[t.name] for t in TOPICS} == {t.name: t.partitions or 2 for t in TOPICS}
        open_log(settings).close()  # a second start finds the topics and leaves them alone
    finally:
        log.close()
