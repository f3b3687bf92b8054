/* The page's language (ecert/http/i18n.py).
 *
 * EcertT(text): the text in the page's language, from the catalog the page embeds (#i18n,
 * msgid = the Chinese text). A message made of parts ("证照状态：已撤销") is translated part by
 * part; a catalog entry with {0} matches any value in its place ("已于 {0} 到期"). Text with
 * no translation stays Chinese: never an invented word.
 * The switch (a[data-lang]) keeps the choice in a cookie and reloads the page, which keeps
 * the #fragment a citizen QR carries (it never reaches the server).
 */
var EcertT = (function () {
  'use strict';
  var node = document.getElementById('i18n');
  var M = {};
  try { M = node ? JSON.parse(node.textContent) || {} : {}; } catch (e) { M = {}; }
  var COLON = document.documentElement.lang === 'bo' ? ': ' : '：';

  function escape(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }
  var PATTERNS = Object.keys(M).filter(function (k) { return /\{\d\}/.test(k); }).map(function (k) {
    var names = [];
    var re = escape(k).replace(/\\\{(\d)\\\}/g, function (_, n) { names.push(n); return '(.+?)'; });
    return { re: new RegExp('^' + re + '$'), names: names, to: M[k] };
  });

  function t(text) {
    if (text === undefined || text === null) { return text; }
    var s = String(text);
    if (!s || M[s]) { return M[s] || s; }
    for (var i = 0; i < PATTERNS.length; i++) {
      var m = PATTERNS[i].re.exec(s);
      if (m) {
        var out = PATTERNS[i].to;
        PATTERNS[i].names.forEach(function (n, j) { out = out.split('{' + n + '}').join(t(m[j + 1])); });
        return out;
      }
    }
    var at = s.indexOf('：');
    if (at > 0) {
      var a = s.slice(0, at), b = s.slice(at + 1);
      if (M[a] || M[b]) { return t(a) + COLON + t(b); }
    }
    return s;
  }

  function choose(ev) {
    var lang = ev.currentTarget.getAttribute('data-lang');
    ev.preventDefault();
    document.cookie = 'ecert_lang=' + encodeURIComponent(lang) + '; path=/; max-age=31536000; SameSite=Lax';
    var url = new URL(location.href);
    url.searchParams.delete('lang');
    if (url.href !== location.href) { location.replace(url.href); } else { location.reload(); }
  }
  Array.prototype.forEach.call(document.querySelectorAll('a[data-lang]'), function (a) {
    a.addEventListener('click', choose);
  });
  return t;
}());
