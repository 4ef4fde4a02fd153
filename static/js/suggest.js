/* Search-as-you-type: fills the <datalist> of an input marked data-suggest
   with titles and keywords from /api/v1/suggest. The page works without it. */
(function () {
  var input = document.querySelector('input[data-suggest]');
  if (!input || !window.fetch) return;
  var list = document.getElementById(input.getAttribute('list'));
  var timer = null, last = '', seq = 0;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 1 || q === last) return;
      last = q;
      var mine = ++seq;
      fetch(input.getAttribute('data-suggest') + '?q=' + encodeURIComponent(q), { headers: { 'Accept': 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) {
          if (mine !== seq) return;  /* a newer request is on its way */
          while (list.firstChild) list.removeChild(list.firstChild);
          (data.items || []).forEach(function (item) {
            var opt = document.createElement('option');
            opt.value = item.text;
            list.appendChild(opt);
          });
        })
        .catch(function () {});
    }, 150);
  });
})();
