"""The deployment files: Kubernetes manifests validated against the Kubernetes OpenAPI schemas shipped
in the kubernetes-validate package (strict: unknown fields fail), the compose file, the Dockerfile,
gunicorn's settings and the image's entrypoint, and the monitoring files' metric names. No container
runtime and no cluster involved."""

import os
import re
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import ValidationError

from config import gunicorn_conf
from config.metrics import DEFAULT_QUEUES
from tests.prometheus import TOKEN

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "config" / "deploy"
K8S_VERSION = "1.33.0"
MANIFESTS = sorted((DEPLOY / "k8s").rglob("*.yaml"))


def _docs(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _objects() -> dict[tuple[str, str], dict]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for path in MANIFESTS for doc in _docs(path)}


def _deployments() -> list[dict]:
    return [doc for (kind, _), doc in _objects().items() if kind == "Deployment"]


@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_manifest_is_valid_kubernetes(path):
    docs = _docs(path)
    assert docs
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


@pytest.mark.parametrize(
    "mistake",
    [
        pytest.param(lambda d: d["spec"].update(replica=1), id="misspelt-field"),
        pytest.param(lambda d: d["spec"].update(replicas="two"), id="wrong-type"),
        pytest.param(lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("name"), id="container-without-name"),
    ],
)
def test_validator_rejects_a_broken_manifest(mistake):
    beat = _objects()[("Deployment", "helpdesk-beat")]
    mistake(beat)
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(beat, K8S_VERSION, strict=True)


def test_beat_is_a_single_replica_recreated_never_autoscaled():
    objects = _objects()
    beat = objects[("Deployment", "helpdesk-beat")]
    autoscaled = {
        doc["spec"]["scaleTargetRef"]["name"] for (kind, _), doc in objects.items() if kind == "HorizontalPodAutoscaler"
    }

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert beat["spec"]["template"]["spec"]["containers"][0]["args"] == ["beat"]
    assert "helpdesk-beat" not in autoscaled


def test_one_worker_deployment_and_autoscaler_per_queue():
    objects = _objects()
    workers = {
        doc["spec"]["template"]["spec"]["containers"][0]["args"][1]: name
        for (kind, name), doc in objects.items()
        if kind == "Deployment" and doc["spec"]["template"]["spec"]["containers"][0]["args"][0] == "worker"
    }
    autoscaled = {
        doc["spec"]["scaleTargetRef"]["name"] for (kind, _), doc in objects.items() if kind == "HorizontalPodAutoscaler"
    }

    assert sorted(workers) == sorted(DEFAULT_QUEUES)
    assert set(workers.values()) <= autoscaled
    assert "helpdesk-web" in autoscaled


def test_web_probes_and_graceful_shutdown():
    web = _objects()[("Deployment", "helpdesk-web")]
    pod = web["spec"]["template"]["spec"]
    container = pod["containers"][0]

    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]
    # gunicorn drains for graceful_timeout; the pod must be given longer than pause + drain.
    assert pod["terminationGracePeriodSeconds"] > 5 + gunicorn_conf.graceful_timeout
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


@pytest.mark.parametrize("name", [d["metadata"]["name"] for d in _deployments()])
def test_every_deployment_is_non_root_with_requests_and_secrets_from_the_environment(name):
    pod = _objects()[("Deployment", name)]["spec"]["template"]["spec"]
    [container] = pod["containers"]

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}
    assert {"secretRef": {"name": "helpdesk-secrets"}} in container["envFrom"]
    assert not [e for e in container.get("env", []) if re.search("SECRET|PASSWORD|TOKEN", e["name"])]


def test_migration_job_runs_migrate_directly_against_postgresql():
    job = _objects()[("Job", "helpdesk-migrate")]
    [container] = job["spec"]["template"]["spec"]["containers"]

    assert container["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    [url] = [e for e in container["env"] if e["name"] == "DATABASE_URL"]
    assert url["valueFrom"]["secretKeyRef"] == {"name": "helpdesk-secrets", "key": "DATABASE_DIRECT_URL"}


def test_compose_runs_proxy_web_a_worker_per_queue_one_beat_and_the_servers():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    worker_queues = sorted(s["command"][1] for s in services.values() if s.get("command", [""])[0] == "worker")

    assert worker_queues == sorted(DEFAULT_QUEUES)
    assert {"proxy", "migrate", "web", "beat", "postgres", "redis", "pgbouncer"} <= set(services)
    assert services["beat"]["command"] == ["beat"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["pgbouncer"]["profiles"] == ["pgbouncer"]
    assert services["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["web"]["build"] == {"context": "../..", "dockerfile": "config/deploy/Dockerfile"}


def test_dockerfile_is_multi_stage_non_root_without_build_tools_in_the_final_image():
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]
    final = stages[-1]

    assert len(stages) == 2
    assert "collectstatic" in stages[0]
    assert "build-essential" in stages[0]
    assert "apt-get install" not in final
    assert re.search(r"^USER 10001:10001$", final, flags=re.MULTILINE)
    assert 'ENTRYPOINT ["/app/config/deploy/entrypoint.sh"]' in final
    assert os.access(DEPLOY / "entrypoint.sh", os.X_OK)


def test_entrypoint_dispatches_roles(tmp_path):
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    (tmp_path / "prometheus").mkdir()
    (tmp_path / "prometheus" / "stale.db").write_text("old counts")

    result = subprocess.run(
        [str(DEPLOY / "entrypoint.sh"), "manage", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert list((tmp_path / "prometheus").iterdir()) == []  # a fresh metrics folder per start


def test_gunicorn_forgets_dead_workers_metrics(monkeypatch, tmp_path):
    dead = []
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setattr(gunicorn_conf.multiprocess, "mark_process_dead", dead.append)

    class Worker:
        pid = 4242

    gunicorn_conf.child_exit(None, Worker())

    assert dead == [4242]
    assert gunicorn_conf.bind == "0.0.0.0:8000"


def _metric_names(text: str) -> set[str]:
    return set(re.findall(r"\b((?:helpdesk|django)_[a-z0-9_]+)\b", text))


@pytest.mark.django_db
def test_alerts_and_dashboard_use_only_metrics_that_exist(client, settings):
    from prometheus_client.parser import text_string_to_metric_families

    settings.METRICS_TOKEN = TOKEN
    page = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    exposed = set()
    for family in text_string_to_metric_families(page):
        exposed |= {family.name + suffix for suffix in ("", "_total", "_bucket", "_count", "_sum")}
    alerts = yaml.safe_load((DEPLOY / "monitoring" / "alerts.yaml").read_text())
    exprs = [rule["expr"] for group in alerts["groups"] for rule in group["rules"]]
    dashboard = (DEPLOY / "monitoring" / "grafana-dashboard.json").read_text()

    used = _metric_names(" ".join(exprs)) | _metric_names(dashboard)
    assert used - exposed == set()
    assert {"SLAScanLate", "OutboxBacklogGrowing", "WebhooksFailing"} <= {
        rule["alert"] for group in alerts["groups"] for rule in group["rules"]
    }
