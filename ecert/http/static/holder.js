/* 我的证照: sign-in, own certificates, who used them and why, 亮证 QR, objections. */
(function () {
  'use strict';
  var E = Ecert, $ = E.$, el = E.el;
  var current = null, timer = null;

  async function load() {
    var certs = await E.api('GET', '/api/v1/holder/certificates');
    var ul = $('certs');
    ul.textContent = '';
    if (!certs.length) { ul.appendChild(el('li', '暂无证照')); }
    certs.forEach(function (c) {
      var li = el('li');
      li.appendChild(E.verdictTag(c.verdict));
      li.appendChild(document.createTextNode(' ' + c.name + ' · 有效期至 ' + (c.valid_to || '长期')));
      li.appendChild(el('br'));
      li.appendChild(el('code', c.identifier));
      if (c.qr_changed_at) {
        li.appendChild(el('br'));
        li.appendChild(el('strong', '注意：平台已于 ' + c.qr_changed_at.slice(0, 10) +
          ' 因签名密钥泄露重新签发此证照，二维码已更新，请重新下载打印', { 'class': 'qr-changed' }));
      }
      var b = el('button', '查看', { type: 'button' });
      b.addEventListener('click', function () { detail(c.identifier).catch(function () {}); });
      li.appendChild(el('br'));
      li.appendChild(b);
      ul.appendChild(li);
    });
    await objections();
  }

  async function detail(id) {
    current = id;
    var d = await E.api('GET', '/api/v1/holder/certificates/' + encodeURIComponent(id));
    var r = d.record || {};
    $('detail').hidden = false;
    $('detail-title').textContent = r.name || '证照详情';
    var pairs = [['证照标识', d.identifier], ['状态', E.VERDICT[d.verdict] || d.verdict],
      ['持证主体', r.holder && r.holder.name], ['证件号码', r.holder && r.holder.code],
      ['签发部门', r.issuer && r.issuer.name], ['签发日期', r.issue_date],
      ['有效期', r.validity && ((r.validity.from || '') + ' 至 ' + (r.validity.to || '长期'))]];
    var titles = d.field_titles || {};
    Object.keys(r.fields || {}).forEach(function (k) { pairs.push([titles[k] || k, r.fields[k]]); });
    E.fields($('detail-fields'), pairs);
    // only the scenarios the supervising authority approved for this type (null: any)
    var sel = $('scenario');
    sel.textContent = '';
    (d.presentation_scenarios || []).forEach(function (s) { sel.appendChild(el('option', s, { value: s })); });
    $('scenario-box').hidden = !d.presentation_scenarios;
    $('qr-box').hidden = true;
    var acc = await E.api('GET', '/api/v1/holder/certificates/' + encodeURIComponent(id) + '/accesses');
    var ul = $('accesses');
    ul.textContent = '';
    if (!acc.length) { ul.appendChild(el('li', '暂无使用记录')); }
    acc.forEach(function (a) {
      ul.appendChild(el('li', E.when(a.at) + ' · ' + (a.dept_name || a.dept_code || '现场核验') +
        ' · ' + (a.purpose || a.action)));
    });
  }

  async function present() {
    if (!current) { return; }
    var scenario = $('scenario-box').hidden ? '' : $('scenario').value;
    var resp = await E.api('POST', '/api/v1/holder/certificates/' + encodeURIComponent(current) +
      '/presentation.png' + (scenario ? '?scenario=' + encodeURIComponent(scenario) : ''),
      undefined, true);
    var blob = await resp.blob();
    var reader = new FileReader();
    reader.onload = function () {
      $('qr').src = reader.result;            // data: URL (CSP img-src allows data:)
      $('qr-box').hidden = false;
      var left = 120;
      clearInterval(timer);
      timer = setInterval(function () {
        left -= 1;
        $('qr-exp').textContent = left > 0 ? '请向工作人员出示，' + left + ' 秒后失效' : '已失效，请重新生成';
        if (left <= 0) { clearInterval(timer); $('qr').removeAttribute('src'); }
      }, 1000);
    };
    reader.readAsDataURL(blob);
  }

  /* File the objection, then upload each chosen file (one request each, checked by content
   * on the server); a refused file leaves the objection filed and says why. */
  async function fileObjection() {
    var reason = $('obj-reason').value.trim();
    if (!current || !reason) { E.error('请填写异议理由'); return; }
    var input = $('obj-files'), problem = EcertEvidence.precheck(input);
    if (problem) { E.error(problem); return; }
    var files = Array.prototype.slice.call(input.files || []);
    var o = await E.api('POST', '/api/v1/objections', { identifier: current, reason: reason });
    $('obj-reason').value = '';
    var refused = '';
    for (var i = 0; i < files.length && !refused; i++) {
      try { await EcertEvidence.upload(o.id, files[i]); } catch (e) { refused = e.message; }
    }
    input.value = '';
    await objections();
    if (refused) { E.error('异议已提交，证据文件未被接受：' + refused); }
  }

  var STATE = { open: '处理中', answered: '已答复', upheld: '异议成立', rejected: '异议不成立',
    coordinated: '主管部门已协调答复' };
  var OUTCOME = { answered: '已答复', upheld: '异议成立', rejected: '异议不成立' };

  function objectionItem(o) {
    var li = el('li', null, { 'data-objection': String(o.id), 'data-state': o.state });
    li.appendChild(el('div', E.when(o.filed_at) + ' · ' + o.reason));
    var state = el('div');
    state.appendChild(el('span', STATE[o.state] || o.state, { 'class': 'tag' }));
    if (o.escalated_at) {
      state.appendChild(document.createTextNode(' '));
      state.appendChild(el('span', '已转主管部门督办', { 'class': 'tag escalated' }));
    }
    li.appendChild(state);
    li.appendChild(el('div', '答复期限：' + E.when(o.due_at)));
    if (o.answer) { li.appendChild(el('p', '签发部门答复：' + o.answer)); }
    if (o.coordination) {
      li.appendChild(el('p', '主管部门协调答复：' + o.coordination, { 'class': 'coordination' }));
      li.appendChild(el('div', '协调结论：' + (OUTCOME[o.coordination_state] || o.coordination_state)));
    }
    if ((o.attachments || []).length) {
      li.appendChild(el('div', '证据材料'));
      li.appendChild(EcertEvidence.list(o));
    }
    return li;
  }

  async function objections() {
    var list = await E.api('GET', '/api/v1/objections');
    var ul = $('objections');
    ul.textContent = '';
    if (!list.length) { ul.appendChild(el('li', '暂无异议')); }
    list.forEach(function (o) { ul.appendChild(objectionItem(o)); });
  }

  /* Sign-in: real-name login (when the server offers it) or a pasted token. The token lives
   * in sessionStorage under the key common.js reads; a login session is revoked on logout. */
  var KEY = 'ecert-token-' + location.pathname;   // the key of Ecert.token() in common.js
  var SESSION = 'ecert-holder-session';

  function signedIn() {
    var form = $('rn-form'), details = $('token-login');
    if (form) { form.hidden = true; }
    if (details) { details.hidden = true; }
    $('token-box').hidden = true;
    $('signed-in').hidden = false;
    load().catch(function () {});
  }

  function start(token, isSession) {
    sessionStorage.setItem(KEY, token);
    if (isSession) { sessionStorage.setItem(SESSION, '1'); } else { sessionStorage.removeItem(SESSION); }
    signedIn();
  }

  async function realNameLogin(ev) {
    ev.preventDefault();
    var name = $('rn-name').value.trim(), code = $('rn-code').value.trim().toUpperCase();
    if (!name || !code) { E.error('请填写姓名和证件号码'); return; }
    var resp = await fetch('/api/v1/holder/session', {
      method: 'POST', cache: 'no-store', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: name, code: code })
    });
    var body = null;
    try { body = await resp.json(); } catch (e) { /* not JSON */ }
    if (resp.status !== 201 || !body || !body.token) {
      var msg = resp.status === 429 ? '登录尝试过多，请稍后再试'
        : resp.status === 401 ? '姓名与证件号码不匹配，或没有可查看的证照'
          : (body && body.detail) || (resp.status + ' 登录失败');
      E.error(msg);
      return;
    }
    $('rn-code').value = '';
    E.error('');
    start(body.token, true);
  }

  async function logout() {
    if (sessionStorage.getItem(SESSION) && E.token()) {
      try {
        await fetch('/api/v1/holder/session', {
          method: 'DELETE', cache: 'no-store', headers: { Authorization: 'Bearer ' + E.token() }
        });
      } catch (e) { /* offline: the token still expires within 12 hours */ }
    }
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(SESSION);
    location.reload();
  }

  if ($('rn-form')) {
    $('rn-form').addEventListener('submit', function (ev) { realNameLogin(ev).catch(function () {}); });
  }
  $('save-token').addEventListener('click', function () {
    var t = $('token').value.trim();
    $('token').value = '';
    if (t) { start(t, false); }
  });
  $('logout').addEventListener('click', function () { logout().catch(function () {}); });
  if (E.token()) { signedIn(); }
  $('present').addEventListener('click', function () { present().catch(function () {}); });
  $('obj-file').addEventListener('click', function () { fileObjection().catch(function () {}); });
}());
