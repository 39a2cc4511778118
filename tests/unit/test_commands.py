"""The README's commands refuse to run without Odoo, with a clear message (no silent pass)."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_setup(tmp_path, script):
    env = dict(os.environ, ODOO_SRC=str(tmp_path / "no-odoo"), EV_NO_CLONE="1", EV_CACHE=str(tmp_path / "cache"))
    return subprocess.run(
        ["bash", "-c", f"source scripts/lib.sh && {script}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_odoo_fails_with_a_clear_message(tmp_path):
    proc = run_setup(tmp_path, "ensure_odoo_src")
    assert proc.returncode == 2
    assert "Odoo 18 source not found" in proc.stderr and "ODOO_SRC" in proc.stderr


def test_a_tree_that_is_not_odoo_18_is_refused(tmp_path):
    fake = tmp_path / "no-odoo"
    (fake / "odoo").mkdir(parents=True)
    (fake / "odoo-bin").write_text("")
    (fake / "odoo" / "release.py").write_text("version_info = (17, 0, 0, 'final', 0, '')\n")
    proc = run_setup(tmp_path, "ensure_odoo_src")
    assert proc.returncode == 2
    assert "not an Odoo 18.0 tree" in proc.stderr


def test_every_addon_with_a_manifest_is_installed_by_the_commands(tmp_path):
    proc = run_setup(tmp_path, "ev_addons")
    listed = set(proc.stdout.strip().split(","))
    expected = {p.parent.name for p in ROOT.glob("addons/ev_*/__manifest__.py")}
    assert listed == expected and "ev_charging" in listed
