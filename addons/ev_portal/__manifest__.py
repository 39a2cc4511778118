{
    "name": "EV Portal",
    "summary": "Investor self-service on Odoo's portal by invitation (SPVs, K-1s, statements, analytics) and the "
    "drivers' wallet pages",
    "version": "18.0.1.0.0",
    "category": "Accounting/EV Charging",
    "license": "AGPL-3",
    "author": "EV Charging Suite contributors",
    "website": "https://github.com/ev-charging-suite",
    "depends": ["ev_tax_equity", "ev_billing", "portal", "auth_signup", "payment", "mail"],
    "data": [
        "security/ir.model.access.csv",
        "security/ev_portal_rules.xml",
        "data/ev_portal_mail.xml",
        "data/ev_portal_cron.xml",
        "report/ev_portal_reports.xml",
        "views/ev_portal_invitation_views.xml",
        "views/ev_spv_views.xml",
        "views/ev_portal_menus.xml",
        "views/ev_portal_investor_templates.xml",
        "views/ev_portal_invitation_templates.xml",
        "views/ev_portal_wallet_templates.xml",
    ],
    "demo": ["demo/ev_portal_demo.xml"],
    "assets": {
        "web.assets_frontend": [
            "ev_portal/static/src/scss/ev_portal.scss",
        ],
        "ev_portal.assets_analytics": [
            "web/static/lib/Chart/Chart.js",
            "ev_portal/static/src/js/ev_portal_analytics.js",
        ],
        "web.assets_tests": [
            "ev_portal/static/tests/tours/*.js",
        ],
    },
}
