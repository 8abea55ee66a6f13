// The new-session form: "read a CSV file into the list". The file is read in the browser and its
// text put in the candidates' textarea, where the trainer sees and can correct it before creating;
// the server parses the textarea alone (the form stays urlencoded, with its CSRF field). Without
// JavaScript the file field stays hidden and pasting the CSV does the same.
(function () {
  "use strict";
  var file = document.getElementById("csv");
  var list = document.getElementById("candidates");
  if (!file || !list || !window.FileReader) return;
  file.parentNode.hidden = false;
  file.addEventListener("change", function () {
    var f = file.files && file.files[0];
    if (!f || f.size > 256 * 1024) return;  // a class list, not a data set
    var reader = new FileReader();
    reader.addEventListener("load", function () {
      list.value = String(reader.result).replace(/^\uFEFF/, "");  // a spreadsheet's byte-order mark
      list.focus();
    });
    reader.readAsText(f);
  });
})();
