/* 签发部门: a form generated from a catalog type's JSON Schema (`definition.fields`) and the
 * API's per-field errors shown beside their inputs.
 *
 * Each input sits in a box whose data-field is the name the API uses in a problem's `errors`
 * ([{field, message}], issuer/catalog.py validate_data and issuer/rules.py): `holder.name`,
 * `holder.code`, `valid_from`, `valid_to`, `licence_number`, or a field of the type by its
 * name. Nothing is checked here: the API decides, the page shows what it said.
 */
var EcertForm = (function () {
  'use strict';
  var E = Ecert, el = E.el;
  var HOLDER_CODE = { '111': '公民身份号码', '001': '统一社会信用代码' };
  var META = ['valid_from', 'valid_to', 'licence_number'];
  var META_SPEC = {
    valid_from: { type: 'string', format: 'date', title: '有效期起' },
    valid_to: { type: 'string', format: 'date', title: '有效期至' },
    licence_number: { type: 'string', title: '证照编号', maxLength: 100 }
  };

  function hint(p) {
    var parts = [];
    if (p.minimum !== undefined || p.maximum !== undefined) {
      parts.push('范围：' + (p.minimum !== undefined ? p.minimum : '') + '–' +
        (p.maximum !== undefined ? p.maximum : ''));
    }
    if (p.maxLength !== undefined) { parts.push('最多 {0} 字'.replace('{0}', p.maxLength)); }
    if (p.description) { parts.push(p.description); }
    return parts;
  }

  function control(id, name, p) {
    var c;
    if (Array.isArray(p.enum)) {
      c = el('select', null, { id: id });
      c.appendChild(el('option', '请选择', { value: '' }));
      p.enum.forEach(function (v) { c.appendChild(el('option', v, { value: String(v) })); });
    } else if (p.type === 'boolean') {
      c = el('input', null, { id: id, type: 'checkbox' });
    } else if (p.type === 'integer' || p.type === 'number') {
      c = el('input', null, { id: id, type: 'number', inputmode: 'decimal',
        step: p.type === 'integer' ? '1' : 'any' });
      if (p.minimum !== undefined) { c.setAttribute('min', p.minimum); }
      if (p.maximum !== undefined) { c.setAttribute('max', p.maximum); }
    } else if (p.format === 'date') {
      c = el('input', null, { id: id, type: 'date' });
    } else if ((p.maxLength || 0) > 200) {
      c = el('textarea', null, { id: id, rows: '3', maxlength: String(p.maxLength) });
    } else {
      c = el('input', null, { id: id, type: 'text', autocomplete: 'off' });
      if (p.maxLength) { c.setAttribute('maxlength', String(p.maxLength)); }
    }
    c.setAttribute('data-kind', p.type || 'string');
    c.setAttribute('name', name);
    return c;
  }

  function box(form, name, p, required) {
    var id = form.id + '-' + name.replace(/[^A-Za-z0-9_]/g, '_');
    var div = el('div', null, { 'class': 'field', 'data-field': name });
    var label = el('label', p.title || name, { 'for': id });
    if (required) { label.appendChild(el('span', ' *', { 'class': 'req', 'aria-hidden': 'true' })); }
    div.appendChild(label);
    var c = control(id, name, p);
    if (required) { c.setAttribute('aria-required', 'true'); }
    var unit = p.unit || p['x-unit'];
    if (unit) {
      var row = el('div', null, { 'class': 'with-unit' });
      row.appendChild(c);
      row.appendChild(el('span', unit, { 'class': 'unit' }));
      div.appendChild(row);
    } else {
      div.appendChild(c);
    }
    hint(p).forEach(function (h) { div.appendChild(el('p', h, { 'class': 'muted hint' })); });
    div.appendChild(el('p', null, { 'class': 'field-error', role: 'alert', hidden: '' }));
    form.appendChild(div);
  }

  /* Stored definitions lose their key order (canonical JSON): `x-order` if the type gives one,
   * else the required fields in the order `required` lists them, then the others. */
  function order(schema, props, required) {
    var first = Array.isArray(schema['x-order']) ? schema['x-order'] : required;
    return first.filter(function (k) { return Object.prototype.hasOwnProperty.call(props, k); })
      .concat(Object.keys(props).filter(function (k) { return first.indexOf(k) < 0; }));
  }

  /* The form of `type` (a CertificateTypeOut); `record` (a certificate's record) prefills it. */
  function build(form, type, record) {
    form.textContent = '';
    var def = type.definition || {}, schema = def.fields || {}, props = schema.properties || {};
    var required = schema.required || [];
    form.setAttribute('data-type', type.type_code);
    box(form, 'holder.name', { type: 'string', title: '持证主体名称' }, true);
    box(form, 'holder.code', { type: 'string', title: HOLDER_CODE[def.holder_kind] ||
      '证件号码（公民身份号码或统一社会信用代码）' }, true);
    order(schema, props, required).forEach(function (k) { box(form, k, props[k], required.indexOf(k) >= 0); });
    META.forEach(function (k) { box(form, k, META_SPEC[k], false); });
    if (record) { fill(form, record); }
  }

  function fill(form, record) {
    var values = { 'holder.name': (record.holder || {}).name, 'holder.code': (record.holder || {}).code,
      valid_from: (record.validity || {}).from, valid_to: (record.validity || {}).to,
      licence_number: record.licence_number };
    Object.keys(record.fields || {}).forEach(function (k) { values[k] = record.fields[k]; });
    Array.prototype.forEach.call(form.querySelectorAll('[data-field]'), function (div) {
      var v = values[div.getAttribute('data-field')];
      var c = div.querySelector('[name]');
      if (v === undefined || v === null) { return; }
      if (c.type === 'checkbox') { c.checked = v === true; } else { c.value = String(v); }
    });
  }

  function value(c) {
    var kind = c.getAttribute('data-kind');
    if (c.type === 'checkbox') { return c.checked; }
    var v = c.value.trim();
    if (v === '') { return undefined; }
    if (kind === 'integer' || kind === 'number') { return isNaN(Number(v)) ? v : Number(v); }
    return v;
  }

  /* {holder: {name, code}, fields: {...}, valid_from?, valid_to?, licence_number?} */
  function collect(form) {
    var data = { holder: {}, fields: {} };
    Array.prototype.forEach.call(form.querySelectorAll('[data-field]'), function (div) {
      var name = div.getAttribute('data-field'), v = value(div.querySelector('[name]'));
      if (v === undefined) { return; }
      if (name.indexOf('holder.') === 0) { data.holder[name.slice(7)] = v; }
      else if (META.indexOf(name) >= 0) { data[name] = v; }
      else { data.fields[name] = v; }
    });
    return data;
  }

  /* Show a problem's `errors` beside their fields; the rest in `list`. Returns how many. */
  function showErrors(form, list, problem) {
    clear(form, list);
    var errors = (problem && problem.errors) || [];
    errors.forEach(function (e) {
      var field = String(e.field || ''), msg = E.zh(e.message || '');
      var div = form.querySelector('[data-field="' + field.replace(/["\\]/g, '') + '"]');
      if (!div && field.indexOf('fields.') === 0) {
        div = form.querySelector('[data-field="' + field.slice(7).replace(/["\\]/g, '') + '"]');
      }
      if (div) {
        var p = div.querySelector('.field-error');
        p.textContent = p.textContent ? p.textContent + '；' + E.T(msg) : E.T(msg);
        p.hidden = false;
        div.classList.add('invalid');
        div.querySelector('[name]').setAttribute('aria-invalid', 'true');
      } else {
        list.appendChild(el('li', (field ? field + '：' : '') + msg));
      }
    });
    var first = form.querySelector('.invalid [name]');
    if (first) { first.focus(); }
    return errors.length;
  }

  function clear(form, list) {
    list.textContent = '';
    Array.prototype.forEach.call(form.querySelectorAll('.field-error'), function (p) {
      p.textContent = ''; p.hidden = true;
    });
    Array.prototype.forEach.call(form.querySelectorAll('.invalid'), function (d) {
      d.classList.remove('invalid');
      d.querySelector('[name]').removeAttribute('aria-invalid');
    });
  }

  return { build: build, collect: collect, showErrors: showErrors, clear: clear, order: order };
}());
