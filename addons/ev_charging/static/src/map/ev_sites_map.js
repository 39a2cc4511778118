import { Component, onMounted, onPatched, onWillStart, onWillUnmount, useRef } from "@odoo/owl";
import { loadCSS, loadJS } from "@web/core/assets";
import { rpc } from "@web/core/network/rpc";

export const STATUS_COLORS = { ok: "#28a745", degraded: "#fd7e14", faulted: "#dc3545", unknown: "#6c757d" };

/**
 * Sites on an OpenStreetMap map (Leaflet, vendored in static/lib/leaflet), one circle marker per
 * site coloured by its status. Tiles come from the URL in the system parameter
 * ev_charging.map_tile_url (OpenStreetMap's by default; empty: no tiles, e.g. offline tests):
 * the markers are drawn either way.
 */
export class EvSitesMap extends Component {
    static template = "ev_charging.SitesMap";
    static props = { sites: Array, onOpenSite: Function, height: { type: String, optional: true } };

    setup() {
        this.mapRef = useRef("map");
        onWillStart(async () => {
            await Promise.all([
                loadJS("/ev_charging/static/lib/leaflet/leaflet.js"),
                loadCSS("/ev_charging/static/lib/leaflet/leaflet.css"),
            ]);
            this.tileUrl = await rpc("/ev_charging/map_tiles", {});
        });
        onMounted(() => this.renderMap());
        onPatched(() => this.drawMarkers());
        onWillUnmount(() => this.map && this.map.remove());
    }

    get positioned() {
        return this.props.sites.filter((s) => s.has_position);
    }

    renderMap() {
        const L = window.L;
        this.map = L.map(this.mapRef.el, { zoomControl: true, attributionControl: true });
        if (this.tileUrl && this.tileUrl.url) {
            L.tileLayer(this.tileUrl.url, { maxZoom: 19, attribution: this.tileUrl.attribution }).addTo(this.map);
        }
        this.layer = L.layerGroup().addTo(this.map);
        this.drawMarkers(true);
    }

    drawMarkers(fit = false) {
        const L = window.L;
        if (!this.map) {
            return;
        }
        this.layer.clearLayers();
        const points = [];
        for (const site of this.positioned) {
            const marker = L.circleMarker([site.lat, site.lon], {
                radius: 11,
                color: "#ffffff",
                weight: 2,
                fillColor: STATUS_COLORS[site.status] || STATUS_COLORS.unknown,
                fillOpacity: 0.95,
                className: `o_ev_site_marker o_ev_site_marker_${site.status}`,
            });
            marker.bindTooltip(`${site.name}: ${site.connected}/${site.chargers} connected, ${site.faulted} faulted`);
            marker.on("click", () => this.props.onOpenSite(site.id));
            marker.addTo(this.layer);
            points.push([site.lat, site.lon]);
        }
        if (fit || !this.fitted) {
            if (points.length) {
                this.map.fitBounds(points, { padding: [30, 30], maxZoom: 12 });
            } else {
                this.map.setView([39.5, -98.35], 3);
            }
            this.fitted = true;
        }
        this.map.invalidateSize();
    }
}
