import { EventBus } from "@odoo/owl";
import { registry } from "@web/core/registry";

/**
 * Live updates of the charging network (models/ev_live.py): the server sends one
 * "ev_charging/live" bus message per company and transaction, listing the chargers, connectors
 * and sessions that changed with their current values. This service re-emits them on its own
 * bus as "update" events; views and the dashboard refresh from them (throttled, see useEvLive).
 */
export const evLiveService = {
    dependencies: ["bus_service"],
    start(env, { bus_service }) {
        const bus = new EventBus();
        let last = null;
        bus_service.subscribe("ev_charging/live", (payload) => {
            last = payload;
            bus.trigger("update", payload);
        });
        bus_service.start();
        return {
            bus,
            get last() {
                return last;
            },
        };
    },
};

registry.category("services").add("ev_live", evLiveService);
