/* 人工查询: lookup by identifier or by holder with a stated purpose (the fields the grant
 * shows, with their labels); print an annotated copy stamped with who, when and for what;
 * verify an uploaded PDF. */
(function () {
  'use strict';
  var E = Ecert, $ = E.$, el = E.el;

  function showVerification(box, v) {
    box.appendChild(el('p', null)).appendChild(E.verdictTag(v.verdict));
    box.lastChild.appendChild(document.createTextNode(' ' + (v.summary || '')));
    var ul = el('ul', null, { 'class': 'checks' });
    (v.checks || []).forEach(function (c) {
      ul.appendChild(el('li', (c.passed === true ? '✓ ' : c.passed === false ? '✗ ' : '? ') +
        c.message, { 'class': c.passed === true ? 'pass' : c.passed === false ? 'fail' : 'undecided' }));
    });
    box.appendChild(ul);
    if (v.current_identifier && v.current_identifier !== v.identifier) {
      box.appendChild(el('p', '最新版本：' + v.current_identifier, { 'class': 'notice' }));
    }
  }

  /* the certificate's fields as the grant shows them: each under its label (schema title) */
  function recordFields(r) {
    var rec = r.record || {}, labels = r.labels || {}, f = rec.fields || {};
    var pairs = [['证照名称', r.type_name], ['证照标识', r.identifier],
      ['持证主体', rec.holder && rec.holder.name], ['证件号码', rec.holder && rec.holder.code],
      ['签发部门', rec.issuer && rec.issuer.name], ['签发日期', rec.issue_date],
      ['有效期', rec.validity && ((rec.validity.from || '') + ' 至 ' + (rec.validity.to || '长期'))],
      ['状态代码', r.status], ['个人信息', r.personal_visible ? '已授权查看' : '已脱敏']];
    Object.keys(labels).forEach(function (k) { if (k in f) { pairs.push([labels[k], f[k]]); } });
    return pairs;
  }

  function showLookup(box, r, stamp) {
    var card = box.appendChild(el('div', null, { 'class': 'found' }));
    var dl = card.appendChild(el('dl', null, { 'class': 'fields' }));
    E.fields(dl, recordFields(r));
    showVerification(card, r.verification);
    var print = card.appendChild(el('button', '打印加注件', { type: 'button', 'class': 'print' }));
    print.addEventListener('click', function () { printCopy(r, stamp || r.stamp); });
  }

  /* the print view (app.css @media print shows #print-sheet only): the fields, the verdict
   * and the stamp — who looked it up, for which department, when (Beijing time), for what */
  function printCopy(r, s) {
    var sheet = $('print-sheet');
    sheet.textContent = '';
    sheet.appendChild(el('h2', '电子证照查询加注件'));
    E.fields(sheet.appendChild(el('dl', null, { 'class': 'fields' })), recordFields(r));
    var v = sheet.appendChild(el('p', '核验结果：'));
    v.appendChild(E.verdictTag(r.verification.verdict));
    var st = sheet.appendChild(el('dl', null, { 'class': 'fields stamp' }));
    E.fields(st, [['查询人', s.looked_up_by], ['查询部门', s.department],
      ['查询时间', s.at_text], ['用证事由', s.purpose]]);
    sheet.appendChild(el('p', s.use_only, { 'class': 'use-only' }));
    sheet.appendChild(el('p', '本打印件不是电子证照，真伪与状态以平台在线核验为准',
      { 'class': 'muted' }));
    window.print();
  }

  async function lookup() {
    var box = $('q-result');
    box.textContent = '';
    var id = $('q-id').value.trim();
    var purpose = $('q-purpose').value.trim();
    if (!purpose) { E.error('请填写用证事由'); return; }
    var r = await E.api('GET', '/api/v1/lookup/' + encodeURIComponent(id) + '?purpose=' +
      encodeURIComponent(purpose));
    showLookup(box, r);
  }

  async function byHolder() {
    var box = $('h-result');
    box.textContent = '';
    var purpose = $('h-purpose').value.trim();
    if (!purpose) { E.error('请填写用证事由'); return; }
    var body = { holder_code: $('h-code').value.trim(), purpose: purpose };
    var type = $('h-type').value.trim();
    if (type) { body.type = type; }
    var r = await E.api('POST', '/api/v1/lookups/by-holder', body);
    if (!r.results.length) { box.appendChild(el('p', '未查到可查看的证照', { 'class': 'muted' })); }
    r.results.forEach(function (x) { showLookup(box, x, r.stamp); });
  }

  async function verifyPdf() {
    var box = $('pdf-result');
    box.textContent = '';
    var f = $('pdf').files[0];
    if (!f) { E.error('请选择 PDF 文件'); return; }
    var form = new FormData();
    form.append('file', f);
    showVerification(box, await E.api('POST', '/api/v1/verify/pdf', form));
  }

  E.login(function () {});
  $('q-go').addEventListener('click', function () { lookup().catch(function () {}); });
  $('h-go').addEventListener('click', function () { byHolder().catch(function () {}); });
  $('pdf-go').addEventListener('click', function () { verifyPdf().catch(function () {}); });
}());
