// The live facilitator console. Speaks the websocket protocol in docs/protocol.md as the
// "console" role: the lead sees every comment of the event (hidden and waiting ones included);
// a table facilitator's console (`data-scope-table`) sees its own table and gets no lead controls.
(function () {
  'use strict';

  var main = document.getElementById('main');
  if (!main || !main.getAttribute('data-ws') || typeof WebSocket === 'undefined') return;

  var WS_PATH = main.getAttribute('data-ws');
  // The console's own address (`/console/{token}`): images are uploaded and fetched under it.
  var CONSOLE_BASE = WS_PATH.replace(/\?.*$/, '').replace(/\/ws$/, '');
  var CODE = main.getAttribute('data-code') || '';
  var SCOPE = main.getAttribute('data-scope-table') || '';
  var IS_LEAD = SCOPE === '';
  var SILENCE_MS = 45000;
  var FILTER_KEY = 'roundtable-console-filter:' + CODE;
  var NAME_KEY = 'roundtable-facilitator-name';
  var HIDE_REASONS = ['Off-topic', 'Personal details', 'Abusive', 'Duplicate'];
  var OTHER_REASON = '__other';
  var QUIET_MS = 5 * 60000;
  // "Dominated" only where it means something: enough comments, writers and people present.
  var DOMINATED_SHARE = 0.7;
  var DOMINATED_MIN_COMMENTS = 5;
  var DOMINATED_MIN_CONTRIBUTORS = 3;
  var DOMINATED_MIN_PRESENT = 3;
  // Just after a successful announcement an empty box is the sent one, not a mistake.
  var ANNOUNCE_GRACE_MS = 5000;

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
    nowStrip: $('now-strip'),
    nowTitle: $('now-title'),
    nowSpeaker: $('now-speaker'),
    countdown: $('countdown'),
    announceShown: $('announce-shown'),
    agendaState: $('agenda-state'),
    agendaStatus: $('agenda-status'),
    agenda: $('agenda'),
    noAgenda: $('no-agenda'),
    agendaEnd: $('agenda-end'),
    agendaPlus: $('agenda-plus'),
    agendaMinus: $('agenda-minus'),
    announceForm: $('announce-form'),
    announceText: $('announce-text'),
    announceWall: $('announce-wall'),
    announceSend: $('announce-send'),
    announceClear: $('announce-clear'),
    announceCurrent: $('announce-current'),
    announceStatus: $('announce-status'),
    overviewPanel: $('overview-panel'),
    overviewScope: $('overview-scope'),
    overviewRows: $('overview-rows'),
    pendingPanel: $('pending-panel'),
    pendingHint: $('pending-hint'),
    moderationLabel: $('moderation-label'),
    pendingCount: $('pending-count'),
    noPending: $('no-pending'),
    pending: $('pending'),
    mergeBanner: $('merge-banner'),
    mergeText: $('merge-text'),
    mergeCancel: $('merge-cancel'),
    nameForm: $('name-form'),
    nameInput: $('facilitator-name'),
    nameShown: $('name-shown'),
    nameValue: $('name-value'),
    nameChange: $('name-change'),
    form: $('transcribe'),
    formTable: $('transcribe-table'),
    formText: $('transcribe-text'),
    formAttributed: $('transcribe-attributed'),
    formSubmit: $('transcribe-submit'),
    formStatus: $('transcribe-status'),
    filter: $('table-filter'),
    filterToWall: $('filter-to-wall'),
    filterToWallStatus: $('filter-to-wall-status'),
    wallsPanel: $('walls-panel'),
    wallsState: $('walls-state'),
    wallsList: $('walls-list'),
    imageForm: $('image-form'),
    imageFile: $('image-file'),
    imageCaption: $('image-caption'),
    imageTable: $('image-table'),
    imageUpload: $('image-upload'),
    imageStatus: $('image-status'),
    images: $('images'),
    noImages: $('no-images'),
    counts: $('counts'),
    empty: $('no-comments'),
    list: $('comments')
  };

  // ---- state -------------------------------------------------------------------------------

  var state = {
    event: null,        // {id, title, place, date, description, open, code, moderation}
    rounds: [],         // sorted by number
    tables: {},         // id -> table
    tableOrder: [],     // tables sorted by number
    comments: {},       // id -> comment
    labels: splitLabels(main.getAttribute('data-labels')),
    moderation: main.getAttribute('data-moderation') || 'post',
    agenda: null,       // {items, current}
    announcement: null, // {text, wall, at} or null
    presence: {},       // table id -> devices with the phone page open
    overview: null,     // {round_id, tables: [...]}
    walls: [],          // [{id, name, main, follows, layout, table_id, theme, show_join, spotlight_seconds}]
    images: {}          // id -> {id, table_id, caption, width, height, on_wall, on_wall_at, hidden, created_at}
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
  var clockOffset = 0;      // server clock minus this device's clock, in ms
  var pendingPost = null;   // {client_id, table_id, text, attributed, ref}
  var busy = {};            // command ref -> {id: comment id or null, status: element, kind}
  var errorTimer = null;
  var filter = IS_LEAD ? '' : SCOPE;
  var facilitatorName = '';
  var mergeSource = null;   // comment id being merged while choosing its target
  var announceRef = null;   // ref of the announcement (or clear) waiting for its answer
  var announceSentAt = 0;   // Date.now() of the last announcement the server took
  var roundSeenOpen = {};   // round id -> server time this console first saw it open
  var editing = {};         // comment id -> true while its editor is open

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

  function button(className, id, text, action) {
    var b = make('button', 'button ' + (className || ''), text);
    b.type = 'button';
    if (id) b.id = id;
    if (action) b.setAttribute('data-action', action);
    return b;
  }

  function has(obj, key) {
    return Object.prototype.hasOwnProperty.call(obj, key);
  }

  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many);
  }

  function splitLabels(text) {
    return (text || '').split('\n').map(function (s) { return s.trim(); })
      .filter(function (s) { return s.length > 0; });
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

  function storageGet(key) {
    try { return localStorage.getItem(key) || ''; } catch (e) { return ''; }
  }

  function storageSet(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }

  function tableLabel(tableId, number) {
    var t = state.tables[tableId];
    var n = t ? t.number : number;
    var label = 'Table ' + n;
    if (t && t.theme) label += ': ' + t.theme;
    return label;
  }

  function tableNumber(tableId) {
    var t = state.tables[tableId];
    return t ? t.number : '?';
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

  // ---- the server's clock ------------------------------------------------------------------
  //
  // Every countdown runs on the server's clock (docs/protocol.md: offset = now - Date.now()),
  // so a laptop whose clock is wrong still counts down with the room.

  function syncClock(now) {
    if (typeof now === 'number' && isFinite(now) && now > 0) clockOffset = now - Date.now();
  }

  function serverNow() {
    return Date.now() + clockOffset;
  }

  // "04:32" while time is left, "+0:35 over" past the end, or elapsed time when there is no end.
  function countdownOf(current) {
    if (!current) return { text: '', state: '' };
    if (typeof current.ends_at !== 'number') {
      var since = typeof current.started_at === 'number' ? serverNow() - current.started_at : 0;
      var up = Math.max(0, Math.floor(since / 1000));
      return { text: Math.floor(up / 60) + ':' + pad2(up % 60) + ' so far', state: 'open' };
    }
    var left = current.ends_at - serverNow();
    if (left >= 0) {
      var secs = Math.ceil(left / 1000);
      return {
        text: pad2(Math.floor(secs / 60)) + ':' + pad2(secs % 60),
        state: secs <= 60 ? 'ending' : 'running'
      };
    }
    var over = Math.floor(-left / 1000);
    return { text: '+' + Math.floor(over / 60) + ':' + pad2(over % 60) + ' over', state: 'over' };
  }

  function minutesAgo(ms) {
    return Math.max(0, Math.floor((serverNow() - ms) / 60000));
  }

  // ---- messages to the person --------------------------------------------------------------

  var ERROR_TEXT = {
    forbidden: 'Only the lead facilitator can do that.',
    not_found: 'That is no longer there: it may have been removed or merged.',
    bad_request: 'The server didn\u2019t understand that. Reload the page and try again.',
    empty: 'There is nothing to send: type something first.',
    too_long: 'That is too long.',
    bad_characters: 'That has characters that can\u2019t be used.',
    round_closed: 'No round is open, so it can\u2019t be added now.',
    event_closed: 'The event is closed.',
    rate_limited: 'Too many at once. Wait a few seconds and try again.',
    unavailable: 'The server couldn\u2019t save that just now. Nothing was changed; try again in a few seconds.'
  };

  function errorText(m) {
    if (m.message) return m.message;
    return ERROR_TEXT[m.code] || 'That didn\u2019t work (' + (m.code || 'error') + ').';
  }

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

  // A status line next to a control (role=status): `isError` shows it in the error colour.
  function setStatus(el, text, isError) {
    if (!el) return;
    el.textContent = text || '';
    el.classList.toggle('is-error', !!isError);
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

  function send(command, statusEl) {
    if (!ws || ws.readyState !== 1 || !live) {
      var offline = 'Not connected just now. Wait until the console says \u201cLive\u201d, then try again.';
      if (statusEl) setStatus(statusEl, offline, true);
      else showError(offline);
      return null;
    }
    refCounter += 1;
    command.ref = 'r' + refCounter;
    try {
      ws.send(JSON.stringify(command));
    } catch (e) {
      var failed = 'That didn\u2019t go through. Try again in a moment.';
      if (statusEl) setStatus(statusEl, failed, true);
      else showError(failed);
      return null;
    }
    return command.ref;
  }

  // Sends a command about one comment, greying its card until the answer comes.
  function sendForComment(id, command, kind) {
    var li = $('c-' + id);
    var status = li ? li.querySelector('.c-status') : null;
    setStatus(status, '');
    var ref = send(command, status);
    if (ref) {
      busy[ref] = { id: id, status: status, kind: kind || command.type };
      if (li) li.classList.add('is-busy');
    }
    return ref;
  }

  // Sends a lead command from a panel, answering in that panel's status line.
  function sendFromPanel(command, statusEl, kind) {
    setStatus(statusEl, '');
    var ref = send(command, statusEl);
    if (ref) busy[ref] = { id: null, status: statusEl, kind: kind || command.type };
    return ref;
  }

  function formStatus(text, isError) {
    setStatus(ui.formStatus, text, isError);
  }

  function sendPendingPost() {
    if (!pendingPost) return;
    if (!live) {
      formStatus('Not connected: it will be sent when the connection is back.');
      return;
    }
    var command = {
      type: 'post',
      client_id: pendingPost.client_id,
      text: pendingPost.text,
      table_id: pendingPost.table_id
    };
    if (pendingPost.attributed) command.attributed = true;
    pendingPost.ref = send(command, ui.formStatus);
    if (pendingPost.ref) formStatus('Sending…');
  }

  // ---- connection --------------------------------------------------------------------------

  function socketUrl() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + WS_PATH;
    var params = [];
    if (haveSnapshot) params.push('since=' + maxSeq);
    if (facilitatorName) params.push('name=' + encodeURIComponent(facilitatorName));
    if (params.length) url += (WS_PATH.indexOf('?') >= 0 ? '&' : '?') + params.join('&');
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
      if (has(busy, ref)) clearBusy(ref);
    }
    if (announceRef) {
      // The answer is lost with the socket: say so rather than guess.
      setStatus(ui.announceStatus, 'The connection dropped before the server answered. Check \u201cShowing\u201d above once it is back, and send again if needed.', true);
      announceRef = null;
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
    syncClock(m.now);
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
          noteOpenRounds();
          renderRounds();
          renderOverview();
        }
        break;
      case 'event':
        if (fresh(m) && state.event) {
          state.event.open = !!m.open;
          // Every event message carries the moderation mode; "settings" is where it changes.
          if (m.moderation === 'pre' || m.moderation === 'post') {
            state.event.moderation = m.moderation;
            state.moderation = m.moderation;
          }
          // The organiser may have changed the tags: rebuild the tag buttons.
          if (Array.isArray(m.labels) && m.labels.join('\n') !== state.labels.join('\n')) {
            state.labels = m.labels.slice();
            refreshAllCards();
          }
          renderEvent();
          renderRounds();
          renderModeration();
        }
        break;
      case 'agenda':
        if (fresh(m)) {
          state.agenda = m.agenda || null;
          renderAgenda();
        }
        break;
      case 'announcement':
        if (fresh(m)) {
          state.announcement = m.announcement || null;
          renderAnnouncement();
        }
        break;
      case 'presence':
        state.presence = m.tables || {};
        renderOverview();
        var pt = document.getElementById('pledge-total'), np = Number(m.pledged) || 0;
        if (pt) {
          pt.hidden = np < 1;
          pt.textContent = np === 1 ? '1 person has pledged an action.' : np + ' people have pledged an action.';
        }
        break;
      case 'overview':
        state.overview = { round_id: m.round_id, tables: m.tables || [] };
        renderOverview();
        break;
      case 'walls':
        if (fresh(m) && Array.isArray(m.walls)) {
          state.walls = m.walls.slice();
          renderWalls();
          renderWallQuick();
        }
        break;
      case 'image':
        if (fresh(m) && m.image) upsertImage(m.image);
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
        break; // ping (its clock is taken above) and anything newer
    }
  }

  function applySnapshot(m) {
    var s = m.state || {};
    maxSeq = typeof m.seq === 'number' ? m.seq : 0;
    haveSnapshot = true;
    syncClock(s.now);
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
    if (s.labels) state.labels = s.labels.slice();
    if (s.moderation) state.moderation = s.moderation;
    else if (state.event && state.event.moderation) state.moderation = state.event.moderation;
    if (s.scope && s.scope.table_id !== null && s.scope.table_id !== undefined) {
      SCOPE = String(s.scope.table_id);
      filter = SCOPE;
    }
    state.agenda = s.agenda || null;
    state.announcement = s.announcement || null;
    if (s.presence) state.presence = s.presence.tables || s.presence;
    if (Array.isArray(s.walls)) state.walls = s.walls.slice();
    state.images = {};
    var images = Array.isArray(s.images) ? s.images : [];
    for (var k = 0; k < images.length; k++) state.images[images[k].id] = images[k];

    noteOpenRounds();
    renderTables();
    renderEvent();
    renderModeration();
    renderRounds();
    renderAgenda();
    renderAnnouncement();
    renderOverview();
    renderWalls();
    renderWallQuick();
    renderImages();
    renderAllComments();
  }

  function clearBusy(ref) {
    if (!ref || !has(busy, ref)) return null;
    var entry = busy[ref];
    delete busy[ref];
    if (entry.id !== null) {
      var li = $('c-' + entry.id);
      if (li) li.classList.remove('is-busy');
    }
    if (entry.imageId !== undefined) {
      var item = $('img-' + entry.imageId);
      if (item) item.classList.remove('is-busy');
    }
    return entry;
  }

  function onAck(m) {
    var entry = clearBusy(m.ref);
    if (entry && entry.kind === 'edit') closeEditor(entry.id);
    if (entry && entry.kind === 'restore') {
      setStatus(entry.status, 'Restored: shown at its table again. It is not on the wall; use \u201cPut on wall\u201d for that.');
    }
    if (entry && entry.kind === 'hide-wall') setStatus(entry.status, 'Hidden and taken off the wall.');
    if (entry && entry.kind === 'announce') {
      setStatus(entry.status, 'Sent to every phone' + (entry.wall ? ' and the wall.' : '.'));
      // Only the words that were sent: anything typed since stays for the next one.
      if (ui.announceText.value.trim() === entry.text) ui.announceText.value = '';
      announceSentAt = Date.now();
    }
    if (entry && entry.kind === 'announce-clear') setStatus(entry.status, 'Cleared.');
    if (entry && entry.kind === 'wall') setStatus(entry.status, entry.done || 'Done.');
    if (entry && entry.kind === 'image') setStatus(entry.status, entry.done || 'Done.');
    if (entry && m.ref === announceRef) announceDone();
    if (pendingPost && ((m.client_id && m.client_id === pendingPost.client_id) ||
        (m.ref && m.ref === pendingPost.ref))) {
      var label = tableLabel(pendingPost.table_id, '');
      pendingPost = null;
      ui.formText.value = '';
      if (ui.formAttributed) ui.formAttributed.checked = false;
      formStatus('Added to ' + label + '.');
      updateControls();
    }
  }

  function onError(m) {
    var entry = clearBusy(m.ref);
    var message = errorText(m);
    if (entry && m.ref === announceRef) announceDone();
    if (pendingPost && m.ref && m.ref === pendingPost.ref) {
      pendingPost = null;
      formStatus('Not added: ' + message, true);
      updateControls();
      return;
    }
    if (entry && entry.status) {
      setStatus(entry.status, (entry.kind === 'wall' ? 'Not changed: ' : '') + message, true);
      if (entry.kind === 'wall') renderWalls(); // back to what the wall really shows
      if (entry.kind === 'image') renderImages();
      return;
    }
    showError(message);
  }

  // ---- tables (filter and transcribe selects) ----------------------------------------------

  function visibleTables() {
    if (IS_LEAD) return state.tableOrder;
    return state.tableOrder.filter(function (t) { return String(t.id) === SCOPE; });
  }

  function fillSelect(select, firstLabel, tables) {
    var keep = select.value;
    select.textContent = '';
    if (firstLabel !== null) {
      var first = make('option', null, firstLabel);
      first.value = '';
      select.appendChild(first);
    }
    for (var i = 0; i < tables.length; i++) {
      var t = tables[i];
      var opt = make('option', null, tableLabel(t.id, t.number));
      opt.value = String(t.id);
      select.appendChild(opt);
    }
    select.value = keep;
    if (select.value !== keep) select.value = select.options.length ? select.options[0].value : '';
  }

  function renderTables() {
    var tables = visibleTables();
    var wanted = tables.map(function (t) { return String(t.id) + '|' + tableLabel(t.id, t.number); }).join(',');
    var have = [];
    for (var i = 0; i < ui.formTable.options.length; i++) {
      var o = ui.formTable.options[i];
      if (o.value) have.push(o.value + '|' + o.textContent);
    }
    if (have.join(',') !== wanted) {
      fillSelect(ui.filter, 'All tables', state.tableOrder);
      fillSelect(ui.formTable, tables.length === 1 ? null : 'Choose a table', tables);
    }
    if (filter && !state.tables[filter]) setFilter(IS_LEAD ? '' : SCOPE);
    else setFilter(filter);
  }

  // ---- event and rounds (lead only) --------------------------------------------------------

  function renderEvent() {
    var ev = state.event;
    if (!ev) return;
    main.classList.toggle('event-closed', !ev.open);
    renderControlsState();
    if (!ui.eventState) return;
    if (ev.open) {
      ui.eventState.textContent = 'Open: people can join with the code and post while a round is open.';
      ui.toggleOpen.textContent = 'Close the event';
    } else {
      ui.eventState.textContent = 'Closed: phones can\u2019t post.';
      ui.toggleOpen.textContent = 'Open the event';
    }
    ui.eventState.setAttribute('data-open', ev.open ? 'true' : 'false');
    ui.toggleOpen.setAttribute('data-open', ev.open ? 'true' : 'false');
  }

  // ---- moderation mode ---------------------------------------------------------------------
  //
  // The mode can change while the console is open (the organiser's settings page): the header
  // and the "Waiting for approval" section follow it. Waiting comments stay waiting when the
  // mode goes back to post-moderation, so the section stays while any is left.

  var MODERATION_NAME = { pre: 'Pre-moderation', post: 'Post-moderation' };
  var MODERATION_SUMMARY = {
    pre: 'Pre-moderation: a comment appears nowhere (only on its writer\u2019s own phone, marked as waiting) until a facilitator approves it.',
    post: 'Post-moderation: comments appear at their table at once; on the wall only when highlighted.'
  };
  var PENDING_HINT = {
    pre: 'Pre-moderation is on: a comment appears nowhere \u2014 not at its table, not on the wall \u2014 until a facilitator approves it. Only its writer\u2019s own phone shows it, marked as waiting.',
    post: 'Post-moderation is on, so new comments appear at once. These were written under pre-moderation and still appear nowhere (except on their writers\u2019 phones) until someone approves them.'
  };

  function moderationMode() {
    return state.moderation === 'pre' ? 'pre' : 'post';
  }

  function renderModeration() {
    var mode = moderationMode();
    main.setAttribute('data-moderation', mode);
    if (ui.moderationLabel) {
      if (ui.moderationLabel.textContent !== MODERATION_NAME[mode]) {
        ui.moderationLabel.textContent = MODERATION_NAME[mode];
      }
      ui.moderationLabel.setAttribute('data-moderation', mode);
      ui.moderationLabel.title = MODERATION_SUMMARY[mode];
    }
    if (ui.pendingHint && ui.pendingHint.textContent !== PENDING_HINT[mode]) {
      ui.pendingHint.textContent = PENDING_HINT[mode];
    }
    renderPendingCount();
    updateCounts();
  }

  // The one line shown next to "Event controls" while they are folded away (on a phone).
  function renderControlsState() {
    if (!ui.controlsState) return;
    var item = runningItem();
    if (!IS_LEAD) {
      ui.controlsState.textContent = item ? 'now: ' + itemTitle(item) : '';
      return;
    }
    if (!state.event) return;
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

  // Remembers when this console first saw each round open (for "Quiet" when the run of show
  // can't say when the round started).
  function noteOpenRounds() {
    for (var i = 0; i < state.rounds.length; i++) {
      var r = state.rounds[i];
      if (r.status === 'open') {
        if (!has(roundSeenOpen, r.id)) roundSeenOpen[r.id] = serverNow();
      } else {
        delete roundSeenOpen[r.id];
      }
    }
  }

  // Server time the open round `r` started: the run of show's start of its round item when
  // that is running, else when this console first saw it open.
  function roundOpenedAt(r) {
    var item = runningItem();
    var current = state.agenda && state.agenda.current;
    if (item && item.kind === 'round' && item.round_id === r.id && current &&
        typeof current.started_at === 'number') {
      return current.started_at;
    }
    return has(roundSeenOpen, r.id) ? roundSeenOpen[r.id] : serverNow();
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
    li.appendChild(button('open-round', 'open-round-' + r.id, ''));
    return li;
  }

  function fillRound(li, r) {
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
  }

  function renderRounds() {
    renderControlsState();
    if (!ui.rounds) return;
    var seen = {};
    for (var i = 0; i < state.rounds.length; i++) {
      var r = state.rounds[i];
      var li = roundNode(r);
      seen[li.id] = true;
      fillRound(li, r);
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
  }

  // Puts `node` at position `index` of `parent`, moving it only when it is elsewhere (moving a
  // node takes the keyboard focus off a button inside it).
  function placeAt(parent, node, index) {
    var at = parent.children[index] || null;
    if (at !== node) parent.insertBefore(node, at);
  }

  // ---- run of show -------------------------------------------------------------------------

  var KIND_TEXT = {
    talk: 'Talk', round: 'Round', pledges: 'Pledges', break: 'Break', close: 'Close', other: ''
  };
  var ITEM_STATUS = { pending: 'Not started', running: 'Running now', done: 'Done' };

  function agendaItems() {
    return state.agenda && state.agenda.items ? state.agenda.items : [];
  }

  function runningItem() {
    var current = state.agenda && state.agenda.current;
    var items = agendaItems();
    for (var i = 0; i < items.length; i++) {
      if (current ? items[i].id === current.item_id : items[i].status === 'running') return items[i];
    }
    return null;
  }

  function itemTitle(item) {
    var kind = KIND_TEXT[item.kind] || '';
    var title = item.title || '';
    if (!title) return kind || 'Item';
    return kind && title.indexOf(kind) !== 0 ? kind + ': ' + title : title;
  }

  function agendaNode(item) {
    var li = $('agenda-item-' + item.id);
    if (li) return li;
    li = make('li', 'agenda-item');
    li.id = 'agenda-item-' + item.id;
    var text = make('div', 'agenda-text');
    var title = make('p', 'agenda-title');
    title.appendChild(bdi(''));
    text.appendChild(title);
    text.appendChild(make('p', 'agenda-meta'));
    li.appendChild(text);
    if (IS_LEAD) {
      var start = button('agenda-start', 'agenda-start-' + item.id, 'Start', 'agenda-start');
      li.appendChild(start);
    }
    return li;
  }

  function fillAgendaItem(li, item) {
    li.setAttribute('data-item-id', String(item.id));
    li.setAttribute('data-status', item.status || 'pending');
    li.classList.toggle('is-running', item.status === 'running');
    li.classList.toggle('is-done', item.status === 'done');
    var title = li.querySelector('.agenda-title bdi');
    title.textContent = itemTitle(item);
    var meta = [];
    if (item.speaker) meta.push(item.speaker);
    if (item.minutes) meta.push(item.minutes + ' min');
    meta.push(ITEM_STATUS[item.status] || '');
    li.querySelector('.agenda-meta').textContent = meta.filter(Boolean).join(' \u00b7 ');
    var start = li.querySelector('.agenda-start');
    if (start) {
      start.setAttribute('data-item-id', String(item.id));
      start.textContent = item.status === 'done' ? 'Start again' : 'Start';
      start.setAttribute('aria-label', (item.status === 'done' ? 'Start again: ' : 'Start: ') + itemTitle(item));
      start.hidden = item.status === 'running';
      start.disabled = !live;
    }
  }

  function renderAgenda() {
    var items = agendaItems();
    if (ui.agenda) {
      var seen = {};
      for (var i = 0; i < items.length; i++) {
        var li = agendaNode(items[i]);
        fillAgendaItem(li, items[i]);
        seen[li.id] = true;
        placeAt(ui.agenda, li, i); // the order of the run of show
      }
      var nodes = ui.agenda.querySelectorAll('li.agenda-item');
      for (var j = 0; j < nodes.length; j++) {
        if (!seen[nodes[j].id]) ui.agenda.removeChild(nodes[j]);
      }
      if (ui.noAgenda) ui.noAgenda.hidden = items.length > 0;
    }
    var item = runningItem();
    if (ui.nowTitle) {
      ui.nowTitle.textContent = '';
      if (item) ui.nowTitle.appendChild(bdi(itemTitle(item)));
      ui.nowSpeaker.textContent = '';
      if (item && item.speaker && item.kind === 'talk') {
        ui.nowSpeaker.appendChild(document.createTextNode('\u2014 '));
        ui.nowSpeaker.appendChild(bdi(item.speaker));
      }
    }
    renderAgendaButtons();
    renderControlsState();
    tick();
  }

  // The open round that ending the running item would close (the item is that round's item).
  function runningRound() {
    var item = runningItem();
    if (!item || item.kind !== 'round' || item.round_id === null || item.round_id === undefined) return null;
    var r = roundById(item.round_id);
    return r && r.status === 'open' ? r : null;
  }

  // What the confirmation says about the round that closes; `next` is the item to start.
  function endsRoundWarning(r, next) {
    var prompt = r.prompt || '';
    if (prompt.length > 80) prompt = prompt.slice(0, 79) + '\u2026';
    var text = 'This closes round ' + r.number + (prompt ? ' (\u201c' + prompt + '\u201d)' : '') +
      ' for the whole room';
    var nextRound = next && next.kind === 'round' && next.round_id ? roundById(next.round_id) : null;
    if (nextRound) return text + ' and opens round ' + nextRound.number + '.';
    return text + ': phones can\u2019t post until a round is opened again.';
  }

  function renderAgendaButtons() {
    var running = !!runningItem();
    if (ui.agendaEnd) ui.agendaEnd.disabled = !live || !running;
    if (ui.agendaPlus) ui.agendaPlus.disabled = !live || !running;
    if (ui.agendaMinus) ui.agendaMinus.disabled = !live || !running;
    if (ui.agenda) {
      var starts = ui.agenda.querySelectorAll('.agenda-start');
      for (var i = 0; i < starts.length; i++) starts[i].disabled = !live;
    }
  }

  // Once a quarter second: the countdowns. Overview "quiet" times follow every 15 s.
  var lastOverviewRender = 0;
  function tick() {
    var item = runningItem();
    var current = state.agenda && state.agenda.current;
    var cd = item ? countdownOf(current || { started_at: null, ends_at: null }) : { text: '', state: '' };
    var showStrip = !!item || !!state.announcement;
    if (ui.nowStrip && ui.nowStrip.hidden === showStrip) ui.nowStrip.hidden = !showStrip;
    if (ui.countdown) {
      if (ui.countdown.textContent !== cd.text) ui.countdown.textContent = cd.text;
      if (ui.countdown.getAttribute('data-state') !== cd.state) ui.countdown.setAttribute('data-state', cd.state);
      ui.countdown.hidden = !item;
    }
    if (ui.agendaState) {
      var text = item
        ? 'Running: ' + itemTitle(item) + (cd.text ? ' \u2014 ' + (cd.state === 'over' || cd.state === 'open' ? cd.text : cd.text + ' left') : '')
        : (agendaItems().length ? 'Nothing is running. Start an item when the room is ready.' : '');
      if (!IS_LEAD && !item) text = agendaItems().length ? 'Nothing is running just now.' : '';
      if (ui.agendaState.textContent !== text) ui.agendaState.textContent = text;
      ui.agendaState.setAttribute('data-state', cd.state);
    }
    if (Date.now() - lastOverviewRender > 15000) renderOverview();
  }

  // ---- announcement ------------------------------------------------------------------------

  function renderAnnouncement() {
    var a = state.announcement;
    if (ui.announceShown) {
      ui.announceShown.textContent = '';
      if (a && a.text) {
        ui.announceShown.appendChild(make('span', 'announce-label', 'Announcement: '));
        ui.announceShown.appendChild(bdi(a.text));
      }
      ui.announceShown.hidden = !(a && a.text);
    }
    if (ui.announceCurrent) {
      ui.announceCurrent.textContent = '';
      if (a && a.text) {
        ui.announceCurrent.appendChild(document.createTextNode(
          a.wall ? 'Showing on phones and the wall: ' : 'Showing on phones (not the wall): '));
        ui.announceCurrent.appendChild(make('strong', null, '\u201c')).appendChild(bdi(a.text));
        ui.announceCurrent.lastChild.appendChild(document.createTextNode('\u201d'));
      } else {
        ui.announceCurrent.textContent = 'No announcement.';
      }
      ui.announceCurrent.setAttribute('data-active', a && a.text ? 'true' : 'false');
    }
    renderAnnounceButtons();
    tick();
  }

  // Send and Clear wait for the answer to the last one, so a double click sends once.
  function renderAnnounceButtons() {
    var a = state.announcement;
    var sending = announceRef !== null;
    if (ui.announceSend) {
      ui.announceSend.disabled = !live || sending;
      ui.announceSend.setAttribute('aria-busy', sending ? 'true' : 'false');
    }
    if (ui.announceClear) ui.announceClear.disabled = !live || sending || !(a && a.text);
  }

  function announceDone() {
    announceRef = null;
    renderAnnounceButtons();
    // A disabled button drops the keyboard focus: give it back to Send.
    if (ui.announceSend && !ui.announceSend.disabled &&
        (!document.activeElement || document.activeElement === document.body)) {
      ui.announceSend.focus();
    }
  }

  // ---- walls (lead only) -------------------------------------------------------------------
  //
  // One group of controls per wall (docs/protocol.md, `Wall` and `wall_set`). Every change is
  // sent at once; the controls show the server's settings again when the `walls` message comes
  // back (or when the change is refused).

  var WALL_LAYOUTS = [
    ['columns', 'Columns (one per table)'],
    ['spotlight', 'Spotlight (one at a time)'],
    ['mosaic', 'Mosaic'],
    ['focus', 'Focus on one table'],
    ['join', 'Join screen (QR code)']
  ];
  var LAYOUT_NAMES = {};
  WALL_LAYOUTS.forEach(function (l) { LAYOUT_NAMES[l[0]] = l[1]; });

  function mainWall() {
    for (var i = 0; i < state.walls.length; i++) {
      if (state.walls[i].main) return state.walls[i];
    }
    return null;
  }

  function wallById(id) {
    for (var i = 0; i < state.walls.length; i++) {
      if (String(state.walls[i].id) === String(id)) return state.walls[i];
    }
    return null;
  }

  function labelled(id, text, control) {
    var wrap = make('div', 'field wall-field');
    var label = make('label', null, text);
    label.htmlFor = id;
    control.id = id;
    wrap.appendChild(label);
    wrap.appendChild(control);
    return wrap;
  }

  function checkField(id, text, control) {
    var wrap = make('div', 'check wall-check');
    control.type = 'checkbox';
    control.id = id;
    var label = make('label', null, text);
    label.htmlFor = id;
    wrap.appendChild(control);
    wrap.appendChild(label);
    return wrap;
  }

  function selectOf(options) {
    var sel = document.createElement('select');
    for (var i = 0; i < options.length; i++) {
      var o = make('option', null, options[i][1]);
      o.value = options[i][0];
      sel.appendChild(o);
    }
    return sel;
  }

  function wallControls(w) {
    var box = make('fieldset', 'wall-ctl');
    box.id = 'wall-ctl-' + w.id;
    box.setAttribute('data-wall-id', String(w.id));
    var legend = make('legend', 'wall-ctl-name');
    box.appendChild(legend);

    if (!w.main) {
      box.appendChild(checkField('wall-follows-' + w.id, 'Follow the main wall', make('input')));
      box.lastChild.querySelector('input').setAttribute('data-field', 'follows');
    }
    var own = make('div', 'wall-own');
    var layout = selectOf(WALL_LAYOUTS);
    layout.setAttribute('data-field', 'layout');
    own.appendChild(labelled('wall-layout-' + w.id, 'Layout', layout));

    var table = document.createElement('select');
    table.setAttribute('data-field', 'table_id');
    var tableField = labelled('wall-table-' + w.id, 'Table to show', table);
    tableField.classList.add('wall-table-field');
    own.appendChild(tableField);

    var seconds = make('input');
    seconds.type = 'number';
    seconds.min = '5';
    seconds.max = '120';
    seconds.step = '1';
    seconds.inputMode = 'numeric';
    seconds.setAttribute('data-field', 'spotlight_seconds');
    var secondsField = labelled('wall-seconds-' + w.id, 'Seconds per comment', seconds);
    secondsField.classList.add('wall-seconds-field');
    own.appendChild(secondsField);

    var theme = selectOf([['dark', 'Dark'], ['light', 'Light']]);
    theme.setAttribute('data-field', 'theme');
    own.appendChild(labelled('wall-theme-' + w.id, 'Colours', theme));

    own.appendChild(checkField('wall-join-' + w.id, 'Show join QR in a corner', make('input')));
    own.lastChild.querySelector('input').setAttribute('data-field', 'show_join');
    box.appendChild(own);

    var status = make('p', 'form-status wall-status');
    status.id = 'wall-status-' + w.id;
    status.setAttribute('role', 'status');
    box.appendChild(status);
    return box;
  }

  function fillWallControls(box, w) {
    var legend = box.querySelector('.wall-ctl-name');
    legend.textContent = '';
    legend.appendChild(bdi(w.name || 'Wall'));
    if (w.main) legend.appendChild(make('span', 'wall-ctl-main', ' (main)'));
    var follows = $('wall-follows-' + w.id);
    var following = !w.main && !!w.follows;
    if (follows) follows.checked = following;
    box.classList.toggle('is-following', following);
    var layout = $('wall-layout-' + w.id);
    layout.value = w.layout || 'columns';
    var table = $('wall-table-' + w.id);
    var options = [['', 'Choose a table']].concat(state.tableOrder.map(function (t) {
      return [String(t.id), tableLabel(t.id, t.number)];
    }));
    var wanted = options.map(function (o) { return o[0] + '|' + o[1]; }).join(',');
    var have = Array.prototype.map.call(table.options, function (o) { return o.value + '|' + o.textContent; }).join(',');
    if (wanted !== have) {
      table.textContent = '';
      options.forEach(function (o) {
        var opt = make('option', null, o[1]);
        opt.value = o[0];
        table.appendChild(opt);
      });
    }
    table.value = w.table_id === null || w.table_id === undefined ? '' : String(w.table_id);
    if (table.value === '' && w.table_id !== null && w.table_id !== undefined) table.value = '';
    box.querySelector('.wall-table-field').hidden = layout.value !== 'focus';
    var seconds = $('wall-seconds-' + w.id);
    if (document.activeElement !== seconds) seconds.value = String(w.spotlight_seconds || 12);
    box.querySelector('.wall-seconds-field').hidden = layout.value !== 'spotlight';
    $('wall-theme-' + w.id).value = w.theme === 'light' ? 'light' : 'dark';
    $('wall-join-' + w.id).checked = w.show_join !== false;
    var own = box.querySelector('.wall-own');
    var controls = own.querySelectorAll('select, input');
    for (var i = 0; i < controls.length; i++) controls[i].disabled = following || !live;
    if (follows) follows.disabled = !live;
    own.title = following ? 'This wall shows what the main wall shows. Untick “Follow the main wall” to choose its own layout.' : '';
  }

  function renderWalls() {
    if (!ui.wallsList) return;
    var walls = state.walls.slice().sort(function (a, b) {
      if (!!a.main !== !!b.main) return a.main ? -1 : 1;
      return a.id - b.id;
    });
    ui.wallsState.hidden = walls.length > 0;
    if (!walls.length) ui.wallsState.textContent = haveSnapshot ? 'This event has no wall.' : 'Waiting for the server…';
    var seen = {};
    for (var i = 0; i < walls.length; i++) {
      var w = walls[i];
      var box = $('wall-ctl-' + w.id) || wallControls(w);
      // In the page first: the controls are found by id.
      placeAt(ui.wallsList, box, i);
      fillWallControls(box, w);
      seen[box.id] = true;
    }
    var all = ui.wallsList.querySelectorAll('.wall-ctl');
    for (var j = 0; j < all.length; j++) {
      if (!seen[all[j].id]) ui.wallsList.removeChild(all[j]);
    }
  }

  function sendWallSet(wallId, change, statusEl, done) {
    var command = { type: 'wall_set', wall_id: Number(wallId) };
    for (var k in change) {
      if (has(change, k)) command[k] = change[k];
    }
    var ref = sendFromPanel(command, statusEl, 'wall');
    if (ref) {
      busy[ref].done = done;
      setStatus(statusEl, 'Changing…');
    } else {
      renderWalls();
    }
    return ref;
  }

  function onWallControl(e) {
    var el = e.target;
    var field = el.getAttribute ? el.getAttribute('data-field') : null;
    var box = el.closest ? el.closest('.wall-ctl') : null;
    if (!field || !box) return;
    var id = box.getAttribute('data-wall-id');
    var w = wallById(id);
    var status = $('wall-status-' + id);
    var change = {};
    var done = 'Done: the wall shows it now.';
    if (field === 'layout') {
      change.layout = el.value;
      box.querySelector('.wall-table-field').hidden = el.value !== 'focus';
      box.querySelector('.wall-seconds-field').hidden = el.value !== 'spotlight';
      if (el.value === 'focus' && w && (w.table_id === null || w.table_id === undefined)) {
        done = 'Done. Now choose the table to show.';
      } else {
        done = 'Done: the wall shows ' + (LAYOUT_NAMES[el.value] || el.value).toLowerCase() + '.';
      }
    } else if (field === 'table_id') {
      change.table_id = el.value === '' ? null : Number(el.value);
    } else if (field === 'theme') {
      change.theme = el.value;
    } else if (field === 'show_join') {
      change.show_join = !!el.checked;
      done = el.checked ? 'Done: the join QR is in the corner.' : 'Done: no join QR in the corner.';
    } else if (field === 'follows') {
      change.follows = !!el.checked;
      done = el.checked ? 'Done: this wall shows what the main wall shows.' : 'Done: this wall has its own layout.';
    } else if (field === 'spotlight_seconds') {
      var secs = Number(el.value);
      if (!el.value || !isFinite(secs) || secs < 5 || secs > 120 || Math.floor(secs) !== secs) {
        setStatus(status, 'Choose a whole number of seconds from 5 to 120.', true);
        return;
      }
      change.spotlight_seconds = secs;
      done = 'Done: a new comment every ' + secs + ' seconds.';
    } else {
      return;
    }
    sendWallSet(id, change, status, done);
  }

  if (ui.wallsList) ui.wallsList.addEventListener('change', onWallControl);

  // "Show this table on the wall": the main wall focuses on the table chosen in the filter.
  function renderWallQuick() {
    if (!ui.filterToWall) return;
    var wall = mainWall();
    ui.filterToWall.hidden = !IS_LEAD || !filter || !wall;
    var showing = !!(wall && wall.layout === 'focus' && String(wall.table_id) === String(filter));
    ui.filterToWall.disabled = showing;
    ui.filterToWall.textContent = showing ? 'On the wall now' : 'Show this table on the wall';
    if (ui.filterToWall.hidden) setStatus(ui.filterToWallStatus, '');
  }

  function showTableOnWall(tableId, statusEl) {
    var wall = mainWall();
    if (!wall) {
      setStatus(statusEl, 'There is no wall to show it on.', true);
      return;
    }
    sendWallSet(wall.id, { layout: 'focus', table_id: Number(tableId) }, statusEl,
      'Done: the wall shows ' + tableLabel(Number(tableId), tableNumber(Number(tableId))) + '.');
  }

  if (ui.filterToWall) {
    ui.filterToWall.addEventListener('click', function () {
      if (filter) showTableOnWall(filter, ui.filterToWallStatus);
    });
  }

  // ---- room overview -----------------------------------------------------------------------

  function overviewRow(t) {
    var tr = $('ov-' + t.table_id);
    if (tr) return tr;
    tr = make('tr', 'ov-row');
    tr.id = 'ov-' + t.table_id;
    tr.setAttribute('data-table-id', String(t.table_id));
    var th = make('th', 'ov-table');
    th.scope = 'row';
    var b = make('button', 'ov-pick');
    b.type = 'button';
    b.setAttribute('data-table-id', String(t.table_id));
    th.appendChild(b);
    if (IS_LEAD) {
      var onWall = make('button', 'ov-wall link-button', 'Show on wall');
      onWall.type = 'button';
      onWall.id = 'ov-wall-' + t.table_id;
      onWall.setAttribute('data-table-id', String(t.table_id));
      th.appendChild(onWall);
    }
    tr.appendChild(th);
    var cells = ['ov-present', 'ov-comments', 'ov-contributors', 'ov-share', 'ov-last', 'ov-pending'];
    for (var i = 0; i < cells.length; i++) tr.appendChild(make('td', cells[i]));
    return tr;
  }

  // A flag in the overview; `title` says what it means (as a tooltip, and to screen readers).
  function flag(className, text, title) {
    var f = make('span', 'flag ' + className, text);
    if (title) {
      f.title = title;
      f.appendChild(make('span', 'visually-hidden', ' (' + title + ')'));
    }
    return f;
  }

  // `openedAt`: server time the open round started (null when the figures are not for an open
  // round). Flags are only raised where they mean something:
  // - Dominated: 5+ comments from 3+ writers with 3+ people here, two of whom wrote 70%+.
  // - Quiet: a round is open, someone is here, and no post for 5 minutes (or none since the
  //   round opened, once it has been open 5 minutes).
  function fillOverviewRow(tr, t, openedAt) {
    var present = has(state.presence, String(t.table_id)) ? state.presence[String(t.table_id)] : t.present;
    present = present || 0;
    var comments = t.comments || 0;
    var contributors = t.contributors || 0;
    var share = typeof t.top_two_share === 'number' ? t.top_two_share : null;
    var dominated = share !== null && share >= DOMINATED_SHARE && comments >= DOMINATED_MIN_COMMENTS &&
      contributors >= DOMINATED_MIN_CONTRIBUTORS && present >= DOMINATED_MIN_PRESENT;
    var roundOpen = openedAt !== null;
    var quietFor = typeof t.last_post_at === 'number' ? serverNow() - t.last_post_at : null;
    var openFor = roundOpen ? serverNow() - openedAt : 0;
    var quiet = roundOpen && present >= 1 &&
      (quietFor === null ? openFor >= QUIET_MS : quietFor >= QUIET_MS);
    tr.classList.toggle('is-dominated', dominated);
    tr.classList.toggle('is-quiet', quiet);
    tr.classList.toggle('is-selected', filter === String(t.table_id));

    var pick = tr.querySelector('.ov-pick');
    pick.textContent = '';
    var tb = state.tables[t.table_id];
    pick.appendChild(make('span', 'ov-number', 'Table ' + (tb ? tb.number : t.table_id)));
    if (tb && tb.theme) pick.appendChild(make('span', 'ov-theme')).appendChild(bdi(tb.theme));
    pick.setAttribute('aria-pressed', filter === String(t.table_id) ? 'true' : 'false');
    pick.disabled = !IS_LEAD;

    tr.querySelector('.ov-present').textContent = String(present || 0);
    tr.querySelector('.ov-comments').textContent = String(comments);
    tr.querySelector('.ov-contributors').textContent = String(contributors);

    var shareCell = tr.querySelector('.ov-share');
    shareCell.textContent = share === null ? '\u2014' : Math.round(share * 100) + '%';
    if (dominated) {
      shareCell.appendChild(document.createTextNode(' '));
      var why = 'Two people wrote ' + Math.round(share * 100) + '% of this table\u2019s comments';
      shareCell.appendChild(flag('flag-dominated', 'Dominated', why));
    }

    var last = tr.querySelector('.ov-last');
    last.textContent = '';
    if (quietFor === null) {
      last.appendChild(quiet
        ? flag('flag-quiet', 'Quiet: nothing yet', 'Nothing written at this table in the ' +
            Math.floor(openFor / 60000) + ' minutes since the round opened, with ' +
            plural(present, 'person', 'people') + ' here')
        : document.createTextNode('\u2014'));
    } else {
      var mins = minutesAgo(t.last_post_at);
      if (quiet) {
        last.appendChild(flag('flag-quiet', 'Quiet ' + mins + ' min', 'No post from this table for ' +
          plural(mins, 'minute', 'minutes') + ', with ' + plural(present, 'person', 'people') + ' here'));
      } else {
        last.textContent = mins < 1 ? 'Just now' : mins + ' min ago';
      }
    }

    var pendingCell = tr.querySelector('.ov-pending');
    pendingCell.textContent = '';
    if (t.pending) pendingCell.appendChild(flag('flag-pending', t.pending + ' waiting'));
    else pendingCell.textContent = '0';
  }

  function renderOverview() {
    lastOverviewRender = Date.now();
    if (!ui.overviewPanel) return;
    var ov = state.overview;
    if (!ov) {
      ui.overviewPanel.hidden = true;
      return;
    }
    var rows = ov.tables.slice().sort(function (a, b) {
      return (tableNumber(a.table_id) || 0) - (tableNumber(b.table_id) || 0);
    });
    var round = ov.round_id !== null && ov.round_id !== undefined ? roundById(ov.round_id) : null;
    var open = openRound();
    // Quiet flags need the figures of the round that is open now.
    var openedAt = open && round && round.id === open.id ? roundOpenedAt(open) : null;
    ui.overviewScope.textContent = round
      ? 'Round ' + round.number + ' so far. Flags: \u201cDominated\u201d when two people wrote 70% or more of a table\u2019s comments (5+ comments from 3+ writers, 3+ people here); \u201cQuiet\u201d when people are here but nothing was posted for 5 minutes.'
      : 'The whole event so far (no round is open).';
    var seen = {};
    for (var i = 0; i < rows.length; i++) {
      var tr = overviewRow(rows[i]);
      fillOverviewRow(tr, rows[i], openedAt);
      seen[tr.id] = true;
      placeAt(ui.overviewRows, tr, i);
    }
    var all = ui.overviewRows.querySelectorAll('tr.ov-row');
    for (var j = 0; j < all.length; j++) {
      if (!seen[all[j].id]) ui.overviewRows.removeChild(all[j]);
    }
    ui.overviewPanel.hidden = rows.length === 0;
  }

  // ---- comments: one card ------------------------------------------------------------------
  //
  // A card (li.comment#c-{id}) lives in #pending while it waits for approval, else in
  // #comments, newest thread first with its replies right under it (oldest reply first). A
  // comment merged into another is shown inside that one's "merged" disclosure instead.

  function reasonPicker(id) {
    var wrap = make('span', 'hide-reason');
    var label = make('label', 'visually-hidden', 'Reason for hiding comment ' + id);
    label.htmlFor = 'reason-' + id;
    var select = make('select', 'reason-select');
    select.id = 'reason-' + id;
    select.setAttribute('data-action', 'reason');
    var none = make('option', null, 'No reason');
    none.value = '';
    select.appendChild(none);
    for (var i = 0; i < HIDE_REASONS.length; i++) {
      var o = make('option', null, HIDE_REASONS[i]);
      o.value = HIDE_REASONS[i];
      select.appendChild(o);
    }
    var other = make('option', null, 'Other reason\u2026');
    other.value = OTHER_REASON;
    select.appendChild(other);
    var otherLabel = make('label', 'visually-hidden', 'Other reason for hiding comment ' + id);
    otherLabel.htmlFor = 'reason-other-' + id;
    var otherInput = make('input', 'reason-other');
    otherInput.type = 'text';
    otherInput.id = 'reason-other-' + id;
    otherInput.maxLength = 200;
    otherInput.placeholder = 'Reason';
    otherInput.hidden = true;
    wrap.appendChild(label);
    wrap.appendChild(select);
    wrap.appendChild(otherLabel);
    wrap.appendChild(otherInput);
    return wrap;
  }

  function editorFor(id) {
    var ed = make('div', 'c-editor');
    ed.hidden = true;
    var label = make('label', 'visually-hidden', 'Corrected text of comment ' + id);
    label.htmlFor = 'edit-text-' + id;
    var area = make('textarea', 'c-edit-text');
    area.id = 'edit-text-' + id;
    area.rows = 3;
    area.maxLength = 1000;
    ed.appendChild(label);
    ed.appendChild(area);
    var row = make('div', 'c-editor-actions');
    row.appendChild(button('primary', 'edit-save-' + id, 'Save correction', 'edit-save'));
    row.appendChild(button('', 'edit-cancel-' + id, 'Cancel', 'edit-cancel'));
    row.appendChild(make('span', 'hint', 'Fix typos only: the original is kept. Ctrl+Enter saves, Esc cancels.'));
    ed.appendChild(row);
    return ed;
  }

  function buildCard(c) {
    var li = make('li', 'comment');
    li.id = 'c-' + c.id;
    li.setAttribute('data-id', String(c.id));

    var meta = make('p', 'c-meta');
    meta.appendChild(make('span', 'c-table'));
    meta.appendChild(make('span', 'c-round'));
    meta.appendChild(make('time', 'c-time'));
    meta.appendChild(make('span', 'c-agrees'));
    meta.appendChild(make('span', 'c-num', '#' + c.id));
    li.appendChild(meta);

    var badges = make('p', 'c-badges');
    badges.appendChild(make('span', 'badge badge-pending', 'Waiting for approval'));
    badges.appendChild(make('span', 'badge badge-wall', 'On the wall'));
    badges.appendChild(make('span', 'badge badge-hidden', 'Hidden'));
    badges.appendChild(make('span', 'badge badge-noted', 'Noted by facilitator'));
    badges.appendChild(make('span', 'badge badge-star', '\u2605 Starred'));
    badges.appendChild(make('span', 'badge badge-reply'));
    li.appendChild(badges);

    li.appendChild(make('p', 'c-text'));
    var original = make('details', 'c-original');
    original.appendChild(make('summary', null, 'Edited \u00b7 show original'));
    original.appendChild(make('p', 'c-original-text'));
    li.appendChild(original);
    li.appendChild(editorFor(c.id));
    li.appendChild(make('p', 'c-by'));
    li.appendChild(make('p', 'c-tags'));

    var actions = make('div', 'c-actions');
    actions.appendChild(button('primary btn-approve', 'approve-' + c.id, 'Approve', 'approve'));
    actions.appendChild(button('btn-merge-into', 'merge-into-' + c.id, 'Merge into this', 'merge-into'));
    actions.appendChild(button('btn-wall', 'hl-' + c.id, '', 'highlight'));
    actions.appendChild(button('btn-star', 'star-' + c.id, '', 'star'));
    var hideGroup = make('span', 'hide-group');
    hideGroup.appendChild(reasonPicker(c.id));
    hideGroup.appendChild(button('btn-hide', 'hide-' + c.id, '', 'hide'));
    actions.appendChild(hideGroup);
    actions.appendChild(button('btn-edit', 'edit-' + c.id, 'Edit', 'edit'));
    actions.appendChild(button('btn-merge', 'merge-' + c.id, 'Merge\u2026', 'merge'));
    var tags = button('btn-tags', 'tags-' + c.id, 'Tags', 'tags');
    tags.setAttribute('aria-expanded', 'false');
    tags.setAttribute('aria-controls', 'tagpick-' + c.id);
    actions.appendChild(tags);
    li.appendChild(actions);

    var picker = make('div', 'c-tagpick');
    picker.id = 'tagpick-' + c.id;
    picker.setAttribute('role', 'group');
    picker.setAttribute('aria-label', 'Tags for comment ' + c.id);
    picker.hidden = true;
    li.appendChild(picker);

    var merged = make('details', 'c-merged');
    merged.appendChild(make('summary'));
    merged.appendChild(make('ol', 'c-merged-list'));
    li.appendChild(merged);

    var status = make('p', 'c-status');
    status.setAttribute('role', 'status');
    li.appendChild(status);
    return li;
  }

  function fillMeta(li, c) {
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
    var agrees = c.agrees || 0;
    li.querySelector('.c-agrees').textContent = agrees + ' agree' +
      (c.merged_count ? ' (with ' + plural(c.merged_count, 'merged comment', 'merged comments') + ')' : '');
  }

  function fillBadges(li, c) {
    var onWall = !!c.highlighted && !c.hidden;
    li.querySelector('.badge-pending').hidden = c.approved !== false;
    li.querySelector('.badge-wall').hidden = !onWall;
    var hidden = li.querySelector('.badge-hidden');
    hidden.hidden = !c.hidden;
    hidden.textContent = c.hidden && c.hidden_reason ? 'Hidden: ' + c.hidden_reason : 'Hidden';
    li.querySelector('.badge-noted').hidden = c.source !== 'facilitator';
    li.querySelector('.badge-star').hidden = !c.starred;
    var reply = li.querySelector('.badge-reply');
    reply.hidden = !c.reply_to;
    reply.textContent = c.reply_to ? 'Reply to #' + c.reply_to : '';
  }

  function fillText(li, c) {
    var text = li.querySelector('.c-text');
    text.textContent = '';
    text.appendChild(bdi(c.text || ''));
    var original = li.querySelector('.c-original');
    var hasOriginal = typeof c.original === 'string' && c.original !== c.text;
    original.hidden = !hasOriginal && !c.edited;
    var origText = li.querySelector('.c-original-text');
    origText.textContent = '';
    if (hasOriginal) origText.appendChild(bdi(c.original));
    li.querySelector('.c-original summary').textContent = hasOriginal ? 'Edited \u00b7 show original' : 'Edited';
    var by = li.querySelector('.c-by');
    by.textContent = '';
    if (c.name) {
      by.appendChild(document.createTextNode('\u2014 '));
      by.appendChild(bdi(c.name));
    }
    by.hidden = !c.name;
  }

  function fillTags(li, c) {
    var tags = c.tags || [];
    var chips = li.querySelector('.c-tags');
    chips.textContent = '';
    for (var i = 0; i < tags.length; i++) {
      var chip = make('span', 'chip');
      chip.appendChild(bdi(tags[i]));
      chips.appendChild(chip);
    }
    chips.hidden = tags.length === 0;
    var picker = li.querySelector('.c-tagpick');
    // Rebuilt only when the event's tags change, so a pressed toggle keeps the keyboard focus.
    var have = Array.prototype.map.call(picker.children, function (b) { return b.getAttribute('data-label'); });
    if (have.join('\n') !== state.labels.join('\n')) {
      picker.textContent = '';
      for (var j = 0; j < state.labels.length; j++) {
        var b = button('tag-toggle', null, '', 'tag');
        b.setAttribute('data-label', state.labels[j]);
        var mark = make('span', 'tag-mark');
        mark.setAttribute('aria-hidden', 'true');
        b.appendChild(mark);
        b.appendChild(bdi(state.labels[j]));
        picker.appendChild(b);
      }
    }
    for (var k = 0; k < picker.children.length; k++) {
      var toggle = picker.children[k];
      var on = tags.indexOf(toggle.getAttribute('data-label')) >= 0;
      toggle.setAttribute('aria-pressed', on ? 'true' : 'false');
      toggle.firstChild.textContent = on ? '\u2713 ' : '+ ';
    }
    li.querySelector('.btn-tags').hidden = state.labels.length === 0;
    if (state.labels.length === 0) picker.hidden = true;
  }

  function fillActions(li, c) {
    var approved = c.approved !== false;
    var approve = li.querySelector('.btn-approve');
    approve.hidden = approved || !!c.hidden;
    var hl = li.querySelector('.btn-wall');
    // Hiding takes a comment off the wall (walls never show hidden comments), so a hidden one
    // is never "on the wall" whatever its flag says; a waiting one can still come off.
    var onWall = !!c.highlighted && !c.hidden;
    hl.textContent = onWall ? 'Take off wall' : 'Put on wall';
    hl.setAttribute('aria-pressed', onWall ? 'true' : 'false');
    hl.disabled = !!c.hidden || (!approved && !onWall);
    if (c.hidden) hl.title = 'A hidden comment can\u2019t go on the wall. Restore it first.';
    else if (!approved && !onWall) hl.title = 'Approve it first.';
    else hl.removeAttribute('title');
    var star = li.querySelector('.btn-star');
    star.textContent = c.starred ? '\u2605 Starred' : '\u2606 Star';
    star.setAttribute('aria-pressed', c.starred ? 'true' : 'false');
    star.setAttribute('aria-label', c.starred ? 'Starred for the report (take the star off)' : 'Star for the report');
    var hide = li.querySelector('.btn-hide');
    hide.textContent = c.hidden ? 'Restore' : 'Hide';
    hide.setAttribute('aria-pressed', c.hidden ? 'true' : 'false');
    if (c.hidden) hide.title = 'Shows it at its table again. It does not go back on the wall.';
    else if (onWall) hide.title = 'Hides it from its table and takes it off the wall.';
    else hide.removeAttribute('title');
    li.querySelector('.hide-reason').hidden = !!c.hidden;
    var inMerge = mergeSource !== null;
    li.querySelector('.btn-merge').hidden = inMerge;
    li.querySelector('.btn-edit').hidden = !!editing[c.id];
    var into = li.querySelector('.btn-merge-into');
    into.hidden = !canMergeInto(c);
  }

  function canMergeInto(c) {
    if (mergeSource === null || mergeSource === c.id) return false;
    var src = state.comments[mergeSource];
    return !!src && src.table_id === c.table_id && !c.merged_into && !c.hidden && c.approved !== false;
  }

  function fillMerged(li, c) {
    var box = li.querySelector('.c-merged');
    var dups = mergedInto(c.id);
    box.hidden = dups.length === 0;
    if (!dups.length) return;
    box.querySelector('summary').textContent = dups.length + ' merged';
    var list = box.querySelector('.c-merged-list');
    list.textContent = '';
    for (var i = 0; i < dups.length; i++) list.appendChild(mergedItem(dups[i]));
  }

  function mergedItem(d) {
    var item = make('li', 'comment is-merged');
    item.id = 'c-' + d.id;
    item.setAttribute('data-id', String(d.id));
    item.setAttribute('data-merged-into', String(d.merged_into));
    var text = make('p', 'c-text');
    text.appendChild(bdi(d.text || ''));
    item.appendChild(text);
    var meta = make('p', 'c-meta');
    meta.appendChild(make('span', 'c-num', '#' + d.id));
    if (d.name) meta.appendChild(make('span', 'c-by')).appendChild(bdi('\u2014 ' + d.name));
    meta.appendChild(make('span', null, (d.agrees || 0) + ' agree'));
    item.appendChild(meta);
    item.appendChild(button('btn-unmerge', 'unmerge-' + d.id, 'Unmerge', 'unmerge'));
    var status = make('p', 'c-status');
    status.setAttribute('role', 'status');
    item.appendChild(status);
    return item;
  }

  function mergedInto(id) {
    var out = [];
    for (var k in state.comments) {
      if (has(state.comments, k) && state.comments[k].merged_into === id) out.push(state.comments[k]);
    }
    return out.sort(function (a, b) { return a.id - b.id; });
  }

  function fillComment(li, c) {
    li.setAttribute('data-table-id', String(c.table_id));
    li.setAttribute('data-round-id', c.round_id === null || c.round_id === undefined ? '' : String(c.round_id));
    li.setAttribute('data-highlighted', c.highlighted ? 'true' : 'false');
    li.setAttribute('data-hidden', c.hidden ? 'true' : 'false');
    li.setAttribute('data-approved', c.approved === false ? 'false' : 'true');
    li.setAttribute('data-starred', c.starred ? 'true' : 'false');
    li.classList.toggle('is-hidden', !!c.hidden);
    li.classList.toggle('on-wall', !!c.highlighted && !c.hidden);
    li.classList.toggle('by-facilitator', c.source === 'facilitator');
    li.classList.toggle('is-pending', c.approved === false && !c.hidden);
    li.classList.toggle('is-starred', !!c.starred);
    li.classList.toggle('is-reply', !!c.reply_to && !!parentOf(c));
    fillMeta(li, c);
    fillBadges(li, c);
    fillText(li, c);
    fillTags(li, c);
    fillActions(li, c);
    fillMerged(li, c);
    markMerge(li, c);
    applyFilter(li);
  }

  // ---- comments: where each card goes ------------------------------------------------------

  // The comment a reply hangs under, when it is shown in the list.
  function parentOf(c) {
    if (!c.reply_to) return null;
    var p = state.comments[c.reply_to];
    if (!p || p.merged_into || p.approved === false) return null;
    return p;
  }

  // Sort key in #comments: threads newest first, each parent then its replies oldest first.
  function threadKey(c) {
    var p = parentOf(c);
    return p ? [p.id, 1, c.id] : [c.id, 0, c.id];
  }

  function keyBefore(a, b) {
    if (a[0] !== b[0]) return a[0] > b[0];
    if (a[1] !== b[1]) return a[1] < b[1];
    return a[2] < b[2];
  }

  function nodeKey(node) {
    var c = state.comments[Number(node.getAttribute('data-id'))];
    return c ? threadKey(c) : [0, 0, 0];
  }

  function placeInList(li, c) {
    var key = threadKey(c);
    if (li.parentNode === ui.list) {
      var prev = li.previousElementSibling;
      var next = li.nextElementSibling;
      if ((!prev || keyBefore(nodeKey(prev), key)) && (!next || keyBefore(key, nodeKey(next)))) return;
    }
    var items = ui.list.children;
    for (var i = 0; i < items.length; i++) {
      if (items[i] !== li && keyBefore(key, nodeKey(items[i]))) {
        ui.list.insertBefore(li, items[i]);
        return;
      }
    }
    ui.list.appendChild(li);
  }

  // Waiting comments: oldest first, so the queue is worked from the top.
  function placeInPending(li, c) {
    if (li.parentNode === ui.pending) return;
    var items = ui.pending.children;
    for (var i = 0; i < items.length; i++) {
      if (Number(items[i].getAttribute('data-id')) > c.id) {
        ui.pending.insertBefore(li, items[i]);
        return;
      }
    }
    ui.pending.appendChild(li);
  }

  function cardFor(c) {
    var li = $('c-' + c.id);
    if (li && !li.classList.contains('is-merged')) return li;
    if (li) li.parentNode.removeChild(li);
    return buildCard(c);
  }

  function refreshCard(id) {
    var c = state.comments[id];
    var li = $('c-' + id);
    if (c && li && !li.classList.contains('is-merged')) fillComment(li, c);
  }

  // Shows one comment where it belongs; `isNew` flashes it.
  function renderComment(c, isNew) {
    if (c.merged_into) {
      var old = $('c-' + c.id);
      if (old && !old.classList.contains('is-merged')) old.parentNode.removeChild(old);
      closeEditor(c.id);
      refreshCard(c.merged_into);
      return;
    }
    var li = cardFor(c);
    var wasPlaced = !!li.parentNode;
    fillComment(li, c);
    // A waiting comment a facilitator hid is turned down, not waiting: it goes to the list.
    if (c.approved === false && !c.hidden && ui.pending) placeInPending(li, c);
    else placeInList(li, c);
    if (isNew && !wasPlaced) {
      li.classList.add('is-new');
      setTimeout(function () { li.classList.remove('is-new'); }, 4000);
    }
  }

  function repliesTo(id) {
    var out = [];
    for (var k in state.comments) {
      if (has(state.comments, k) && state.comments[k].reply_to === id) out.push(state.comments[k]);
    }
    return out;
  }

  function upsertComment(c, isNew) {
    var before = state.comments[c.id];
    state.comments[c.id] = c;
    renderComment(c, isNew);
    if (before && before.merged_into && before.merged_into !== c.merged_into) refreshCard(before.merged_into);
    // Its replies hang under it only while it is shown in the list.
    var replies = repliesTo(c.id);
    for (var i = 0; i < replies.length; i++) {
      if (!replies[i].merged_into) renderComment(replies[i], false);
    }
    if (mergeSource === c.id && (c.merged_into || c.hidden)) endMerge();
    renderPendingCount();
  }

  function removeComment(id) {
    var c = state.comments[id];
    delete state.comments[id];
    delete editing[id];
    var li = $('c-' + id);
    if (li) li.parentNode.removeChild(li);
    if (c && c.merged_into) refreshCard(c.merged_into);
    if (mergeSource === id) endMerge();
    renderPendingCount();
    updateCounts();
  }

  function renderAllComments() {
    ui.list.textContent = '';
    if (ui.pending) ui.pending.textContent = '';
    var ids = Object.keys(state.comments).map(Number).sort(function (a, b) { return a - b; });
    for (var i = 0; i < ids.length; i++) renderComment(state.comments[ids[i]], false);
    if (mergeSource !== null && !state.comments[mergeSource]) endMerge();
    renderPendingCount();
    updateCounts();
  }

  function applyFilter(li) {
    li.hidden = !!filter && li.getAttribute('data-table-id') !== filter;
  }

  function renderPendingCount() {
    if (!ui.pendingPanel) return;
    var n = ui.pending.children.length;
    var shown = 0;
    for (var i = 0; i < n; i++) if (!ui.pending.children[i].hidden) shown += 1;
    ui.pendingCount.textContent = String(shown);
    ui.pendingPanel.hidden = state.moderation !== 'pre' && n === 0;
    ui.noPending.hidden = shown > 0;
  }

  function updateCounts() {
    var total = 0;
    var onWall = 0;
    var hidden = 0;
    var waiting = 0;
    var all = 0;
    for (var id in state.comments) {
      if (!has(state.comments, id)) continue;
      var c = state.comments[id];
      if (c.merged_into) continue;
      all += 1;
      if (filter && String(c.table_id) !== filter) continue;
      total += 1;
      if (c.hidden) hidden += 1;
      else if (c.approved === false) waiting += 1;
      else if (c.highlighted) onWall += 1;
    }
    var text = plural(total, 'comment', 'comments') + ', ' + onWall + ' on the wall, ' + hidden + ' hidden' +
      (waiting ? ', ' + waiting + ' waiting for approval' : '');
    if (filter && IS_LEAD) text = tableLabel(Number(filter), '') + ': ' + text + ' (' + all + ' in all)';
    else if (filter) text = tableLabel(Number(filter), '') + ': ' + text;
    ui.counts.textContent = text;
    var listed = total - waiting;
    ui.empty.hidden = listed > 0;
    var emptyText;
    if (waiting > 0) {
      // Everything so far is in "Waiting for approval" above: say so, not "No comments yet".
      emptyText = (waiting === 1 ? 'The 1 comment so far is' : 'All ' + waiting + ' comments so far are') +
        ' waiting for approval (above). Approved comments move down here.';
    } else if (filter && all > 0 && IS_LEAD) {
      emptyText = 'Nothing written at this table yet.';
    } else {
      emptyText = 'No comments yet. They appear here as soon as they are written.';
    }
    if (ui.empty.textContent !== emptyText) ui.empty.textContent = emptyText;
    ui.empty.setAttribute('data-waiting', String(waiting));
  }

  // ---- merge mode --------------------------------------------------------------------------
  //
  // "Merge…" on a card starts it: every other comment at the same table offers "Merge into
  // this"; Esc or "Cancel merge" stops. The chosen card keeps its text; the first is shown
  // inside it.

  function markMerge(li, c) {
    li.classList.toggle('merge-source', mergeSource === c.id);
    li.classList.toggle('merge-target', canMergeInto(c));
    li.classList.toggle('merge-other', mergeSource !== null && mergeSource !== c.id && !canMergeInto(c));
  }

  function startMerge(id) {
    var c = state.comments[id];
    if (!c) return;
    mergeSource = id;
    main.classList.add('is-merging');
    ui.mergeText.textContent = '';
    ui.mergeText.appendChild(document.createTextNode('Merging comment #' + id + ' (Table ' + tableNumber(c.table_id) +
      '). Choose \u201cMerge into this\u201d on the comment to keep; #' + id +
      ' will be shown inside it and its agreements added. Esc cancels.'));
    ui.mergeBanner.hidden = false;
    refreshAllCards();
    var first = document.querySelector('.comment.merge-target:not([hidden]) .btn-merge-into');
    if (first) first.focus();
    else ui.mergeText.appendChild(document.createTextNode(' There is no other comment at this table to merge it into.'));
  }

  function endMerge() {
    if (mergeSource === null) return;
    var was = mergeSource;
    mergeSource = null;
    main.classList.remove('is-merging');
    ui.mergeBanner.hidden = true;
    refreshAllCards();
    var btn = $('merge-' + was);
    if (btn && document.activeElement === document.body) btn.focus();
  }

  function refreshAllCards() {
    for (var id in state.comments) {
      if (has(state.comments, id) && !state.comments[id].merged_into) refreshCard(Number(id));
    }
  }

  // ---- editing -----------------------------------------------------------------------------

  function openEditor(id) {
    var li = $('c-' + id);
    var c = state.comments[id];
    if (!li || !c) return;
    editing[id] = true;
    var ed = li.querySelector('.c-editor');
    var area = ed.querySelector('textarea');
    area.value = c.text || '';
    ed.hidden = false;
    li.querySelector('.c-text').hidden = true;
    li.querySelector('.btn-edit').hidden = true;
    area.focus();
  }

  function closeEditor(id) {
    if (!editing[id]) return;
    delete editing[id];
    var li = $('c-' + id);
    if (!li || li.classList.contains('is-merged')) return;
    li.querySelector('.c-editor').hidden = true;
    li.querySelector('.c-text').hidden = false;
    var edit = li.querySelector('.btn-edit');
    edit.hidden = false;
    if (li.contains(document.activeElement) || document.activeElement === document.body) edit.focus();
  }

  function saveEdit(id) {
    var li = $('c-' + id);
    var c = state.comments[id];
    if (!li || !c) return;
    var text = li.querySelector('.c-edit-text').value.trim();
    var status = li.querySelector('.c-status');
    if (!text) {
      setStatus(status, 'The text can\u2019t be empty. To remove a comment, hide it instead.', true);
      return;
    }
    if (text === c.text) {
      closeEditor(id);
      return;
    }
    sendForComment(id, { type: 'edit', comment_id: id, text: text }, 'edit');
  }

  // ---- actions on comments -----------------------------------------------------------------

  function hideReason(li) {
    var select = li.querySelector('.reason-select');
    if (!select || !select.value) return null;
    if (select.value !== OTHER_REASON) return select.value;
    var other = li.querySelector('.reason-other').value.trim();
    return other || null;
  }

  function toggleTagPicker(li) {
    var picker = li.querySelector('.c-tagpick');
    var btn = li.querySelector('.btn-tags');
    picker.hidden = !picker.hidden;
    btn.setAttribute('aria-expanded', picker.hidden ? 'false' : 'true');
    if (!picker.hidden) {
      var first = picker.querySelector('button');
      if (first) first.focus();
    }
  }

  function onCommentAction(btn, li, id, c) {
    var action = btn.getAttribute('data-action');
    switch (action) {
      case 'highlight':
        return sendForComment(id, { type: 'highlight', comment_id: id, on: !c.highlighted });
      case 'hide':
        if (c.hidden) return sendForComment(id, { type: 'hide', comment_id: id, on: false }, 'restore');
        var command = { type: 'hide', comment_id: id, on: true };
        var reason = hideReason(li);
        if (reason) command.reason = reason;
        return sendForComment(id, command, c.highlighted ? 'hide-wall' : 'hide');
      case 'star':
        return sendForComment(id, { type: 'star', comment_id: id, on: !c.starred });
      case 'approve':
        return sendForComment(id, { type: 'approve', comment_id: id });
      case 'tag':
        var label = btn.getAttribute('data-label');
        var on = (c.tags || []).indexOf(label) < 0;
        return sendForComment(id, { type: 'tag', comment_id: id, label: label, on: on });
      case 'tags':
        return toggleTagPicker(li);
      case 'edit':
        return openEditor(id);
      case 'edit-save':
        return saveEdit(id);
      case 'edit-cancel':
        return closeEditor(id);
      case 'merge':
        return startMerge(id);
      case 'merge-into':
        if (mergeSource === null) return null;
        var from = mergeSource;
        endMerge();
        return sendForComment(from, { type: 'merge', comment_id: from, into: id }, 'merge');
      case 'unmerge':
        return sendForComment(id, { type: 'unmerge', comment_id: id });
      default:
        return null;
    }
  }

  function onListClick(e) {
    var btn = e.target.closest ? e.target.closest('button[data-action]') : null;
    if (!btn || btn.disabled) return;
    var li = btn.closest('li.comment');
    if (!li) return;
    var id = Number(li.getAttribute('data-id'));
    var c = state.comments[id];
    if (!c) return;
    onCommentAction(btn, li, id, c);
  }

  function onListChange(e) {
    var select = e.target;
    if (!select.classList || !select.classList.contains('reason-select')) return;
    var li = select.closest('li.comment');
    var other = li && li.querySelector('.reason-other');
    if (!other) return;
    other.hidden = select.value !== OTHER_REASON;
    if (!other.hidden) other.focus();
  }

  function onListKeydown(e) {
    var t = e.target;
    if (!t.classList || !t.classList.contains('c-edit-text')) return;
    var li = t.closest('li.comment');
    var id = li ? Number(li.getAttribute('data-id')) : 0;
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      closeEditor(id);
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      saveEdit(id);
    }
  }

  [ui.list, ui.pending].forEach(function (list) {
    if (!list) return;
    list.addEventListener('click', onListClick);
    list.addEventListener('change', onListChange);
    list.addEventListener('keydown', onListKeydown);
  });

  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && mergeSource !== null) {
      e.preventDefault();
      endMerge();
    }
  });
  if (ui.mergeCancel) ui.mergeCancel.addEventListener('click', endMerge);

  // ---- controls ----------------------------------------------------------------------------

  function updateControls() {
    if (ui.toggleOpen) ui.toggleOpen.disabled = !live || !state.event;
    ui.formSubmit.disabled = !live || !!pendingPost;
    renderAnnounceButtons();
    renderRounds();
    renderAgendaButtons();
    renderWalls();
  }

  function setFilter(value) {
    filter = IS_LEAD ? (value || '') : SCOPE;
    if (ui.filter.value !== filter) ui.filter.value = filter;
    if (IS_LEAD) storageSet(FILTER_KEY, filter);
    var lists = [ui.list, ui.pending];
    for (var l = 0; l < lists.length; l++) {
      if (!lists[l]) continue;
      var items = lists[l].children;
      for (var i = 0; i < items.length; i++) applyFilter(items[i]);
    }
    if (filter && ui.formTable.value !== filter) ui.formTable.value = filter;
    renderPendingCount();
    updateCounts();
    if (state.overview) renderOverview();
    renderWallQuick();
  }

  ui.filter.addEventListener('change', function () {
    setFilter(ui.filter.value);
  });

  if (ui.overviewRows) {
    ui.overviewRows.addEventListener('click', function (e) {
      if (!IS_LEAD) return;
      var quick = e.target.closest ? e.target.closest('.ov-wall') : null;
      if (quick) {
        showTableOnWall(quick.getAttribute('data-table-id'), ui.filterToWallStatus);
        return;
      }
      var tr = e.target.closest ? e.target.closest('tr.ov-row') : null;
      if (!tr) return;
      var id = tr.getAttribute('data-table-id');
      setFilter(filter === id ? '' : id);
    });
  }

  if (ui.toggleOpen) {
    ui.toggleOpen.addEventListener('click', function () {
      if (!state.event) return;
      if (state.event.open &&
          !window.confirm('Close the event? Phones will say the event has finished and can\'t post.')) {
        return;
      }
      send({ type: 'set_open', open: !state.event.open });
    });
  }

  if (ui.rounds) {
    ui.rounds.addEventListener('click', function (e) {
      var btn = e.target.closest ? e.target.closest('button.open-round') : null;
      if (!btn || btn.disabled) return;
      var id = Number(btn.getAttribute('data-round-id'));
      if (id) send({ type: 'open_round', round_id: id });
    });
  }

  if (ui.closeRound) {
    ui.closeRound.addEventListener('click', function () {
      var open = openRound();
      if (!open) return;
      if (!window.confirm('Close round ' + open.number +
          '? Phones can\'t post until you open a round.')) {
        return;
      }
      send({ type: 'close_round' });
    });
  }

  // Run of show (lead).
  if (ui.agenda && IS_LEAD) {
    ui.agenda.addEventListener('click', function (e) {
      var btn = e.target.closest ? e.target.closest('button.agenda-start') : null;
      if (!btn || btn.disabled) return;
      var id = Number(btn.getAttribute('data-item-id'));
      if (!id) return;
      var next = null;
      var items = agendaItems();
      for (var i = 0; i < items.length; i++) if (items[i].id === id) next = items[i];
      var round = runningRound();
      if (round && !(next && next.kind === 'round' && next.round_id === round.id) &&
          !window.confirm('Start \u201c' + (next ? itemTitle(next) : 'this item') + '\u201d? ' +
            endsRoundWarning(round, next))) {
        return;
      }
      sendFromPanel({ type: 'agenda_start', item_id: id }, ui.agendaStatus);
    });
    ui.agendaEnd.addEventListener('click', function () {
      var round = runningRound();
      if (round && !window.confirm('End \u201c' + itemTitle(runningItem()) + '\u201d? ' +
          endsRoundWarning(round, null))) {
        return;
      }
      sendFromPanel({ type: 'agenda_end' }, ui.agendaStatus);
    });
    ui.agendaPlus.addEventListener('click', function () {
      sendFromPanel({ type: 'agenda_extend', seconds: 60 }, ui.agendaStatus);
    });
    ui.agendaMinus.addEventListener('click', function () {
      sendFromPanel({ type: 'agenda_extend', seconds: -60 }, ui.agendaStatus);
    });
  }

  // Announcement (lead).
  if (ui.announceForm) {
    ui.announceForm.addEventListener('submit', function (e) {
      e.preventDefault();
      if (announceRef) return; // the last one is still on its way
      var text = ui.announceText.value.trim();
      if (!text) {
        // A second click on a message just sent: it went; don't call that a mistake.
        if (Date.now() - announceSentAt < ANNOUNCE_GRACE_MS) return;
        setStatus(ui.announceStatus, 'Type the message first (or use Clear to take the current one down).', true);
        ui.announceText.focus();
        return;
      }
      var wall = !!ui.announceWall.checked;
      var ref = sendFromPanel({ type: 'announce', text: text, wall: wall }, ui.announceStatus, 'announce');
      if (ref) {
        busy[ref].text = text;
        busy[ref].wall = wall;
        announceRef = ref;
        setStatus(ui.announceStatus, 'Sending\u2026');
        renderAnnounceButtons();
      }
    });
    ui.announceClear.addEventListener('click', function () {
      if (announceRef) return;
      var ref = sendFromPanel({ type: 'announce', text: '', wall: false }, ui.announceStatus, 'announce-clear');
      if (ref) {
        announceRef = ref;
        renderAnnounceButtons();
      }
    });
  }

  // ---- points made aloud -------------------------------------------------------------------

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
    pendingPost = {
      client_id: randomHex(16),
      table_id: tableId,
      text: text,
      attributed: !!(ui.formAttributed && ui.formAttributed.checked),
      ref: null
    };
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

  // ---- images ------------------------------------------------------------------------------
  //
  // A photo of a table's flipchart, a live drawing: uploaded with `fetch` as the raw bytes of
  // the chosen file (POST …/images), listed from `state.images` and `image` messages, and put on
  // the wall or hidden with `image_show` / `image_hide` (docs/protocol.md).

  var IMAGE_MAX_BYTES = 10 * 1024 * 1024;
  var IMAGE_TYPES = { 'image/jpeg': true, 'image/png': true, 'image/webp': true };
  var uploading = false;

  function imageUrl(id) {
    return CONSOLE_BASE + '/images/' + encodeURIComponent(String(id));
  }

  function imageTableText(img) {
    if (img.table_id === null || img.table_id === undefined) return 'Whole room';
    return tableLabel(img.table_id, '?');
  }

  function imageAlt(img) {
    var caption = (img.caption || '').trim();
    if (caption) return caption;
    if (img.table_id === null || img.table_id === undefined) return 'Image from the whole room';
    return 'Image from table ' + tableNumber(img.table_id);
  }

  function megabytes(bytes) {
    var mb = bytes / (1024 * 1024);
    return (mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10) + ' MB';
  }

  function imageNode(img) {
    var li = make('li', 'image-item');
    li.id = 'img-' + img.id;
    li.setAttribute('data-image-id', String(img.id));
    var link = make('a', 'img-thumb-link');
    link.href = imageUrl(img.id);
    link.target = '_blank';
    link.rel = 'noopener';
    var thumb = document.createElement('img');
    thumb.className = 'img-thumb';
    thumb.loading = 'lazy';
    thumb.decoding = 'async';
    thumb.src = imageUrl(img.id);
    link.appendChild(thumb);
    li.appendChild(link);
    var text = make('div', 'img-text');
    text.appendChild(make('p', 'img-caption'));
    var meta = make('p', 'img-meta');
    meta.appendChild(make('span', 'img-table'));
    meta.appendChild(make('time', 'img-time'));
    text.appendChild(meta);
    var badges = make('p', 'c-badges img-badges');
    badges.appendChild(make('span', 'badge badge-wall', 'On the wall'));
    badges.appendChild(make('span', 'badge badge-hidden', 'Hidden'));
    text.appendChild(badges);
    var actions = make('div', 'img-actions');
    actions.appendChild(button('btn-wall', 'img-show-' + img.id, '', 'image-show'));
    actions.appendChild(button('btn-hide', 'img-hide-' + img.id, '', 'image-hide'));
    text.appendChild(actions);
    var status = make('p', 'form-status img-status');
    status.id = 'img-status-' + img.id;
    status.setAttribute('role', 'status');
    text.appendChild(status);
    li.appendChild(text);
    return li;
  }

  function fillImage(li, img) {
    var onWall = !!img.on_wall && !img.hidden;
    var hidden = !!img.hidden;
    li.classList.toggle('is-hidden', hidden);
    li.classList.toggle('on-wall', onWall);
    var thumb = li.querySelector('.img-thumb');
    var alt = imageAlt(img);
    if (thumb.alt !== alt) thumb.alt = alt;
    var w = Number(img.width);
    var h = Number(img.height);
    if (w > 0 && h > 0) {
      thumb.width = w;
      thumb.height = h;
    }
    var caption = li.querySelector('.img-caption');
    caption.textContent = '';
    if ((img.caption || '').trim()) caption.appendChild(bdi(img.caption));
    else caption.appendChild(make('span', 'muted', 'No caption'));
    li.querySelector('.img-table').textContent = imageTableText(img);
    var time = li.querySelector('.img-time');
    if (typeof img.created_at === 'number') {
      var d = new Date(img.created_at);
      time.dateTime = d.toISOString();
      time.textContent = ' \u00b7 ' + pad2(d.getHours()) + ':' + pad2(d.getMinutes());
    }
    li.querySelector('.badge-wall').hidden = !onWall;
    li.querySelector('.badge-hidden').hidden = !hidden;
    var show = li.querySelector('.btn-wall');
    show.textContent = onWall ? 'Take off wall' : 'Put on wall';
    show.setAttribute('aria-pressed', onWall ? 'true' : 'false');
    show.disabled = hidden;
    show.title = hidden ? 'Restore it first: a hidden image can\u2019t go on the wall.' : '';
    var hide = li.querySelector('.btn-hide');
    hide.textContent = hidden ? 'Restore' : 'Hide';
    hide.setAttribute('aria-pressed', hidden ? 'true' : 'false');
    hide.title = hidden ? '' : 'Hide it from every console list and wall (it can be restored).';
  }

  // Newest first.
  function imageOrder(a, b) {
    var ca = typeof a.created_at === 'number' ? a.created_at : 0;
    var cb = typeof b.created_at === 'number' ? b.created_at : 0;
    if (ca !== cb) return cb - ca;
    return b.id - a.id;
  }

  function renderImages() {
    if (!ui.images) return;
    var list = [];
    for (var id in state.images) {
      if (has(state.images, id)) list.push(state.images[id]);
    }
    list.sort(imageOrder);
    var seen = {};
    for (var i = 0; i < list.length; i++) {
      var li = $('img-' + list[i].id) || imageNode(list[i]);
      placeAt(ui.images, li, i);
      fillImage(li, list[i]);
      seen[li.id] = true;
    }
    var all = ui.images.querySelectorAll('.image-item');
    for (var j = 0; j < all.length; j++) {
      if (!seen[all[j].id]) ui.images.removeChild(all[j]);
    }
    ui.noImages.hidden = list.length > 0;
  }

  function upsertImage(img) {
    if (!img || typeof img.id !== 'number') return;
    if (!IS_LEAD && String(img.table_id) !== SCOPE) return;
    state.images[img.id] = img;
    renderImages();
  }

  function onImageAction(e) {
    var btn = e.target.closest ? e.target.closest('button[data-action]') : null;
    if (!btn || btn.disabled) return;
    var li = btn.closest('.image-item');
    // One change at a time: a second click before the answer would undo the first.
    if (!li || li.classList.contains('is-busy')) return;
    var id = Number(li.getAttribute('data-image-id'));
    var img = state.images[id];
    if (!img) return;
    var status = $('img-status-' + id);
    var command;
    var done;
    if (btn.getAttribute('data-action') === 'image-show') {
      var on = !(img.on_wall && !img.hidden);
      command = { type: 'image_show', image_id: id, on: on };
      done = on ? 'On the wall now.' : 'Taken off the wall.';
    } else if (btn.getAttribute('data-action') === 'image-hide') {
      var hide = !img.hidden;
      command = { type: 'image_hide', image_id: id, on: hide };
      done = hide ? (img.on_wall ? 'Hidden and taken off the wall.' : 'Hidden.') : 'Restored. It is not on the wall; use \u201cPut on wall\u201d for that.';
    } else {
      return;
    }
    var ref = sendFromPanel(command, status, 'image');
    if (ref) {
      busy[ref].done = done;
      busy[ref].imageId = id;
      li.classList.add('is-busy');
      setStatus(status, 'Changing\u2026');
    }
  }

  // The server answers a refused upload with a sentence: as plain text, or inside an error page.
  function uploadErrorText(status, type, body) {
    var text = '';
    if (/html/i.test(type || '') && window.DOMParser) {
      try {
        var doc = new DOMParser().parseFromString(body, 'text/html');
        var p = doc.querySelector('main p') || doc.querySelector('p');
        text = p ? p.textContent : '';
      } catch (e) {
        text = '';
      }
    } else {
      text = body || '';
    }
    text = text.replace(/\s+/g, ' ').trim();
    if (text.length > 300) text = text.slice(0, 300) + '\u2026';
    if (text) return text;
    if (status === 413) return 'That image is too big: the most is 10 MB.';
    if (status === 415 || status === 422) return 'That file could not be read as a JPEG, PNG or WebP image.';
    if (status === 404) return 'This console link is no longer valid: ask the organiser for the current link.';
    if (status === 429) return 'Too many at once. Wait a few seconds and try again.';
    return 'The server couldn\u2019t take that image just now (error ' + status + '). Try again in a moment.';
  }

  function uploadStatus(text, isError) {
    setStatus(ui.imageStatus, text, isError);
  }

  function setUploading(on) {
    uploading = on;
    ui.imageUpload.disabled = on;
    ui.imageForm.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  function onImageSubmit(e) {
    e.preventDefault();
    if (uploading) return;
    var file = ui.imageFile.files && ui.imageFile.files[0];
    if (!file) {
      uploadStatus('Choose an image first (a photo or a drawing).', true);
      ui.imageFile.focus();
      return;
    }
    if (file.type && !IMAGE_TYPES[file.type]) {
      uploadStatus('That file is not a JPEG, PNG or WebP image. Choose a photo in one of those formats.', true);
      return;
    }
    if (file.size > IMAGE_MAX_BYTES) {
      uploadStatus('That image is ' + megabytes(file.size) + ': the most is 10 MB. Choose a smaller one.', true);
      return;
    }
    if (file.size === 0) {
      uploadStatus('That file is empty. Choose another.', true);
      return;
    }
    var caption = ui.imageCaption.value.replace(/\s+/g, ' ').trim();
    if (caption.length > 120) {
      uploadStatus('The caption is too long: at most 120 characters.', true);
      return;
    }
    var query = 'caption=' + encodeURIComponent(caption);
    if (IS_LEAD && ui.imageTable && ui.imageTable.value) {
      query += '&table=' + encodeURIComponent(ui.imageTable.value);
    }
    if (facilitatorName) query += '&name=' + encodeURIComponent(facilitatorName);
    var where = IS_LEAD && ui.imageTable && ui.imageTable.value
      ? tableLabel(Number(ui.imageTable.value), '?') : (IS_LEAD ? 'the whole room' : 'your table');
    setUploading(true);
    uploadStatus('Uploading ' + megabytes(file.size) + '\u2026 Keep this page open.');
    fetch(CONSOLE_BASE + '/images?' + query, {
      method: 'POST',
      body: file
    }).then(function (res) {
      return res.text().then(function (body) {
        return { res: res, body: body };
      });
    }).then(function (r) {
      setUploading(false);
      if (r.res.status === 201 || r.res.ok) {
        ui.imageFile.value = '';
        ui.imageCaption.value = '';
        uploadStatus('Uploaded for ' + where + '. It is at the top of the list: \u201cPut on wall\u201d shows it.');
        return;
      }
      uploadStatus('Not uploaded: ' + uploadErrorText(r.res.status, r.res.headers.get('Content-Type'), r.body), true);
    }).catch(function () {
      setUploading(false);
      uploadStatus('Not uploaded: the connection failed. Check the Wi-Fi and try again.', true);
    });
  }

  if (ui.imageForm) {
    ui.imageForm.addEventListener('submit', onImageSubmit);
    ui.imageFile.addEventListener('change', function () {
      var file = ui.imageFile.files && ui.imageFile.files[0];
      if (!file) {
        uploadStatus('');
      } else if (file.size > IMAGE_MAX_BYTES) {
        uploadStatus('That image is ' + megabytes(file.size) + ': the most is 10 MB. Choose a smaller one.', true);
      } else {
        uploadStatus('Ready: ' + megabytes(file.size) + '. Add a caption if you like, then choose \u201cUpload\u201d.');
      }
    });
  }
  if (ui.images) ui.images.addEventListener('click', onImageAction);

  // ---- the facilitator's name (for the activity log) ---------------------------------------

  function showName() {
    if (!ui.nameForm) return;
    var set = !!facilitatorName;
    ui.nameValue.textContent = facilitatorName;
    ui.nameShown.hidden = !set;
    ui.nameForm.classList.toggle('has-name', set);
  }

  if (ui.nameForm) {
    ui.nameForm.addEventListener('submit', function (e) {
      e.preventDefault();
      var name = ui.nameInput.value.trim().slice(0, 40);
      var changed = name !== facilitatorName;
      facilitatorName = name;
      storageSet(NAME_KEY, name);
      showName();
      if (changed && ws) {
        // The server takes the name when the socket opens: reopen it (resuming with since).
        dropSocket();
        reconnectNow();
      }
    });
    ui.nameChange.addEventListener('click', function () {
      ui.nameForm.classList.remove('has-name');
      ui.nameShown.hidden = true;
      ui.nameInput.value = facilitatorName;
      ui.nameInput.focus();
    });
  }

  // ---- start -------------------------------------------------------------------------------

  // The side panel starts folded on a phone and open on a wide screen.
  if (ui.controls && window.matchMedia && window.matchMedia('(min-width: 62rem)').matches) {
    ui.controls.open = true;
  }

  facilitatorName = storageGet(NAME_KEY).slice(0, 40);
  if (ui.nameInput) ui.nameInput.value = facilitatorName;
  showName();

  if (IS_LEAD) {
    var saved = storageGet(FILTER_KEY);
    if (saved) {
      for (var i = 0; i < ui.filter.options.length; i++) {
        if (ui.filter.options[i].value === saved) {
          filter = saved;
          ui.filter.value = saved;
          ui.formTable.value = saved;
        }
      }
    }
  }

  setInterval(tick, 250);
  connect();
})();
