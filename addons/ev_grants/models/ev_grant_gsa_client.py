import logging

import requests

from odoo import _, api, models
from odoo.exceptions import UserError

from ..lib import ev_grants_per_diem as pd

_logger = logging.getLogger(__name__)


class EvGrantGsaClient(models.AbstractModel):
    """The GSA per diem API (api.gsa.gov/travel/perdiem/v2/rates), used when an API key is set in
    Settings > EV Grants. ``_http_get`` is the one method that goes on the network."""

    _name = "ev.grant.gsa.client"
    _description = "GSA per diem API client"

    @api.model
    def _api_key(self):
        return self.env["ir.config_parameter"].sudo().get_param("ev_grants.gsa_api_key") or ""

    @api.model
    def _enabled(self):
        return bool(self._api_key())

    @api.model
    def _http_get(self, path):
        base = self.env["ir.config_parameter"].sudo().get_param("ev_grants.gsa_api_base") or pd.GSA_API_BASE
        response = requests.get(base + path, headers={"X-API-KEY": self._api_key()}, timeout=15)
        response.raise_for_status()
        return response.json()

    @api.model
    def _fetch(self, fy, zip_code=None, city=None, state=None):
        """Fetch the rates of a destination and fiscal year, store them in the rates table and
        return the number of rows stored."""
        if zip_code:
            path = pd.gsa_zip_path(zip_code, fy)
        elif city and state:
            path = pd.gsa_city_path(city, state, fy)
        else:
            return 0
        try:
            rows = pd.parse_gsa_rates(self._http_get(path))
        except (requests.RequestException, ValueError) as exc:
            _logger.warning("GSA per diem API %s failed: %s", path, exc)
            raise UserError(
                _("The GSA per diem API did not answer for %(path)s: %(error)s", path=path, error=exc)
            ) from exc
        for row in rows:
            # keep the rows under the destination asked for, so the next lookup finds them
            row["zip"] = zip_code or ""
            if not zip_code:
                row["city"], row["state"] = city, state.upper()
            row["standard"] = False
        return self.env["ev.grant.per.diem.rate"]._store_rows(rows, "api")
