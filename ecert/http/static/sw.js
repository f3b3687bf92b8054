/* Service worker: keeps the citizen page, its script and style and the signed lists so that
 * a QR already opened once still verifies offline (the page shows the trust list's age and
 * says "unknown" once the list is past its next_update). Network first, cache as fallback.
 * Status shards (/pki/status/<n>, a few KB each) are revalidated with their ETag: a phone
 * that checked a certificate once re-checks with a 304 of a few hundred bytes, and offline
 * uses its copy until the shard's next_update (the page checks signature and times). */
'use strict';
var CACHE = 'ecert-v3';
var SHARD_PATH = /^\/pki\/status\/[0-9]+$/;
var SHELL = '/v/__shell__';
var PRECACHE = ['/spec.js', '/static/x509.js', '/static/verify.js', '/static/app.css', '/pki/trust-list', '/pki/status-list'];

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(PRECACHE); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// A shard: ask the server with the cached copy's ETag; 304 -> the copy, 200 -> keep the new
// one, no network -> the copy.
function shard(key) {
  return caches.open(CACHE).then(function (c) {
    return c.match(key).then(function (hit) {
      var etag = hit && hit.headers.get('ETag');
      var headers = etag ? { 'If-None-Match': etag } : {};
      return fetch(key, { headers: headers, cache: 'no-store' }).then(function (resp) {
        if (resp.status === 304 && hit) { return hit; }
        if (!resp.ok) { return resp; }
        return c.put(key, resp.clone()).then(function () { return resp; });
      }).catch(function () {
        return hit || new Response('离线且无缓存 / offline', { status: 503 });
      });
    });
  });
}

function cacheable(url) {
  return url.pathname.indexOf('/v/') === 0 || url.pathname.indexOf('/static/') === 0 ||
    url.pathname === '/pki/trust-list' || url.pathname === '/spec.js' || url.pathname === '/pki/status-list';
}

self.addEventListener('fetch', function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) { return; }
  if (SHARD_PATH.test(url.pathname)) { event.respondWith(shard(url.pathname)); return; }
  if (!cacheable(url)) { return; }
  var key = url.pathname.indexOf('/v/') === 0 ? SHELL : url.pathname;
  event.respondWith(fetch(req).then(function (resp) {
    if (resp.ok) {
      var copy = resp.clone();
      caches.open(CACHE).then(function (c) { return c.put(key, copy); });
    }
    return resp;
  }).catch(function () {
    return caches.match(key).then(function (hit) {
      return hit || new Response('离线且无缓存 / offline', { status: 503 });
    });
  }));
});
