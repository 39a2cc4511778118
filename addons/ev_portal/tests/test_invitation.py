"""Invitations (issue 12 item 1): single-use links valid until a date, accepted by sign-up or by an existing
login, access end dates, revoke and re-send, every event on the SPVs' chatter, edge cases refused with a reason."""

import re

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import EvPortalCase


@tagged("post_install", "-at_install")
class TestInvitation(EvPortalCase):
    def link_token(self, invitation):
        """The token of the last invitation email (the only place the token exists)."""
        mail = self.env["mail.mail"].search([("model", "=", "ev.portal.invitation"), ("res_id", "=", invitation.id)])
        self.assertTrue(mail, "an email was queued")
        match = re.search(r"/ev/invitation/([\w-]+)", mail.sorted("id")[-1].body_html)
        self.assertTrue(match, "the email carries the link")
        return match.group(1)

    def test_send_stores_only_a_hash_and_emails_the_link(self):
        invitation = self._invite(self.ivy_contact, self.spv, access_end_date=self.days(30))
        url = invitation.with_user(self.tax_manager)._ev_send()
        token = self.link_token(invitation)
        self.assertTrue(url.endswith(f"/ev/invitation/{token}"))
        self.assertEqual(invitation.state, "sent")
        self.assertNotIn(token, invitation.sudo().token_hash)
        mail = self.env["mail.mail"].search([("model", "=", "ev.portal.invitation"), ("res_id", "=", invitation.id)])
        self.assertEqual(mail.recipient_ids, self.ivy_contact)
        self.assertIn(self.spv.name, mail.subject)
        self.assertEqual(self.env["ev.portal.invitation"]._ev_from_token(token), (invitation, "valid"))
        self.assertIn("invitation sent to Ivy Investor", self.spv_notes(self.spv)[0])

    def test_accept_grants_one_access_per_spv_and_uses_the_link(self):
        invitation = self._invite(self.sam_contact, self.spv, access_end_date=self.days(30))
        invitation._ev_send()
        token = self.link_token(invitation)
        invitation._ev_accept(self.sam)
        access = self.env["ev.portal.access"].search([("user_id", "=", self.sam.id)])
        self.assertEqual((access.spv_id, access.date_end, access.is_current), (self.spv, self.days(30), True))
        self.assertEqual(access.partner_id, self.spn.partner_id)
        self.assertEqual((invitation.state, invitation.user_id), ("accepted", self.sam))
        self.assertEqual(self.env["ev.portal.invitation"]._ev_from_token(token)[1], "used")
        with self.assertRaisesRegex(UserError, "already used"):
            invitation._ev_accept(self.sam)
        self.assertIn("invitation accepted by Sam Sponsor", self.spv_notes(self.spv)[0])

    def test_signup_creates_the_portal_login_of_the_invited_contact(self):
        contact = self.env["res.partner"].create(
            {"name": "Nina New", "parent_id": self.inv.partner_id.id, "email": "Nina@Investor.example.com"}
        )
        invitation = self._invite(contact, self.spv | self.spv_b)
        invitation._ev_send()
        with self.assertRaisesRegex(UserError, "at least 8 characters"):
            invitation._ev_signup("short", "short")
        with self.assertRaisesRegex(UserError, "passwords differ"):
            invitation._ev_signup("long-enough-1", "long-enough-2")
        login = invitation._ev_signup("long-enough-1", "long-enough-1")
        self.assertEqual(login, "nina@investor.example.com")
        user = contact.user_ids
        self.assertTrue(user.has_group("base.group_portal") and user.share)
        self.assertEqual(user.login, login)
        self.assertEqual(self.env["ev.portal.access"].search([("user_id", "=", user.id)]).spv_id, self.spv | self.spv_b)
        # the same contact cannot sign up twice; another contact with a login taken is refused with the reason
        with self.assertRaisesRegex(UserError, "already used"):
            invitation._ev_signup("long-enough-1", "long-enough-1")
        other = self.env["res.partner"].create(
            {"name": "Nina Twin", "parent_id": self.inv.partner_id.id, "email": "nina@investor.example.com"}
        )
        twin = self._invite(other, self.spv)
        twin._ev_send()
        with self.assertRaisesRegex(UserError, "already exists for someone else"):
            twin._ev_signup("long-enough-1", "long-enough-1")

    def test_link_states_expired_revoked_replaced(self):
        invitation = self._invite(self.ivy_contact, self.spv)
        self.assertEqual(invitation.link_state, "none")
        invitation._ev_send()
        first = self.link_token(invitation)
        # re-send: a new link, the first one no longer works
        invitation.action_resend()
        second = self.link_token(invitation)
        self.assertNotEqual(first, second)
        From = self.env["ev.portal.invitation"]._ev_from_token
        self.assertEqual(From(first), (self.env["ev.portal.invitation"], "unknown"))
        self.assertEqual(From(second), (invitation, "valid"))
        self.assertIn("re-sent", self.spv_notes(self.spv)[0])
        # expired
        invitation.valid_until = self.days(-1)
        self.assertEqual(From(second)[1], "expired")
        with self.assertRaisesRegex(UserError, "expired on"):
            invitation._ev_accept(self.ivy)
        with self.assertRaisesRegex(UserError, "expired on"):
            invitation._ev_signup("long-enough-1", "long-enough-1")
        invitation._ev_log_refused("expired")
        self.assertIn("an expired invitation link of Ivy Investor (Investor Co", self.spv_notes(self.spv)[0])
        # re-sent with a new date, then revoked
        invitation.valid_until = self.days(3)
        invitation.action_resend()
        third = self.link_token(invitation)
        invitation.action_revoke()
        self.assertEqual(From(third)[1], "revoked")
        with self.assertRaisesRegex(UserError, "revoked"):
            invitation._ev_accept(self.ivy)
        self.assertFalse(self.env["ev.portal.access"].search([("user_id", "=", self.ivy.id)]))
        self.assertIn("invitation of Ivy Investor", self.spv_notes(self.spv)[0])
        self.assertIn("revoked", self.spv_notes(self.spv)[0])
        # a revoked invitation can be re-sent
        invitation.action_resend()
        invitation._ev_accept(self.ivy)
        self.assertEqual(self.env["ev.portal.access"].search([("user_id", "=", self.ivy.id)]).state, "current")
        self.assertEqual(From("")[1], "unknown")
        self.assertEqual(From("no-such-token")[1], "unknown")

    def test_revoke_after_acceptance_ends_the_access(self):
        invitation = self._grant(self.ivy, self.spv)
        access = invitation.access_ids
        self.assertTrue(access.is_current)
        invitation.action_revoke()
        self.assertEqual(access.state, "revoked")
        self.assertFalse(self.env["ev.portal.access"].search([("id", "=", access.id), ("is_current", "=", True)]))
        self.assertTrue(self.env["ev.portal.access"].search([("id", "=", access.id), ("is_current", "=", False)]))
        self.assertIn("access of Ivy Investor revoked", " ".join(self.spv_notes(self.spv)[:3]))
        with self.assertRaisesRegex(UserError, "already sent|accepted"):
            invitation.action_send()

    def test_access_end_date_and_the_cron_note(self):
        invitation = self._grant(self.ivy, self.spv, access_end_date=self.days(10))
        access = invitation.access_ids
        self.assertEqual(self.env["ev.portal.access"]._cron_log_ended(), 0)
        access.date_end = self.days(-1)
        self.assertEqual(access.state, "ended")
        self.assertEqual(self.env["ev.portal.access"]._cron_log_ended(), 1)
        self.assertIn("ended on", self.spv_notes(self.spv)[0])
        self.assertEqual(self.env["ev.portal.access"]._cron_log_ended(), 0, "recorded once")

    def test_wrong_user_accepting_is_refused(self):
        invitation = self._invite(self.ivy_contact, self.spv)
        invitation._ev_send()
        with self.assertRaisesRegex(AccessError, "This invitation is for Ivy Investor; you are logged in as Sam"):
            invitation._ev_accept(self.sam)
        self.assertEqual(invitation.state, "sent")

    def test_bad_invitations_are_refused_with_a_reason(self):
        stranger = self.env["res.partner"].create({"name": "Stranger", "email": "s@example.com"})
        with self.assertRaisesRegex(ValidationError, "Stranger is not a partner of Test EV Fund I LLC"):
            self._invite(stranger, self.spv)
        with self.assertRaisesRegex(ValidationError, "access would end .* before the link expires"):
            self._invite(self.ivy_contact, self.spv, valid_until=self.days(10), access_end_date=self.days(5))
        no_mail = self.env["res.partner"].create({"name": "No Mail", "parent_id": self.inv.partner_id.id})
        invitation = self._invite(no_mail, self.spv)
        with self.assertRaisesRegex(UserError, "No Mail has no email"):
            invitation.action_send()
        invitation = self._invite(self.ivy_contact, self.spv, valid_until=self.days(-2))
        with self.assertRaisesRegex(UserError, "would already be expired"):
            invitation.action_send()
        with self.assertRaisesRegex(UserError, "never sent: delete it"):
            invitation.action_revoke()

    def test_only_tax_managers_manage_invitations(self):
        invitation = self._invite(self.ivy_contact, self.spv)
        tax_user = self.env["res.users"].create(
            {
                "name": "Tax reader",
                "login": "ev-portal-tax-reader",
                "company_id": self.spv.company_id.id,
                "company_ids": [(6, 0, self.spv.company_id.ids)],
                "groups_id": [(6, 0, [self.env.ref("ev_tax_equity.group_ev_tax_user").id])],
            }
        )
        with self.assertRaisesRegex(AccessError, "Only EV Tax Manager"):
            invitation.with_user(tax_user).action_send()
        with self.assertRaises(AccessError):
            invitation.with_user(self.ivy).action_send()
        invitation.with_user(self.tax_manager).action_send()
        self.assertEqual(invitation.state, "sent")
