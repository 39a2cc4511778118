"""Standalone OCPP 2.0.1 / 1.6 bridge between charge points and Odoo (ev_charging).

Plain asyncio; imports nothing from Odoo. Entry point: ``python -m ocpp_bridge``.
"""

__version__ = "0.1.0"
