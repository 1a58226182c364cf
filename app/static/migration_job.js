// The progress page of a bulk move: while it runs, carry on with the next batch (one request
// per batch, so no request is long); without JavaScript the button does the same.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-auto-continue]");
  if (form) form.requestSubmit();
});
