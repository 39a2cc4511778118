"""Two SPVs with the golden tax year of ev_tax_equity's tests: "Investor Co" is a partner of both, invited only
to the first. K-1s of 2024 generated and released; portal users of the investor's and the sponsor's contacts."""

import io
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from PyPDF2 import PdfReader

from odoo import Command, fields
from odoo.tools import config, mute_logger

from odoo.addons.ev_tax_equity.tests.common import EvTaxCase


def pdf_text(content):
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@contextmanager
def real_pdf():
    """Odoo renders reports as HTML in test mode: render real PDFs (wkhtmltopdf) for the checks that read them,
    also for the requests served by the test server (same process)."""
    with (
        patch.dict(config.options, {"test_enable": False, "test_file": False}),
        mute_logger("odoo.addons.base.models.ir_actions_report"),  # Debian's wkhtmltopdf: unpatched Qt warnings
    ):
        yield


class EvPortalCase(EvTaxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False, mail_create_nolog=True))
        cls._golden_year(cls.spv, cls.inv, cls.spn)
        cls.spv_b = cls._make_spv("Second Fund LLC", "36-4123456")
        cls.b_inv, cls.b_spn = cls._make_partners(cls.spv_b, "Investor Co", "B Sponsor")
        cls._golden_year(cls.spv_b, cls.b_inv, cls.b_spn)
        for spv in (cls.spv, cls.spv_b):
            year = spv._ev_tax_year(2024)
            year._ev_lock()
            year._ev_generate_k1s()
            year.k1_ids.action_release()
        cls.year = cls.spv._ev_tax_year(2024)
        cls.k1 = cls.year.k1_ids.filtered(lambda k: k.member_id == cls.inv)
        cls.k1_spn = cls.year.k1_ids.filtered(lambda k: k.member_id == cls.spn)
        cls.k1_b = cls.spv_b._ev_tax_year(2024).k1_ids.filtered(lambda k: k.member_id == cls.b_inv)
        cls.ivy_contact = cls.env["res.partner"].create(
            {"name": "Ivy Investor", "parent_id": cls.inv.partner_id.id, "email": "ivy@investor.example.com"}
        )
        cls.ivy = cls._portal_user(cls.ivy_contact, "ev-portal-ivy")
        cls.sam_contact = cls.env["res.partner"].create(
            {"name": "Sam Sponsor", "parent_id": cls.spn.partner_id.id, "email": "sam@sponsor.example.com"}
        )
        cls.sam = cls._portal_user(cls.sam_contact, "ev-portal-sam")
        cls.tax_manager = cls.env["res.users"].create(
            {
                "name": "Portal tax manager",
                "login": "ev-portal-manager",
                "password": "ev-portal-manager",
                "company_id": cls.spv.company_id.id,
                "company_ids": [Command.set((cls.spv | cls.spv_b).company_id.ids + cls.env.company.ids)],
                "groups_id": [Command.set([cls.env.ref("ev_tax_equity.group_ev_tax_manager").id])],
            }
        )

    @classmethod
    def _portal_user(cls, contact, login):
        return (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": contact.name,
                    "login": login,
                    "password": login,
                    "partner_id": contact.id,
                    "groups_id": [Command.set([cls.env.ref("base.group_portal").id])],
                }
            )
        )

    @classmethod
    def _invite(cls, contact, spvs, **vals):
        return cls.env["ev.portal.invitation"].create(
            {"partner_id": contact.id, "spv_ids": [Command.set(spvs.ids)], **vals}
        )

    @classmethod
    def _grant(cls, user, spvs, **vals):
        """An invitation of ``user``'s contact to ``spvs``, sent and accepted."""
        if vals.get("access_end_date"):
            vals.setdefault("valid_until", min(cls.days(1), vals["access_end_date"]))
        invitation = cls._invite(user.partner_id, spvs, **vals)
        invitation._ev_send()
        invitation._ev_accept(user)
        return invitation

    @staticmethod
    def today():
        return fields.Date.today()

    @classmethod
    def days(cls, n):
        return fields.Date.today() + timedelta(days=n)

    def spv_notes(self, spv):
        """Bodies (text) of the SPV's chatter notes, newest first."""
        return [m.body.striptags() if hasattr(m.body, "striptags") else str(m.body) for m in spv.message_ids]
