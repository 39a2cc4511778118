/* Browser tours of ev_charging at phone width (run by tests/test_phone.py through HttpCase.start_tour in
 * headless Chromium, 390 x 844): the dashboard, the sites map, and the charger, connector, session and
 * field-task forms - no sideways scrolling, the status and the action buttons visible without scrolling. */

import { registry } from "@web/core/registry";

function noSidewaysScroll(where) {
    return {
        content: `no sideways scrolling on ${where}`,
        trigger: "body",
        run() {
            const doc = document.documentElement;
            if (doc.scrollWidth > window.innerWidth + 1) {
                throw new Error(`${where}: page is ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
            }
        },
    };
}

/** The elements of ``selector`` are displayed inside the first screen (no scrolling needed). */
function onFirstScreen(selector, what) {
    return {
        content: `${what} visible on the first screen`,
        trigger: selector,
        run() {
            const elements = [...document.querySelectorAll(selector)].filter((el) => el.offsetParent !== null);
            if (!elements.length) {
                throw new Error(`${what}: nothing displayed for ${selector}`);
            }
            for (const el of elements) {
                const box = el.getBoundingClientRect();
                if (box.width === 0 || box.left < 0 || box.right > window.innerWidth + 1 || box.bottom > window.innerHeight) {
                    throw new Error(`${what}: ${el.outerHTML.slice(0, 80)} is outside the screen (${JSON.stringify(box)})`);
                }
            }
        },
    };
}

registry.category("web_tour.tours").add("ev_charging_phone_dashboard", {
    steps: () => [
        { content: "the dashboard is the app's first screen", trigger: ".o_ev_dashboard .o_ev_tile_chargers_connected" },
        onFirstScreen(".o_ev_tile_chargers_connected, .o_ev_tile_chargers_disconnected", "the connection figures"),
        { content: "the sites map shows coloured markers", trigger: ".o_ev_sites_map path.o_ev_site_marker_faulted" },
        { trigger: ".o_ev_portfolio_row" },
        noSidewaysScroll("the dashboard"),
        { content: "a figure opens its list", trigger: ".o_ev_tile_faults_open", run: "click" },
        { trigger: ".o_list_view .o_data_row, .o_kanban_view .o_kanban_record" },
        noSidewaysScroll("the faulted connectors"),
    ],
});

registry.category("web_tour.tours").add("ev_charging_phone_map", {
    steps: () => [
        { trigger: ".o_ev_sites_map_action .o_ev_sites_map path.o_ev_site_marker" },
        noSidewaysScroll("the sites map"),
    ],
});

registry.category("web_tour.tours").add("ev_charging_phone_charger", {
    steps: () => [
        { trigger: ".o_form_view .o_ev_phone_status" },
        onFirstScreen(".o_ev_phone_status .o_field_badge", "the station's link and status"),
        onFirstScreen(".o_ev_phone_actions button", "the station's commands"),
        { content: "connectors as cards with their status", trigger: ".o_ev_connector_cards .o_kanban_record .o_field_badge" },
        noSidewaysScroll("the charger form"),
    ],
});

registry.category("web_tour.tours").add("ev_charging_phone_connector", {
    steps: () => [
        { trigger: ".o_form_view .o_ev_phone_status" },
        onFirstScreen(".o_ev_phone_status .o_field_badge", "the connector's status"),
        onFirstScreen(".o_ev_phone_actions button[name=action_unlock]", "Unlock"),
        onFirstScreen(".o_ev_phone_actions button[name=action_make_unavailable]", "Set inoperative"),
        noSidewaysScroll("the connector form"),
    ],
});

registry.category("web_tour.tours").add("ev_charging_phone_session", {
    steps: () => [
        { trigger: ".o_form_view .o_ev_phone_status" },
        onFirstScreen(".o_ev_phone_status", "the session's live figures"),
        onFirstScreen(".o_ev_phone_actions button[name=action_remote_stop]", "Stop session"),
        noSidewaysScroll("the session form"),
    ],
});

registry.category("web_tour.tours").add("ev_charging_phone_sessions", {
    steps: () => [
        { trigger: ".o_kanban_view .o_kanban_record, .o_list_view .o_data_row" },
        noSidewaysScroll("the sessions"),
    ],
});

registry.category("web_tour.tours").add("ev_charging_phone_task", {
    steps: () => [
        { trigger: ".o_form_view .o_ev_task_site" },
        onFirstScreen(".o_ev_task_site .o_ev_directions a", "the directions link"),
        noSidewaysScroll("the field task"),
    ],
});
