/* Citizen verification page (/v/<identifier>#<compact JWS>).
 *
 * 1. The fragment (never sent to the server) is a compact ES256 JWS of the QR claim set.
 *    It is verified here with WebCrypto against the trust list (/pki/trust-list), itself a
 *    JWS checked against the root public key embedded in the page.
 * 2. The live status comes separately from /api/v1/public/status/<identifier>; offline,
 *    from the root-signed status list the service worker cached (if still fresh).
 * Fails closed: anything not proven valid is "invalid" (forged/tampered) or "unknown".
 * Two claim-set specs (docs/formats.md): ecert/qr/2 (typ "eqr", key named by "kid", type and
 * issuer codes read from the signed id, names from the trust list / live status) and the
 * legacy ecert/qr/1 (typ "ecert-qr+jws", "x5t#S256", t/tn/iss/in members) still on paper.
 */
(function () {
  'use strict';

  var TEXT = {
    valid: '真实有效', revoked: '已吊销', suspended: '已暂停', expired: '已过期',
    cancelled: '已注销', superseded: '已被新版本替代', invalid: '伪造或被篡改', unknown: '无法确认'
  };
  var SUB = {
    valid: '电子签名有效，证照当前有效。',
    revoked: '此证照已被撤销或吊销，不能作为有效证照使用。',
    suspended: '此证照已暂停使用（含质押）。',
    expired: '此证照已超出有效期。',
    cancelled: '此证照已注销。',
    superseded: '此证照已变更，此为旧版本，请查看最新版本。',
    invalid: '二维码内容的电子签名不正确：可能被伪造或篡改，请勿采信。',
    unknown: '无法完成核验（信任列表过期或无法获取当前状态），请联网后重试或向签发部门核实。'
  };
  var STATUS_VERDICT = { '01': 'valid', '02': 'suspended', '03': 'revoked', '04': 'cancelled',
    '05': 'expired', '06': 'cancelled', '07': 'revoked', '99': 'cancelled' };
  var LABELS = [['tn', '证照名称'], ['t', '证照类型代码'], ['h', '持证主体'], ['hc', '证件号码'],
    ['in', '签发部门'], ['vf', '有效期起'], ['vt', '有效期至']];
  var QR_SPECS = { 'ecert-qr+jws': 'ecert/qr/1', 'eqr': 'ecert/qr/2' };  // typ -> spec
  var KID_CHARS = 12;
  var DISPLAY_LABELS = [['name', '证照名称'], ['holder', '持证主体'], ['holder_code', '证件号码'],
    ['issuer', '签发部门'], ['licence_number', '证照编号'], ['valid_from', '有效期起'],
    ['valid_to', '有效期至']];
  var SKEW_MS = 5 * 60 * 1000;

  function $(id) { return document.getElementById(id); }

  function b64u(s) {
    if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) {
      throw new Error('bad base64url');
    }
    var t = s.replace(/-/g, '+').replace(/_/g, '/');
    while (t.length % 4) { t += '='; }
    var bin = atob(t);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function json(bytes) {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  }

  function splitJws(compact) {
    var parts = String(compact).trim().split('.');
    if (parts.length !== 3) { throw new Error('not a compact JWS'); }
    var header = json(b64u(parts[0]));
    if (!header || header.alg !== 'ES256') { throw new Error('alg'); }
    return { parts: parts, header: header };
  }

  async function verifyWith(jwk, split) {
    var sig = b64u(split.parts[2]);
    if (sig.length !== 64) { return null; }
    var key = await crypto.subtle.importKey('jwk',
      { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    var data = new TextEncoder().encode(split.parts[0] + '.' + split.parts[1]);
    var ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sig, data);
    return ok ? json(b64u(split.parts[1])) : null;
  }

  function parseTime(s) {
    var t = Date.parse(s);
    if (isNaN(t)) { throw new Error('time'); }
    return t;
  }

  function beijingToday() {
    return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  }

  function beijingTime(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) { return ''; }
    return new Date(t + 8 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
  }

  function ageText(ms) {
    var m = Math.max(0, Math.round(ms / 60000));
    if (m < 60) { return m + ' 分钟'; }
    var h = Math.round(m / 60);
    return h < 48 ? h + ' 小时' : Math.round(h / 24) + ' 天';
  }

  // A root-signed list (trust or status): verified with the embedded root key.
  async function loadList(url, root, spec) {
    var resp = await fetch(url, { cache: 'no-cache' });
    if (!resp.ok) { throw new Error('http ' + resp.status); }
    var split = splitJws(await resp.text());
    var payload = await verifyWith(root.jwk, split);
    if (!payload || payload.spec !== spec) { return { bad: true }; }
    return {
      payload: payload, issued: parseTime(payload.issued_at),
      next: parseTime(payload.next_update)
    };
  }

  async function liveStatus(identifier) {
    try {
      var resp = await fetch('/api/v1/public/status/' + encodeURIComponent(identifier),
        { cache: 'no-store' });
      if (!resp.ok) { return null; }
      return await resp.json();
    } catch (e) { return null; }
  }

  // The QR claim set: returns {verdict: valid|invalid|unknown, claims, checks, age}.
  async function checkFragment(identifier, fragment, root, checks) {
    var list;
    try {
      list = await loadList('/pki/trust-list', root, 'ecert/trust-list/1');
    } catch (e) {
      checks.push([null, '无法获取信任列表，无法核验二维码签名']);
      return { verdict: 'unknown' };
    }
    if (list.bad || !list.payload.root || list.payload.root['x5t#S256'] !== root.x5t) {
      checks.push([null, '信任列表签名无效']);
      return { verdict: 'unknown' };
    }
    var now = Date.now();
    var age = '信任列表签发于 ' + ageText(now - list.issued) + '前';
    if (now >= list.next) {
      checks.push([null, '信任列表已过期（应于 ' + list.payload.next_update + ' 前更新），请联网后核验']);
      return { verdict: 'unknown', age: age };
    }
    checks.push([true, '信任列表由平台根证书签名，且在有效期内']);
    var split, claims = null, key = null, spec = null;
    try {
      split = splitJws(fragment);
      spec = QR_SPECS[split.header.typ];
      if (!spec) { throw new Error('typ'); }
      var x5t = split.header['x5t#S256'], kid = split.header.kid;
      var keys = list.payload.keys || [], found = [];
      for (var i = 0; i < keys.length; i++) {
        var t = keys[i]['x5t#S256'];
        if (typeof t !== 'string') { continue; }
        if (typeof x5t === 'string' ? t === x5t
          : (typeof kid === 'string' && kid.length === KID_CHARS && t.slice(0, KID_CHARS) === kid)) {
          found.push(keys[i]);
        }
      }
      key = found.length === 1 ? found[0] : null;
      if (key) { claims = await verifyWith(key.jwk, split); }
    } catch (e) { claims = null; }
    if (!key) {
      checks.push([false, '签名证书不属于本平台登记的签发部门']);
      return { verdict: 'invalid', age: age };
    }
    if (!claims) {
      checks.push([false, '二维码电子签名校验不通过']);
      return { verdict: 'invalid', age: age };
    }
    checks.push([true, '二维码电子签名有效（' + (key.dept_name || key.dept) + '）']);
    var bad = function (msg) { checks.push([false, msg]); return { verdict: 'invalid', age: age }; };
    if (claims.spec !== spec || typeof claims.id !== 'string' || claims.id !== identifier) {
      return bad('二维码内容与网址中的证照标识不符');
    }
    if (spec === 'ecert/qr/2') {
      // codes are parts of the signed id; the issuer's name is the trust list's (root-signed)
      var idParts = claims.id.split('.');
      claims = { id: claims.id, t: idParts[5], iss: idParts[6], h: claims.h, hc: claims.hc,
        vf: claims.vf, vt: claims.vt, iat: claims.iat, rh: claims.rh,
        'in': key.dept_name || idParts[6] };
    }
    // Art. 9: after a reorganisation the successor's key seals its predecessors' certificates
    var actsFor = Array.isArray(key.acts_for) ? key.acts_for : [];
    if (claims.iss !== key.dept && actsFor.indexOf(claims.iss) < 0) { return bad('签发部门与签名证书不符'); }
    checks.push([true, '证照标识、签发部门与签名一致']);
    var iat = (typeof claims.iat === 'number') ? claims.iat * 1000 : NaN;
    try {
      if (isNaN(iat) || iat < parseTime(key.not_before) - SKEW_MS ||
          iat > parseTime(key.not_after) || iat > now + SKEW_MS) {
        return bad('签名时签名证书不在有效期内');
      }
      if (key.state === 'revoked' && (!key.revoked_at || parseTime(key.revoked_at) <= iat)) {
        return bad('签名证书已被吊销');
      }
    } catch (e) { return bad('签名证书信息无效'); }
    checks.push([true, '签名时签名证书有效']);
    var res = { verdict: 'valid', claims: claims, age: age };
    if (claims.vt && claims.vt < beijingToday()) {
      checks.push([false, '已于 ' + claims.vt + ' 到期（以二维码记载为准）']);
      res.expired = true;
    }
    return res;
  }

  // Offline fallback: the cached, root-signed status list, if still fresh.
  async function statusFromList(identifier, root) {
    try {
      var list = await loadList('/pki/status-list', root, 'ecert/status-list/1');
      if (list.bad || Date.now() >= list.next) { return null; }
      var base = identifier.split('.').slice(0, 8).join('.');
      var version = parseInt(identifier.split('.')[8], 10);
      var entries = list.payload.entries || [];
      for (var i = 0; i < entries.length; i++) {
        if (entries[i].id === base) {
          var v = STATUS_VERDICT[entries[i].s] || 'unknown';
          if (v === 'valid' && entries[i].v > version) { v = 'superseded'; }
          if (v === 'valid' && entries[i].vt && entries[i].vt < beijingToday()) { v = 'expired'; }
          return { verdict: v, age: ageText(Date.now() - list.issued) };
        }
      }
    } catch (e) { return null; }
    return null;
  }

  function show(verdict, claims, display, checks, age, current) {
    var box = $('result');
    box.setAttribute('data-verdict', verdict);
    $('verdict-title').textContent = TEXT[verdict];
    $('verdict-sub').textContent = SUB[verdict];
    var dl = $('claims');
    dl.textContent = '';
    var add = function (label, value) {
      if (value === undefined || value === null || value === '') { return; }
      var dt = document.createElement('dt'); dt.textContent = label;
      var dd = document.createElement('dd'); dd.textContent = String(value);
      dl.appendChild(dt); dl.appendChild(dd);
    };
    if (claims) {
      LABELS.forEach(function (l) { add(l[1], l[0] === 'vt' ? (claims.vt || '长期') : claims[l[0]]); });
    } else if (display) {
      DISPLAY_LABELS.forEach(function (l) { add(l[1], display[l[0]]); });
    }
    var ul = $('checks');
    ul.textContent = '';
    checks.forEach(function (c) {
      var li = document.createElement('li');
      li.className = c[0] === true ? 'pass' : (c[0] === false ? 'fail' : 'undecided');
      li.textContent = (c[0] === true ? '✓ ' : (c[0] === false ? '✗ ' : '? ')) + c[1];
      ul.appendChild(li);
    });
    $('list-age').textContent = age || '';
    var link = $('current-link');
    if (current) {
      link.hidden = false;
      link.textContent = '';
      var a = document.createElement('a');
      a.href = '/v/' + encodeURIComponent(current);
      a.textContent = '查看最新版本：' + current;
      link.appendChild(a);
    }
  }

  async function run() {
    var identifier = decodeURIComponent(location.pathname.replace(/^\/v\//, '').replace(/\/$/, ''));
    var fragment = location.hash ? location.hash.slice(1) : '';
    $('identifier').textContent = identifier;   // the page may be the offline shell of another
    var root;
    try {
      root = JSON.parse($('trust-root').textContent);
    } catch (e) { root = null; }
    var checks = [];
    var livePromise = liveStatus(identifier);
    var frag = null;
    if (!window.crypto || !crypto.subtle) {
      checks.push([null, '此浏览器不支持 WebCrypto，无法在本机核验签名']);
      frag = { verdict: 'unknown' };
    } else if (fragment && root) {
      frag = await checkFragment(identifier, fragment, root, checks);
    } else if (fragment) {
      frag = { verdict: 'unknown' };
    } else {
      checks.push([null, '链接中没有二维码签名数据：未核验纸面二维码内容，仅显示平台当前状态']);
    }
    var live = await livePromise;
    var verdict, age = frag && frag.age, current = null;
    if (live && live.verdict) {
      checks.push([live.verdict === 'valid', '平台实时状态：' + (TEXT[live.verdict] || live.verdict) +
        '（北京时间 ' + beijingTime(live.checked_at) + ' 查询）']);
      current = live.current_identifier;
    } else {
      var offline = (frag && frag.verdict === 'valid') ? await statusFromList(identifier, root) : null;
      if (offline) {
        checks.push([offline.verdict === 'valid', '离线：状态列表（' + offline.age + '前）记载状态：' +
          TEXT[offline.verdict]]);
        live = { verdict: offline.verdict };
      } else {
        checks.push([null, '无法获取证照当前状态（可能处于离线状态）']);
      }
    }
    if (frag && frag.verdict !== 'valid') {
      verdict = frag.verdict;                       // forged or undecidable beats any status
    } else if (!live || !live.verdict) {
      verdict = 'unknown';                          // never valid without a status
    } else {
      verdict = TEXT[live.verdict] ? live.verdict : 'unknown';
    }
    var shown = frag && frag.verdict === 'valid' ? frag.claims : null;
    if (shown && live && live.display) {
      // ecert/qr/2 carries no type name (nor an organisation's name): the live answer has them
      if (!shown.tn && live.display.name) { shown.tn = live.display.name; }
      if (!shown.h && live.display.holder) { shown.h = live.display.holder; }
    }
    if (shown && shown.tn) { delete shown.t; }       // the type code only when no name is known
    show(verdict, shown, live && live.display, checks, age, current);
  }

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(function () {});
  }
  run().catch(function () {
    show('unknown', null, null, [[null, '核验过程出错']], '', null);
  });
}());
