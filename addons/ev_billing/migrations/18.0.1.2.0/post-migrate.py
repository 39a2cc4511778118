"""18.0.1.2.0: invoice lines show kWh x rate per kWh and minutes x price per minute.

The charging products are noupdate data: the energy product gets the kWh unit, the charging time and idle
fee products the minute (units added by this version's data, loaded before this script). Odoo refuses a
new unit category for a product already on posted entries ("archive this product and create a new one"):
such a product is archived and its xml id points to a copy with the new unit; posted invoices keep theirs.
The decimal accuracy is raised by data/ev_billing_data.xml at every update.
"""

from odoo import SUPERUSER_ID, api

PRODUCT_UOMS = {
    "product_ev_energy": "uom_ev_kwh",
    "product_ev_time": "uom_ev_minute",
    "product_ev_idle": "uom_ev_minute",
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for product_name, uom_name in PRODUCT_UOMS.items():
        product = env.ref(f"ev_billing.{product_name}", raise_if_not_found=False)
        uom = env.ref(f"ev_billing.{uom_name}")
        if not product or product.uom_id == uom:
            continue
        posted = env["account.move.line"].search_count(
            [("product_id", "=", product.id), ("parent_state", "=", "posted")], limit=1
        )
        if not posted:
            product.product_tmpl_id.write({"uom_id": uom.id, "uom_po_id": uom.id})
            continue
        replacement = product.copy({"name": product.name, "uom_id": uom.id, "uom_po_id": uom.id})
        product.active = False
        env["ir.model.data"].search([("module", "=", "ev_billing"), ("name", "=", product_name)]).write(
            {"res_id": replacement.id}
        )
