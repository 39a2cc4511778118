"""Make the pure-Python libraries of the addons importable without Odoo.

Every ``addons/*/lib`` directory is put on ``sys.path`` so that tests can
``import ev_pricing`` (and similar stdlib-only modules) by name.
"""

import glob
import os
import sys

_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

for _lib in sorted(glob.glob(os.path.join(_ROOT, "addons", "*", "lib"))):
    if os.path.isdir(_lib) and _lib not in sys.path:
        sys.path.insert(0, _lib)
