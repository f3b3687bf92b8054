/* Shared helpers of the staff, holder and audit pages: the bearer token lives only in
 * sessionStorage (this tab), every response is shown through textContent (no HTML). */
var Ecert = (function () {
  'use strict';
  var KEY = 'ecert-token-' + location.pathname;
  // verdict words from formats.status, served as /spec.js (formats.spec.as_json)
  var VERDICT = {};
  Object.keys(EcertSpec.verdicts).forEach(function (v) { VERDICT[v] = EcertSpec.verdicts[v].headline; });

  function $(id) { return document.getElementById(id); }

  var T = self.EcertT || function (s) { return s; };   // static/i18n.js

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = T(String(text)); }
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function token() { return sessionStorage.getItem(KEY) || ''; }

  function error(msg) {
    var box = $('error');
    if (!box) { return; }
    box.hidden = !msg;
    box.textContent = T(msg || '');
  }

  async function api(method, path, body, raw) {
    var headers = { Authorization: 'Bearer ' + token() };
    var init = { method: method, headers: headers, cache: 'no-store' };
    if (body instanceof Blob || body instanceof FormData) {
      init.body = body;
      if (body instanceof Blob) { headers['Content-Type'] = body.type || 'application/pdf'; }
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var resp = await fetch(path, init);
    if (!resp.ok) {
      var msg = resp.status + ' 请求失败', p = null;
      // problem titles are bilingual ("中文 / English"): a page shows its own language
      try { p = await resp.json(); msg = zh(p.title || '') + '：' + zh(p.detail || ''); } catch (e) { /* */ }
      error(msg);
      var failed = new Error(msg);
      failed.problem = p;  // the problem+json body (its `errors` name the fields)
      throw failed;
    }
    error('');
    return raw ? resp : resp.json();
  }

  function zh(text) {
    var s = String(text), at = s.indexOf(' / ');
    return at > 0 && /[\u4e00-\u9fff]/.test(s.slice(0, at)) ? s.slice(0, at) : s;
  }

  function fields(dl, pairs) {
    dl.textContent = '';
    pairs.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === '') { return; }
      dl.appendChild(el('dt', p[0]));
      dl.appendChild(el('dd', typeof p[1] === 'object' ? JSON.stringify(p[1]) : p[1]));
    });
  }

  function when(iso) {
    if (!iso) { return ''; }
    var d = new Date(iso);
    if (isNaN(d)) { return iso; }
    return new Date(d.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ') +
      ' ' + T('北京时间');
  }

  function verdictTag(v) { return el('span', VERDICT[v] || v, { 'class': 'tag', 'data-verdict': v }); }

  function login(onReady) {
    var input = $('token');
    $('save-token').addEventListener('click', function () {
      sessionStorage.setItem(KEY, input.value.trim());
      input.value = '';
      onReady();
    });
    $('logout').addEventListener('click', function () {
      sessionStorage.removeItem(KEY);
      location.reload();
    });
    if (token()) { onReady(); }
  }

  return { $: $, el: el, api: api, fields: fields, when: when, verdictTag: verdictTag,
    login: login, error: error, VERDICT: VERDICT, token: token, T: T, zh: zh };
}());
