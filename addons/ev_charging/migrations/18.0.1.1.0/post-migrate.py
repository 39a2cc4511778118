"""18.0.1.1.0: the bridge node's plain-text control token is gone (INGESTION.md, contract G)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE ev_bridge_node DROP COLUMN IF EXISTS token")
