import { patch } from "@web/core/utils/patch";
import { OutdatedPageWatcherService } from "@bus/outdated_page_watcher_service";

/**
 * "The page is out of date" on every page of `./ev run` (issue 9 item 10).
 *
 * Each full page load makes the bus worker reconnect its websocket (the browser drops the shared
 * worker's connection when the page that uses it navigates: close code 1006, then "reconnect").
 * Odoo 18 sources older than May 2025 (odoo/odoo#208625, #209609) then ask
 * /bus/has_missed_notifications about the last notification *this page* saw before a disconnect -
 * none on a page just loaded, so the id sent is null, which the server always answers "missed",
 * and the banner shows on every page although nothing was missed.
 *
 * Like the upstream fix: the last notification id is the one every tab shares (the multi-tab
 * local storage the bus service keeps up to date), read at start and at each disconnect. And when
 * this browser never received any notification (a quiet database), there is nothing it could have
 * missed that we know of: no question is asked (the server would answer "missed" to a null id).
 * On an Odoo tree that already has the upstream fix, this changes only the quiet case.
 */
patch(OutdatedPageWatcherService.prototype, {
    setup(env, services) {
        super.setup(env, services);
        const { bus_service, multi_tab } = services;
        const shared = () => multi_tab.getSharedValue("last_notification_id");
        if (this.lastNotificationId === null || this.lastNotificationId === undefined) {
            this.lastNotificationId = shared() ?? null;
        }
        bus_service.addEventListener("disconnect", () => {
            this.lastNotificationId = shared() ?? this.lastNotificationId;
        });
    },

    async checkHasMissedNotifications() {
        if (this.lastNotificationId === null || this.lastNotificationId === undefined) {
            return;
        }
        return super.checkHasMissedNotifications(...arguments);
    },
});
