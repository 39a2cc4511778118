import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { useEvLive } from "../live/ev_live_hook";
import { EvSitesMap } from "../map/ev_sites_map";

const METRICS = [
    { key: "sessions", label: "Sessions" },
    { key: "energy", label: "Energy (kWh)" },
    { key: "revenue", label: "Revenue" },
    { key: "uptime", label: "Availability (%)" },
];

/**
 * Client action "ev_charging.dashboard", the EV Charging app's first screen: the network's
 * figures (each opens the list it counts), open faults, the portfolio by site month by month
 * (drill-down: site, then charger) and the sites map. Refreshed from the live updates (ev_live),
 * at most every 3 seconds.
 */
export class EvDashboard extends Component {
    static template = "ev_charging.Dashboard";
    static components = { Layout, EvSitesMap };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.metrics = METRICS;
        this.state = useState({ data: null, siteId: false, metric: "sessions", updatedAt: null });
        onWillStart(() => this.load());
        useEvLive(() => this.load(), 3000);
    }

    async load() {
        this.state.data = await this.orm.call("ev.dashboard", "get_data", [], { site_id: this.state.siteId });
        this.state.updatedAt = new Date();
    }

    get figures() {
        return this.state.data.figures;
    }

    get tiles() {
        const f = this.figures;
        return [
            ["chargers_connected", "success"],
            ["chargers_disconnected", "warning"],
            ["chargers_never", "secondary"],
            ["chargers_faulted", "danger"],
            ["chargers_unavailable", "warning"],
            ["sessions_now", "info"],
            ["sessions_today", "primary"],
            ["energy_today", "primary"],
            ["energy_month", "primary"],
            ["revenue_today", "primary"],
            ["revenue_month", "primary"],
            ["faults_open", "danger"],
            ["commands_failed_today", "danger"],
            ["availability_month", "success"],
        ].map(([key, tone]) => ({ key, tone, ...f[key] }));
    }

    format(figure) {
        // not known: false over RPC (get_data never sends null, XML-RPC cannot carry it)
        if (figure.value === false || figure.value === null || figure.value === undefined) {
            return "n/a";
        }
        const value = typeof figure.value === "number" ? figure.value.toLocaleString() : figure.value;
        if (!figure.unit) {
            return value;
        }
        return figure.unit === "%" || figure.unit === "kWh" ? `${value} ${figure.unit}` : `${figure.unit} ${value}`;
    }

    openFigure(figure) {
        if (!figure.model) {
            return;
        }
        this.action.doAction({
            type: "ir.actions.act_window",
            name: figure.label,
            res_model: figure.model,
            domain: figure.domain,
            views: [
                [false, "list"],
                [false, "form"],
            ],
            target: "current",
        });
    }

    openRecord(model, id) {
        this.action.doAction({ type: "ir.actions.act_window", res_model: model, res_id: id, views: [[false, "form"]] });
    }

    cell(cell) {
        const value = cell[this.state.metric];
        if (value === false || value === null || value === undefined) {
            return "–";
        }
        return typeof value === "number" ? value.toLocaleString() : value;
    }

    async drill(row) {
        if (row.model === "ev.site") {
            this.state.siteId = row.id;
            await this.load();
        } else {
            this.openRecord(row.model, row.id);
        }
    }

    async back() {
        this.state.siteId = false;
        await this.load();
    }

    async openSite(siteId) {
        this.state.siteId = siteId;
        await this.load();
    }

    setMetric(key) {
        this.state.metric = key;
    }
}

registry.category("actions").add("ev_charging.dashboard", EvDashboard);
