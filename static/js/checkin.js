/* Check-in by scanning: where the browser has a camera and BarcodeDetector
   (Chrome on Android, for one), a button reads the ticket's QR code and
   sends the form; elsewhere staff type the code. The page works without it. */
(function () {
  var box = document.getElementById('ck-camera');
  var form = document.getElementById('ev-checkin-form');
  var input = document.getElementById('ck-code');
  if (!box || !form || !input || !('BarcodeDetector' in window) || !navigator.mediaDevices) return;
  box.hidden = false;
  var video = document.getElementById('ck-video');
  document.getElementById('ck-scan').addEventListener('click', function () {
    var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var done = false;
      function stop() { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; }
      function look() {
        if (done) return;
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
    }, function () {
      var help = document.getElementById('ck-camera-help');
      help.textContent = help.getAttribute('data-fail');
    });
  });
})();
