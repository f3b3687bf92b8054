/* Citizen verification page (/v/<identifier>#<compact JWS>).
 *
 * 1. The fragment (sent only in the body of the live-status POST, never in a URL) is a
 *    compact ES256 JWS of the QR claim set.
 *    It is verified here with WebCrypto against the trust list (/pki/trust-list), itself a
 *    JWS checked against the root public key embedded in the page.
 * 2. The live status comes separately from POST /api/v1/public/status (with the fragment;
 *    GET /api/v1/public/status/<identifier> without one: status only); offline,
 *    from the root-signed status list the service worker cached (if still fresh).
 * Fails closed: anything not proven valid is "invalid" (forged/tampered) or "unknown".
 * Three claim-set specs (docs/formats.md): ecert/qr/3 as issued now (packed: the payload is an
 * array, spec and id are rebuilt from typ and path; it names the status index si, so the one
 * root-signed shard /pki/status/<si / size> gives the status offline), ecert/qr/2 (short typ,
 * key named by its kid, type and issuer codes read from the signed id, names from the trust
 * list / live status) and the legacy ecert/qr/1 (long typ, x5t#S256, t/tn/iss/in members).
 */
(function () {
  'use strict';

  // Every wire constant comes from formats.spec.as_json(), served as /spec.js: nothing of the
  // status table, the verdict words, the QR specs or the key ids is retyped here.
  var SPEC = self.EcertSpec;
  var T = self.EcertT || function (s) { return s; };   // the page's language (static/i18n.js)
  var TEXT = {}, SUB = {}, STATUS_VERDICT = {};
  Object.keys(SPEC.verdicts).forEach(function (v) {
    TEXT[v] = SPEC.verdicts[v].headline;
    SUB[v] = SPEC.verdicts[v].advice;
  });
  Object.keys(SPEC.statuses).forEach(function (c) { STATUS_VERDICT[c] = SPEC.statuses[c].verdict; });
  var VALID_CODE = Object.keys(SPEC.statuses).filter(function (c) {
    return SPEC.statuses[c].verdict === 'valid';
  })[0];
  var QR_SPECS = SPEC.qr.spec_by_typ;               // typ -> spec
  var QR3 = SPEC.qr.issued;
  var QR2 = Object.keys(SPEC.qr.specs).filter(function (s) {
    return s !== QR3 && SPEC.qr.specs[s].key_header === 'kid';
  })[0];
  var SHARD = SPEC.status_shard;
  var KID_CHARS = SPEC.kid.chars;
  var LABELS = [['tn', '证照名称'], ['t', '证照类型代码'], ['h', '持证主体'], ['hc', '证件号码'],
    ['in', '签发部门'], ['vf', '有效期起'], ['vt', '有效期至']];
  var DISPLAY_LABELS = [['name', '证照名称'], ['holder', '持证主体'], ['holder_code', '证件号码'],
    ['issuer', '签发部门'], ['licence_number', '证照编号'], ['valid_from', '有效期起'],
    ['valid_to', '有效期至']];
  var SKEW_MS = 5 * 60 * 1000;
  // As verifier.results: forgery first, then undecidable, then the most severe status.
  var PRIORITY = ['invalid', 'not_original', 'unknown', 'revoked', 'cancelled', 'suspended',
    'expired', 'superseded'];

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
    var key = jwk instanceof CryptoKey ? jwk : await crypto.subtle.importKey('jwk',
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

  function beijingToday(now) {
    return new Date(now + 8 * 3600 * 1000).toISOString().slice(0, 10);
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

  // ------------------------------------------------------------------ checks (verifier.policy)
  // The same checks, names, reasons and verdict as the Python verifier's offline QR policy;
  // docs/vectors/qr-cases.json is run through both (tests/web/test_vectors_browser.py).

  function mk(name, passed, reason, message, verdict) {
    return { name: name, passed: passed, reason: reason, message: message,
      verdict: passed === null ? 'unknown' : (verdict || 'invalid') };
  }
  function ok(name, message) { return mk(name, true, 'ok', message); }
  function fail(name, reason, message, verdict) { return mk(name, false, reason, message, verdict); }
  function undecided(name, reason, message) { return mk(name, null, reason, message); }
  function notRun(name) { return undecided(name, 'not-run', '未执行（前置检查未通过）'); }

  function deriveVerdict(checks) {
    if (!checks.length) { return 'unknown'; }
    var implied = {};
    checks.forEach(function (c) {
      if (c.passed !== true) { implied[c.passed === false ? c.verdict : 'unknown'] = true; }
    });
    for (var i = 0; i < PRIORITY.length; i++) { if (implied[PRIORITY[i]]) { return PRIORITY[i]; } }
    return 'valid';
  }

  // An identifier's shape (formats.identifiers): base (status list key) and version.
  function parseIdentifier(text) {
    var p = typeof text === 'string' ? text.split('.') : [];
    if (text.length > SPEC.identifier.max_len || text.indexOf(SPEC.identifier.prefix) !== 0 ||
        p.length !== 10 || !/^[0-9]{3}$/.test(p[8]) || !/^[0-9A-Z]+$/.test(p[7] + p[9])) {
      throw new Error('identifier');
    }
    return { text: text, base: p.slice(0, 8).join('.'), version: parseInt(p[8], 10),
      typeCode: p[5], issuerCode: p[6] };
  }

  // A citizen QR: ".../v/<identifier>#<jws>" or "#<jws>" (verifier.qr.parse_qr).
  function splitQr(url) {
    var at = url.indexOf('#');
    if (at < 0) { throw new Error('no fragment'); }
    var m = /(?:^|\/)v\/([^/?#]+)\/?$/.exec(url.slice(0, at));
    return { path: m ? decodeURIComponent(m[1]) : null, fragment: url.slice(at + 1) };
  }

  // RFC 8785 of a flat claim set (strings and integers): what the department signed.
  function canonical(obj) {
    return '{' + Object.keys(obj).sort().map(function (k) {
      return JSON.stringify(k) + ':' + JSON.stringify(obj[k]);
    }).join(',') + '}';
  }

  function b64uEncode(bytes) {
    var bin = '';
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // formats.qr.unpack_fragment: a packed ecert/qr/3 fragment -> the compact JWS it stands for
  // (header, canonical claim set with spec and the path's id, signature). Others unchanged.
  function expandFragment(pathId, fragment) {
    var parts = String(fragment).split('.'), spec = SPEC.qr.specs[QR3], header;
    if (parts.length !== 3) { throw new Error('not a compact JWS'); }
    header = json(b64u(parts[0]));
    if (!header || header.typ !== spec.typ) { return fragment; }
    if (typeof pathId !== 'string') { throw new Error('qr/3 needs the path'); }
    var values = json(b64u(parts[1])), claims = { spec: QR3, id: pathId };
    if (!Array.isArray(values) || values.length !== spec.packed.length) { throw new Error('packed'); }
    spec.packed.forEach(function (k, i) {
      var v = values[i];
      if (v === null && spec.optional.indexOf(k) >= 0) { return; }
      if (v === null && spec.nullable.indexOf(k) >= 0) { claims[k] = null; return; }
      var num = k === 'iat' || k === 'si';
      if (num ? !(typeof v === 'number' && Math.floor(v) === v && v >= 0 && v < Math.pow(2, 40))
        : typeof v !== 'string') { throw new Error('packed ' + k); }
      claims[k] = v;
    });
    return parts[0] + '.' + b64uEncode(new TextEncoder().encode(canonical(claims))) + '.' + parts[2];
  }

  function decodeClaims(part) {
    try {
      var c = json(b64u(part));
      return c && typeof c === 'object' && !Array.isArray(c) ? c : null;
    } catch (e) { return null; }
  }

  // verifier.qr.qr_claims_view: ecert/qr/2 names no type or issuer; both are in the signed id.
  function claimsView(claims, key) {
    if (!claims || (claims.spec !== QR2 && claims.spec !== QR3)) { return claims; }
    var view = {}, id;
    Object.keys(claims).forEach(function (k) {
      if (['t', 'iss', 'tn', 'in'].indexOf(k) < 0) { view[k] = claims[k]; }
    });
    try { id = parseIdentifier(claims.id); } catch (e) { return view; }
    view.t = id.typeCode;
    view.iss = id.issuerCode;
    view['in'] = key && key.dept_name ? key.dept_name : id.issuerCode;
    return view;
  }

  function expectedTyp(claims) {
    var legacy = Object.keys(SPEC.qr.specs).filter(function (s) {
      return s !== QR2 && s !== QR3;
    })[0];
    var spec = claims && (claims.spec === QR2 || claims.spec === QR3) ? claims.spec : legacy;
    return SPEC.qr.specs[spec].typ;
  }

  function signedAt(claims) {
    var iat = claims ? claims.iat : null;
    return (typeof iat === 'number' && Math.floor(iat) === iat && iat >= 0 && iat < Math.pow(2, 40))
      ? iat * 1000 : null;
  }

  function findKey(header, trust) {
    var keys = trust.payload.keys || [], x5t = header['x5t#S256'], kid = header.kid;
    var named = typeof x5t === 'string' ? x5t : null;
    if (named === null && typeof kid === 'string' && kid.length === KID_CHARS) {
      var found = keys.filter(function (k) {
        return typeof k['x5t#S256'] === 'string' && k['x5t#S256'].slice(0, KID_CHARS) === kid;
      });
      named = found.length === 1 ? found[0]['x5t#S256'] : null;
    }
    return keys.filter(function (k) { return named !== null && k['x5t#S256'] === named; })[0] || null;
  }

  // SignatureCheck: the JWS verifies with the trust list's key, under the expected typ.
  async function signatureCheck(fragment, trust) {
    var n = 'signature', split;
    try { split = splitJws(fragment); } catch (e) {
      return { check: fail(n, 'malformed', '签名数据格式错误') };
    }
    var unverified = decodeClaims(split.parts[1]);
    if (split.header.typ !== expectedTyp(unverified)) {
      return { check: fail(n, 'wrong-type', '签名数据类型不符') };
    }
    var key = findKey(split.header, trust);
    if (!key) {
      var at = signedAt(unverified);
      if (at !== null && at > trust.issued) {
        return { check: undecided(n, 'trust-list-older', '签名证书不在当前信任列表中，请更新信任列表或联网核验') };
      }
      return { check: fail(n, 'unknown-signer', '签名证书不属于本平台登记的签发部门') };
    }
    var claims = null, good = false;
    try {
      good = await verifyWith(key.jwk, split) !== null;
      claims = good ? decodeClaims(split.parts[1]) : null;
    } catch (e) { good = false; }
    if (!good) { return { check: fail(n, 'bad-signature', '电子签名校验不通过'), key: key }; }
    if (!claims) { return { check: fail(n, 'malformed', '签名内容格式错误'), key: key }; }
    return { check: ok(n, '二维码电子签名有效（' + (key.dept_name || key.dept) + '）'), key: key,
      claims: claims };
  }

  // TrustCheck: the key was valid when it signed, not in the future, and not revoked then
  // (a key revoked for compromise proves nothing, whatever time the claims state).
  function trustCheck(key, claims, now) {
    var n = 'trust', at = signedAt(claims);
    if (at === null) { return fail(n, 'no-signing-time', '缺少签名时间'); }
    try {
      if (at < parseTime(key.not_before) - SKEW_MS || at > parseTime(key.not_after)) {
        return fail(n, 'key-not-valid-at-signing', '签名时签名证书不在有效期内');
      }
      if (at > now + SKEW_MS) { return fail(n, 'signed-in-future', '签名时间晚于当前时间'); }
      if (key.state === 'revoked' || key.revoked_at) {
        var why = String(key.revocation_reason || '').replace(/_/g, '').toLowerCase();
        var compromised = why === 'keycompromise' || why === 'cacompromise';
        if (compromised || !key.revoked_at || parseTime(key.revoked_at) <= at) {
          return fail(n, compromised ? 'key-compromised' : 'key-revoked',
            compromised ? '签名密钥已泄露，签名不可信' : '签名证书已被吊销');
        }
      }
    } catch (e) { return fail(n, 'key-not-valid-at-signing', '签名证书信息无效'); }
    return ok(n, '签名时签名证书有效');
  }

  // IssuerBindingCheck (Art. 9: a successor's key seals its predecessors' certificates).
  function issuerCheck(key, view) {
    var actsFor = Array.isArray(key.acts_for) ? key.acts_for : [];
    if (view.iss === key.dept) { return ok('issuer', '签发部门与签名证书一致'); }
    if (actsFor.indexOf(view.iss) >= 0) { return ok('issuer', '由承继签发部门职责的部门签名（机构改革）'); }
    return fail('issuer', 'issuer-mismatch', '签发部门与签名证书不符');
  }

  function identifierCheck(ident, view) {
    var signed = view.identifier !== undefined ? view.identifier : view.id;
    return signed === ident.text ? ok('identifier', '证照标识与签名内容一致')
      : fail('identifier', 'identifier-mismatch', '二维码内容与网址中的证照标识不符');
  }

  // The claim set: signature, trust, issuer, identifier. {checks, claims (view), key}.
  async function claimChecks(ident, fragment, trust, now) {
    var sig = await signatureCheck(fragment, trust);
    if (sig.check.passed !== true) {
      return { checks: [sig.check, notRun('trust'), notRun('issuer'), notRun('identifier')] };
    }
    var view = claimsView(sig.claims, sig.key);
    return { checks: [sig.check, trustCheck(sig.key, view, now), issuerCheck(sig.key, view),
      identifierCheck(ident, view)], claims: view, key: sig.key };
  }

  function listedStatus(status, ident) {
    var entries = status && status.payload.entries || [];
    for (var i = 0; i < entries.length; i++) {
      if (entries[i].id === ident.base) { return entries[i]; }
    }
    return null;
  }

  function dateOf(v) {
    if (v === null || v === undefined) { return null; }
    if (typeof v !== 'string' || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(v)) { throw new Error('date'); }
    return v;
  }

  // StatusCheck, NotSupersededCheck, ValidityCheck over a status list entry.
  function recordChecks(ident, claims, entry, now) {
    var out = [];
    if (!entry) {
      out.push(undecided('status', 'status-unavailable', '无法获取证照当前状态'));
    } else if (entry.s === VALID_CODE) {
      out.push(ok('status', '证照状态：有效'));
    } else if (!STATUS_VERDICT[entry.s]) {
      out.push(undecided('status', 'status-unrecognised', '证照状态无法识别'));
    } else {
      var v = STATUS_VERDICT[entry.s];
      out.push(fail('status', 'status-' + entry.s, '证照状态：' + SPEC.verdicts[v].summary, v));
    }
    if (!entry) {
      out.push(notRun('current-version'));
    } else if (ident.version < entry.v) {
      out.push(fail('current-version', 'superseded', '此版本已被新版本取代', 'superseded'));
    } else if (ident.version > entry.v) {
      out.push(fail('current-version', 'version-unknown', '该版本不存在'));
    } else {
      out.push(ok('current-version', '为最新版本'));
    }
    if (!claims) { out.push(notRun('validity')); return out; }
    var vf, vt, today = beijingToday(now);
    try {
      vf = dateOf(claims.validity ? claims.validity.from : claims.vf);
      vt = dateOf(claims.validity ? claims.validity.to : claims.vt);
    } catch (e) { out.push(fail('validity', 'bad-validity', '有效期格式错误')); return out; }
    if (entry && entry.vt) { vt = entry.vt; }            // an extension (延期) moves the end
    if (vf !== null && today < vf) {
      out.push(undecided('validity', 'not-yet-valid', '尚未到有效期起始日'));
    } else if (vt !== null && today > vt) {
      out.push(fail('validity', 'expired', '已于 ' + vt + ' 到期', 'expired'));
    } else {
      out.push(ok('validity', vt ? '在有效期内' : '长期有效'));
    }
    return out;
  }

  var LIST_WORDS = { 'trust-list': '信任列表', 'status-list': '状态列表' };
  function freshnessCheck(lists, now) {
    for (var i = 0; i < lists.length; i++) {
      if (now >= lists[i].next) {
        return undecided('list-freshness', 'stale-list', (LIST_WORDS[lists[i].name] || lists[i].name) + ' 已过期，请联网更新后核验');
      }
      if (lists[i].issued > now + SKEW_MS) {
        return undecided('list-freshness', 'list-from-future', (LIST_WORDS[lists[i].name] || lists[i].name) + ' 时间异常');
      }
    }
    return ok('list-freshness', '信任列表和状态列表在有效期内');
  }

  // A signed list (trust or status) from its compact JWS: null unless its signer chains to the
  // root (x509.js: list-signing certificate → issuing CA → root, valid at `now`, as the Python
  // verifier checks; a stale list is the freshness check's business).
  async function readList(text, root, spec, name, now) {
    var split = splitJws(text);
    var key = await EcertX509.listKey(split.header, root, now === undefined ? Date.now() : now);
    var payload = key ? await verifyWith(key, split) : null;
    if (!payload || payload.spec !== spec) { return null; }
    if (name === 'trust-list' && (!payload.root || payload.root['x5t#S256'] !== root.x5t)) {
      return null;
    }
    return { name: name, payload: payload, issued: parseTime(payload.issued_at),
      next: parseTime(payload.next_update) };
  }

  async function loadList(url, root, spec, name) {
    var resp = await fetch(url, { cache: 'no-cache' });
    if (!resp.ok) { throw new Error('http ' + resp.status); }
    return (await readList(await resp.text(), root, spec, name)) || { bad: true };
  }

  // verifier.bitstring.load_shard: the description signed by the root (signature header),
  // the SHA-256 of the gzip body it names, then the bitstring. {name, payload, issued, next, raw}
  async function readShard(jws, gz, root, number, now) {
    if (!jws || !(gz instanceof Uint8Array) || gz.length > 48 * 1024) { return null; }
    var meta = await readList(jws, root, SHARD.spec, 'status-shard', now);
    if (!meta || meta.payload.shard !== number || meta.payload.size !== SHARD.size ||
        meta.payload.status_size !== SHARD.bits) { return null; }
    var digest = new Uint8Array(await crypto.subtle.digest('SHA-256', gz));
    if (b64uEncode(digest) !== meta.payload.sha256) { return null; }
    var stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'));
    var raw = new Uint8Array(await new Response(stream).arrayBuffer());
    if (raw.length !== SHARD.size * SHARD.bits / 8) { return null; }
    meta.raw = raw;
    return meta;
  }

  // One shard from the server (the service worker revalidates its copy with the ETag).
  async function loadShard(number, root) {
    var resp = await fetch(SHARD.path + number, { cache: 'no-cache' });
    if (!resp.ok) { throw new Error('http ' + resp.status); }
    var gz = new Uint8Array(await resp.arrayBuffer());
    return (await readShard(resp.headers.get(SHARD.signature_header), gz, root, number)) ||
      { bad: true };
  }

  function shardNumber(claims) {
    var si = claims ? claims.si : null;
    return typeof si === 'number' && Math.floor(si) === si && si >= 0 ? Math.floor(si / SHARD.size) : null;
  }

  // The status entry the shard keeps for the claims' si, as a status list entry (no version:
  // a shard keeps two bits, the version is taken as current; docs/verifying.md).
  function shardStatus(shard, claims, ident) {
    var slot = claims.si % SHARD.size, byte = shard.raw[slot >> 2];
    var value = (byte >> (6 - 2 * (slot & 3))) & 3;
    return { id: ident.base, s: SHARD.entry_codes[value], v: ident.version, vt: null };
  }

  /* verifier.qr.verify_qr in the browser: a QR URL against a trust list and a status list
   * (compact JWS, signed by `root` = {jwk, x5t}) at `now` (ms). Returns {verdict, checks}.
   * `shard` (optional, {number, jws, gz: Uint8Array}) is the status shard a qr/3 code names;
   * `statusJws` may then be null. */
  async function verifyQrOffline(url, trustJws, statusJws, root, now, shard) {
    var ident, frag, trust, status = null, sh = null;
    try {
      var qr = splitQr(String(url).trim());
      frag = expandFragment(qr.path, qr.fragment);
      if (frag.split('.').length !== 3) { throw new Error('fragment'); }
      var unverified = decodeClaims(frag.split('.')[1]);
      ident = parseIdentifier(qr.path !== null ? qr.path : (unverified || {}).id);
    } catch (e) {
      return { verdict: 'invalid', checks: [fail('qr', 'malformed', '不是本平台的证照二维码')] };
    }
    trust = await readList(trustJws, root, SPEC.lists.trust, 'trust-list', now);
    if (statusJws) { status = await readList(statusJws, root, SPEC.lists.status, 'status-list', now); }
    if (shard) { sh = await readShard(shard.jws, shard.gz, root, shard.number, now); }
    if (!trust || (statusJws && !status) || (shard && !sh) || (!status && !sh)) {
      return { verdict: 'unknown', checks: [undecided('list-freshness', 'list-invalid', '列表签名无效')] };
    }
    var claim = await claimChecks(ident, frag, trust, now);
    var entry = status ? listedStatus(status, ident) : null;
    if (sh && claim.claims && shardNumber(claim.claims) === sh.payload.shard) {
      var fromShard = shardStatus(sh, claim.claims, ident);
      entry = entry ? Object.assign({}, entry, { s: fromShard.s }) : fromShard;
    }
    var lists = [trust].concat(status ? [status] : [], sh ? [sh] : []);
    var checks = [freshnessCheck(lists, now)].concat(claim.checks,
      recordChecks(ident, claim.claims, entry, now));
    return { verdict: deriveVerdict(checks), checks: checks };
  }

  // A bare identifier gets the verdict and status only. With a fragment, it goes in a POST
  // body (never a URL): the server verifies it, compares its claims with the stored record (a
  // key revoked for compromise forges nothing, docs/security.md) and only then returns the
  // masked display fields (proof of holding the document).
  async function liveStatus(identifier, fragment) {
    try {
      var resp = fragment
        ? await fetch('/api/v1/public/status', { method: 'POST', cache: 'no-store',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ identifier: identifier, jws: fragment }) })
        : await fetch('/api/v1/public/status/' + encodeURIComponent(identifier),
          { cache: 'no-store' });
      if (!resp.ok) { return null; }
      return await resp.json();
    } catch (e) { return null; }
  }

  // The page: the QR claim set against the served trust list; {verdict, claims, age}.
  async function checkFragment(identifier, fragment, root, checks) {
    var list, ident;
    try {
      list = await loadList('/pki/trust-list', root, SPEC.lists.trust, 'trust-list');
    } catch (e) {
      checks.push([null, '无法获取信任列表，无法核验二维码签名']);
      return { verdict: 'unknown' };
    }
    if (list.bad) {
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
    try { ident = parseIdentifier(identifier); } catch (e) {
      checks.push([false, '证照标识格式错误']);
      return { verdict: 'invalid', age: age };
    }
    var jws;
    try { jws = expandFragment(identifier, fragment); } catch (e) {
      checks.push([false, '二维码数据格式错误（不是本平台签发的二维码）']);
      return { verdict: 'invalid', age: age };
    }
    var r = await claimChecks(ident, jws, list, now);
    r.checks.forEach(function (c) { if (c.reason !== 'not-run') { checks.push([c.passed, c.message]); } });
    var res = { verdict: deriveVerdict(r.checks), claims: r.claims, age: age, ident: ident };
    // Only the key's compromise stands between these claims and valid: the server may vouch.
    var against = r.checks.filter(function (c) { return c.passed !== true && c.reason !== 'not-run'; });
    res.vouchable = against.length > 0 && against.every(function (c) { return c.reason === 'key-compromised'; });
    if (res.verdict === 'valid' && r.claims.vt && r.claims.vt < beijingToday(now)) {
      checks.push([false, '已于 ' + r.claims.vt + ' 到期（以二维码记载为准）']);
    }
    return res;
  }

  // Offline fallback: the cached, root-signed status list, if still fresh.
  async function statusFromList(frag, root) {
    try {
      var list = await loadList('/pki/status-list', root, SPEC.lists.status, 'status-list');
      var now = Date.now();
      if (list.bad || now >= list.next) { return null; }
      var entry = listedStatus(list, frag.ident);
      if (!entry) { return null; }
      return { verdict: deriveVerdict(recordChecks(frag.ident, frag.claims, entry, now)),
        age: ageText(now - list.issued) };
    } catch (e) { return null; }
  }

  // ecert/qr/3: the status its one shard records (the service worker revalidates its copy).
  async function statusFromShard(frag, root) {
    var n = shardNumber(frag.claims);
    if (n === null || !root) { return null; }
    try {
      var sh = await loadShard(n, root), now = Date.now();
      if (sh.bad) { return { verdict: 'unknown', bad: true }; }
      if (now >= sh.next) { return null; }
      var entry = shardStatus(sh, frag.claims, frag.ident);
      return { verdict: deriveVerdict(recordChecks(frag.ident, frag.claims, entry, now)),
        age: ageText(now - sh.issued) };
    } catch (e) { return null; }
  }

  function worse(a, b) {
    var ia = PRIORITY.indexOf(a), ib = PRIORITY.indexOf(b);
    if (ia < 0) { return b; }
    if (ib < 0) { return a; }
    return ia <= ib ? a : b;
  }

  function show(verdict, claims, display, checks, age, current, status) {
    var box = $('result');
    box.setAttribute('data-verdict', verdict);
    // the status's own word when it gives this verdict (撤销 is not 吊销, 转移 is not 注销)
    var st = status && SPEC.statuses[status] && SPEC.statuses[status].verdict === verdict
      ? SPEC.statuses[status] : null;
    $('verdict-title').textContent = T(st ? st.headline : TEXT[verdict]);
    $('verdict-sub').textContent = T(st ? st.advice : SUB[verdict]);
    var dl = $('claims');
    dl.textContent = '';
    var add = function (label, value) {
      if (value === undefined || value === null || value === '') { return; }
      var dt = document.createElement('dt'); dt.textContent = T(label);
      var dd = document.createElement('dd'); dd.textContent = String(value);
      dl.appendChild(dt); dl.appendChild(dd);
    };
    if (claims) {
      LABELS.forEach(function (l) { add(l[1], l[0] === 'vt' ? (claims.vt || T('长期')) : claims[l[0]]); });
    } else if (display) {
      DISPLAY_LABELS.forEach(function (l) { add(l[1], display[l[0]]); });
    }
    var ul = $('checks');
    ul.textContent = '';
    checks.forEach(function (c) {
      var li = document.createElement('li');
      li.className = c[0] === true ? 'pass' : (c[0] === false ? 'fail' : 'undecided');
      li.textContent = (c[0] === true ? '✓ ' : (c[0] === false ? '✗ ' : '? ')) + T(c[1]);
      ul.appendChild(li);
    });
    $('list-age').textContent = T(age || '');
    var link = $('current-link');
    link.hidden = true;
    if (current) {
      link.hidden = false;
      link.textContent = '';
      var a = document.createElement('a');
      a.href = '/v/' + encodeURIComponent(current);
      a.textContent = T('查看最新版本') + '：' + current;
      link.appendChild(a);
    }
  }

  // Each run numbers itself; a run overtaken by a newer one (the fragment changed) shows nothing.
  var runs = 0;

  async function run() {
    var mine = ++runs;
    var identifier = decodeURIComponent(location.pathname.replace(/^\/v\//, '').replace(/\/$/, ''));
    var fragment = location.hash ? location.hash.slice(1) : '';
    $('identifier').textContent = identifier;   // the page may be the offline shell of another
    var root;
    try {
      root = JSON.parse($('trust-root').textContent);
    } catch (e) { root = null; }
    var checks = [];
    var livePromise = liveStatus(identifier, fragment);
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
    var fromShard = (frag && frag.verdict === 'valid') ? await statusFromShard(frag, root) : null;
    if (fromShard && fromShard.bad) {
      checks.push([null, '状态分片签名无效']);
    } else if (fromShard) {
      checks.push([fromShard.verdict === 'valid', '状态分片（平台根证书签名，' + fromShard.age +
        '前签发）记载状态：' + TEXT[fromShard.verdict]]);
    }
    var live = await livePromise;
    var verdict, age = frag && frag.age, current = null;
    if (live && live.verdict) {
      checks.push([live.verdict === 'valid', '平台实时状态：' + (TEXT[live.verdict] || live.verdict) +
        '（北京时间 ' + beijingTime(live.checked_at) + ' 查询）']);
      current = live.current_identifier;
    } else {
      var offline = fromShard && !fromShard.bad ? fromShard
        : ((frag && frag.verdict === 'valid') ? await statusFromList(frag, root) : null);
      if (offline) {
        checks.push([offline.verdict === 'valid', '离线：状态列表（' + offline.age + '前）记载状态：' +
          TEXT[offline.verdict]]);
        live = { verdict: offline.verdict };
      } else {
        checks.push([null, '无法获取证照当前状态（可能处于离线状态）']);
      }
    }
    if (frag && frag.vouchable && live && live.qr_checked && TEXT[live.verdict]) {
      verdict = live.verdict;                       // the store vouches for this exact record
      if (verdict === 'valid') { frag.verdict = 'valid'; }
    } else if (frag && frag.verdict !== 'valid') {
      verdict = frag.verdict;                       // forged or undecidable beats any status
    } else if (!live || !live.verdict) {
      verdict = 'unknown';                          // never valid without a status
    } else {
      verdict = TEXT[live.verdict] ? live.verdict : 'unknown';
    }
    if (fromShard && verdict === 'valid') { verdict = worse(verdict, fromShard.verdict); }
    var shown = frag && frag.verdict === 'valid' ? frag.claims : null;
    if (shown && live && live.display) {
      // ecert/qr/2 carries no type name (nor an organisation's name): the live answer has them
      if (!shown.tn && live.display.name) { shown.tn = live.display.name; }
      if (!shown.h && live.display.holder) { shown.h = live.display.holder; }
    }
    if (shown && shown.tn) { delete shown.t; }       // the type code only when no name is known
    if (mine !== runs) { return; }
    show(verdict, shown, live && live.display, checks, age, current, live && live.status);
  }

  function start() {
    run().catch(function () {
      show('unknown', null, null, [[null, '核验过程出错']], '', null);
    });
  }

  // for the published vectors (tests/web/test_vectors_browser.py) and other pages' scripts
  self.EcertVerify = { verifyQrOffline: verifyQrOffline, deriveVerdict: deriveVerdict,
    loadShard: loadShard, expandFragment: expandFragment };

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(function () {});
  }
  // The same tab may be given another QR of the same certificate (only the fragment
  // changes, so the page does not reload): verify again, never keep the old verdict.
  window.addEventListener('hashchange', function () {
    var box = $('result');
    box.setAttribute('data-verdict', 'pending');
    $('verdict-title').textContent = T('正在核验…');
    start();
  });
  start();
}());
