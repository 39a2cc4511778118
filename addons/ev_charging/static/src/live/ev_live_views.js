import { registry } from "@web/core/registry";
import { formView } from "@web/views/form/form_view";
import { FormController } from "@web/views/form/form_controller";
import { listView } from "@web/views/list/list_view";
import { ListController } from "@web/views/list/list_controller";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanController } from "@web/views/kanban/kanban_controller";
import { evLiveConcerns, useEvLive } from "./ev_live_hook";

/**
 * Forms, lists and kanbans of chargers, connectors and sessions that refresh themselves from
 * the live updates (js_class="ev_live_form" / "ev_live_list" / "ev_live_kanban"): a form is
 * reloaded when it is not being edited, a list or kanban when one of its records changed.
 */
export class EvLiveFormController extends FormController {
    setup() {
        super.setup();
        useEvLive(async (payload) => {
            const root = this.model.root;
            if (!root || !root.resId || root.isNew || (await root.isDirty())) {
                return;
            }
            if (evLiveConcerns(payload, this.props.resModel, [root.resId])) {
                await root.load();
            }
        });
    }
}

function useListRefresh(controller) {
    useEvLive(async (payload) => {
        const root = controller.model.root;
        if (!root) {
            return;
        }
        const records = root.records || [];
        const ids = records.map((r) => r.resId);
        const editing = records.some((r) => r.isInEdition);
        const key = { "ev.charger": "chargers", "ev.connector": "connectors", "ev.session": "sessions" }[
            controller.props.resModel
        ];
        const grouped = root.isGrouped;
        const touched = grouped ? (payload[key] || []).length > 0 : evLiveConcerns(payload, controller.props.resModel, ids);
        // a new active session may appear in a list of sessions
        const newSession = key === "sessions" && (payload.sessions || []).some((s) => !ids.includes(s.id));
        if (!editing && (touched || newSession)) {
            await root.load();
        }
    });
}

export class EvLiveListController extends ListController {
    setup() {
        super.setup();
        useListRefresh(this);
    }
}

export class EvLiveKanbanController extends KanbanController {
    setup() {
        super.setup();
        useListRefresh(this);
    }
}

registry.category("views").add("ev_live_form", { ...formView, Controller: EvLiveFormController });
registry.category("views").add("ev_live_list", { ...listView, Controller: EvLiveListController });
registry.category("views").add("ev_live_kanban", { ...kanbanView, Controller: EvLiveKanbanController });
