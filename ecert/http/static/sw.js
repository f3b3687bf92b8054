/* Service worker: keeps the citizen page, its script and style and the signed lists so that
 * a QR already opened once still verifies offline (the page shows the trust list's age and
 * says "unknown" once the list is past its next_update). Network first, cache as fallback. */
'use strict';
var CACHE = 'ecert-v2';
var SHELL = '/v/__shell__';
var PRECACHE = ['/spec.js', '/static/x509.js', '/static/verify.js', '/static/app.css', '/pki/trust-list', '/pki/status-list'];

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(PRECACHE); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(self.clients.claim());
});

function cacheable(url) {
  return url.pathname.indexOf('/v/') === 0 || url.pathname.indexOf('/static/') === 0 ||
    url.pathname === '/pki/trust-list' || url.pathname === '/spec.js' || url.pathname === '/pki/status-list';
}

self.addEventListener('fetch', function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || !cacheable(url)) { return; }
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
