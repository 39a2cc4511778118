"""Window actions of the EV Charging menus (issue 9, item 3: opening Field tasks crashed with
"EvalError: Name 'ref' is not defined": the web client evaluates an action's context with the user's
context values only, ref() exists only when the XML data is loaded)."""

from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval


@tagged("post_install", "-at_install")
class TestMenus(HttpCase):
    def test_every_ev_action_context_evaluates_client_side(self):
        actions = self.env["ir.actions.act_window"].search([("res_model", "like", "ev.%")])
        actions |= self.env.ref("ev_charging.ev_field_task_action")
        self.authenticate("admin", "admin")
        for action in actions:
            with self.subTest(action=action.xml_id):
                # what the web client gets (/web/action/load) and evaluates with the user's context only
                loaded = self.make_jsonrpc_request("/web/action/load", {"action_id": action.id})
                values = {"uid": self.env.uid, "context": {}, "allowed_company_ids": [self.env.company.id]}
                safe_eval(loaded["context"] or "{}", values)
        field_tasks = self.make_jsonrpc_request(
            "/web/action/load", {"action_id": self.env.ref("ev_charging.ev_field_task_action").id}
        )
        context = safe_eval(field_tasks["context"], {"uid": self.env.uid, "context": {}})
        self.assertEqual(context["default_project_id"], self.env.ref("ev_charging.project_field_service").id)
