/* 审计: latest signed tree head, per-department statistics, recent entries. */
(function () {
  'use strict';
  var E = Ecert, $ = E.$, el = E.el;

  function row(table, cells, head) {
    var tr = el('tr');
    cells.forEach(function (c) { tr.appendChild(el(head ? 'th' : 'td', c)); });
    table.appendChild(tr);
  }

  async function load() {
    var sth = await E.api('GET', '/api/v1/audit/get-sth');
    // get-sth carries witness cosignatures as `ecert_cosignatures` (RFC 6962 clients ignore it)
    var cosigs = sth.ecert_cosignatures || [];
    var names = cosigs.map(function (c) { return c.witness; }).join('、');
    E.fields($('sth'), [['记录数 tree_size', sth.tree_size], ['签名时间', E.when(new Date(sth.timestamp).toISOString())],
      ['根哈希', sth.sha256_root_hash], ['签名', sth.tree_head_signature.slice(0, 32) + '…'],
      ['见证签名', cosigs.length + ' 个' + (names ? '（' + names + '）' : '')]]);
    var until = new Date();
    var since = new Date(until.getTime() - 30 * 86400 * 1000);
    var stats = await E.api('GET', '/api/v1/audit/stats?since=' + encodeURIComponent(since.toISOString()) +
      '&until=' + encodeURIComponent(until.toISOString()));
    var t = $('stats');
    t.textContent = '';
    row(t, ['部门', '签发', '变更', '状态', '查询', '合计'], true);
    stats.forEach(function (s) {
      var c = s.counts || {};
      row(t, [s.dept_name || s.dept || '平台', c.issue || 0, c.change || 0, c.status || 0, c.lookup || 0, c.total || 0]);
    });
    var page = await E.api('GET', '/api/v1/audit/entries?limit=50');
    var e = $('entries');
    e.textContent = '';
    row(e, ['#', '时间', '操作', '部门', '用证事由', '证照'], true);
    page.entries.forEach(function (x) {
      row(e, [x.index, E.when(x.created_at), x.action, x.actor_dept || x.role, x.purpose || '',
        x.cert_identifier || '']);
    });
  }

  E.login(function () {
    load().catch(function () {});
    if (window.EcertAssessment) { window.EcertAssessment.load(); }
  });
}());
