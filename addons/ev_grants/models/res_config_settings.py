from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ev_grants_s3_bucket = fields.Char("Receipts S3 bucket", config_parameter="ev_grants.s3_bucket")
    ev_grants_s3_endpoint_url = fields.Char("S3 endpoint URL", config_parameter="ev_grants.s3_endpoint_url")
    ev_grants_s3_region = fields.Char("S3 region", config_parameter="ev_grants.s3_region")
    ev_grants_s3_access_key = fields.Char("S3 access key", config_parameter="ev_grants.s3_access_key")
    ev_grants_s3_secret_key = fields.Char("S3 secret key", config_parameter="ev_grants.s3_secret_key")
    ev_grants_gsa_api_key = fields.Char("GSA API key", config_parameter="ev_grants.gsa_api_key")
