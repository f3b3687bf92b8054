/* 签发部门: answer the objections on the department's certificates (Art. 17) and follow a bulk
 * import by polling its status endpoint. Then sign-in starts the page (common.js login). */
(function () {
  'use strict';
  var E = Ecert, $ = E.$, el = E.el;
  var POLL_MS = 500, POLL_MAX = 1200;

  async function objections() {
    var list = await E.api('GET', '/api/v1/objections');
    var ul = $('o-list');
    ul.textContent = '';
    var open = list.filter(function (o) { return o.state === 'open'; });
    if (!open.length) { ul.appendChild(el('li', '暂无待答复的异议', { 'class': 'muted' })); }
    open.forEach(function (o) { ul.appendChild(objection(o)); });
  }

  function objection(o) {
    var li = el('li', null, { 'data-objection': String(o.id) });
    var dl = el('dl', null, { 'class': 'fields' });
    E.fields(dl, [['证照标识', o.identifier], ['异议理由', o.reason], ['证据', o.evidence],
      ['提出时间', E.when(o.filed_at)], ['答复期限', E.when(o.due_at) + (o.overdue ? ' ' + E.T('已逾期') : '')]]);
    li.appendChild(dl);
    var id = 'o-answer-' + o.id;
    li.appendChild(el('label', '答复意见（必填）', { 'for': id }));
    var text = el('textarea', null, { id: id, rows: '3', maxlength: '2000' });
    li.appendChild(text);
    var upheld = el('input', null, { type: 'checkbox', id: id + '-upheld' });
    var label = el('label', null, { 'for': id + '-upheld', 'class': 'check' });
    label.appendChild(upheld);
    label.appendChild(el('span', '异议成立'));
    li.appendChild(label);
    var go = el('button', '答复', { type: 'button', 'class': 'answer' });
    go.addEventListener('click', function () {
      if (!text.value.trim()) { E.error('请填写答复意见'); return; }
      go.disabled = true;
      E.api('POST', '/api/v1/objections/' + o.id + '/answer',
        { answer: text.value.trim(), upheld: upheld.checked })
        .then(objections).catch(function () { go.disabled = false; });
    });
    li.appendChild(go);
    return li;
  }

  function rows(text) {  // data rows of a CSV with a header (approximate with quoted newlines)
    return Math.max(0, text.split(/\r?\n/).filter(function (l) { return l.trim() !== ''; }).length - 1);
  }

  function progress(job, total) {
    var bar = $('m-bar');
    var pct = job.state === 'done' ? 100 : total ? Math.min(99, Math.floor(job.rows_done * 100 / total)) : 0;
    bar.hidden = false;
    bar.value = pct;
    bar.setAttribute('data-state', job.state);
    $('m-text').textContent = [E.T('进度：{0}%').replace('{0}', pct),
      E.T('已处理 {0} / {1} 行').replace('{0}', job.rows_done).replace('{1}', total),
      E.T('签发 {0}').replace('{0}', job.issued), E.T('跳过 {0}').replace('{0}', job.skipped),
      E.T('拒绝 {0}').replace('{0}', job.rejected)].join('，');
  }

  async function upload() {
    var type = $('m-type').value, file = $('m-file').files[0];
    if (!type) { E.error('请选择证照类型'); return; }
    if (!file) { E.error('请选择 CSV 文件'); return; }
    var total = rows(await file.text());
    var job = await E.api('POST', '/api/v1/imports?type=' + encodeURIComponent(type),
      new Blob([file], { type: 'text/csv' }));
    progress(job, total);
    for (var i = 0; i < POLL_MAX && job.state !== 'done'; i++) {
      await new Promise(function (r) { setTimeout(r, POLL_MS); });
      job = await E.api('GET', job.status_url);
      progress(job, total);
    }
    if (job.state === 'done' && window.EcertIssuer) { await EcertIssuer.search(false); }
  }

  $('o-load').addEventListener('click', function () { objections().catch(function () {}); });
  $('m-go').addEventListener('click', function () {
    var b = $('m-go');
    b.disabled = true;
    upload().catch(function () {}).then(function () { b.disabled = false; });
  });

  E.login(function () {
    EcertIssuer.loadTypes().then(function () { return EcertIssuer.search(false); })
      .catch(function () {});
    objections().catch(function () {});
  });
}());
