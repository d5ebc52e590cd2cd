// The Leaflet map: optional base tiles (GET /console/config), the county polygons, the
// stations as clustered markers, and the conflict and placement markers.
//
// Everything the API gives is WGS-84. When the tiles are GCJ-02, every point is converted
// WGS-84 -> GCJ-02 before it is drawn and every click GCJ-02 -> WGS-84 before it is used,
// so a station sits on the same street corner whatever the base map.

/* global L */
import { api } from './api.js';
import { fromWgs84, toWgs84 } from './coords.js';
import { modeKind } from './format.js';

const ZHEJIANG_CENTER = [29.15, 120.1];

let configPromise = null;

/** GET /console/config, once. */
export function loadConfig() {
  if (!configPromise) {
    configPromise = api('GET', '/console/config').catch((error) => {
      configPromise = null;
      throw error;
    });
  }
  return configPromise;
}

/** Attribution text from the configuration, escaped: Leaflet writes it as HTML. */
function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

/**
 * A Leaflet map on `container` for a configuration. Its methods take and give WGS-84
 * {lat, lng}; the conversion to the tiles' system happens inside.
 */
export class StationMap {
  constructor(container, config, { tiles = true } = {}) {
    this.crs = config && config.tile_crs === 'gcj02' ? 'gcj02' : 'wgs84';
    this.map = L.map(container, { zoomControl: false, minZoom: 5, maxZoom: 18 });
    this.map.setView(this.toMap(ZHEJIANG_CENTER[0], ZHEJIANG_CENTER[1]), 7);
    L.control.zoom({ zoomInTitle: '放大', zoomOutTitle: '缩小' }).addTo(this.map);
    this.map.attributionControl.setPrefix('Leaflet');
    if (tiles && config && config.tile_url) this.addTiles(config);
    this.stations = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45, iconCreateFunction: clusterIcon });
    this.map.addLayer(this.stations);
    this.extras = L.layerGroup().addTo(this.map); // conflict and placement markers
    this.conflictMarker = null;
    this.placementMarker = null;
    this.clickHandler = null;
    this.map.on('click', (event) => {
      if (this.clickHandler) this.clickHandler(this.fromMap(event.latlng));
    });
  }

  addTiles(config) {
    const options = { maxZoom: 18, attribution: escapeHtml(config.tile_attribution || '') };
    if (config.tile_subdomains) options.subdomains = config.tile_subdomains;
    L.tileLayer(config.tile_url, options).addTo(this.map);
  }

  /** WGS-84 -> the tiles' system, as a Leaflet LatLng. */
  toMap(lat, lng) {
    const p = fromWgs84(this.crs, lat, lng);
    return L.latLng(p.lat, p.lng);
  }

  /** A Leaflet LatLng of the map -> WGS-84 {lat, lng}. */
  fromMap(latlng) {
    return toWgs84(this.crs, latlng.lat, latlng.lng);
  }

  /** Draws the county polygons (GeoJSON features in WGS-84) and returns their bounds. */
  drawCounties(features, highlightCode) {
    if (this.counties) this.counties.remove();
    this.counties = L.geoJSON({ type: 'FeatureCollection', features }, {
      interactive: false,
      coordsToLatLng: (c) => this.toMap(c[1], c[0]),
      style: (feature) => (feature.id === highlightCode || (feature.properties && feature.properties.adcode === highlightCode)
        ? { color: '#1e3a8a', weight: 2.5, fillColor: '#bfdbfe', fillOpacity: 0.45 }
        : { color: '#475569', weight: 1, fillColor: '#e2e8f0', fillOpacity: 0.35 }),
    }).addTo(this.map);
    this.counties.bringToBack();
    return this.counties.getBounds();
  }

  /** Fits the view to the county `code`, or to all counties. */
  fitCounty(code) {
    if (!this.counties) return;
    let bounds = null;
    this.counties.eachLayer((layer) => {
      const f = layer.feature;
      if (code && f && (f.id === code || f.properties.adcode === code)) bounds = layer.getBounds();
    });
    bounds = bounds || this.counties.getBounds();
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [10, 10] });
  }

  /** Replaces the station markers; onSelect(id) when one is clicked. */
  setStations(stations, onSelect) {
    this.stations.clearLayers();
    const markers = stations.filter((s) => s.location).map((station) => {
      const classes = ['station-marker', `mode-${modeKind(station.modes)}`];
      if (station.status === 'retired') classes.push('retired');
      const marker = L.marker(this.toMap(station.location.lat, station.location.lng), {
        icon: L.divIcon({ className: classes.join(' '), iconSize: [18, 18], html: '' }),
        title: station.name,
        keyboard: true,
      });
      marker.on('click', () => onSelect(station.id));
      marker.on('add', () => { // the icon element exists once the marker is on the map
        const el = marker.getElement();
        if (el) el.dataset.stationId = station.id;
      });
      return marker;
    });
    this.stations.addLayers(markers);
  }

  /** A distinct marker for the station a new one would be too close to (null: none). */
  showConflict(station) {
    if (this.conflictMarker) this.extras.removeLayer(this.conflictMarker);
    this.conflictMarker = null;
    if (!station || !station.location) return;
    this.conflictMarker = L.marker(this.toMap(station.location.lat, station.location.lng), {
      icon: L.divIcon({ className: 'conflict-marker', iconSize: [26, 26], html: '' }),
      title: `100 米内已有联络站：${station.name}`,
      zIndexOffset: 1000,
      keyboard: false,
    });
    this.extras.addLayer(this.conflictMarker);
    const el = this.conflictMarker.getElement();
    if (el) el.dataset.stationId = station.id;
  }

  /** The point being placed (a new or moved station), WGS-84; null removes it. */
  showPlacement(point) {
    if (this.placementMarker) this.extras.removeLayer(this.placementMarker);
    this.placementMarker = null;
    if (!point) return;
    this.placementMarker = L.marker(this.toMap(point.lat, point.lng), {
      icon: L.divIcon({ className: 'placement-marker', iconSize: [22, 22], html: '' }),
      title: '新位置',
      keyboard: false,
      interactive: false,
      zIndexOffset: 900,
    });
    this.extras.addLayer(this.placementMarker);
  }

  /** Centres on a WGS-84 point, zooming in to at least `zoom`. */
  focus(point, zoom = 15) {
    this.map.setView(this.toMap(point.lat, point.lng), Math.max(this.map.getZoom(), zoom));
  }

  /** Placing mode: clicks on the map call handler(wgs84Point); null ends it. */
  onPick(handler) {
    this.clickHandler = handler;
    this.map.getContainer().classList.toggle('placing', Boolean(handler));
  }

  /** Whether a WGS-84 point is inside the current view. */
  inView(point) {
    return this.map.getBounds().contains(this.toMap(point.lat, point.lng));
  }

  /** handler() after every pan or zoom. */
  onMove(handler) {
    this.map.on('moveend', handler);
  }

  /** After the container was hidden or resized. */
  refreshSize() {
    this.map.invalidateSize();
  }

  remove() {
    this.map.remove();
  }
}

/** Cluster icons: a count in a circle, styled by class (no inline style). */
function clusterIcon(cluster) {
  const count = cluster.getChildCount();
  const size = count < 10 ? 'small' : count < 100 ? 'medium' : 'large';
  return L.divIcon({
    className: `station-cluster cluster-${size}`,
    html: `<span>${Number(count)}</span>`,
    iconSize: [36, 36],
  });
}
