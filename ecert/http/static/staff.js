/* 人工查询: lookup by identifier with a stated purpose; verify an uploaded PDF. */
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

  async function lookup() {
    var box = $('q-result');
    box.textContent = '';
    var id = $('q-id').value.trim();
    var purpose = $('q-purpose').value.trim();
    if (!purpose) { E.error('请填写用证事由'); return; }
    var r = await E.api('GET', '/api/v1/lookup/' + encodeURIComponent(id) + '?purpose=' +
      encodeURIComponent(purpose));
    var rec = r.record || {};
    var dl = el('dl', null, { 'class': 'fields' });
    E.fields(dl, [['证照名称', r.type_name], ['证照标识', r.identifier],
      ['持证主体', rec.holder && rec.holder.name], ['证件号码', rec.holder && rec.holder.code],
      ['签发部门', rec.issuer && rec.issuer.name], ['签发日期', rec.issue_date],
      ['有效期', rec.validity && ((rec.validity.from || '') + ' 至 ' + (rec.validity.to || '长期'))],
      ['状态代码', r.status], ['个人信息', r.personal_visible ? '已授权查看' : '已脱敏']]);
    Object.keys(rec.fields || {}).forEach(function (k) {
      dl.appendChild(el('dt', k)); dl.appendChild(el('dd', rec.fields[k]));
    });
    box.appendChild(dl);
    showVerification(box, r.verification);
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
  $('pdf-go').addEventListener('click', function () { verifyPdf().catch(function () {}); });
}());
