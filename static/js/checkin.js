/* Check-in by scanning: where the browser has a camera and a
   BarcodeDetector that reads QR codes (Chrome on Android, for one), a
   button reads the ticket's QR code and sends the form; elsewhere —
   Chromium on Linux has no BarcodeDetector — there is no camera button and
   staff type the code. The page works without this script. */
(function () {
  var box = document.getElementById('ck-camera');
  var form = document.getElementById('ev-checkin-form');
  var input = document.getElementById('ck-code');
  if (!box || !form || !input || !('BarcodeDetector' in window) ||
      !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var formats = window.BarcodeDetector.getSupportedFormats ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve(['qr_code']);
  formats.then(function (list) {
    if (list.indexOf('qr_code') < 0) return;     /* a detector that cannot read QR codes: typing only */
    box.hidden = false;
    start();
  }, function () {});

  function start() {
    var video = document.getElementById('ck-video');
    var help = document.getElementById('ck-camera-help');
    function failed() { help.textContent = help.getAttribute('data-fail'); input.focus(); }
    document.getElementById('ck-scan').addEventListener('click', function () {
      var detector;
      try { detector = new window.BarcodeDetector({ formats: ['qr_code'] }); } catch (e) { failed(); return; }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        var playing = video.play();
        if (playing && playing.catch) playing.catch(function () {});
        var done = false;
        function stop() { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; }
        function look() {
          if (done) return;
          if (video.readyState < 2) { requestAnimationFrame(look); return; }
          detector.detect(video).then(function (codes) {
            if (codes.length && codes[0].rawValue) {
              done = true;
              stop();
              input.value = codes[0].rawValue;
              form.submit();
            } else {
              requestAnimationFrame(look);
            }
          }, function () { requestAnimationFrame(look); });
        }
        look();
      }, failed);
    });
  }
})();
