/* Event times are printed in the event's own time zone. A visitor whose
   clock is in another zone gets their own time beside each one
   (<time class="ev-time" datetime="...UTC...">). The page works without it. */
(function () {
  var zone = document.getElementById('ev-zone');
  var times = document.querySelectorAll('time.ev-time[datetime]');
  if (!times.length || !window.Intl) return;
  var lang = document.documentElement.lang || 'zh-CN';
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  } catch (e) { return; }
  var mine = lang === 'en' ? 'your time' : '您的时间';
  Array.prototype.forEach.call(times, function (t) {
    var d = new Date(t.getAttribute('datetime'));
    if (isNaN(d.getTime())) return;
    /* Same offset as the event's zone at that moment: nothing to add. */
    var eventOffset = zone ? parseInt(zone.getAttribute('data-offset'), 10) : NaN;
    if (!isNaN(eventOffset) && -d.getTimezoneOffset() === eventOffset) return;
    if (isNaN(eventOffset) && t.closest('.ev-card') === null) return;
    var s = document.createElement('span');
    s.className = 'ev-local meta';
    s.textContent = ' (' + mine + ': ' + fmt.format(d) + ')';
    t.parentNode.insertBefore(s, t.nextSibling);
  });
})();
