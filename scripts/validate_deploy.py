"""Checks of the deployment manifests that their tools' own validation does not make
(run by scripts/validate-deploy.sh, which renders and schema-checks them first).

  validate_deploy.py k8s KUBERNETES_VERSION RENDERED.yaml...
      every object of each rendered overlay: built-in kinds against the Kubernetes JSON schemas
      (kubernetes-validate, strict: unknown fields fail); the custom resources (CloudNativePG,
      its Barman Cloud plugin), whose schemas are not packaged on PyPI, by the required fields
      checked below only; then the references between objects and the secrets policy.
  validate_deploy.py argocd REPO_ROOT APPLICATION.yaml...
      each Argo CD Application's required fields (again no packaged schema), and that its path
      is an overlay of this repository whose namespace is the Application's destination.
  validate_deploy.py compose COMPOSE.yaml
      the secrets policy on the Compose file as written (docker-compose config checks its schema).
  validate_deploy.py grafana DASHBOARD.json RULES_OUT.yml
      the dashboard's structure (unique panel ids, a Prometheus query per panel through the
      datasource variable), and writes its queries as recording rules to RULES_OUT.yml so that
      `promtool check rules` parses every one (Grafana publishes no schema to check against).

Prints one line per finding and exits 1 if there is any.
"""

import json
import os
import re
import subprocess
import sys

import kubernetes_validate
import yaml

# An environment variable with one of these in its name holds a secret: it must come from a
# Secret (Kubernetes) or an env file (Compose), never be written in a manifest.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$|DATABASE_URL|CLICKHOUSE_URL|SMTP_URL")
# Variables whose value is built from secretKeyRef variables by Kubernetes' $(VAR) expansion.
EXPANDED = re.compile(r"\$\([A-Z_]+\)")

findings = []


def finding(where, message):
    findings.append(f"{where}: {message}")


def dig(obj, path):
    """The value at a dotted path, or None."""
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def require(where, obj, checks):
    """checks: (dotted path, predicate, what it must be)."""
    for path, predicate, what in checks:
        value = dig(obj, path)
        if value is None:
            finding(where, f"{path} is missing")
        elif not predicate(value):
            finding(where, f"{path} must be {what}, is {value!r}")


def is_text(value):
    return isinstance(value, str) and value != ""


def is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def check_cluster(where, obj, _objects):
    spec = obj.get("spec", {})
    require(where, obj, [
        ("spec.instances", is_count, "an integer ≥ 1"),
        ("spec.storage.size", is_text, "a quantity"),
        ("spec.bootstrap.initdb.database", is_text, "a database name"),
        ("spec.bootstrap.initdb.owner", is_text, "a role name"),
    ])
    sync = spec.get("minSyncReplicas", 0), spec.get("maxSyncReplicas", 0)
    if is_count(spec.get("instances")) and not sync[0] <= sync[1] < spec["instances"]:
        finding(where, f"need minSyncReplicas ≤ maxSyncReplicas < instances, have {sync} of {spec['instances']}")
    for plugin in spec.get("plugins", []):
        if not is_text(plugin.get("name")):
            finding(where, "a plugin without a name")


def check_scheduled_backup(where, obj, objects):
    require(where, obj, [
        ("spec.schedule", lambda s: isinstance(s, str) and len(s.split()) == 6, "a six-field cron (seconds first)"),
        ("spec.cluster.name", is_text, "a Cluster's name"),
        ("spec.method", lambda m: m in ("barmanObjectStore", "volumeSnapshot", "plugin"), "a backup method"),
    ])
    cluster = dig(obj, "spec.cluster.name")
    if cluster and ("Cluster", cluster) not in objects:
        finding(where, f"names Cluster {cluster}, which is not among the objects")


def check_object_store(where, obj, _objects):
    require(where, obj, [
        ("spec.configuration.destinationPath", lambda p: re.match(r"^(s3|gs)://|^https://", str(p)), "an object store URL"),
        ("spec.retentionPolicy", lambda r: re.fullmatch(r"[1-9][0-9]*[dwm]", str(r)), "like 30d, 4w or 1m"),
    ])


CUSTOM_KINDS = {
    ("postgresql.cnpg.io/v1", "Cluster"): check_cluster,
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): check_scheduled_backup,
    ("barmancloud.cnpg.io/v1", "ObjectStore"): check_object_store,
}


