/** @odoo-module **/
/* Browser tours of ev_portal (run by tests/test_tours.py through HttpCase.start_tour in headless Chromium). */

import { registry } from "@web/core/registry";

/** A step that fails when the page is wider than the window (sideways scrolling), e.g. at 390 px. */
function noSidewaysScroll(where) {
    return {
        content: `no sideways scrolling on ${where}`,
        trigger: "body",
        run() {
            const doc = document.documentElement;
            if (doc.scrollWidth > window.innerWidth + 1) {
                throw new Error(
                    `${where}: page is ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`
                );
            }
        },
    };
}

registry.category("web_tour.tours").add("ev_portal_invitation_signup", {
    steps: () => [
        {
            content: "the invitation page names the SPV and offers a sign-up",
            trigger: ".ev_invitation[data-link=valid] .ev_invitation_spvs:contains(Test EV Fund I LLC)",
        },
        noSidewaysScroll("the invitation page"),
        { trigger: "input[name=password]", run: "edit tour-password-1" },
        { trigger: "input[name=confirm_password]", run: "edit tour-password-1" },
        { trigger: "form.ev_invitation_signup button[type=submit]", run: "click" },
        {
            content: "logged in, on the investments page",
            trigger: ".ev_portal_welcome",
        },
        noSidewaysScroll("the investments page"),
        { trigger: "a.ev_portal_spv_link:contains(Test EV Fund I LLC)", run: "click" },
        { trigger: ".ev_portal_flip" },
        noSidewaysScroll("the SPV overview"),
        { trigger: ".ev_portal_tabs a[data-tab=k1s]", run: "click" },
        { trigger: "tr.ev_portal_k1_released a.ev_portal_k1_download" },
        noSidewaysScroll("the K-1 list"),
        {
            content: "download the released K-1: a PDF",
            trigger: "tr.ev_portal_k1_released a.ev_portal_k1_download",
            async run() {
                const link = document.querySelector("tr.ev_portal_k1_released a.ev_portal_k1_download");
                const response = await fetch(link.href);
                const type = response.headers.get("Content-Type");
                const disposition = response.headers.get("Content-Disposition") || "";
                // (the test server renders reports as HTML: the PDF bytes are checked in test_pages.py)
                const body = await response.text();
                if (
                    response.status !== 200 ||
                    type !== "application/pdf" ||
                    !disposition.includes("attachment") ||
                    !body.includes("Schedule K-1")
                ) {
                    throw new Error(`K-1 download: ${response.status} ${type} ${disposition}`);
                }
                document.body.dataset.evK1Downloaded = "1";
            },
        },
        { trigger: "body[data-ev-k1-downloaded]" },
        { trigger: ".ev_portal_tabs a[data-tab=analytics]", run: "click" },
        { content: "charts drawn with Odoo's Chart.js", trigger: "#ev_chart_energy[data-ev-rendered]" },
        { trigger: "#ev_chart_irr[data-ev-rendered]" },
        noSidewaysScroll("the analytics page"),
        { trigger: ".ev_portal_tabs a[data-tab=statements]", run: "click" },
        { trigger: ".ev_portal_balance_sheet" },
        noSidewaysScroll("the statements page"),
        { trigger: ".ev_portal_tabs a[data-tab=depreciation]", run: "click" },
        { trigger: ".ev_portal_tax_asset" },
        noSidewaysScroll("the depreciation page"),
        { trigger: ".ev_portal_tabs a[data-tab=capital]", run: "click" },
        { trigger: ".ev_portal_capital a.ev_portal_capital_pdf" },
        noSidewaysScroll("the capital page"),
        { trigger: ".ev_portal_tabs a[data-tab=distributions]", run: "click" },
        { trigger: ".ev_portal_distribution_total" },
        noSidewaysScroll("the distributions page"),
    ],
});

registry.category("web_tour.tours").add("ev_portal_expired_link", {
    steps: () => [
        { content: "the expired page", trigger: ".ev_invitation[data-link=expired] .ev_invitation_expired" },
        {
            content: "no sign-up form, no SPV name",
            trigger: "body",
            run() {
                if (document.querySelector("form.ev_invitation_signup, .ev_invitation_spvs, input[name=password]")) {
                    throw new Error("an expired link shows a form or data");
                }
                if (document.body.textContent.includes("Test EV Fund I LLC")) {
                    throw new Error("an expired link names the SPV");
                }
            },
        },
        noSidewaysScroll("the expired link page"),
    ],
});

registry.category("web_tour.tours").add("ev_portal_wallet_topup", {
    steps: () => [
        { content: "the wallet page: balance", trigger: ".ev_wallet_balance:contains(12.00)" },
        { trigger: "table.ev_wallet_history .ev_wallet_tx_balance:contains(12.00)" },
        noSidewaysScroll("the wallet page"),
        { trigger: "input[name=amount]", run: "edit 25" },
        { trigger: "form.ev_wallet_topup_form button[type=submit]", run: "click" },
        { content: "the payment form, Stripe card", trigger: ".ev_wallet_topup_amount:contains(25.00)" },
        {
            content: "choose the card (Stripe) when other payment options are offered",
            trigger: "#o_payment_form input[name=o_payment_radio][data-provider-code=stripe]:not(:visible), #o_payment_form input[name=o_payment_radio][data-provider-code=stripe]:visible",
            run() {
                const radio = document.querySelector(
                    "#o_payment_form input[name=o_payment_radio][data-provider-code=stripe]"
                );
                if (!radio.checked) {
                    radio.click();
                }
            },
        },
        noSidewaysScroll("the top-up payment page"),
        { content: "the (fake) Stripe element is mounted", trigger: ".ev_fake_stripe_element" },
        { trigger: "button[name=o_payment_submit_button]:enabled", run: "click" },
        {
            content: "back on the wallet, credited",
            trigger: ".ev_wallet_balance:contains(37.00)",
            timeout: 20000,
        },
        { trigger: "table.ev_wallet_history .ev_wallet_tx_amount:contains(25.00)" },
    ],
});
