from odoo import http
from odoo.http import request

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


class EvChargingController(http.Controller):
    @http.route("/ev_charging/map_tiles", type="json", auth="user")
    def map_tiles(self):
        """The tile server of the sites map: system parameter ev_charging.map_tile_url (OpenStreetMap's
        when unset; ``none`` draws the markers without tiles, e.g. offline tests)."""
        url = request.env["ir.config_parameter"].sudo().get_param("ev_charging.map_tile_url") or OSM_TILES
        return {"url": False if url.strip().lower() == "none" else url, "attribution": OSM_ATTRIBUTION}
