// API documentation from the platform itself: no CDN, no inline script (CSP script-src 'self').
(function () {
  var el = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({ url: el.getAttribute('data-openapi-url'), dom_id: '#swagger-ui',
                                deepLinking: true });
}());
