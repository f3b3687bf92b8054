/* 考核统计 (Art. 23): per department × type × month, as a chart (ECharts, vendored) and a
 * table, with a CSV export; the figures come from /api/v1/audit/assessment. */
(function () {
  'use strict';
  var E = Ecert, $ = E.$, el = E.el;
  var MEASURES = [['issued', '签发'], ['digitised', '存量转换'], ['changed', '变更'],
    ['suspended', '暂停'], ['revoked', '撤销/吊销'], ['cancelled', '注销/转移'], ['lookups', '用证查询'],
    ['presentations', '亮证'], ['objections', '异议'], ['objections_on_time', '按期答复']];
  var chart = null;

  function month(offset) {
    var d = new Date(Date.now() + 8 * 3600 * 1000);
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + offset);
    return d.toISOString().slice(0, 7);
  }

  function query() {
    return '?since=' + encodeURIComponent($('as-since').value) +
      '&until=' + encodeURIComponent($('as-until').value);
  }

  function table(rows) {
    var t = $('as-table');
    t.textContent = '';
    var head = el('tr');
    ['部门', '证照类型', '月份'].concat(MEASURES.map(function (m) { return m[1]; }))
      .concat(['平均答复工作日']).forEach(function (h) { head.appendChild(el('th', h)); });
    t.appendChild(head);
    rows.forEach(function (r) {
      var tr = el('tr');
      [r.dept_name, r.type_name, r.month].concat(MEASURES.map(function (m) { return r.counts[m[0]] || 0; }))
        .concat([r.mean_answer_workdays === null ? '—' : r.mean_answer_workdays])
        .forEach(function (c) { tr.appendChild(el('td', c)); });
      t.appendChild(tr);
    });
  }

  function draw(rows) {
    var months = Array.from(new Set(rows.map(function (r) { return r.month; }))).sort();
    var series = MEASURES.slice(0, 8).map(function (m) {
      return { name: m[1], type: 'bar', stack: m[0] === 'lookups' || m[0] === 'presentations' ? 'use' : 'issue',
        data: months.map(function (mo) {
          return rows.filter(function (r) { return r.month === mo; })
            .reduce(function (n, r) { return n + (r.counts[m[0]] || 0); }, 0);
        }) };
    });
    if (!window.echarts) { return; }
    chart = chart || echarts.init($('as-chart'), null, { renderer: 'svg' });
    chart.setOption({ tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { top: 60 },
      xAxis: { type: 'category', data: months }, yAxis: { type: 'value', minInterval: 1 },
      series: series }, true);
  }

  async function load() {
    var rows = await E.api('GET', '/api/v1/audit/assessment' + query());
    table(rows);
    draw(rows);
    $('as-chart').setAttribute('data-rows', String(rows.length));
  }

  async function csv() {
    var resp = await E.api('GET', '/api/v1/audit/assessment.csv' + query(), undefined, true);
    var url = URL.createObjectURL(await resp.blob());
    var a = el('a', '', { href: url, download: 'assessment-' + $('as-since').value + '.csv' });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  $('as-since').value = month(-11);
  $('as-until').value = month(0);
  $('as-load').addEventListener('click', function () { load().catch(function () {}); });
  $('as-csv').addEventListener('click', function () { csv().catch(function () {}); });
  // audit.js owns the sign-in box; it calls this after saving a token
  window.EcertAssessment = { load: function () { return load().catch(function () {}); } };
  if (E.token()) { window.EcertAssessment.load(); }
}());
