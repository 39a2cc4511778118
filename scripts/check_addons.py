"""OCA manifest and README conventions that pylint-odoo does not check on its own.

Every addon under addons/ has a README (README.rst or README.md), a manifest with a license
OCA accepts, an author string, a version of the form 18.0.x.y.z, and a license compatible with
what it depends on (an addon that depends on an AGPL-3 addon is AGPL-3).
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {"AGPL-3", "LGPL-3", "GPL-3", "GPL-3 or any later version", "OPL-1"}


def manifest(path):
    return ast.literal_eval((path / "__manifest__.py").read_text())


def external_license(name):
    """License of an addon outside this repository (Odoo's are LGPL-3; OCA's say it themselves)."""
    try:
        from odoo.modules.module import get_module_path  # noqa: PLC0415 - optional, needs Odoo on the path
    except ImportError:
        return None
    path = get_module_path(name, display_warning=False)
    return manifest(Path(path)).get("license", "LGPL-3") if path else None


def main():
    errors = []
    addons = {p.name: p for p in sorted((ROOT / "addons").iterdir()) if (p / "__manifest__.py").exists()}
    manifests = {name: manifest(path) for name, path in addons.items()}
    for name, path in addons.items():
        m = manifests[name]
        if not any((path / f).exists() for f in ("README.rst", "README.md")):
            errors.append(f"{name}: no README.rst or README.md")
        lic = m.get("license")
        if lic not in ALLOWED:
            errors.append(f"{name}: license {lic!r} is not one of {sorted(ALLOWED)}")
        if not str(m.get("version", "")).startswith("18.0."):
            errors.append(f"{name}: version {m.get('version')!r} does not start with 18.0.")
        for dep in m.get("depends", []):
            dep_lic = manifests[dep].get("license") if dep in manifests else external_license(dep)
            if dep_lic == "AGPL-3" and lic != "AGPL-3":
                errors.append(f"{name} ({lic}) depends on {dep} (AGPL-3): it must be AGPL-3 too")
    for error in errors:
        print(error)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
