"""The Compose stack, the Dockerfile and the Kubernetes manifests, checked against the code they run.

Docker cannot run here, so these tests parse the files and check what would
break a deployment: images, commands that exist, ports and paths the code
really serves, environment keys Settings accepts, topic partition counts.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from newswire.cli import app
from newswire.core.config import Settings, load_settings
from newswire.core.health import HEALTH_PATH, READY_PATH
from newswire.core.topics import TOPICS

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SERVICES = {"poller": "poll", "extractor": "extract", "projector": "project"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def k8s() -> list[dict[str, Any]]:
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def production_settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings a container resolves: deploy/newswire.toml under the given environment."""
    for key, value in env.items():
        monkeypatch.setenv(key, re.sub(r"\$\{(\w+):-([^}]*)\}", r"\2", value))  # Compose's ${VAR:-default}
    return load_settings(DEPLOY / "newswire.toml")


def is_command(argv: list[str]) -> bool:
    """A real `newswire` command line: its --help exits 0."""
    result = CliRunner().invoke(app, [*argv, "--help"])
    return result.exit_code == 0


def test_production_config_loads() -> None:
    settings = load_settings(DEPLOY / "newswire.toml")
    assert settings.log_url.startswith("kafka://")
    assert settings.db_url.startswith("postgresql+psycopg://")
    assert settings.poller.include_sample_feed is False
    assert {settings.poller.metrics_port, settings.extractor.metrics_port, settings.projector.metrics_port} == \
        {9101, 9102, 9103}


# -- Dockerfile ---------------------------------------------------------------------


def dockerfile() -> dict[str, list[str]]:
    instructions: dict[str, list[str]] = {}
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, arg = line.partition(" ")
            instructions.setdefault(op.upper(), []).append(arg.strip())
    return instructions


def test_dockerfile_entry_point_is_the_console_script() -> None:
    d = dockerfile()
    entrypoint = json.loads(d["ENTRYPOINT"][-1])
    cmd = json.loads(d["CMD"][-1])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint == ["newswire"] and scripts["newswire"] == "newswire.__main__:main"
    assert is_command(cmd) and cmd == ["run"]
    assert d["FROM"][0].startswith("python:3.11")


def test_dockerfile_copies_what_exists_and_exposes_the_metrics_ports() -> None:
    d = dockerfile()
    for arg in d["COPY"]:
        *sources, _dest = shlex.split(arg)
        for src in sources:
            assert (ROOT / src).exists(), src
    settings = load_settings(DEPLOY / "newswire.toml")
    exposed = {int(p) for arg in d["EXPOSE"] for p in arg.split()}
    assert exposed == {settings.poller.metrics_port, settings.extractor.metrics_port, settings.projector.metrics_port}
    assert any("NEWSWIRE_CONFIG=/etc/newswire/newswire.toml" in e for e in d["ENV"])
    assert "deploy/newswire.toml /etc/newswire/newswire.toml" in d["COPY"]


# -- Compose ------------------------------------------------------------------------


