// Event form: "Add a table" and "Add a round" buttons; settings: "Add an item" (run of show). Each clones the last row of its list
// and renames the fields to the next index (table_theme_7 -> table_theme_8). Without this
// script the form still works with the rows the server rendered.
(function () {
  'use strict';

  var MAX_ROWS = 200;
  var SUFFIX = /_\d+$/;

  function renumber(value, index) {
    return value.replace(SUFFIX, '_' + index);
  }

  function addRow(container, rowSelector, keepSelects) {
    var rows = container.querySelectorAll(rowSelector);
    if (rows.length === 0 || rows.length >= MAX_ROWS) return null;
    var last = rows[rows.length - 1];
    var index = rows.length;
    var lastIndex = parseInt(last.getAttribute('data-index'), 10);
    if (!isNaN(lastIndex) && lastIndex + 1 > index) index = lastIndex + 1;

    var row = last.cloneNode(true);
    row.setAttribute('data-index', String(index));

    var named = row.querySelectorAll('[name], [id], label[for]');
    for (var i = 0; i < named.length; i++) {
      var el = named[i];
      if (el.hasAttribute('name')) el.setAttribute('name', renumber(el.getAttribute('name'), index));
      if (el.hasAttribute('id')) el.setAttribute('id', renumber(el.getAttribute('id'), index));
      if (el.hasAttribute('for')) el.setAttribute('for', renumber(el.getAttribute('for'), index));
    }

    var fields = row.querySelectorAll('input, textarea');
    for (var j = 0; j < fields.length; j++) {
      var f = fields[j];
      f.value = '';
      if (f.tagName === 'TEXTAREA') f.textContent = '';
      if (f.type === 'number' && f.hasAttribute('placeholder')) {
        f.setAttribute('placeholder', String(index + 1));
      } else {
        f.removeAttribute('placeholder');
      }
    }

    var selects = row.querySelectorAll('select');
    for (var k = 0; k < selects.length; k++) {
      // Keep the kind of the row it was copied from (usually "theme" after round 1), or start
      // blank where a blank kind means "unused row" (the run of show).
      selects[k].value = keepSelects ? last.querySelectorAll('select')[k].value : '';
    }

    var num = row.querySelector('.row-num');
    if (num) num.textContent = String(index + 1);

    container.appendChild(row);
    var first = row.querySelector('input, textarea, select');
    if (first) first.focus();
    return row;
  }

  function wire(buttonId, containerId, rowSelector, keepSelects) {
    var button = document.getElementById(buttonId);
    var container = document.getElementById(containerId);
    if (!button || !container) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      if (!addRow(container, rowSelector, keepSelects)) {
        button.disabled = true;
      }
    });
  }

  wire('add-table', 'table-rows', '.table-row', true);
  wire('add-round', 'round-rows', '.round-row', true);
  wire('add-agenda', 'agenda-rows', '.agenda-row', false);
})();