def pod_spec(obj):
    kind = obj.get("kind")
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return dig(obj, "spec.template.spec") or {}
    return None


def pod_labels(objects):
    """The labels of every pod these objects make (CloudNativePG labels its instances)."""
    labels = []
    for (kind, name), obj in objects.items():
        if pod_spec(obj) is not None:
            labels.append(dig(obj, "spec.template.metadata.labels") or {})
        elif kind == "Cluster":
            labels.append({"cnpg.io/cluster": name})
    return labels


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def check_references(where_of, objects):
    pods = pod_labels(objects)
    for (kind, name), obj in objects.items():
        where = where_of[(kind, name)]
        selector = None
        if kind == "Service" and dig(obj, "spec.type") != "ExternalName":
            selector = dig(obj, "spec.selector")
        elif kind in ("PodDisruptionBudget", "Deployment", "StatefulSet"):
            selector = dig(obj, "spec.selector.matchLabels")
        elif kind == "NetworkPolicy":
            selector = dig(obj, "spec.podSelector.matchLabels")
        if selector and not any(selects(selector, labels) for labels in pods):
            finding(where, f"selects no pod: {selector}")
        if kind == "HorizontalPodAutoscaler":
            target = dig(obj, "spec.scaleTargetRef") or {}
            if (target.get("kind"), target.get("name")) not in objects:
                finding(where, f"scales {target.get('kind')} {target.get('name')}, which is not among the objects")
        if kind == "Ingress":
            for rule in dig(obj, "spec.rules") or []:
                for path in dig(rule, "http.paths") or []:
                    service = dig(path, "backend.service.name")
                    if ("Service", service) not in objects:
                        finding(where, f"routes to Service {service}, which is not among the objects")
        spec = pod_spec(obj)
        if spec is None:
            continue
        for volume in spec.get("volumes", []):
            config_map = dig(volume, "configMap.name")
            if config_map and ("ConfigMap", config_map) not in objects:
                finding(where, f"mounts ConfigMap {config_map}, which is not among the objects")
        for container in spec.get("containers", []):
            check_container(f"{where} container {container.get('name')}", obj, container, objects)


def check_container(where, obj, container, objects):
    for source in container.get("envFrom", []):
        config_map = dig(source, "configMapRef.name")
        if config_map and ("ConfigMap", config_map) not in objects:
            finding(where, f"reads ConfigMap {config_map}, which is not among the objects")
    for variable in container.get("env", []):
        name, value = variable.get("name", ""), variable.get("value")
        if SECRET_NAME.search(name) and value is not None and not EXPANDED.search(str(value)):
            finding(where, f"{name} is written in the manifest; take it from a Secret")
    if not dig(container, "resources.requests"):
        finding(where, "has no resource requests (the scheduler and the autoscaler need them)")
    if dig(obj, "spec.template.spec.securityContext.runAsNonRoot") is not True:
        finding(where, "may run as root (set runAsNonRoot)")
    ports = {port.get("name") for port in container.get("ports", [])}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        port = dig(container, f"{probe}.httpGet.port")
        if isinstance(port, str) and port not in ports:
            finding(where, f"{probe} asks port {port}, which the container does not name")
    if container.get("args", [None])[0] == "serve":
        for probe, path in (("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live")):
            if dig(container, f"{probe}.httpGet.path") != path:
                finding(where, f"{probe} must ask {path}")


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc]