def test_compose_has_kafka_kraft_postgres_and_the_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"kafka", "postgres", *SERVICES} <= set(services)
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert "zookeeper" not in services
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert services["postgres"]["image"].startswith("postgres:")
    for name in ("kafka", "postgres"):
        assert services[name]["healthcheck"]["test"]
        assert any(v.split(":")[0] in compose["volumes"] for v in services[name]["volumes"])


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_compose_service_runs_a_real_command_with_valid_settings(
        compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = compose["services"][service]
    assert spec["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}
    assert spec["command"] == [SERVICES[service]] and is_command(spec["command"])
    assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert spec["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully"

    settings = production_settings(spec["environment"], monkeypatch)
    # The log and the database are the Compose services, with the credentials Postgres is created with.
    assert settings.log_url == "kafka://kafka:9092"
    pg = compose["services"]["postgres"]["environment"]
    password = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", pg["POSTGRES_PASSWORD"])
    assert settings.db_url == (f"postgresql+psycopg://{pg['POSTGRES_USER']}:{password}@postgres:5432/"
                               f"{pg['POSTGRES_DB']}")

    # The healthcheck asks the port this service serves on, at a path the code serves.
    port = getattr(settings, service).metrics_port
    test = " ".join(spec["healthcheck"]["test"])
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/\w+)", test)
    assert url is not None, test
    assert int(url.group(1)) == port and url.group(2) in (HEALTH_PATH, READY_PATH)
    assert any(str(p).split(":")[-1] == str(port) for p in spec["ports"])


def test_compose_creates_every_topic_with_the_configured_partitions(compose: dict[str, Any],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    init = compose["services"]["kafka-init"]
    assert init["image"] == compose["services"]["kafka"]["image"]
    script = "\n".join(init["command"])
    specs = dict(s.split(":") for s in re.search(r"for spec in ([^;]+);", script).group(1).split())
    settings = production_settings(compose["services"]["extractor"]["environment"], monkeypatch)
    assert specs == {t.name: str(t.partitions or settings.partitions) for t in TOPICS}
    assert "--if-not-exists" in script


def test_extractor_can_scale_in_compose(compose: dict[str, Any]) -> None:
    # A fixed host port would make `--scale extractor=N` fail on the second replica.
    assert all(":" not in str(p) for p in compose["services"]["extractor"]["ports"])


# -- Kubernetes ---------------------------------------------------------------------


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def test_configmap_is_the_production_config(k8s: list[dict[str, Any]]) -> None:
    cm = by_kind(k8s, "ConfigMap")["newswire-config"]
    assert cm["data"]["newswire.toml"] == (DEPLOY / "newswire.toml").read_text()


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_deployment_probes_hit_real_endpoints(k8s: list[dict[str, Any]], service: str) -> None:
    deployment = by_kind(k8s, "Deployment")[f"newswire-{service}"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "newswire:0.1.0"
    assert container["args"] == [SERVICES[service]] and is_command(container["args"])
    settings = load_settings(DEPLOY / "newswire.toml")
    port = getattr(settings, service).metrics_port
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe, path in (("livenessProbe", HEALTH_PATH), ("readinessProbe", READY_PATH)):
        get = container[probe]["httpGet"]
        assert get["path"] == path
        assert ports.get(get["port"], get["port"]) == port
    # The config file is mounted where NEWSWIRE_CONFIG points; secrets come from the Secret.
    env = {e["name"]: e.get("value") for e in container["env"]}
    (mount,) = container["volumeMounts"]
    assert env["NEWSWIRE_CONFIG"] == f"{mount['mountPath']}/newswire.toml"
    (volume,) = pod["volumes"]
    assert volume["configMap"]["name"] == "newswire-config" and volume["name"] == mount["name"]
    secret = by_kind(k8s, "Secret")[container["envFrom"][0]["secretRef"]["name"]]
    for key in secret["stringData"]:  # each one an environment variable newswire reads
        assert key.startswith("NEWSWIRE_") and key[9:].lower().split("__")[0] in Settings.model_fields, key
    assert pod["terminationGracePeriodSeconds"] >= 20
    service_obj = by_kind(k8s, "Service")[f"newswire-{service}"]
    assert service_obj["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_secret_keys_are_settings(k8s: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    secret = by_kind(k8s, "Secret")["newswire-secrets"]
    settings = production_settings(secret["stringData"], monkeypatch)
    assert settings.db_url == secret["stringData"]["NEWSWIRE_DB_URL"]


def test_extractor_scales_and_singletons_do_not(k8s: list[dict[str, Any]]) -> None:
    deployments = by_kind(k8s, "Deployment")
    hpa = by_kind(k8s, "HorizontalPodAutoscaler")["newswire-extractor"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "newswire-extractor"
    settings = load_settings(DEPLOY / "newswire.toml")
    # Members beyond the partition count would sit idle.
    assert 1 < hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= settings.partitions
    assert deployments["newswire-extractor"]["spec"]["replicas"] >= 2
    for single in ("poller", "projector"):
        spec = deployments[f"newswire-{single}"]["spec"]
        assert spec["replicas"] == 1 and spec["strategy"]["type"] == "Recreate"


def test_build_context_excludes_local_state_but_not_what_the_image_copies() -> None:
    ignored = [line.strip() for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    assert {".venv", "data", ".git"} <= set(ignored)
    copied = {src for arg in dockerfile()["COPY"] for src in shlex.split(arg)[:-1]}
    assert not copied & set(ignored), copied & set(ignored)
