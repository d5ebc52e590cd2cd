// Coordinate systems of Chinese maps, ported operation for operation from
// Sources/Geodesy/ChinaOffset.swift so that the console and the server agree to the last bit
// (same formulas, same order of floating-point operations).
//
// - wgs84: GPS; what the service stores.
// - gcj02: the "Mars" offset of Amap / Tencent tiles.
// - bd09:  Baidu's extra rotation and shift on top of GCJ-02.
// The offsets apply only inside the customary mainland-China box; elsewhere all three agree.
//
// Every function takes (lat, lng) (or one {lat, lng} object, or one [lat, lng] array) and
// returns a new {lat, lng} object.

const KRASOVSKY_A = 6378245.0;
const KRASOVSKY_EE = 0.00669342162296594323;
const BD_X_PI = Math.PI * 3000.0 / 180.0;

/** Reads the (lat, lng) | ({lat, lng}) | ([lat, lng]) arguments. */
function point(lat, lng) {
  if (Array.isArray(lat)) return { lat: Number(lat[0]), lng: Number(lat[1]) };
  if (lat !== null && typeof lat === 'object') return { lat: Number(lat.lat), lng: Number(lat.lng) };
  return { lat: Number(lat), lng: Number(lng) };
}

/** Whether the GCJ-02 offset applies at this point. */
export function isInsideChina(lat, lng) {
  const p = point(lat, lng);
  return p.lng >= 72.004 && p.lng <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271;
}

function clamped(lat, lng) {
  return { lat: Math.min(Math.max(lat, -90), 90), lng: Math.min(Math.max(lng, -180), 180) };
}

function transformLatitude(x, y) {
  let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  ret += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
  ret += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
  return ret;
}

function transformLongitude(x, y) {
  let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  ret += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
  ret += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
  return ret;
}

/** The GCJ-02 offset (degrees) at a WGS-84 point. */
function gcjDelta(latitude, longitude) {
  const x = longitude - 105.0, y = latitude - 35.0;
  let dLat = transformLatitude(x, y);
  let dLng = transformLongitude(x, y);
  const radLat = latitude / 180.0 * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - KRASOVSKY_EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtMagic) * Math.PI);
  dLng = (dLng * 180.0) / (KRASOVSKY_A / sqrtMagic * Math.cos(radLat) * Math.PI);
  return { dLat, dLng };
}

/**
 * Solves forward(w) == target by fixed-point iteration from w = target (w -= forward(w) - target),
 * stopping when a step is below 1e-12 degrees or after 30 steps.
 */
function invert(target, forward) {
  let lat = target.lat, lng = target.lng;
  for (let i = 0; i < 30; i++) {
    const c = clamped(lat, lng);
    const f = forward(c.lat, c.lng);
    const dLat = f.lat - target.lat, dLng = f.lng - target.lng;
    lat -= dLat;
    lng -= dLng;
    if (Math.abs(dLat) < 1e-12 && Math.abs(dLng) < 1e-12) break;
  }
  return clamped(lat, lng);
}

/** WGS-84 to GCJ-02 (the forward offset). */
export function wgs84ToGcj02(lat, lng) {
  const p = point(lat, lng);
  if (!isInsideChina(p)) return p;
  const d = gcjDelta(p.lat, p.lng);
  return { lat: p.lat + d.dLat, lng: p.lng + d.dLng };
}

/** GCJ-02 to WGS-84, iterated to an exact inverse of wgs84ToGcj02. */
export function gcj02ToWgs84(lat, lng) {
  const p = point(lat, lng);
  if (!isInsideChina(p)) return p;
  return invert(p, wgs84ToGcj02);
}

/** GCJ-02 to BD-09. */
export function gcj02ToBd09(lat, lng) {
  const p = point(lat, lng);
  if (!isInsideChina(p)) return p;
  const x = p.lng, y = p.lat;
  const z = Math.sqrt(x * x + y * y) + 0.00002 * Math.sin(y * BD_X_PI);
  const theta = Math.atan2(y, x) + 0.000003 * Math.cos(x * BD_X_PI);
  return clamped(z * Math.sin(theta) + 0.006, z * Math.cos(theta) + 0.0065);
}

/** BD-09 to GCJ-02, iterated to an exact inverse of gcj02ToBd09. */
export function bd09ToGcj02(lat, lng) {
  const p = point(lat, lng);
  if (!isInsideChina(p)) return p;
  return invert(p, gcj02ToBd09);
}

export const SYSTEMS = ['wgs84', 'gcj02', 'bd09'];

function checkSystem(crs) {
  if (!SYSTEMS.includes(crs)) throw new Error(`unknown coordinate system "${crs}": expected wgs84, gcj02 or bd09`);
}

/** A point of system `crs` (wgs84, gcj02 or bd09) in WGS-84. */
export function toWgs84(crs, lat, lng) {
  checkSystem(crs);
  const p = point(lat, lng);
  if (crs === 'gcj02') return gcj02ToWgs84(p);
  if (crs === 'bd09') return gcj02ToWgs84(bd09ToGcj02(p));
  return p;
}

/** A WGS-84 point in system `crs` (wgs84, gcj02 or bd09). */
export function fromWgs84(crs, lat, lng) {
  checkSystem(crs);
  const p = point(lat, lng);
  if (crs === 'gcj02') return wgs84ToGcj02(p);
  if (crs === 'bd09') return gcj02ToBd09(wgs84ToGcj02(p));
  return p;
}

// For the browser test (Selenium compares these with the server's answers).
window.liaisonCoords = Object.freeze({
  wgs84ToGcj02, gcj02ToWgs84, gcj02ToBd09, bd09ToGcj02, toWgs84, fromWgs84, isInsideChina,
});
