/* The cascading region picker (src/web/region_picker.h): when a level's
   select changes, the deeper selects go and the next one fills from
   /api/v1/regions?parent=CODE — no reload, no "next" button. The form
   works without this script (the button posts it back one level deeper). */
(function () {
  if (window.kjRegionPicker || !window.fetch) return;
  window.kjRegionPicker = true;
  var en = (document.documentElement.lang || '').indexOf('en') === 0;
  var prompts = en
    ? { city: 'Choose a city', district: 'Choose a county or district', township: 'Choose a township or street' }
    : { city: '选择城市', district: '选择区县', township: '选择乡镇/街道' };

  function selects(box) { return Array.prototype.slice.call(box.querySelectorAll('select')); }

  function addLevel(box, name, depth, items) {
    var id = name + '__' + depth;
    var label = document.createElement('label');
    label.className = 'sr-only';
    label.htmlFor = id;
    var sel = document.createElement('select');
    sel.id = id;
    sel.name = id;
    sel.setAttribute('data-depth', String(depth));
    var first = document.createElement('option');
    first.value = '';
    first.textContent = prompts[items[0].level] || (en ? 'Choose' : '请选择');
    label.textContent = first.textContent;
    sel.appendChild(first);
    items.forEach(function (it) {
      var o = document.createElement('option');
      o.value = it.code;
      o.textContent = en && it.name_en ? it.name_en : it.name_zh;
      sel.appendChild(o);
    });
    var levels = box.querySelector('.region-levels');
    levels.appendChild(label);
    levels.appendChild(sel);
  }

  function changed(box, sel) {
    var name = box.getAttribute('data-name');
    var depth = parseInt(sel.getAttribute('data-depth'), 10);
    selects(box).forEach(function (s) {
      if (parseInt(s.getAttribute('data-depth'), 10) > depth) {
        var l = box.querySelector('label[for="' + s.id + '"]');
        if (l) l.parentNode.removeChild(l);
        s.parentNode.removeChild(s);
      }
    });
    var chosen = box.querySelector('.region-chosen');
    if (chosen) chosen.parentNode.removeChild(chosen);
    var seq = (box.kjSeq || 0) + 1;
    box.kjSeq = seq;
    if (!sel.value) return;
    fetch('/api/v1/regions?parent=' + encodeURIComponent(sel.value), { headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) {
        if (box.kjSeq !== seq || !data.items || !data.items.length) return;
        addLevel(box, name, depth + 1, data.items);
      })
      .catch(function () {   /* the no-JS way is back */
        box.classList.remove('js');
        if (box.kjNext && !box.kjNext.parentNode) box.appendChild(box.kjNext);
      });
  }

  Array.prototype.forEach.call(document.querySelectorAll('fieldset.region-picker'), function (box) {
    box.classList.add('js');
    /* Out of the form, not only hidden: it comes first in tree order, and
       Enter in any field would press it instead of the form's own button. */
    box.kjNext = box.querySelector('.region-next');
    if (box.kjNext) box.kjNext.parentNode.removeChild(box.kjNext);
    box.addEventListener('change', function (e) {
      if (e.target && e.target.tagName === 'SELECT') changed(box, e.target);
    });
  });
})();
