/* After sign-in through the identity service the callback returns here with the session token
 * in the URL fragment (never sent to a server): keep it in this tab's sessionStorage, where
 * common.js looks for it, and take it out of the address bar and history at once. */
(function () {
  'use strict';
  var m = /^#ecert-login=([A-Za-z0-9_-]{20,100})$/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('ecert-token-' + location.pathname, m[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }
}());
