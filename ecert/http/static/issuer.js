/* 签发部门: issue from the type's form, the department's register, one certificate's status
 * moves and changes. Every call is the signing API (docs/issuing.md) with the page's token. */
var EcertIssuer = (function () {
  'use strict';
  var E = Ecert, F = EcertForm, $ = E.$, el = E.el;
  var EVENTS = [['suspend', '暂停'], ['release', '恢复'], ['pledge', '质押'], ['inspect', '年检'],
    ['extend', '延期'], ['withdraw', '撤销'], ['cancel', '注销'], ['revoke', '吊销'], ['transfer', '转移']];
  var NAMES = { issue: '签发', change: '变更' };
  EVENTS.forEach(function (e) { NAMES[e[0]] = e[1]; });
  var types = {}, current = null, cursor = null;

  function options(select, items, blank) {
    select.textContent = '';
    if (blank) { select.appendChild(el('option', blank, { value: '' })); }
    items.forEach(function (i) { select.appendChild(el('option', i[1], { value: i[0] })); });
  }

  async function loadTypes() {
    var list = await E.api('GET', '/api/v1/catalog/types');
    types = {};
    list.forEach(function (t) { types[t.type_code] = t; });
    var items = list.map(function (t) { return [t.type_code, t.name]; });
    options($('i-type'), items, '请选择证照类型');
    options($('r-type'), items, '全部');
    options($('m-type'), items, '请选择证照类型');
    options($('r-status'), Object.keys(EcertSpec.statuses).map(function (c) {
      return [c, c + ' ' + EcertSpec.statuses[c].label];
    }), '全部');
  }

  function typeForm() {
    var t = types[$('i-type').value];
    $('i-result').textContent = '';
    if (t) { F.build($('i-form'), t, null); } else { $('i-form').textContent = ''; }
    F.clear($('i-form'), $('i-errors'));
  }

  /* A fetched document as a link (the API wants the bearer token, a plain link has none). */
  async function docLink(box, path, text, name) {
    var blob = await (await E.api('GET', path, undefined, true)).blob();
    var a = el('a', text, { href: URL.createObjectURL(blob), download: name,
      'class': 'button doc-link', 'data-type': blob.type, 'data-size': String(blob.size) });
    box.appendChild(a);
    return a;
  }

  async function issue() {
    var type = $('i-type').value, box = $('i-result');
    if (!type) { E.error('请选择证照类型'); return; }
    box.textContent = '';
    F.clear($('i-form'), $('i-errors'));
    var done;
    try {
      done = await E.api('POST', '/api/v1/certificates', { type: type, data: F.collect($('i-form')) });
    } catch (err) {
      F.showErrors($('i-form'), $('i-errors'), err.problem);
      throw err;
    }
    box.appendChild(el('p', '已签发', { 'class': 'notice', id: 'i-issued' }));
    var dl = el('dl', null, { 'class': 'fields' });
    E.fields(dl, [['证照标识', done.identifier], ['版本', done.version], ['状态代码', done.status]]);
    box.appendChild(dl);
    var links = el('div', null, { 'class': 'toolbar' });
    links.appendChild(el('a', '持证人核验页', { href: done.qr_url, id: 'i-citizen', target: '_blank',
      rel: 'noopener' }));
    var pdf = el('button', '签章 PDF', { type: 'button', 'class': 'secondary', id: 'i-pdf' });
    pdf.addEventListener('click', function () {
      pdf.disabled = true;
      docLink(links, '/api/v1/certificates/' + encodeURIComponent(done.identifier) + '/pdf',
        '打开 PDF', done.identifier + '.pdf').then(function (a) { a.id = 'i-pdf-link'; })
        .catch(function () { pdf.disabled = false; });
    });
    links.appendChild(pdf);
    var open = el('button', '查看与管理', { type: 'button', 'class': 'secondary', id: 'i-open' });
    open.addEventListener('click', function () { show(done.identifier).catch(function () {}); });
    links.appendChild(open);
    box.appendChild(links);
    F.build($('i-form'), types[type], null);
    search(false).catch(function () {});
  }

  function query() {
    var q = new URLSearchParams();
    [['type', 'r-type'], ['status', 'r-status'], ['holder', 'r-holder'], ['issued_from', 'r-from'],
      ['issued_to', 'r-to']].forEach(function (p) {
      var v = $(p[1]).value.trim();
      if (v) { q.set(p[0], v); }
    });
    return q;
  }

  async function search(more) {
    var q = query();
    q.set('limit', '20');
    if (more && cursor) { q.set('before', String(cursor)); }
    var page = await E.api('GET', '/api/v1/certificates?' + q.toString());
    var t = $('r-table');
    if (!more) {
      t.textContent = '';
      var head = el('tr');
      ['证照标识', '持证主体', '状态', '签发日期', '有效期至'].forEach(function (h) { head.appendChild(el('th', h)); });
      t.appendChild(head);
    }
    page.items.forEach(function (c) {
      var tr = el('tr', null, { 'data-identifier': c.identifier });
      var open = el('button', c.identifier, { type: 'button', 'class': 'linklike' });
      open.addEventListener('click', function () { show(c.identifier).catch(function () {}); });
      tr.appendChild(el('td')).appendChild(open);
      [c.holder_name + ' ' + c.holder_code, c.status + ' ' + c.status_label, c.signed_on,
        c.valid_to || '长期'].forEach(function (v) { tr.appendChild(el('td', v)); });
      t.appendChild(tr);
    });
    cursor = page.next_cursor;
    $('r-more').hidden = !cursor;
  }

  async function csv() {
    var old = $('r-csv-link');
    if (old) { old.remove(); }
    var a = await docLink($('r-csv').parentNode, '/api/v1/certificates.csv?' + query().toString(),
      '下载 CSV', 'certificates.csv');
    a.id = 'r-csv-link';
    a.click();
  }

  async function show(identifier) {
    var c = await E.api('GET', '/api/v1/certificates/' + encodeURIComponent(identifier));
    current = c;
    var rec = c.record || {}, card = $('cert-card');
    card.hidden = false;
    var pairs = [['证照标识', c.identifier], ['证照名称', (types[c.type_code] || {}).name],
      ['状态', c.status + ' ' + ((EcertSpec.statuses[c.status] || {}).label || '')],
      ['版本', c.version], ['持证主体', (rec.holder || {}).name], ['证件号码', (rec.holder || {}).code],
      ['有效期', (c.valid_from || '') + ' – ' + (c.valid_to || E.T('长期'))]];
    var schema = ((types[c.type_code] || {}).definition || {}).fields || {}, f = rec.fields || {};
    F.order(schema, f, schema.required || []).forEach(function (k) {
      pairs.push([((schema.properties || {})[k] || {}).title || k, f[k]]);
    });
    (c.events || []).forEach(function (ev) {
      pairs.push(['记录', E.when(ev.at) + ' ' + (NAMES[ev.event] ? E.T(NAMES[ev.event]) : ev.event) + ' ' +
        (ev.from_status ? ev.from_status + '→' : '') + ev.to_status + ' ' + (ev.reason || '')]);
    });
    E.fields($('c-fields'), pairs);
    $('c-fields').setAttribute('data-identifier', c.identifier);
    $('c-fields').setAttribute('data-status', c.status);
    if (types[c.type_code]) { F.build($('c-form'), types[c.type_code], rec); }
    F.clear($('c-form'), $('c-errors'));
    card.scrollIntoView();
  }

  async function move() {
    var reason = $('c-reason').value.trim(), event = $('c-event').value;
    if (!current) { return; }
    if (!reason) { E.error('请填写理由'); return; }
    var body = { event: event, reason: reason, expected_row_version: current.row_version };
    if (event === 'extend') { body.valid_to = $('c-valid-to').value || null; }
    if (event === 'transfer') {
      body.transfer_to = { name: $('c-to-name').value.trim(), code: $('c-to-code').value.trim() };
    }
    await E.api('POST', '/api/v1/certificates/' + encodeURIComponent(current.identifier) + '/status', body);
    $('c-reason').value = '';
    done('已执行：' + (NAMES[event] || event));
    await show(current.identifier);
    await search(false);
  }

  async function change() {
    var reason = $('c-change-reason').value.trim();
    if (!current) { return; }
    if (!reason) { E.error('请填写变更理由'); return; }
    var data = F.collect($('c-form'));
    var res;
    try {
      res = await E.api('POST', '/api/v1/certificates/' + encodeURIComponent(current.identifier) + '/change',
        { data: data, reason: reason, expected_row_version: current.row_version });
    } catch (err) {
      F.showErrors($('c-form'), $('c-errors'), err.problem);
      throw err;
    }
    $('c-change-reason').value = '';
    await show(res.identifier);
    done('已变更，新版本：' + res.identifier);
    await search(false);
  }

  function done(text) { var p = $('c-done'); p.textContent = E.T(text); p.hidden = false; }

  function start() {
    options($('c-event'), EVENTS);
    $('c-event').addEventListener('change', function () {
      $('c-extend').hidden = $('c-event').value !== 'extend';
      $('c-transfer').hidden = $('c-event').value !== 'transfer';
    });
    $('i-type').addEventListener('change', typeForm);
    function on(id, fn) {
      $(id).addEventListener('click', function () {
        var b = $(id);
        b.disabled = true;
        fn().catch(function () {}).then(function () { b.disabled = false; });
      });
    }
    on('i-go', issue);
    on('r-go', function () { return search(false); });
    on('r-more', function () { return search(true); });
    on('r-csv', csv);
    on('c-go', move);
    on('c-change', change);
  }

  start();
  return { loadTypes: loadTypes, search: search, types: function () { return types; } };
}());
