/* 异议督办: the supervising authority's queue of objections the issuing department did not
 * answer within 5 working days (GET /api/v1/objections/escalated), their evidence, and the
 * authority's coordinated answer (POST …/coordinate). The section stays hidden for any other
 * token. */
(function () {
  'use strict';
  var E = Ecert, $ = E.$, el = E.el;
  var OUTCOMES = [['', '答复'], ['true', '异议成立'], ['false', '异议不成立']];
  var STATE = { open: '处理中', answered: '已答复', upheld: '异议成立', rejected: '异议不成立',
    coordinated: '主管部门已协调答复' };

  function answerForm(o) {
    var box = el('div', null, { 'class': 'coordinate' });
    var text = el('textarea', null, { rows: '3', 'aria-label': E.T('协调答复') });
    text.placeholder = E.T('协调答复');
    var outcome = el('select', null, { 'aria-label': E.T('协调结论') });
    OUTCOMES.forEach(function (p) { outcome.appendChild(el('option', p[1], { value: p[0] })); });
    var go = el('button', '提交协调答复', { type: 'button' });
    go.addEventListener('click', function () {
      var body = { answer: text.value.trim() };
      if (!body.answer) { E.error('请填写协调答复'); return; }
      if (outcome.value) { body.upheld = outcome.value === 'true'; }
      E.api('POST', '/api/v1/objections/' + o.id + '/coordinate', body)
        .then(load).catch(function () {});
    });
    box.appendChild(text);
    box.appendChild(outcome);
    box.appendChild(go);
    return box;
  }

  function item(o) {
    var li = el('li', null, { 'data-objection': String(o.id) });
    li.appendChild(el('code', o.identifier));
    li.appendChild(el('div', '异议理由：' + o.reason));
    li.appendChild(el('div', '提出时间：' + E.when(o.filed_at)));
    li.appendChild(el('div', '答复期限：' + E.when(o.due_at)));
    li.appendChild(el('div', '状态：' + (STATE[o.state] || o.state)));
    if (o.answer) { li.appendChild(el('p', '签发部门答复：' + o.answer)); }
    if ((o.attachments || []).length) {
      li.appendChild(el('div', '证据材料'));
      li.appendChild(EcertEvidence.list(o));
    }
    li.appendChild(answerForm(o));
    return li;
  }

  async function load() {
    if (!E.token()) { return; }
    var resp = await fetch('/api/v1/objections/escalated', {
      headers: { Authorization: 'Bearer ' + E.token() }, cache: 'no-store' });
    var box = $('escalated-box');
    if (!resp.ok) { box.hidden = true; return; }   // not the supervising authority
    var list = await resp.json();
    var ul = $('escalated');
    ul.textContent = '';
    if (!list.length) { ul.appendChild(el('li', '暂无待督办的异议')); }
    list.forEach(function (o) { ul.appendChild(item(o)); });
    box.hidden = false;
  }

  $('save-token').addEventListener('click', function () { load().catch(function () {}); });
  load().catch(function () {});
}());
