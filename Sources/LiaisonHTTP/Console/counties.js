// The county polygons (GET /ogc/collections/counties/items, page after page by the
// rel=next links), loaded once per page load: they draw the map and name the counties.

import { api, localPath } from './api.js';

let loading = null;

/** All county features (GeoJSON, WGS-84), in adcode order. */
export function loadCounties() {
  if (!loading) {
    loading = fetchAllPages().catch((error) => {
      loading = null; // try again next time
      throw error;
    });
  }
  return loading;
}

async function fetchAllPages() {
  const features = [];
  let path = '/ogc/collections/counties/items?limit=100';
  for (let page = 0; path && page < 50; page++) {
    const collection = await api('GET', path);
    features.push(...(collection.features || []));
    const next = (collection.links || []).find((link) => link.rel === 'next');
    path = next ? localPath(next.href) : null;
  }
  return features;
}

/** [code, '杭州市 西湖区'] pairs for a <select>, in adcode order. */
export function countyOptions(features) {
  return features
    .map((f) => [f.properties.adcode || f.id, `${f.properties.city_name || ''} ${f.properties.name || ''}`.trim()])
    .sort((a, b) => a[0].localeCompare(b[0]));
}
