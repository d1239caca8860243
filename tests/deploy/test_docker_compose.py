"""The production compose file and Dockerfiles, checked as data: no Docker engine needed."""

import json
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"postgres", "redis", "migrate", "api", "rasa", "actions", "worker", "beat"}
SECRETS = ("INTERNAL_TOKEN", "PSEUDONYM_PEPPER", "DATA_KEYS", "POSTGRES_PASSWORD")
REFERENCE = re.compile(r"\$\{(\w+)(?:[:?-][^}]*)?\}")
INSTALLED_MODULES = {"rasa_sdk"}  # run with -m from site-packages, not from the repository


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {key: str(value) for key, value in env.items()}


def command(service: dict[str, Any]) -> str:
    value = service.get("command", "")
    return " ".join(value) if isinstance(value, list) else value


def dockerfile_cmd(name: str) -> list[str]:
    text = (ROOT / "docker" / name).read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(r"^(?:CMD|ENTRYPOINT) (\[.*\])$", text, re.MULTILINE)
    assert match, f"docker/{name} has no CMD or ENTRYPOINT in exec (JSON) form"
    return json.loads(match.group(1))


def test_all_services_exist(services):
    missing = SERVICES - services.keys()
    assert not missing, f"missing services: {sorted(missing)}"


def test_every_service_has_an_image_or_an_existing_dockerfile(services):
    for name, service in services.items():
        build = service.get("build")
        assert build or service.get("image"), f"{name} has neither image nor build"
        if build:
            context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
            dockerfile = context / (
                "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            )
            assert dockerfile.is_file(), f"{name}: build dockerfile {dockerfile} does not exist"


def test_long_running_services_have_healthchecks(services):
    for name in SERVICES - {"migrate"}:
        healthcheck = services[name].get("healthcheck") or {}
        assert healthcheck.get("test"), f"{name} has no healthcheck test"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"


def test_only_the_api_publishes_ports(services):
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"api"}, f"only api may publish ports, found: {sorted(published)}"


def test_rasa_and_actions_are_only_on_internal_networks(compose, services):
    networks = compose.get("networks") or {}
    for name in ("rasa", "actions"):
        attached = services[name].get("networks")
        assert attached, f"{name} names no network, so it would join the default (public) one"
        for network in attached:
            assert (networks.get(network) or {}).get("internal") is True, (
                f"{name} is attached to {network!r}, which is not declared internal: true"
            )


def test_api_waits_for_migrations(services):
    depends_on = services["api"].get("depends_on") or {}
    assert isinstance(depends_on, dict) and "migrate" in depends_on, "api must depend on migrate"
    assert depends_on["migrate"].get("condition") == "service_completed_successfully", (
        "api must start only after migrate completed successfully"
    )


def test_migrate_runs_alembic_upgrade(services):
    assert "alembic upgrade head" in command(services["migrate"]), (
        f"migrate must run `alembic upgrade head`, runs: {command(services['migrate'])!r}"
    )


def test_rasa_uses_production_endpoints_with_postgres_and_redis(services):
    assert "bot/endpoints.production.yml" in command(services["rasa"]), (
        "the rasa service must run with --endpoints bot/endpoints.production.yml"
    )
    endpoints = yaml.safe_load((ROOT / "bot" / "endpoints.production.yml").read_text())
    tracker_store, lock_store = endpoints["tracker_store"], endpoints["lock_store"]
    assert tracker_store["dialect"] == "postgresql", (
        f"trackers must be in PostgreSQL: {tracker_store}"
    )
    # Rasa's SQL store, or the project's subclass of it, which the bot image must then contain.
    if tracker_store["type"] != "SQL":
        assert_in_the_image(tracker_store["type"], "SQLTrackerStore")
    # The project's Redis lock (bot/lock_store.py): Rasa's in-memory one would let two Rasa
    # replicas answer one conversation at once.
    assert lock_store["type"] == "bot.lock_store.ConversationLockStore", lock_store
    assert lock_store["url"] == "${REDIS_HOST}", f"locks must be in Redis: {lock_store}"
    assert_in_the_image(lock_store["type"], "LockStore")


def assert_in_the_image(class_path: str, base: str) -> None:
    module, _, name = class_path.rpartition(".")
    path = ROOT / Path(*module.split(".")).with_suffix(".py")
    assert f"class {name}({base})" in path.read_text(encoding="utf-8")
    dockerfile = (ROOT / "docker" / "bot.Dockerfile").read_text(encoding="utf-8")
    assert path.relative_to(ROOT).as_posix() in dockerfile, f"{path} is not in the image"


def test_rasa_environment_sets_every_endpoints_variable(services):
    text = (ROOT / "bot" / "endpoints.production.yml").read_text(encoding="utf-8")
    needed = set(REFERENCE.findall(text))
    missing = needed - environment(services["rasa"]).keys()
    assert not missing, f"bot/endpoints.production.yml needs these in rasa's environment: {missing}"


def test_no_literal_secrets(services):
    for name, service in services.items():
        for key, value in environment(service).items():
            if key in SECRETS:
                assert REFERENCE.fullmatch(value), (
                    f"{name}: {key} must be a ${{...}} reference, not a literal value"
                )
            for password in re.findall(r"://[^/:@]+:([^@]+)@", value):
                assert REFERENCE.fullmatch(password), (
                    f"{name}: {key} holds a literal password; use ${{POSTGRES_PASSWORD}}"
                )


def module_path(module: str) -> Path:
    path = ROOT / Path(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def test_commands_refer_to_existing_modules_and_files(services):
    commands = {
        "docker/app.Dockerfile": dockerfile_cmd("app.Dockerfile"),
        "docker/bot.Dockerfile": dockerfile_cmd("bot.Dockerfile"),
    }
    commands |= {name: command(s).split() for name, s in services.items() if s.get("command")}
    for owner, args in commands.items():
        for flag, value in pairwise(args):
            module = value.partition(":")[0]
            if flag in ("-m", "--actions", "--app") and module not in INSTALLED_MODULES:
                assert module_path(module).is_file(), f"{owner}: module {module} does not exist"
            elif value.endswith((".yml", ".ini")):
                assert (ROOT / value).is_file(), f"{owner}: {value} does not exist"


def test_dockerfiles_install_the_locked_dependencies():
    app = (ROOT / "docker" / "app.Dockerfile").read_text(encoding="utf-8")
    bot = (ROOT / "docker" / "bot.Dockerfile").read_text(encoding="utf-8")
    assert "uv sync --frozen" in app, "the app image must install uv.lock with `uv sync --frozen`"
    assert "-r bot/requirements.lock" in bot, "the bot image must install bot/requirements.lock"


def test_app_image_has_what_the_api_reads_at_start_up():
    dockerfile = (ROOT / "docker" / "app.Dockerfile").read_text()
    for path in ("bot/domain.yml", "bot/data/nlu", "config", "i18n"):
        assert f"COPY {path} " in dockerfile, f"the app image lacks {path}"
