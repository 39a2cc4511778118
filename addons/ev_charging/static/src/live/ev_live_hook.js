import { onWillUnmount } from "@odoo/owl";
import { useBus, useService } from "@web/core/utils/hooks";

const KEYS = { "ev.charger": "chargers", "ev.connector": "connectors", "ev.session": "sessions" };

/**
 * Whether a live payload concerns the records shown: records of ``resModel`` among ``ids``, or
 * (a charger or connector form) the connectors and sessions that belong to the record shown.
 */
export function evLiveConcerns(payload, resModel, ids) {
    const wanted = new Set(ids);
    const own = payload[KEYS[resModel]] || [];
    if (own.some((values) => wanted.has(values.id))) {
        return true;
    }
    const refersTo = (values, field) => Array.isArray(values[field]) && wanted.has(values[field][0]);
    if (resModel === "ev.charger") {
        return [...(payload.connectors || []), ...(payload.sessions || [])].some((v) => refersTo(v, "charger_id"));
    }
    if (resModel === "ev.connector") {
        return (payload.sessions || []).some((v) => refersTo(v, "connector_id"));
    }
    return false;
}

/**
 * Call ``refresh(payload)`` for each live update, at most once every ``delay`` ms: updates
 * arriving in between are merged into one refresh (the last payload is passed).
 */
export function useEvLive(refresh, delay = 2000) {
    const live = useService("ev_live");
    let timer = null;
    let pending = null;
    let lastRun = 0;
    const run = () => {
        timer = null;
        lastRun = Date.now();
        const payload = pending;
        pending = null;
        refresh(payload);
    };
    useBus(live.bus, "update", ({ detail }) => {
        pending = detail;
        if (!timer) {
            timer = setTimeout(run, Math.max(0, delay - (Date.now() - lastRun)));
        }
    });
    onWillUnmount(() => clearTimeout(timer));
    return live;
}
