/* The holder's inbox: what the platform told them (certificate issued, changed, suspended,
 * expiring …), newest first, shown through textContent only. */
(function () {
  'use strict';
  async function load() {
    var list = Ecert.$('inbox');
    if (!list || !Ecert.token()) { return; }
    var items = await Ecert.api('GET', '/api/v1/holder/inbox');
    list.textContent = '';
    items.forEach(function (m) {
      var li = Ecert.el('li', Ecert.when(m.created_at) + ' ' + m.title + ' ' +
        (m.data.identifier || ''), { 'data-kind': m.kind });
      list.appendChild(li);
    });
    if (!items.length) { list.appendChild(Ecert.el('li', '暂无消息')); }
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', load);
  } else { load(); }
  window.addEventListener('ecert-login', load);
}());
