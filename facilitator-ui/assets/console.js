// The live facilitator console. Speaks the websocket protocol in docs/protocol.md as the
// "console" role: it sees every comment of the event, hidden ones included.
(function () {
  'use strict';

  var main = document.getElementById('main');
  if (!main || !main.getAttribute('data-ws') || typeof WebSocket === 'undefined') return;

  var WS_PATH = main.getAttribute('data-ws');
  var CODE = main.getAttribute('data-code') || '';
  var SILENCE_MS = 45000;
  var FILTER_KEY = 'roundtable-console-filter:' + CODE;

  var $ = function (id) { return document.getElementById(id); };
  var ui = {
    conn: $('conn'),
    errors: $('errors'),
    controls: $('event-controls'),
    controlsState: $('controls-state'),
    eventState: $('event-state'),
    toggleOpen: $('toggle-open'),
    roundState: $('round-state'),
    rounds: $('rounds'),
    noRounds: $('no-rounds'),
    closeRound: $('close-round'),
    form: $('transcribe'),
    formTable: $('transcribe-table'),
    formText: $('transcribe-text'),
    formSubmit: $('transcribe-submit'),
    formStatus: $('transcribe-status'),
    filter: $('table-filter'),
    counts: $('counts'),
    empty: $('no-comments'),
    list: $('comments')
  };

  // ---- state -------------------------------------------------------------------------------

  var state = {
    event: null,        // {id, title, place, date, description, open, code}
    rounds: [],         // sorted by number
    tables: {},         // id -> table
    tableOrder: [],     // tables sorted by number
    comments: {}        // id -> comment
  };
  var maxSeq = 0;
  var haveSnapshot = false;
  var live = false;
  var ws = null;
  var attempt = 0;
  var reconnectTimer = null;
  var silenceTimer = null;
  var lastHeard = 0;
  var refCounter = 0;
  var pendingPost = null;   // {client_id, table_id, text, ref}
  var busy = {};            // command ref -> comment id, to clear the "working" look
  var errorTimer = null;
  var filter = '';

  // ---- small helpers -----------------------------------------------------------------------

  function make(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }

  function bdi(text) {
    return make('bdi', null, text);
  }

  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many);
  }

  function randomHex(bytes) {
    var buf = new Uint8Array(bytes);
    var c = window.crypto || window.msCrypto;
    if (c && c.getRandomValues) {
      c.getRandomValues(buf);
    } else {
      for (var i = 0; i < bytes; i++) buf[i] = Math.floor(Math.random() * 256);
    }
    var out = '';
    for (var j = 0; j < buf.length; j++) out += (buf[j] < 16 ? '0' : '') + buf[j].toString(16);
    return out;
  }

  function pad2(n) {
    return (n < 10 ? '0' : '') + n;
  }

  function tableLabel(tableId, number) {
    var t = state.tables[tableId];
    var n = t ? t.number : number;
    var label = 'Table ' + n;
    if (t && t.theme) label += ': ' + t.theme;
    return label;
  }

  function roundById(id) {
    for (var i = 0; i < state.rounds.length; i++) {
      if (state.rounds[i].id === id) return state.rounds[i];
    }
    return null;
  }

  function openRound() {
    for (var i = 0; i < state.rounds.length; i++) {
      if (state.rounds[i].status === 'open') return state.rounds[i];
    }
    return null;
  }

  // ---- messages to the person --------------------------------------------------------------

  function showError(message) {
    ui.errors.textContent = '';
    ui.errors.appendChild(make('p', null, message));
    ui.errors.classList.add('has-error');
    clearTimeout(errorTimer);
    errorTimer = setTimeout(function () {
      ui.errors.textContent = '';
      ui.errors.classList.remove('has-error');
    }, 15000);
  }

  var CONN_TEXT = {
    connecting: 'Connecting…',
    live: 'Live',
    catching: 'Catching up…',
    reconnecting: 'Connection lost. Reconnecting…',
    trouble: 'Can\u2019t reach the server. Still trying. Check the Wi-Fi; if it goes on, ask the organiser whether the console link was replaced.'
  };

  function setConn(kind) {
    ui.conn.setAttribute('data-state', kind);
    ui.conn.textContent = CONN_TEXT[kind] || kind;
    main.classList.toggle('is-offline', kind !== 'live');
  }

  // ---- sending -----------------------------------------------------------------------------

  function send(command) {
    if (!ws || ws.readyState !== 1 || !live) {
      showError('Not connected just now. Wait until the console says \u201cLive\u201d, then try again.');
      return null;
    }
    refCounter += 1;
    command.ref = 'r' + refCounter;
    try {
      ws.send(JSON.stringify(command));
    } catch (e) {
      showError('That didn\u2019t go through. Try again in a moment.');
      return null;
    }
    return command.ref;
  }

  // The line under "Add this point"; `isError` shows it in the error colour.
  function formStatus(text, isError) {
    ui.formStatus.textContent = text || '';
    ui.formStatus.classList.toggle('is-error', !!isError);
  }

  function sendPendingPost() {
    if (!pendingPost) return;
    if (!live) {
      formStatus('Not connected: it will be sent when the connection is back.');
      return;
    }
    pendingPost.ref = send({
      type: 'post',
      client_id: pendingPost.client_id,
      text: pendingPost.text,
      table_id: pendingPost.table_id
    });
    if (pendingPost.ref) formStatus('Sending…');
  }

  // ---- connection --------------------------------------------------------------------------

  function socketUrl() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + WS_PATH;
    if (haveSnapshot) url += (WS_PATH.indexOf('?') >= 0 ? '&' : '?') + 'since=' + maxSeq;
    return url;
  }

  function connect() {
    reconnectTimer = null;
    var sock;
    try {
      sock = new WebSocket(socketUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    ws = sock;
    setConn(attempt > 3 ? 'trouble' : (haveSnapshot ? 'reconnecting' : 'connecting'));
    sock.onopen = function () {
      if (ws !== sock) return;
      heard();
      setConn('catching');
    };
    sock.onmessage = function (ev) {
      if (ws !== sock) return;
      heard();
      if (typeof ev.data === 'string') handle(ev.data);
    };
    sock.onclose = function () {
      if (ws !== sock) return;
      ws = null;
      lost();
    };
    sock.onerror = function () { /* a close event follows */ };
  }

  function heard() {
    lastHeard = Date.now();
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(dropSocket, SILENCE_MS);
  }

  // Treat the socket as dead now (silence, or the page came back from sleep).
  function dropSocket() {
    var sock = ws;
    if (!sock) return;
    ws = null;
    try { sock.close(); } catch (e) { /* already closing */ }
    lost();
  }

  function lost() {
    clearTimeout(silenceTimer);
    live = false;
    for (var ref in busy) {
      if (Object.prototype.hasOwnProperty.call(busy, ref)) clearBusy(ref);
    }
    updateControls();
    setConn(attempt >= 3 ? 'trouble' : 'reconnecting');
    scheduleReconnect();
  }

  function scheduleReconnect() {
    if (reconnectTimer) return;
    var base = Math.min(10000, 1000 * Math.pow(2, attempt));
    attempt += 1;
    var delay = base / 2 + Math.random() * base / 2; // 0.5-1 s at first, up to 5-10 s
    reconnectTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (ws) return;
    if (reconnectTimer) {
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
    }
    connect();
  }

  function goLive() {
    attempt = 0;
    live = true;
    setConn('live');
    updateControls();
    if (pendingPost) sendPendingPost();
  }

  window.addEventListener('online', reconnectNow);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState !== 'visible') return;
    if (ws && Date.now() - lastHeard > 25000) {
      dropSocket();
      reconnectNow();
    } else if (!ws) {
      reconnectNow();
    }
  });

  // ---- incoming ----------------------------------------------------------------------------

  // True when a numbered change is new; remembers the highest number applied.
  function fresh(m) {
    if (typeof m.seq !== 'number') return true;
    if (m.seq <= maxSeq) return false;
    maxSeq = m.seq;
    return true;
  }

  function handle(data) {
    var m;
    try {
      m = JSON.parse(data);
    } catch (e) {
      return;
    }
    if (!m || typeof m.type !== 'string') return;
    switch (m.type) {
      case 'snapshot':
        applySnapshot(m);
        goLive();
        break;
      case 'caught_up':
        if (typeof m.seq === 'number' && m.seq > maxSeq) maxSeq = m.seq;
        goLive();
        break;
      case 'comment':
        if (fresh(m) && m.comment) {
          upsertComment(m.comment, m.change === 'posted' && live);
          updateCounts();
        }
        break;
      case 'comment_removed':
        if (fresh(m)) removeComment(m.id);
        break;
      case 'round':
        if (fresh(m) && m.round) {
          upsertRound(m.round);
          renderRounds();
        }
        break;
      case 'event':
        if (fresh(m) && state.event) {
          state.event.open = !!m.open;
          renderEvent();
          renderRounds();
        }
        break;
      case 'ack':
        onAck(m);
        break;
      case 'error':
        onError(m);
        break;
      case 'resync':
        // The server closes the socket; the close reconnects with since=maxSeq.
        setConn('catching');
        break;
      default:
        break; // ping and anything newer
    }
  }

  function applySnapshot(m) {
    var s = m.state || {};
    maxSeq = typeof m.seq === 'number' ? m.seq : 0;
    haveSnapshot = true;
    state.event = s.event || null;
    state.rounds = (s.rounds || []).slice().sort(function (a, b) { return a.number - b.number; });
    state.tables = {};
    state.tableOrder = (s.tables || []).slice().sort(function (a, b) { return a.number - b.number; });
    for (var i = 0; i < state.tableOrder.length; i++) {
      state.tables[state.tableOrder[i].id] = state.tableOrder[i];
    }
    state.comments = {};
    var comments = s.comments || [];
    for (var j = 0; j < comments.length; j++) state.comments[comments[j].id] = comments[j];

    renderTables();
    renderEvent();
    renderRounds();
    renderAllComments();
  }

  function clearBusy(ref) {
    if (!ref || !Object.prototype.hasOwnProperty.call(busy, ref)) return;
    var li = $('c-' + busy[ref]);
    delete busy[ref];
    if (li) li.classList.remove('is-busy');
  }

  function onAck(m) {
    clearBusy(m.ref);
    if (pendingPost && ((m.client_id && m.client_id === pendingPost.client_id) ||
        (m.ref && m.ref === pendingPost.ref))) {
      var label = tableLabel(pendingPost.table_id, '');
      pendingPost = null;
      ui.formText.value = '';
      formStatus('Added to ' + label + '.');
      updateControls();
    }
  }

  function onError(m) {
    clearBusy(m.ref);
    var message = m.message || 'That didn\u2019t work (' + (m.code || 'error') + ').';
    if (pendingPost && m.ref && m.ref === pendingPost.ref) {
      pendingPost = null;
      formStatus('Not added: ' + message, true);
      updateControls();
    }
    showError(message);
  }

  // ---- tables (filter and transcribe selects) ----------------------------------------------

  function fillSelect(select, firstLabel) {
    var keep = select.value;
    select.textContent = '';
    if (firstLabel !== null) {
      var first = make('option', null, firstLabel);
      first.value = '';
      select.appendChild(first);
    }
    for (var i = 0; i < state.tableOrder.length; i++) {
      var t = state.tableOrder[i];
      var opt = make('option', null, tableLabel(t.id, t.number));
      opt.value = String(t.id);
      select.appendChild(opt);
    }
    select.value = keep;
    if (select.value !== keep) select.value = select.options.length ? select.options[0].value : '';
  }

  function renderTables() {
    var wanted = state.tableOrder.map(function (t) { return String(t.id) + '|' + tableLabel(t.id, t.number); }).join(',');
    var have = [];
    for (var i = 0; i < ui.filter.options.length; i++) {
      var o = ui.filter.options[i];
      if (o.value) have.push(o.value + '|' + o.textContent);
    }
    if (have.join(',') !== wanted) {
      fillSelect(ui.filter, 'All tables');
      var single = state.tableOrder.length === 1;
      fillSelect(ui.formTable, single ? null : 'Choose a table');
    }
    if (filter && !state.tables[filter]) setFilter('');
  }

  // ---- event and rounds --------------------------------------------------------------------

  function renderEvent() {
    var ev = state.event;
    if (!ev) return;
    if (ev.open) {
      ui.eventState.textContent = 'Open: people can join with the code and post while a round is open.';
      ui.toggleOpen.textContent = 'Close the event';
    } else {
      ui.eventState.textContent = 'Closed: phones can\u2019t post.';
      ui.toggleOpen.textContent = 'Open the event';
    }
    ui.eventState.setAttribute('data-open', ev.open ? 'true' : 'false');
    ui.toggleOpen.setAttribute('data-open', ev.open ? 'true' : 'false');
    main.classList.toggle('event-closed', !ev.open);
    renderControlsState();
  }

  // The one line shown next to "Event controls" while they are folded away (on a phone).
  function renderControlsState() {
    if (!ui.controlsState || !state.event) return;
    var open = openRound();
    ui.controlsState.textContent = (state.event.open ? 'Event open' : 'Event closed') + ', ' +
      (open ? 'round ' + open.number + ' open' : 'no round open');
  }

  function upsertRound(r) {
    for (var i = 0; i < state.rounds.length; i++) {
      if (state.rounds[i].id === r.id) {
        state.rounds[i] = r;
        return;
      }
    }
    state.rounds.push(r);
    state.rounds.sort(function (a, b) { return a.number - b.number; });
  }

  var STATUS_TEXT = { open: 'Open now', closed: 'Closed', pending: 'Not started' };

  function roundNode(r) {
    var li = $('round-' + r.id);
    if (li && li.querySelector('.round-status') && li.querySelector('.open-round')) return li;
    if (li) li.parentNode.removeChild(li);
    li = make('li', 'round');
    li.id = 'round-' + r.id;
    var text = make('div', 'round-text');
    var title = make('p', 'round-title');
    title.appendChild(make('strong', 'round-name', 'Round ' + r.number));
    title.appendChild(document.createTextNode(' '));
    title.appendChild(make('span', 'round-status'));
    text.appendChild(title);
    var prompt = make('p', 'round-prompt');
    prompt.appendChild(bdi(''));
    text.appendChild(prompt);
    text.appendChild(make('p', 'round-kind'));
    li.appendChild(text);
    var btn = make('button', 'button open-round');
    btn.type = 'button';
    btn.id = 'open-round-' + r.id;
    li.appendChild(btn);
    return li;
  }

  function renderRounds() {
    var seen = {};
    for (var i = 0; i < state.rounds.length; i++) {
      var r = state.rounds[i];
      var li = roundNode(r);
      seen[li.id] = true;
      li.setAttribute('data-round-id', String(r.id));
      li.setAttribute('data-round-number', String(r.number));
      li.setAttribute('data-status', r.status);
      li.classList.toggle('is-open', r.status === 'open');
      li.querySelector('.round-name').textContent = 'Round ' + r.number;
      li.querySelector('.round-status').textContent = STATUS_TEXT[r.status] || r.status;
      var prompt = li.querySelector('.round-prompt');
      prompt.textContent = '';
      prompt.appendChild(bdi(r.prompt || ''));
      li.querySelector('.round-kind').textContent = r.kind === 'theme'
        ? 'Each table discusses its own theme'
        : 'The same question at every table';
      var btn = li.querySelector('.open-round');
      btn.setAttribute('data-round-id', String(r.id));
      btn.textContent = 'Open round ' + r.number;
      btn.disabled = !live || r.status === 'open';
      if (li.parentNode !== ui.rounds) ui.rounds.appendChild(li);
    }
    var items = ui.rounds.querySelectorAll('li.round');
    for (var j = 0; j < items.length; j++) {
      if (!seen[items[j].id]) ui.rounds.removeChild(items[j]);
    }
    if (ui.noRounds) ui.noRounds.hidden = state.rounds.length > 0;

    var open = openRound();
    ui.closeRound.disabled = !live || !open;
    ui.closeRound.textContent = open ? 'Close round ' + open.number : 'Close round';
    var closed = state.event && !state.event.open;
    if (open) {
      ui.roundState.textContent = 'Round ' + open.number + ' is open' +
        (closed ? ', but the event is closed, so phones can\u2019t post.' : ': people can post.');
    } else if (state.rounds.length) {
      ui.roundState.textContent = 'No round is open, so nobody can post. Open a round to start.';
    } else {
      ui.roundState.textContent = 'This event has no rounds.';
    }
    ui.roundState.setAttribute('data-open-round', open ? String(open.id) : '');
    renderControlsState();
  }

  // ---- comments ----------------------------------------------------------------------------

  function commentNode(c) {
    var li = $('c-' + c.id);
    if (li) return li;
    li = make('li', 'comment');
    li.id = 'c-' + c.id;
    li.setAttribute('data-id', String(c.id));

    var meta = make('p', 'c-meta');
    meta.appendChild(make('span', 'c-table'));
    meta.appendChild(make('span', 'c-round'));
    meta.appendChild(make('time', 'c-time'));
    meta.appendChild(make('span', 'c-agrees'));
    li.appendChild(meta);

    var badges = make('p', 'c-badges');
    var wall = make('span', 'badge badge-wall', 'On the wall');
    var hidden = make('span', 'badge badge-hidden', 'Hidden');
    var noted = make('span', 'badge badge-noted', 'Noted by facilitator');
    badges.appendChild(wall);
    badges.appendChild(hidden);
    badges.appendChild(noted);
    li.appendChild(badges);

    li.appendChild(make('p', 'c-text'));
    li.appendChild(make('p', 'c-by'));

    var actions = make('div', 'c-actions');
    var hl = make('button', 'button btn-wall');
    hl.type = 'button';
    hl.id = 'hl-' + c.id;
    hl.setAttribute('data-action', 'highlight');
    var hide = make('button', 'button btn-hide');
    hide.type = 'button';
    hide.id = 'hide-' + c.id;
    hide.setAttribute('data-action', 'hide');
    actions.appendChild(hl);
    actions.appendChild(hide);
    li.appendChild(actions);
    return li;
  }

  function fillComment(li, c) {
    var onWall = !!c.highlighted && !c.hidden;
    li.setAttribute('data-table-id', String(c.table_id));
    li.setAttribute('data-round-id', c.round_id === null || c.round_id === undefined ? '' : String(c.round_id));
    li.setAttribute('data-highlighted', c.highlighted ? 'true' : 'false');
    li.setAttribute('data-hidden', c.hidden ? 'true' : 'false');
    li.classList.toggle('is-hidden', !!c.hidden);
    li.classList.toggle('on-wall', onWall);
    li.classList.toggle('by-facilitator', c.source === 'facilitator');

    var tableEl = li.querySelector('.c-table');
    tableEl.textContent = '';
    var t = state.tables[c.table_id];
    tableEl.appendChild(document.createTextNode('Table ' + (t ? t.number : c.table_number)));
    if (t && t.theme) {
      tableEl.appendChild(document.createTextNode(' \u00b7 '));
      tableEl.appendChild(bdi(t.theme));
    }
    var r = roundById(c.round_id);
    li.querySelector('.c-round').textContent = r ? 'Round ' + r.number : '';

    var time = li.querySelector('.c-time');
    if (typeof c.created_at === 'number') {
      var d = new Date(c.created_at);
      time.textContent = pad2(d.getHours()) + ':' + pad2(d.getMinutes());
      time.setAttribute('datetime', d.toISOString());
    }

    li.querySelector('.badge-wall').hidden = !onWall;
    li.querySelector('.badge-hidden').hidden = !c.hidden;
    li.querySelector('.badge-noted').hidden = c.source !== 'facilitator';

    var text = li.querySelector('.c-text');
    text.textContent = '';
    text.appendChild(bdi(c.text || ''));

    var by = li.querySelector('.c-by');
    by.textContent = '';
    if (c.name) {
      by.appendChild(document.createTextNode('\u2014 '));
      by.appendChild(bdi(c.name));
    }
    by.hidden = !c.name;

    var agrees = c.agrees || 0;
    li.querySelector('.c-agrees').textContent = agrees + ' agree';

    var hl = li.querySelector('.btn-wall');
    hl.textContent = c.highlighted ? 'Take off wall' : 'Put on wall';
    hl.setAttribute('aria-pressed', c.highlighted ? 'true' : 'false');
    // A hidden comment can't go on the wall, but one that is there can still come off.
    hl.disabled = !!c.hidden && !c.highlighted;
    var hide = li.querySelector('.btn-hide');
    hide.textContent = c.hidden ? 'Restore' : 'Hide';
    hide.setAttribute('aria-pressed', c.hidden ? 'true' : 'false');
    li.classList.remove('is-busy');

    applyFilter(li);
  }

  function applyFilter(li) {
    li.hidden = !!filter && li.getAttribute('data-table-id') !== filter;
  }

  // Newest first: ids grow with time, so order by id, largest at the top.
  function insertComment(li, id) {
    var items = ui.list.children;
    for (var i = 0; i < items.length; i++) {
      if (Number(items[i].getAttribute('data-id')) < id) {
        ui.list.insertBefore(li, items[i]);
        return;
      }
    }
    ui.list.appendChild(li);
  }

  function upsertComment(c, isNew) {
    state.comments[c.id] = c;
    var li = commentNode(c);
    fillComment(li, c);
    if (li.parentNode !== ui.list) {
      insertComment(li, c.id);
      if (isNew) {
        li.classList.add('is-new');
        setTimeout(function () { li.classList.remove('is-new'); }, 4000);
      }
    }
  }

  function removeComment(id) {
    delete state.comments[id];
    var li = $('c-' + id);
    if (li) li.parentNode.removeChild(li);
    updateCounts();
  }

  function renderAllComments() {
    var ids = Object.keys(state.comments).map(Number).sort(function (a, b) { return b - a; });
    var frag = document.createDocumentFragment();
    var keep = {};
    for (var i = 0; i < ids.length; i++) {
      var c = state.comments[ids[i]];
      var li = commentNode(c);
      fillComment(li, c);
      keep[li.id] = true;
      frag.appendChild(li);
    }
    // Drop what the snapshot no longer has, then lay the list out again in order.
    var old = ui.list.children;
    for (var j = old.length - 1; j >= 0; j--) {
      if (!keep[old[j].id]) ui.list.removeChild(old[j]);
    }
    ui.list.appendChild(frag);
    updateCounts();
  }

  function updateCounts() {
    var total = 0;
    var onWall = 0;
    var hidden = 0;
    var all = 0;
    for (var id in state.comments) {
      if (!Object.prototype.hasOwnProperty.call(state.comments, id)) continue;
      var c = state.comments[id];
      all += 1;
      if (filter && String(c.table_id) !== filter) continue;
      total += 1;
      if (c.hidden) hidden += 1;
      else if (c.highlighted) onWall += 1;
    }
    var text = plural(total, 'comment', 'comments') + ', ' + onWall + ' on the wall, ' + hidden + ' hidden';
    if (filter) text = tableLabel(Number(filter), '') + ': ' + text + ' (' + all + ' in all)';
    ui.counts.textContent = text;
    ui.empty.hidden = total > 0;
    ui.empty.textContent = filter && all > 0
      ? 'Nothing written at this table yet.'
      : 'No comments yet. They appear here as soon as they are written.';
  }

  // ---- controls ----------------------------------------------------------------------------

  function updateControls() {
    ui.toggleOpen.disabled = !live || !state.event;
    ui.formSubmit.disabled = !live || !!pendingPost;
    renderRounds();
  }

  function setFilter(value) {
    filter = value || '';
    if (ui.filter.value !== filter) ui.filter.value = filter;
    try { localStorage.setItem(FILTER_KEY, filter); } catch (e) { /* private mode */ }
    var items = ui.list.children;
    for (var i = 0; i < items.length; i++) applyFilter(items[i]);
    if (filter) ui.formTable.value = filter;
    updateCounts();
  }

  ui.filter.addEventListener('change', function () {
    setFilter(ui.filter.value);
  });

  ui.toggleOpen.addEventListener('click', function () {
    if (!state.event) return;
    if (state.event.open &&
        !window.confirm('Close the event? Phones will say the event has finished and can\'t post.')) {
      return;
    }
    send({ type: 'set_open', open: !state.event.open });
  });

  ui.rounds.addEventListener('click', function (e) {
    var btn = e.target.closest ? e.target.closest('button.open-round') : null;
    if (!btn || btn.disabled) return;
    var id = Number(btn.getAttribute('data-round-id'));
    if (id) send({ type: 'open_round', round_id: id });
  });

  ui.closeRound.addEventListener('click', function () {
    var open = openRound();
    if (!open) return;
    if (!window.confirm('Close round ' + open.number +
        '? Phones can\'t post until you open a round.')) {
      return;
    }
    send({ type: 'close_round' });
  });

  ui.list.addEventListener('click', function (e) {
    var btn = e.target.closest ? e.target.closest('button[data-action]') : null;
    if (!btn || btn.disabled) return;
    var li = btn.closest('li.comment');
    if (!li) return;
    var id = Number(li.getAttribute('data-id'));
    var c = state.comments[id];
    if (!c) return;
    var ref;
    if (btn.getAttribute('data-action') === 'highlight') {
      ref = send({ type: 'highlight', comment_id: id, on: !c.highlighted });
    } else {
      ref = send({ type: 'hide', comment_id: id, on: !c.hidden });
    }
    if (ref) {
      busy[ref] = id;
      li.classList.add('is-busy');
    }
  });

  ui.form.addEventListener('submit', function (e) {
    e.preventDefault();
    // A new try: the last one's "Added to Table 1." must not look like this one's answer.
    formStatus('');
    if (pendingPost) {
      formStatus('Still sending the last one…');
      return;
    }
    var text = ui.formText.value.trim();
    var tableId = Number(ui.formTable.value);
    if (!tableId) {
      formStatus('Not added: choose the table where it was said.', true);
      ui.formTable.focus();
      return;
    }
    if (!text) {
      formStatus('Not added: type what was said first.', true);
      ui.formText.focus();
      return;
    }
    pendingPost = { client_id: randomHex(16), table_id: tableId, text: text, ref: null };
    updateControls();
    sendPendingPost();
  });

  ui.formText.addEventListener('keydown', function (e) {
    // Ctrl+Enter (or Cmd+Enter) adds the point without reaching for the mouse.
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (typeof ui.form.requestSubmit === 'function') ui.form.requestSubmit();
      else ui.formSubmit.click();
    }
  });

  // ---- start -------------------------------------------------------------------------------

  // The lead's controls start folded on a phone and open on a wide screen.
  if (ui.controls && window.matchMedia && window.matchMedia('(min-width: 62rem)').matches) {
    ui.controls.open = true;
  }

  try {
    var saved = localStorage.getItem(FILTER_KEY);
    if (saved) {
      for (var i = 0; i < ui.filter.options.length; i++) {
        if (ui.filter.options[i].value === saved) {
          filter = saved;
          ui.filter.value = saved;
          ui.formTable.value = saved;
        }
      }
    }
  } catch (e) { /* private mode */ }

  connect();
})();
