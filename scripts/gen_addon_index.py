"""Each addon's ``static/description/index.html`` generated from its README.md (as OCA's
oca-gen-addon-readme does): Odoo shows it on the Apps page, and without it Odoo renders the README
as reStructuredText with docutils, which logs errors for Markdown.

    python scripts/gen_addon_index.py           # write the files
    python scripts/gen_addon_index.py --check   # exit 1 if one is missing or out of date (pre-commit)
"""

import ast
import html
import sys
from pathlib import Path

import markdown

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- generated from README.md by scripts/gen_addon_index.py: edit the README, not this file -->\n"


def render(addon: Path) -> str:
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    body = markdown.markdown((addon / "README.md").read_text(), extensions=["tables", "fenced_code", "sane_lists"])
    return (
        f'{HEADER}<section class="oe_container">\n<div class="oe_row">\n'
        f'<h2 class="oe_slogan">{html.escape(manifest["name"])}</h2>\n'
        f'<h3 class="oe_slogan">{html.escape(manifest.get("summary", ""))}</h3>\n'
        f"{body}\n</div>\n</section>\n"
    )


def main(argv):
    check = "--check" in argv
    stale = []
    for addon in sorted(p.parent for p in (ROOT / "addons").glob("*/__manifest__.py")):
        if not (addon / "README.md").exists():
            continue
        target = addon / "static" / "description" / "index.html"
        wanted = render(addon)
        if target.exists() and target.read_text() == wanted:
            continue
        if check:
            stale.append(str(target.relative_to(ROOT)))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(wanted)
    for path in stale:
        print(f"{path} is not generated from the README: run python scripts/gen_addon_index.py")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
