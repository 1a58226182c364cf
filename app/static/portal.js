// "Use my location" on the filing form: fills latitude and longitude from the phone's GPS.
// Without JavaScript (or permission) the fields are typed by hand or left empty.
(function () {
  var button = document.getElementById("use-location");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("lat").value = position.coords.latitude.toFixed(6);
      document.getElementById("lon").value = position.coords.longitude.toFixed(6);
    });
  });
})();
