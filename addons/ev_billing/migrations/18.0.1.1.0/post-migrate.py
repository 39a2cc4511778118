"""18.0.1.1.0: cost lines carry their taxes (taxes per price component).

Cost lines priced before this version did not record their taxes; invoicing used the tariff's
taxes on every line. Give their pre-tax lines the tariff's taxes, so that sessions still to be
invoiced (monthly customers, failed invoices) are invoiced as before. Tax lines stay without.
"""

PRE_TAX_KINDS = ("energy", "time", "idle", "session_fee", "multiplier", "min_adjust", "max_adjust")


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        INSERT INTO ev_session_cost_line_tax_rel (cost_line_id, tax_id)
             SELECT line.id, rel.account_tax_id
               FROM ev_session_cost_line line
               JOIN ev_session session ON session.id = line.session_id
               JOIN account_tax_ev_tariff_rel rel ON rel.ev_tariff_id = session.tariff_id
              WHERE line.kind IN %s
                AND NOT EXISTS (SELECT 1 FROM ev_session_cost_line_tax_rel done WHERE done.cost_line_id = line.id)
        ON CONFLICT DO NOTHING
    """,
        (PRE_TAX_KINDS,),
    )
