/** @odoo-module ignore **/
/* Charts of the investor portal's analytics page, with the Chart.js Odoo bundles (web/static/lib/Chart). The
 * data is the JSON of #ev_portal_analytics_data[data-analytics]; each canvas gets data-ev-rendered once drawn. */

function lineOrBar(canvasId, type, labels, datasets, options = {}) {
    const canvas = document.getElementById(canvasId);
    if (!canvas) {
        return;
    }
    new window.Chart(canvas, {
        type,
        data: { labels, datasets },
        options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            plugins: { legend: { display: datasets.length > 1 } },
            ...options,
        },
    });
    canvas.dataset.evRendered = "1";
}

function renderEvPortalAnalytics() {
    const holder = document.getElementById("ev_portal_analytics_data");
    if (!holder || !window.Chart) {
        return false;
    }
    const data = JSON.parse(holder.dataset.analytics);
    const labels = data.labels;
    lineOrBar("ev_chart_energy", "bar", labels, [
        { label: "kWh", data: data.energy_kwh, backgroundColor: "#2e86de" },
    ]);
    lineOrBar("ev_chart_sessions", "bar", labels, [
        { label: "Sessions", data: data.sessions, backgroundColor: "#10ac84" },
    ]);
    lineOrBar("ev_chart_revenue", "bar", labels, [
        { label: data.currency, data: data.revenue, backgroundColor: "#ee5253" },
    ]);
    if (data.has_uptime) {
        lineOrBar(
            "ev_chart_uptime",
            "line",
            labels,
            [{ label: "Uptime %", data: data.uptime, borderColor: "#5f27cd", spanGaps: false }],
            { scales: { y: { suggestedMin: 90, max: 100 } } }
        );
    }
    lineOrBar("ev_chart_irr", "line", labels, [
        { label: "IRR to date %", data: data.irr, borderColor: "#222f3e", spanGaps: true },
        {
            label: "Target %",
            data: labels.map(() => data.target_irr),
            borderColor: "#ff9f43",
            borderDash: [6, 4],
            pointRadius: 0,
        },
    ]);
    return true;
}

if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderEvPortalAnalytics);
} else {
    renderEvPortalAnalytics();
}