def check_k8s(version, paths):
    for path in paths:
        objects, where_of = {}, {}
        for obj in load_all(path):
            kind, name = obj.get("kind"), dig(obj, "metadata.name")
            where = f"{path}: {kind} {name}"
            if (kind, name) in objects:
                finding(where, "appears twice")
            objects[(kind, name)], where_of[(kind, name)] = obj, where
        for key, obj in objects.items():
            where = where_of[key]
            custom = CUSTOM_KINDS.get((obj.get("apiVersion"), obj.get("kind")))
            if obj.get("kind") == "Secret":
                finding(where, "a Secret in the manifests: reference secrets, create them out of band")
            if custom:
                custom(where, obj, objects)
                continue
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                finding(where, f"{'.'.join(str(p) for p in error.path)}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError:
                finding(where, f"no Kubernetes {version} schema for {obj.get('apiVersion')} {obj.get('kind')}, and no check here")
        check_references(where_of, objects)
        print(f"{path}: {len(objects)} objects, {sum(1 for o in objects.values() if (o.get('apiVersion'), o.get('kind')) in CUSTOM_KINDS)} of them custom resources")


def check_argocd(root, paths):
    for path in paths:
        for app in load_all(path):
            where = f"{path}: {app.get('kind')} {dig(app, 'metadata.name')}"
            if (app.get("apiVersion"), app.get("kind")) != ("argoproj.io/v1alpha1", "Application"):
                finding(where, "expected an argoproj.io/v1alpha1 Application")
                continue
            require(where, app, [
                ("metadata.namespace", is_text, "Argo CD's namespace"),
                ("spec.project", is_text, "an AppProject name"),
                ("spec.source.repoURL", lambda u: re.match(r"^(https://|ssh://|git@)", str(u)), "a git URL"),
                ("spec.source.targetRevision", is_text, "a branch, tag or commit"),
                ("spec.source.path", is_text, "a path in the repository"),
                ("spec.destination.namespace", is_text, "a namespace"),
            ])
            if not (dig(app, "spec.destination.server") or dig(app, "spec.destination.name")):
                finding(where, "spec.destination needs server or name")
            overlay = os.path.join(root, str(dig(app, "spec.source.path")))
            if not os.path.isfile(os.path.join(overlay, "kustomization.yaml")):
                finding(where, f"{dig(app, 'spec.source.path')} is not a Kustomize directory of this repository")
                continue
            rendered = subprocess.run(["kubectl", "kustomize", overlay], capture_output=True, text=True, check=True).stdout
            namespaces = {dig(o, "metadata.namespace") for o in yaml.safe_load_all(rendered) if o}
            if namespaces != {dig(app, "spec.destination.namespace")}:
                finding(where, f"deploys to {dig(app, 'spec.destination.namespace')}, but the overlay's objects are in {sorted(map(str, namespaces))}")
        print(f"{path}: checked")


def check_compose(path):
    document = load_all(path)[0]
    for name, service in document.get("services", {}).items():
        environment = service.get("environment") or {}
        names = environment.keys() if isinstance(environment, dict) else [e.split("=", 1)[0] for e in environment]
        for variable in names:
            if SECRET_NAME.search(variable):
                finding(f"{path}: service {name}", f"{variable} is written in the Compose file; put it in an env file under secrets/")
    print(f"{path}: {len(document.get('services', {}))} services checked")


def check_grafana(path, rules_out):
    with open(path, encoding="utf-8") as f:
        dashboard = json.load(f)
    require(
        path,
        dashboard,
        [
            ("title", is_text, "text"),
            ("uid", is_text, "text"),
            ("panels", lambda v: isinstance(v, list) and v, "a list of panels"),
            ("templating.list", lambda v: isinstance(v, list), "a list"),
        ],
    )
    variables = {v.get("name") for v in dig(dashboard, "templating.list") or []}
    if "datasource" not in variables:
        finding(path, "no `datasource` variable: panels would name one Prometheus of the author's")
    ids, rules = set(), []
    for panel in dashboard.get("panels", []):
        where = f"{path}: panel {panel.get('title', '?')!r}"
        if panel.get("id") in ids:
            finding(where, f"panel id {panel.get('id')} is used twice")
        ids.add(panel.get("id"))
        targets = panel.get("targets") or []
        if not targets:
            finding(where, "no query")
        for target in targets:
            if dig(target, "datasource.uid") != "${datasource}":
                finding(where, "a query does not use the ${datasource} variable")
            expr = target.get("expr")
            if not is_text(expr):
                finding(where, "a query without `expr`")
                continue
            rules.append({"record": f"dashboard:panel_{panel.get('id')}_{target.get('refId', 'A')}", "expr": expr})
    with open(rules_out, "w", encoding="utf-8") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
    print(f"{path}: {len(dashboard.get('panels', []))} panels, {len(rules)} queries written for promtool")


def main(argv):
    command, rest = argv[1], argv[2:]
    if command == "k8s":
        check_k8s(rest[0], rest[1:])
    elif command == "argocd":
        check_argocd(rest[0], rest[1:])
    elif command == "compose":
        check_compose(rest[0])
    elif command == "grafana":
        check_grafana(rest[0], rest[1])
    else:
        sys.exit(f"unknown command {command}")
    for line in findings:
        print(line)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
