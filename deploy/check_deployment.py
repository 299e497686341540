#!/usr/bin/env python3
"""Checks that the compose file, the Dockerfiles, the Caddyfiles and the
binaries agree: service names, ports, paths, environment variable names and
build commands. No Docker engine runs on the development machines, so this is
what keeps the deployment honest there.

Run from the repository root: python3 deploy/check_deployment.py
"""

import json
import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
RUST_DOCKERFILE = (DEPLOY / "rust.Dockerfile").read_text()
FRONTEND_DOCKERFILE = (DEPLOY / "frontend.Dockerfile").read_text()
CADDYFILE = (ROOT / "Caddyfile").read_text()
README = (ROOT / "README.md").read_text()
ENV_EXAMPLE = (DEPLOY / ".env.example").read_text()
LITESTREAM_CONFIG = yaml.safe_load((DEPLOY / "litestream.yml").read_text())
LITESTREAM_SCRIPT = (ROOT / "scripts" / "litestream.sh").read_text()
LITESTREAM_VERSION = re.search(r"^version=(\S+)$", LITESTREAM_SCRIPT, re.M).group(1)
RUN_SCRIPT = (ROOT / "scripts" / "run.sh").read_text()


def caddy_adapt(path, env=None):
    """The JSON config Caddy itself makes of a Caddyfile."""
    result = subprocess.run(
        ["caddy", "adapt", "--adapter", "caddyfile", "--config", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"caddy adapt {path} failed: {result.stderr}")
    return json.loads(result.stdout)


def dial_addresses(config):
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "dial" in node:
                found.append(node["dial"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return found


def environment(service):
    env = SERVICES[service].get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def default_of(value):
    """The value compose uses when the variable is unset: ${X:-default}."""
    match = re.fullmatch(r"\$\{[A-Z0-9_]+:-([^}]*)\}", value)
    return match.group(1) if match else value


def reverse_proxies(config):
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("handler") == "reverse_proxy":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return found


def api_proxies(config):
    """The reverse proxies that are not the frontend's."""
    return [proxy for proxy in reverse_proxies(config)
            if not any(u.get("dial", "").startswith("frontend") or u.get("dial", "").endswith(":8999")
                       for u in proxy.get("upstreams", []))]


def compose_caddy_environment():
    return {key: default_of(value) for key, value in environment("caddy").items()}


def one_shot(service):
    return str(service.get("restart")) == "no"


def source_of(crate):
    return "\n".join(p.read_text() for p in (ROOT / crate / "src").rglob("*.rs"))


def dockerfile_stage(name):
    match = re.search(rf"^FROM .* AS {re.escape(name)}\n(.*?)(?=^FROM |\Z)", RUST_DOCKERFILE, re.M | re.S)
    if not match:
        raise AssertionError(f"rust.Dockerfile has no stage {name}")
    return match.group(1)


class ComposeAgreesWithTheRest(unittest.TestCase):
    def test_the_services_are_the_ones_the_design_names(self):
        always = {name for name, service in SERVICES.items() if not service.get("profiles")}
        self.assertEqual(always, {"caddy", "frontend", "api-server", "sync-daemon"})

    def test_only_caddy_is_published_and_on_port_3000(self):
        for name, service in SERVICES.items():
            if name == "caddy":
                published = [default_of(port.rsplit(":", 1)[0]) + ":" + port.rsplit(":", 1)[1] for port in service["ports"]]
                self.assertEqual(published, ["3000:3000"])
            else:
                self.assertNotIn("ports", service, f"{name} must stay internal")
        self.assertEqual(environment("caddy")["CUPID_PORT"], "3000")

    def test_caddy_upstreams_are_the_services_on_their_ports(self):
        dials = dial_addresses(caddy_adapt(ROOT / "Caddyfile"))
        self.assertIn("api-server:8080", dials)
        self.assertIn("frontend:8000", dials)
        self.assertEqual(environment("caddy")["CUPID_API_UPSTREAM"], "api-server:8080")
        self.assertEqual(environment("caddy")["CUPID_FRONTEND_UPSTREAM"], "frontend:8000")
        self.assertIn("8080", SERVICES["api-server"]["expose"])
        self.assertIn("8000", SERVICES["frontend"]["expose"])
        self.assertEqual(environment("api-server")["CUPID_API_PORT"], "8080")

    def test_the_api_reaches_the_daemons_control_port(self):
        control_port = environment("sync-daemon")["CUPID_CONTROL_PORT"]
        self.assertEqual(environment("api-server")["CUPID_SYNC_CONTROL_URL"], f"http://sync-daemon:{control_port}")
        self.assertIn(control_port, SERVICES["sync-daemon"]["expose"])

    def test_both_rust_services_share_the_data_volume_and_database_path(self):
        for name in ("api-server", "sync-daemon"):
            self.assertIn("./data:/app/data", SERVICES[name]["volumes"], name)
            self.assertEqual(environment(name)["CUPID_DATABASE_PATH"], "/app/data/cupid.db", name)

    def test_the_api_server_runs_on_a_read_only_root_filesystem(self):
        self.assertTrue(SERVICES["api-server"].get("read_only"))

    def test_every_service_restarts_unless_stopped(self):
        for name, service in SERVICES.items():
            if one_shot(service):
                # A job that runs once before the others (the restore).
                self.assertTrue(service.get("profiles"), f"{name}: a one-shot job belongs to a profile")
                continue
            self.assertEqual(service.get("restart"), "unless-stopped", name)

    def test_restarting_the_syncer_cannot_take_the_dashboard_down(self):
        for name in ("caddy", "api-server", "frontend"):
            self.assertNotIn("sync-daemon", SERVICES[name].get("depends_on", {}), name)

    def test_secrets_come_from_the_environment_file_not_the_compose_file(self):
        secret = environment("sync-daemon")["LANGFUSE_SECRET_KEY"]
        self.assertTrue(secret.startswith("${LANGFUSE_SECRET_KEY"), secret)
        example = (DEPLOY / ".env.example").read_text()
        for key in ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "LANGFUSE_HOST"):
            self.assertIn(f"{key}=", example)

    def test_every_variable_compose_passes_is_read_by_its_binary(self):
        for service, crate in (("api-server", "api-server"), ("sync-daemon", "sync-daemon")):
            source = source_of(crate)
            for key in environment(service):
                if key in ("RUST_LOG",):
                    continue
                # The config crate maps CUPID_X_Y to the setting x_y.
                setting = key.removeprefix("CUPID_").lower()
                self.assertTrue(key in source or f'"{setting}"' in source or f" {setting}:" in source,
                                f"{service} gets {key} but its code never reads it")

    def test_every_variable_is_documented_in_the_readme(self):
        for service in ("api-server", "sync-daemon"):
            for key in environment(service):
                self.assertIn(f"`{key}`", README, f"{key} is not in the README's configuration table")
        for key in re.findall(r"\{\$([A-Z0-9_]+)", CADDYFILE):
            self.assertIn(f"`{key}`", README, f"Caddyfile's {key} is not in the README")


class ReplicasAndBackupsAreWiredUp(unittest.TestCase):
    def test_the_api_server_scales_like_run_sh(self):
        api = SERVICES["api-server"]
        self.assertNotIn("container_name", api, "a fixed container name forbids --scale")
        self.assertNotIn("ports", api)
        self.assertEqual(api["deploy"]["replicas"], "${CUPID_API_REPLICAS:-1}")
        self.assertIn("CUPID_API_REPLICAS=", ENV_EXAMPLE)
        self.assertIn('CUPID_API_REPLICAS:-1', RUN_SCRIPT)

    def test_compose_caddy_finds_every_api_replica_by_dns(self):
        config = caddy_adapt(ROOT / "Caddyfile", compose_caddy_environment())
        for proxy in api_proxies(config):
            self.assertEqual(proxy["dynamic_upstreams"],
                             {"source": "a", "name": "api-server", "port": "8080", "refresh": 1_000_000_000})
            self.assertGreater(proxy["load_balancing"]["try_duration"], 0)
            self.assertGreater(proxy["health_checks"]["passive"]["fail_duration"], 0)
        self.assertEqual(len(api_proxies(config)), 2, "/api/* and /health")

    def test_several_fixed_api_servers_are_health_checked_and_retried(self):
        upstreams = "127.0.0.1:8991 127.0.0.1:8992 127.0.0.1:8993"
        config = caddy_adapt(ROOT / "Caddyfile", {"CUPID_API_UPSTREAM": upstreams, "CUPID_FRONTEND_UPSTREAM": "127.0.0.1:8999"})
        proxies = api_proxies(config)
        self.assertEqual(len(proxies), 2, "/api/* and /health")
        for proxy in proxies:
            self.assertEqual([u["dial"] for u in proxy["upstreams"]], upstreams.split())
            self.assertEqual(proxy["health_checks"]["active"]["uri"], "/health")
            self.assertGreater(proxy["load_balancing"]["try_duration"], 0)
            self.assertGreater(proxy["load_balancing"]["try_interval"], 0)

    def test_litestream_is_the_pinned_official_image_on_the_daemons_database(self):
        for name in ("litestream", "litestream-restore"):
            service = SERVICES[name]
            self.assertEqual(service["profiles"], ["backup"], name)
            self.assertEqual(service["image"], f"litestream/litestream:{LITESTREAM_VERSION}", name)
            self.assertIn("./data:/app/data", service["volumes"], name)
            self.assertIn("./litestream.yml:/etc/litestream.yml:ro", service["volumes"], name)
            self.assertEqual(service["user"], SERVICES["caddy"]["user"].replace("10002", "10001"), name)
        [database] = LITESTREAM_CONFIG["dbs"]
        self.assertEqual(database["path"], environment("sync-daemon")["CUPID_DATABASE_PATH"])
        self.assertEqual(database["replica"]["type"], "s3")

    def test_a_missing_database_is_restored_before_the_daemon_starts(self):
        restore = SERVICES["litestream-restore"]["command"]
        self.assertEqual(restore[0], "restore")
        for flag in ("-if-db-not-exists", "-if-replica-exists"):
            self.assertIn(flag, restore)
        self.assertEqual(restore[-1], environment("sync-daemon")["CUPID_DATABASE_PATH"])
        for name in ("sync-daemon", "litestream"):
            dependency = SERVICES[name]["depends_on"]["litestream-restore"]
            self.assertEqual(dependency["condition"], "service_completed_successfully", name)
        # Without the backup profile the daemon must still start.
        self.assertIs(SERVICES["sync-daemon"]["depends_on"]["litestream-restore"]["required"], False)

    def test_every_variable_of_the_litestream_config_comes_from_env(self):
        text = (DEPLOY / "litestream.yml").read_text()
        passed = environment("litestream")
        for name in set(re.findall(r"\$\{([A-Z0-9_]+)\}", text)) | {"LITESTREAM_ACCESS_KEY_ID", "LITESTREAM_SECRET_ACCESS_KEY"}:
            self.assertIn(name, passed, f"litestream.yml uses {name} but compose does not pass it")
            self.assertIn(f"{name}=", ENV_EXAMPLE, f"{name} is not in deploy/.env.example")
        self.assertEqual(environment("litestream"), environment("litestream-restore"))

    def test_the_backup_profile_and_the_daemons_checkpoint_mode_go_together(self):
        self.assertEqual(environment("sync-daemon")["CUPID_CHECKPOINT_MODE"], "${CUPID_CHECKPOINT_MODE:-self}")
        self.assertIn("COMPOSE_PROFILES=backup", ENV_EXAMPLE)
        self.assertIn("CUPID_CHECKPOINT_MODE=litestream", ENV_EXAMPLE)
        self.assertIn("export CUPID_CHECKPOINT_MODE=litestream", RUN_SCRIPT)
        self.assertIn("scripts/litestream-file.yml", RUN_SCRIPT)

    def test_both_litestream_configs_are_valid_for_the_pinned_binary(self):
        binary = ROOT / "target" / "tools" / f"litestream-{LITESTREAM_VERSION}" / "litestream"
        if not binary.exists():
            self.skipTest(f"{binary} is not installed (bash scripts/litestream.sh)")
        cases = (
            (DEPLOY / "litestream.yml", {"LITESTREAM_BUCKET": "b", "LITESTREAM_PATH": "cupid.db", "LITESTREAM_ENDPOINT": "",
                                         "LITESTREAM_REGION": "us-east-1", "LITESTREAM_FORCE_PATH_STYLE": "false"}, "s3"),
            (ROOT / "scripts" / "litestream-file.yml", {"CUPID_DATABASE_PATH": "/tmp/c.db", "CUPID_BACKUP_DIR": "/tmp/b"}, "file"),
        )
        for path, env, kind in cases:
            result = subprocess.run([str(binary), "databases", "-config", str(path)], capture_output=True, text=True,
                                    env={**os.environ, **env}, check=False)
            self.assertEqual(result.returncode, 0, f"{path.name}: {result.stderr}")
            self.assertRegex(result.stdout, rf"\s{kind}\s*$", path.name)


class DockerfilesAgreeWithTheWorkspace(unittest.TestCase):
    def test_each_compose_build_target_is_a_stage(self):
        for name, service in SERVICES.items():
            build = service.get("build")
            if build and build.get("target"):
                dockerfile_stage(build["target"])
                self.assertEqual(build["dockerfile"], "deploy/rust.Dockerfile")

    def test_the_builder_builds_every_binary_the_stages_copy(self):
        built = set(re.findall(r"-p ([a-z-]+)", RUST_DOCKERFILE))
        copied = set(re.findall(r"COPY --from=builder /out/([a-z-]+)", RUST_DOCKERFILE))
        self.assertEqual(copied, built)
        members = set(re.findall(r'"([a-z-]+)"', re.search(r"members = \[(.*?)\]", (ROOT / "Cargo.toml").read_text(), re.S).group(1)))
        self.assertLessEqual(built, members)
        for member in members:
            self.assertIn(f"COPY {member} {member}", RUST_DOCKERFILE, f"cargo needs every workspace member, {member} too")
        for crate in built:
            self.assertTrue((ROOT / crate / "src" / "main.rs").exists(), crate)
            self.assertIn(f"COPY {crate} {crate}", RUST_DOCKERFILE)

    def test_runtime_images_run_as_non_root(self):
        for stage in ("runtime-base",):
            self.assertRegex(dockerfile_stage(stage), r"USER 10001")
        self.assertRegex(FRONTEND_DOCKERFILE, r"USER 1000\d")
        self.assertEqual(SERVICES["caddy"]["user"], "10002:10002")

    def test_the_frontend_image_builds_with_the_projects_own_script(self):
        package = json.loads((ROOT / "frontend" / "package.json").read_text())
        self.assertIn("build", package["scripts"])
        self.assertIn("RUN npm run build", FRONTEND_DOCKERFILE)
        self.assertIn("COPY --from=builder /src/frontend/dist /srv", FRONTEND_DOCKERFILE)
        self.assertTrue((ROOT / "frontend" / "package-lock.json").exists())

    def test_ports_in_images_match_compose(self):
        self.assertIn("CUPID_API_PORT=8080", dockerfile_stage("api-server"))
        self.assertIn("EXPOSE 8080", dockerfile_stage("api-server"))
        self.assertIn("CUPID_CONTROL_PORT=8081", dockerfile_stage("sync-daemon"))
        self.assertIn("EXPOSE 8000", FRONTEND_DOCKERFILE)


class CaddyfilesAreValid(unittest.TestCase):
    def test_the_edge_routes_api_and_health_to_the_api(self):
        config = caddy_adapt(ROOT / "Caddyfile")
        text = json.dumps(config)
        self.assertIn('"/api/*"', text)
        self.assertIn('"/health"', text)
        self.assertIn("Content-Security-Policy", text)
        self.assertIn("frame-ancestors 'none'", text)

    def test_basic_auth_switches_on_from_the_environment(self):
        off = json.dumps(caddy_adapt(ROOT / "Caddyfile"))
        on = json.dumps(caddy_adapt(ROOT / "Caddyfile", {"CUPID_BASIC_AUTH": "on", "CUPID_BASIC_AUTH_HASH": "$2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG"}))
        self.assertNotIn("http_basic", off)
        self.assertIn("http_basic", on)

    def test_both_caddy_sites_answer_any_host_whatever_they_bind(self):
        # A site address with a host (http://127.0.0.1:8000) matches only that
        # Host header; every other host then gets Caddy's empty 200. Binding
        # to an interface must not narrow the hosts a site answers.
        for path, env in (
            (ROOT / "Caddyfile", {"CUPID_BIND": "127.0.0.1", "CUPID_PORT": "3999"}),
            (DEPLOY / "frontend" / "Caddyfile", {"CUPID_FRONTEND_BIND": "127.0.0.1", "CUPID_FRONTEND_PORT": "8999"}),
        ):
            servers = caddy_adapt(path, env)["apps"]["http"]["servers"]
            for server in servers.values():
                self.assertTrue(all(address.startswith("127.0.0.1:") for address in server["listen"]), (path, server["listen"]))
                for route in server.get("routes", []):
                    for matcher in route.get("match", []):
                        self.assertNotIn("host", matcher, f"{path.name} site is bound to a Host: {matcher}")

    def test_the_frontend_server_falls_back_to_index_html(self):
        text = json.dumps(caddy_adapt(DEPLOY / "frontend" / "Caddyfile"))
        self.assertIn("/index.html", text)
        self.assertIn("file_server", text)


if __name__ == "__main__":
    os.chdir(ROOT)
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"deployment: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
