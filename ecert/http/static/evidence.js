/* Evidence attached to objections (Art. 17), shared by the holder page and the authority's
 * queue on the staff page: upload one file per request, list, download with the bearer token
 * (a blob saved under the stored name: the server sends it as an attachment with the type it
 * verified from the content). Everything shown through textContent. */
var EcertEvidence = (function () {
  'use strict';
  var E = Ecert, el = E.el;

  async function upload(objectionId, file) {
    var form = new FormData();
    form.append('file', file, file.name);
    return E.api('POST', '/api/v1/objections/' + objectionId + '/evidence', form);
  }

  /* Files the input holds, checked against the limits the page states (the server checks
   * again, by content); returns an error message or ''. */
  function precheck(input) {
    var max = Number(input.getAttribute('data-max-bytes')) || 0;
    var count = Number(input.getAttribute('data-max-files')) || 0;
    var files = Array.prototype.slice.call(input.files || []);
    if (count && files.length > count) { return '证据文件过多'; }
    for (var i = 0; i < files.length; i++) {
      if (max && files[i].size > max) { return '证据文件过大'; }
    }
    return '';
  }

  async function download(objectionId, item) {
    var resp = await E.api('GET', '/api/v1/objections/' + objectionId + '/evidence/' + item.id,
      undefined, true);
    var url = URL.createObjectURL(await resp.blob());
    var a = document.createElement('a');
    a.href = url;
    a.download = item.filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  /* A list of an objection's attachments with a download button each. */
  function list(objection) {
    var ul = el('ul', null, { 'class': 'list evidence' });
    (objection.attachments || []).forEach(function (item) {
      var li = el('li', null, { 'data-evidence': String(item.id) });
      li.appendChild(el('code', item.filename + ' · ' + Math.ceil(item.size / 1024) + ' KB'));
      li.appendChild(document.createTextNode(' '));
      var b = el('button', '下载', { type: 'button', 'class': 'secondary' });
      b.addEventListener('click', function () { download(objection.id, item).catch(function () {}); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    return ul;
  }

  return { upload: upload, precheck: precheck, download: download, list: list };
}());
