/* 申请与审批 on the staff page: the authority sees what is pending and approves or refuses it
 * (a reason is required); a department sees its own proposals and their state. What the
 * caller may do comes from the API (may_decide, may_withdraw). */
(function () {
  'use strict';
  var E = Ecert, $ = E.$, el = E.el;
  var STATE = { pending: '待审批', approved: '已批准', refused: '未获批准', withdrawn: '已撤回' };
  var KIND = { catalog: '证照目录', grant: '个人信息授权', scenario: '亮证场景' };

  function button(text, cls, onClick) {
    var b = el('button', text, { type: 'button', 'class': cls });
    b.addEventListener('click', function () { onClick().then(load).catch(function () {}); });
    return b;
  }

  function item(p) {
    var li = el('li', null, { 'data-proposal': String(p.id), 'data-state': p.state });
    li.appendChild(el('span', STATE[p.state] || p.state, { 'class': 'tag', 'data-state': p.state }));
    li.appendChild(el('strong', ' ' + E.T(KIND[p.kind] || p.kind) + ' '));
    li.appendChild(document.createTextNode(p.summary));
    var meta = el('p', null, { 'class': 'muted' });
    meta.appendChild(document.createTextNode(E.T('提出') + '：' + p.proposed_by + ' · ' +
      p.dept_code + ' · ' + E.when(p.proposed_at)));
    if (p.decided_by) {
      meta.appendChild(document.createTextNode(' · ' + E.T('处理') + '：' + p.decided_by + ' · ' +
        E.when(p.decided_at)));
    }
    li.appendChild(meta);
    if (p.reason) { li.appendChild(el('p', null)).textContent = E.T('理由') + '：' + p.reason; }
    var base = '/api/v1/proposals/' + p.id;
    if (p.may_decide) {
      var reason = el('input', null, { 'class': 'reason', placeholder: E.T('不予批准的理由'),
        'aria-label': E.T('不予批准的理由'), maxlength: '500' });
      li.appendChild(button('批准', 'approve', function () { return E.api('POST', base + '/approve'); }));
      li.appendChild(reason);
      li.appendChild(button('不予批准', 'refuse secondary', function () {
        var text = reason.value.trim();
        if (!text) { E.error('请填写不予批准的理由'); return Promise.reject(new Error('reason')); }
        return E.api('POST', base + '/refuse', { reason: text });
      }));
    }
    if (p.may_withdraw) {
      li.appendChild(button('撤回', 'withdraw secondary', function () {
        return E.api('POST', base + '/withdraw');
      }));
    }
    return li;
  }

  var latest = 0;   // a filter change while a list is on its way: only the newest one is shown

  async function load() {
    var state = $('proposal-state').value;
    var mine = ++latest;
    var list;
    try {
      list = await E.api('GET', '/api/v1/proposals' + (state ? '?state=' + state : ''));
    } catch (e) {
      if (mine !== latest) { return; }
      $('proposals-card').hidden = true;   // a credential that sees no proposals
      E.error('');
      return;
    }
    if (mine !== latest) { return; }
    $('proposals-card').hidden = false;
    var ul = $('proposals');
    ul.textContent = '';
    if (!list.length) { ul.appendChild(el('li', '暂无申请')); }
    list.forEach(function (p) { ul.appendChild(item(p)); });
    ul.setAttribute('data-loaded', String(list.length));
  }

  $('proposal-state').addEventListener('change', function () { load().catch(function () {}); });
  $('save-token').addEventListener('click', function () { load().catch(function () {}); });
  if (E.token()) { load().catch(function () {}); }
}());
