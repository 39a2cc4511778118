"""docker-compose.yml must agree with config/ and the addons' manifests (no Docker engine here)."""

import ast
import configparser
import dataclasses
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_odoo_service_follows_official_image_conventions():
    odoo = compose()["services"]["odoo"]
    dockerfile = (ROOT / odoo["build"]["context"] / odoo["build"]["dockerfile"]).read_text()
    assert "FROM odoo:18" in dockerfile
    assert "--break-system-packages" in dockerfile  # PEP 668 in the official image
    volumes = {v.split(":")[1]: v.split(":")[0] for v in odoo["volumes"]}
    assert volumes["/mnt/extra-addons"] == "./addons"
    assert volumes["/etc/odoo/odoo.conf"] == "./config/odoo.conf"
    assert set(odoo["environment"]) >= {"HOST", "USER", "PASSWORD"}
    assert odoo["environment"]["HOST"] == "db"
    assert "8069:8069" in odoo["ports"]


def test_odoo_conf_agrees_with_compose():
    conf = configparser.ConfigParser()
    conf.read(ROOT / "config" / "odoo.conf")
    assert "/mnt/extra-addons" in conf["options"]["addons_path"].split(",")
    assert conf["options"]["data_dir"] == "/var/lib/odoo"
    db = compose()["services"]["db"]
    assert db["environment"]["POSTGRES_USER"] == compose()["services"]["odoo"]["environment"]["USER"]


def test_extra_python_packages_cover_every_manifest():
    extra = {
        line.split("=")[0].strip().lower()
        for line in (ROOT / "docker" / "requirements-odoo-extra.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for manifest in ROOT.glob("addons/*/__manifest__.py"):
        deps = ast.literal_eval(manifest.read_text()).get("external_dependencies", {}).get("python", [])
        for dep in deps:
            assert dep.lower() in extra, f"{manifest.parent.name} needs {dep} in docker/requirements-odoo-extra.txt"


def test_oca_addons_are_requirements_installed_in_docker():
    """Every dependency of an ev_* addon that is neither ours nor Odoo's is an OCA wheel listed in
    requirements-oca.txt, which the setup step and the Odoo image install (never vendored)."""
    import os

    odoo_addons = Path(os.environ.get("ODOO_SRC", "/opt/odoo18")) / "odoo" / "addons"
    oca = {
        line.split("==")[0].strip().removeprefix("odoo-addon-").replace("-", "_")
        for line in (ROOT / "requirements-oca.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    ours = {p.parent.name for p in ROOT.glob("addons/*/__manifest__.py")}
    for manifest in ROOT.glob("addons/*/__manifest__.py"):
        for dep in ast.literal_eval(manifest.read_text()).get("depends", []):
            if dep in ours or (odoo_addons / dep / "__manifest__.py").exists():
                continue
            assert dep in oca, f"{manifest.parent.name} depends on {dep}: add odoo-addon-{dep} to requirements-oca.txt"
    dockerfile = (ROOT / "docker" / "odoo.Dockerfile").read_text()
    assert "requirements-oca.txt" in dockerfile and "--target /opt/oca" in dockerfile
    conf = configparser.ConfigParser()
    conf.read(ROOT / "config" / "odoo.conf")
    assert "/opt/oca/odoo/addons" in conf["options"]["addons_path"].split(",")


def test_bridge_service_env_names_are_real_settings():
    from ocpp_bridge.config import BridgeConfig

    fields = {f.name for f in dataclasses.fields(BridgeConfig)}
    env = compose()["services"]["bridge"]["environment"]
    for name in env:
        assert name.startswith("EV_BRIDGE_")
        assert name[len("EV_BRIDGE_") :].lower() in fields, f"{name} is not a bridge setting"
    assert "9000:9000" in compose()["services"]["bridge"]["ports"]
