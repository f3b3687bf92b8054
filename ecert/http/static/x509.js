/* The list signer's chain, checked in the browser (ca.documents.verify_document in JS).
 *
 * Trust and status lists are signed by the list-signing key, with x5c = [list-signing
 * certificate, issuing CA]; the page pins only the root's public key. Here: each certificate
 * of x5c is signed by the next, the last by the root; the CAs are CAs (basicConstraints cA,
 * keyCertSign, path length); the leaf has the list-signing EKU; all are valid at the
 * verification time (as in ca.documents). Lists of platforms made before the issuing CA are
 * signed by the root itself (no x5c or x5c = [root]): the root's key verifies them directly.
 * EcertX509.listKey(header, root, atMs) -> Promise<CryptoKey|null>.
 */
'use strict';
var EcertX509 = (function () {
  var LIST_EKU = '1.3.6.1.4.1.32473.7338.3.2';
  var OID_BC = '2.5.29.19', OID_KU = '2.5.29.15', OID_EKU = '2.5.29.37';

  // ------------------------------------------------------------ minimal DER reader
  function tlv(buf, pos) {
    var tag = buf[pos], len = buf[pos + 1], hdr = 2;
    if (tag === undefined || len === undefined) { throw new Error('der'); }
    if (len & 0x80) {
      var n = len & 0x7f;
      if (n < 1 || n > 3) { throw new Error('der length'); }
      len = 0;
      for (var i = 0; i < n; i++) { len = len * 256 + buf[pos + 2 + i]; }
      hdr += n;
    }
    var end = pos + hdr + len;
    if (end > buf.length) { throw new Error('der overrun'); }
    return { tag: tag, start: pos, body: pos + hdr, end: end };
  }

  function children(buf, node) {
    var out = [], p = node.body;
    while (p < node.end) { var c = tlv(buf, p); out.push(c); p = c.end; }
    return out;
  }

  function oid(buf, node) {
    var b = buf.subarray(node.body, node.end), parts = [Math.floor(b[0] / 40), b[0] % 40], v = 0;
    for (var i = 1; i < b.length; i++) {
      v = v * 128 + (b[i] & 0x7f);
      if (!(b[i] & 0x80)) { parts.push(v); v = 0; }
    }
    return parts.join('.');
  }

  function time(buf, node) {
    var s = new TextDecoder('ascii').decode(buf.subarray(node.body, node.end));
    if (node.tag === 0x17) { s = (parseInt(s.slice(0, 2), 10) < 50 ? '20' : '19') + s; }
    var m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) { throw new Error('time'); }
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  }

  function bytes(buf, node) { return buf.subarray(node.start, node.end); }

  function parse(der) {
    var cert = tlv(der, 0), top = children(der, cert);
    var tbs = top[0], f = children(der, tbs), i = f[0].tag === 0xa0 ? 1 : 0;
    var validity = children(der, f[i + 3]);
    var c = {
      tbs: bytes(der, tbs), issuer: bytes(der, f[i + 2]), subject: bytes(der, f[i + 4]),
      spki: bytes(der, f[i + 5]), notBefore: time(der, validity[0]),
      notAfter: time(der, validity[1]), ca: false, pathLen: null, certSign: false, eku: [],
      sig: der.subarray(top[2].body + 1, top[2].end)
    };
    var ext = f.filter(function (n) { return n.tag === 0xa3; })[0];
    if (ext) { children(der, children(der, ext)[0]).forEach(function (e) { readExt(der, e, c); }); }
    return c;
  }

  function readExt(der, e, c) {
    var parts = children(der, e), id = oid(der, parts[0]);
    var value = tlv(der, parts[parts.length - 1].body);
    if (id === OID_BC) {
      children(der, value).forEach(function (n) {
        if (n.tag === 0x01) { c.ca = der[n.body] !== 0; }
        if (n.tag === 0x02) { c.pathLen = der[n.body]; }
      });
    } else if (id === OID_KU) {
      var unused = der[value.body], first = der[value.body + 1];
      c.certSign = value.end - value.body > 1 && unused < 8 && (first & 0x04) !== 0;
    } else if (id === OID_EKU) {
      c.eku = children(der, value).map(function (n) { return oid(der, n); });
    }
  }

  function same(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  // ECDSA-Sig-Value (DER) -> r||s, 32 bytes each, as WebCrypto wants
  function rawSig(der) {
    var seq = tlv(der, 0), rs = children(der, seq), out = new Uint8Array(64);
    [rs[0], rs[1]].forEach(function (n, k) {
      var v = der.subarray(n.body, n.end);
      while (v.length > 32 && v[0] === 0) { v = v.subarray(1); }
      if (v.length > 32) { throw new Error('sig'); }
      out.set(v, 32 * (k + 1) - v.length);
    });
    return out;
  }

  function spkiKey(spki) {
    return crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false,
      ['verify']);
  }

  function jwkKey(jwk) {
    return crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  }

  async function signedBy(cert, key) {
    return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, rawSig(cert.sig), cert.tbs);
  }

  function b64(s) {
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  async function sha256b64u(der) {
    var d = new Uint8Array(await crypto.subtle.digest('SHA-256', der)), s = '';
    for (var i = 0; i < d.length; i++) { s += String.fromCharCode(d[i]); }
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // The key that may sign a list with this JWS header, or null (fail closed).
  async function listKey(header, root, at) {
    var x5c = header.x5c;
    if (!x5c || !x5c.length) { return jwkKey(root.jwk); }
    try {
      var ders = x5c.map(b64);
      if (ders.length === 1 && (await sha256b64u(ders[0])) === root.x5t) { return jwkKey(root.jwk); }
      if (ders.length > 2) { return null; }
      var certs = ders.map(parse), key = await jwkKey(root.jwk);
      for (var i = certs.length - 1; i >= 0; i--) {  // from the root down
        var c = certs[i], below = i;  // CA certificates under this issuer's child
        if (!(await signedBy(c, key))) { return null; }
        if (i < certs.length - 1 && !same(c.issuer, certs[i + 1].subject)) { return null; }
        if (!(c.notBefore <= at && at <= c.notAfter)) { return null; }
        if (i > 0 && (!c.ca || !c.certSign || (c.pathLen !== null && below - 1 > c.pathLen))) {
          return null;
        }
        key = await spkiKey(c.spki);
      }
      if (certs[0].ca || certs[0].eku.indexOf(LIST_EKU) < 0) { return null; }
      return key;
    } catch (e) {
      return null;
    }
  }

  return { listKey: listKey, parse: parse };
})();
