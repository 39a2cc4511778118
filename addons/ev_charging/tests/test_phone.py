"""The back office on a phone (issue 14 items 1 and 5): tours in headless Chromium at 390 x 844 through
Odoo's HttpCase.start_tour (static/tests/tours/ev_charging_tours.js) on the demo network - the dashboard
(the app's first screen), the sites map, the charger, connector and session forms, the sessions and a
field task: no sideways scrolling, the status and the action buttons on the first screen. Each tour
leaves a screenshot of its last screen (PNG, 390 px wide) in Odoo's screenshots folder
(<screenshots>/<database>/ev_charging/)."""

import base64
import logging
import pathlib
import struct
from unittest.mock import patch

from odoo import tools
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

_logger = logging.getLogger(__name__)
PHONE = "390x844"


@tagged("post_install", "-at_install")
class TestPhoneTours(HttpCase):
    browser_size = PHONE

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # markers without tiles: the test machine reaches no tile server
        cls.env["ir.config_parameter"].sudo().set_param("ev_charging.map_tile_url", "none")
        cls.shots = pathlib.Path(tools.config["screenshots"]) / cls.env.cr.dbname / "ev_charging"
        cls.shots.mkdir(parents=True, exist_ok=True)

    def tour(self, url, name):
        """Run tour ``name`` from ``url`` as admin; screenshot of the last screen before the browser
        stops. Returns the PNG's path."""
        path = self.shots / f"{name}.png"
        path.unlink(missing_ok=True)
        original = ChromeBrowser.stop

        def stop(browser):
            try:
                data = browser._websocket_send("Page.captureScreenshot", with_future=True).result(timeout=30)["data"]
                path.write_bytes(base64.b64decode(data))
            finally:
                original(browser)

        with patch.object(ChromeBrowser, "stop", stop):
            self.start_tour(url, name, login="admin", timeout=120)
        self.assertTrue(path.exists(), f"no screenshot of {name}")
        png = path.read_bytes()
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        width, _height = struct.unpack(">II", png[16:24])
        self.assertEqual(width, 390, "a phone-wide screenshot")
        _logger.info("screenshot of %s: %s", name, path)
        return path

    def test_dashboard_is_the_first_screen(self):
        root = self.env.ref("ev_charging.menu_ev_root")
        self.assertEqual(root.action, self.env.ref("ev_charging.ev_dashboard_action"))
        self.tour(f"/odoo?menu_id={root.id}", "ev_charging_phone_dashboard")

    def test_sites_map(self):
        self.tour("/odoo/action-ev_charging.ev_sites_map_action", "ev_charging_phone_map")

    def test_charger_form(self):
        charger = self.env["ev.charger"].search([("identity", "=", "SF-L2-01")])
        self.tour(f"/odoo/action-ev_charging.ev_charger_action/{charger.id}", "ev_charging_phone_charger")

    def test_connector_form(self):
        connector = self.env["ev.connector"].search(
            [("charger_id.identity", "=", "NYC-DC-02"), ("status", "=", "Faulted")]
        )
        self.assertEqual(len(connector), 1)
        self.tour(f"/odoo/action-ev_charging.ev_connector_action/{connector.id}", "ev_charging_phone_connector")

    def test_session_form_and_list(self):
        session = self.env["ev.session"].search([("state", "=", "active")], limit=1)
        self.assertTrue(session)
        self.tour(f"/odoo/action-ev_charging.ev_session_action/{session.id}", "ev_charging_phone_session")
        self.tour("/odoo/action-ev_charging.ev_session_action", "ev_charging_phone_sessions")

    def test_field_task(self):
        task = self.env["project.task"].search(
            [("ev_charger_id.identity", "=", "NYC-DC-02"), ("ev_connector_id", "!=", False)], limit=1
        )
        self.assertTrue(task, "the demo fault opened a task")
        self.tour(f"/odoo/action-ev_charging.ev_field_task_action/{task.id}", "ev_charging_phone_task")
