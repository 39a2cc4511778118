import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { useEvLive } from "../live/ev_live_hook";
import { EvSitesMap } from "./ev_sites_map";

/** Client action "ev_charging.sites_map": every site on a map, coloured by status, live. */
export class EvSitesMapAction extends Component {
    static template = "ev_charging.SitesMapAction";
    static components = { EvSitesMap, Layout };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ sites: [] });
        onWillStart(() => this.load());
        useEvLive(() => this.load(), 3000);
    }

    async load() {
        const data = await this.orm.call("ev.dashboard", "get_sites_map", []);
        this.state.sites = data;
    }

    openSite(siteId) {
        this.action.doAction({ type: "ir.actions.act_window", res_model: "ev.site", res_id: siteId, views: [[false, "form"]] });
    }
}

registry.category("actions").add("ev_charging.sites_map", EvSitesMapAction);
