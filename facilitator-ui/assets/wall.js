// The projected wall. Speaks the websocket protocol in docs/protocol.md as the "wall" role:
// it only ever receives comments that are highlighted and not hidden.
(function () {
  'use strict';

  var main = document.getElementById('main');
  if (!main || !main.getAttribute('data-ws') || typeof WebSocket === 'undefined') return;

  var WS_PATH = main.getAttribute('data-ws');
  var SILENCE_MS = 45000;
  var MAX_SHOWN = 30;      // more never fit on a screen
  var COLOURS = 8;         // accent colours .t-0 .. .t-7, by table number

  var ui = {
    title: document.getElementById('wall-title'),
    round: document.getElementById('wall-round'),
    roundLabel: document.getElementById('wall-round-label'),
    prompt: document.getElementById('wall-prompt'),
    closed: document.getElementById('wall-closed'),
    empty: document.getElementById('wall-empty'),
    list: document.getElementById('wall-comments'),
    more: document.getElementById('wall-more'),
    conn: document.getElementById('wall-conn'),
    agenda: document.getElementById('wall-agenda'),
    agendaTitle: document.getElementById('wall-agenda-title'),
    agendaSpeaker: document.getElementById('wall-agenda-speaker'),
    countdown: document.getElementById('wall-countdown'),
    announcement: document.getElementById('wall-announcement'),
    announcementText: document.getElementById('wall-announcement-text')
  };
  var connText = ui.conn.querySelector('.wall-conn-text') || ui.conn;

  var state = { event: null, rounds: [], tables: {}, comments: {}, agenda: null, announcement: null };
  var clockOffset = 0; // the server's clock minus this machine's (docs/protocol.md)
  var maxSeq = 0;
  var haveSnapshot = false;
  var ws = null;
  var attempt = 0;
  var reconnectTimer = null;
  var silenceTimer = null;
  var lastHeard = 0;
  var fitTimer = null;

  function make(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }

  // ---- connection indicator ----------------------------------------------------------------

  var CONN_TEXT = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    trouble: 'Can\u2019t reach the server. Still trying…'
  };

  function setConn(kind) {
    ui.conn.setAttribute('data-state', kind);
    connText.textContent = CONN_TEXT[kind] || kind;
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
    sock.onopen = function () {
      if (ws === sock) heard();
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

  function dropSocket() {
    var sock = ws;
    if (!sock) return;
    ws = null;
    try { sock.close(); } catch (e) { /* already closing */ }
    lost();
  }

  function lost() {
    clearTimeout(silenceTimer);
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
    setConn('live');
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
    keepAwake();
  });

  // ---- incoming ----------------------------------------------------------------------------

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
          var c = m.comment;
          if (c.highlighted && !c.hidden) {
            var isNew = !state.comments[c.id];
            state.comments[c.id] = c;
            upsertCard(c, isNew && m.change === 'highlighted');
          } else {
            removeCard(c.id);
          }
          scheduleFit();
        }
        break;
      case 'comment_removed':
        if (fresh(m)) {
          removeCard(m.id);
          scheduleFit();
        }
        break;
      case 'round':
        if (fresh(m) && m.round) {
          upsertRound(m.round);
          renderRound();
          renderAgenda();
          refillCards(); // round labels depend on which round is current
          scheduleFit();
        }
        break;
      case 'event':
        if (fresh(m) && state.event) {
          state.event.open = !!m.open;
          renderEvent();
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
      case 'resync':
        setConn('reconnecting'); // the server closes the socket; we resume with since
        break;
      default:
        break; // ping, ack, error, and anything newer
    }
  }

  function applySnapshot(m) {
    var s = m.state || {};
    maxSeq = typeof m.seq === 'number' ? m.seq : 0;
    haveSnapshot = true;
    state.event = s.event || null;
    state.rounds = (s.rounds || []).slice();
    state.tables = {};
    var tables = s.tables || [];
    for (var i = 0; i < tables.length; i++) state.tables[tables[i].id] = tables[i];
    state.comments = {};
    var comments = s.comments || [];
    for (var j = 0; j < comments.length; j++) {
      var c = comments[j];
      if (c.highlighted && !c.hidden) state.comments[c.id] = c;
    }
    syncClock(s.now);
    state.agenda = s.agenda || null;
    state.announcement = s.announcement || null;
    renderEvent();
    renderRound();
    renderAgenda();
    renderAnnouncement();
    renderAllCards();
  }

  // ---- event and round ---------------------------------------------------------------------

  function renderEvent() {
    var ev = state.event;
    if (!ev) return;
    if (ev.title) {
      ui.title.textContent = '';
      ui.title.appendChild(make('bdi', null, ev.title));
    }
    ui.closed.hidden = !!ev.open;
    main.classList.toggle('is-closed', !ev.open);
  }

  function upsertRound(r) {
    for (var i = 0; i < state.rounds.length; i++) {
      if (state.rounds[i].id === r.id) {
        state.rounds[i] = r;
        return;
      }
    }
    state.rounds.push(r);
  }

  function openRound() {
    for (var i = 0; i < state.rounds.length; i++) {
      if (state.rounds[i].status === 'open') return state.rounds[i];
    }
    return null;
  }

  // The round the room is in: the open one, or between rounds the last one that ran.
  function currentRound() {
    var open = openRound();
    if (open) return open;
    var last = null;
    for (var i = 0; i < state.rounds.length; i++) {
      var r = state.rounds[i];
      if (r.status === 'closed' && (!last || r.number > last.number)) last = r;
    }
    return last;
  }

  function roundById(id) {
    for (var i = 0; i < state.rounds.length; i++) {
      if (state.rounds[i].id === id) return state.rounds[i];
    }
    return null;
  }

  function renderRound() {
    var open = openRound();
    if (!open) {
      ui.round.hidden = true;
      ui.prompt.textContent = '';
      main.classList.remove('has-round');
      return;
    }
    ui.roundLabel.textContent = 'Round ' + open.number +
      (open.kind === 'theme' ? ' \u00b7 each table on its own theme' : '');
    ui.prompt.textContent = '';
    ui.prompt.appendChild(make('bdi', null, open.prompt || ''));
    ui.round.hidden = false;
    main.classList.add('has-round');
  }

  // The whole question must be readable from the back of the room: no ellipsis. The font steps
  // down (.p-0 largest .. .p-5 smallest) until the question takes at most about three lines, or
  // more lines when they fit beside the join box without making the header taller. A very long
  // question at the smallest size simply takes more lines.
  var PROMPT_STEPS = 6;
  var PROMPT_LINES = 3;
  var promptStep = -1;
  var titles = ui.round.parentNode;
  var join = document.querySelector('.wall-join');

  function setPromptStep(step) {
    if (step === promptStep) return;
    if (promptStep >= 0) ui.prompt.classList.remove('p-' + promptStep);
    ui.prompt.classList.add('p-' + step);
    promptStep = step;
  }

  function promptFits() {
    var cs = window.getComputedStyle(ui.prompt);
    var size = parseFloat(cs.fontSize) || 16;
    var line = parseFloat(cs.lineHeight);
    if (!line || isNaN(line)) line = size * 1.15;
    if (ui.prompt.getBoundingClientRect().height <= line * (PROMPT_LINES + 0.25)) return true;
    // Taller is fine while the join box is taller still (the header keeps its height).
    return !!join && titles.scrollHeight <= join.getBoundingClientRect().height + 1;
  }

  // The running item's title and speaker: two lines at most, smaller before anything is cut.
  var AGENDA_STEPS = 4;
  var agendaStep = 0;
  var agendaText = ui.agendaTitle.parentNode;

  function fitAgenda() {
    if (ui.agenda.hidden) return;
    for (var step = 0; step < AGENDA_STEPS; step++) {
      if (agendaStep > 0) agendaText.classList.remove('a-' + agendaStep);
      if (step > 0) agendaText.classList.add('a-' + step);
      agendaStep = step;
      if (agendaFits()) return;
    }
  }

  // Measured with the two-line clamp lifted for a moment (a clamped box hides its overflow).
  function agendaFits() {
    agendaText.classList.add('is-measuring');
    var cs = window.getComputedStyle(agendaText);
    var line = parseFloat(cs.lineHeight);
    if (!line || isNaN(line)) line = (parseFloat(cs.fontSize) || 16) * 1.2;
    var fits = agendaText.getBoundingClientRect().height <= line * 2.5;
    agendaText.classList.remove('is-measuring');
    return fits;
  }

  function fitPrompt() {
    if (ui.round.hidden || !ui.prompt.textContent) return;
    for (var step = 0; step < PROMPT_STEPS; step++) {
      setPromptStep(step);
      if (promptFits()) return;
    }
  }

  // ---- run of show and announcement --------------------------------------------------------
  //
  // The running item and its countdown sit in the header beside the question; an announcement
  // is a banner between the header and the comments. Both take space from the comments rather
  // than covering them, so fit() runs again when they come and go.

  var KIND_TEXT = { talk: 'Talk', round: 'Round', pledges: 'Pledges', break: 'Break', close: 'Close', other: '' };

  function syncClock(now) {
    if (typeof now === 'number' && isFinite(now) && now > 0) clockOffset = now - Date.now();
  }

  function pad2(n) {
    return (n < 10 ? '0' : '') + n;
  }

  function runningItem() {
    var a = state.agenda;
    if (!a || !a.items) return null;
    for (var i = 0; i < a.items.length; i++) {
      if (a.current ? a.items[i].id === a.current.item_id : a.items[i].status === 'running') return a.items[i];
    }
    return null;
  }

  // "04:32" while time is left, "+0:35 over" past the end; nothing when the item has no end.
  function countdownOf(current) {
    if (!current || typeof current.ends_at !== 'number') return { text: '', state: '' };
    var left = current.ends_at - (Date.now() + clockOffset);
    if (left >= 0) {
      var secs = Math.ceil(left / 1000);
      return { text: pad2(Math.floor(secs / 60)) + ':' + pad2(secs % 60), state: secs <= 60 ? 'ending' : 'running' };
    }
    var over = Math.floor(-left / 1000);
    return { text: '+' + Math.floor(over / 60) + ':' + pad2(over % 60) + ' over', state: 'over' };
  }

  var agendaShown = '';

  function renderAgenda() {
    var item = runningItem();
    var was = ui.agenda.hidden;
    ui.agenda.hidden = !item;
    ui.agendaTitle.textContent = '';
    ui.agendaSpeaker.textContent = '';
    if (item) {
      var kind = KIND_TEXT[item.kind] || '';
      // A round's title repeats the question shown below it: name the item by its kind then.
      var open = openRound();
      var title = item.kind === 'round' && open ? 'Round ' + open.number : (item.title || kind);
      ui.agendaTitle.appendChild(make('bdi', null, title));
      if (item.kind === 'talk' && item.speaker) {
        ui.agendaSpeaker.appendChild(document.createTextNode(' \u2014 '));
        ui.agendaSpeaker.appendChild(make('bdi', null, item.speaker));
      }
    }
    tickCountdown();
    var shown = ui.agenda.hidden ? '' : agendaText.textContent;
    if (was !== ui.agenda.hidden || shown !== agendaShown) scheduleFit();
    agendaShown = shown;
  }

  function tickCountdown() {
    var item = runningItem();
    var cd = item ? countdownOf(state.agenda.current) : { text: '', state: '' };
    if (ui.countdown.textContent !== cd.text) ui.countdown.textContent = cd.text;
    if (ui.countdown.getAttribute('data-state') !== cd.state) {
      ui.countdown.setAttribute('data-state', cd.state);
      scheduleFit(); // the countdown's width changes: the title may wrap differently
    }
    ui.countdown.hidden = !cd.text;
  }

  function renderAnnouncement() {
    var a = state.announcement;
    var show = !!(a && a.text && a.wall !== false);
    var was = ui.announcement.hidden;
    ui.announcementText.textContent = '';
    if (show) ui.announcementText.appendChild(make('bdi', null, a.text));
    ui.announcement.hidden = !show;
    if (was !== ui.announcement.hidden) scheduleFit();
  }

  // ---- cards -------------------------------------------------------------------------------
  //
  // Cards are kept in `cards` (id -> element) and laid out by fit(): the most recently put on
  // the wall first (by highlighted_at, then id), each into the shortest of up to three columns,
  // until the next one no longer fits. That one and every one put up before it drop from view
  // (a newer one is never skipped to show an older one), and a small "+N more" says so.
  // Nothing ever scrolls.

  var cards = {};

  function lengthClass(text) {
    var n = text.length;
    if (n <= 90) return 'len-s';
    if (n <= 220) return 'len-m';
    return 'len-l';
  }

  function buildCard(c) {
    var card = make('article', 'wall-card');
    card.id = 'w-' + c.id;
    card.setAttribute('data-id', String(c.id));
    card.appendChild(make('p', 'wall-card-meta'));
    card.appendChild(make('p', 'wall-card-text'));
    fillCard(card, c);
    return card;
  }

  function fillCard(card, c) {
    var t = state.tables[c.table_id];
    var number = t ? t.number : c.table_number;
    var colour = 't-' + (((Number(number) || 0) % COLOURS) + COLOURS) % COLOURS;
    var text = c.text || '';
    card.className = 'wall-card ' + colour + ' ' + lengthClass(text) +
      (card.classList.contains('is-entering') ? ' is-entering' : '');
    var meta = card.querySelector('.wall-card-meta');
    meta.textContent = '';
    meta.appendChild(document.createTextNode('Table ' + number));
    // From an earlier (or another) round than the one the room is in: say which.
    var current = currentRound();
    var round = c.round_id === null || c.round_id === undefined ? null : roundById(c.round_id);
    if (round && current && round.id !== current.id) {
      meta.appendChild(document.createTextNode(' '));
      meta.appendChild(make('span', 'wall-card-round', 'Round ' + round.number));
    }
    if (t && t.theme) {
      meta.appendChild(document.createTextNode(' \u00b7 '));
      meta.appendChild(make('bdi', null, t.theme));
    }
    var p = card.querySelector('.wall-card-text');
    p.textContent = '';
    p.appendChild(make('bdi', null, text));
  }

  function upsertCard(c, isNew) {
    var card = cards[c.id];
    if (card) {
      fillCard(card, c);
      return;
    }
    card = buildCard(c);
    cards[c.id] = card;
    if (isNew) {
      card.classList.add('is-entering');
      card.addEventListener('animationend', function () {
        card.classList.remove('is-entering');
      });
    }
  }

  function removeCard(id) {
    delete state.comments[id];
    var card = cards[id];
    delete cards[id];
    if (card && card.parentNode) card.parentNode.removeChild(card);
  }

  function refillCards() {
    for (var id in cards) {
      if (Object.prototype.hasOwnProperty.call(cards, id) && state.comments[id]) {
        fillCard(cards[id], state.comments[id]);
      }
    }
  }

  function highlightedAt(c) {
    return c && typeof c.highlighted_at === 'number' ? c.highlighted_at : -1;
  }

  // Most recently put on the wall first; ties (and servers that don't say when) by id.
  function wallOrder(a, b) {
    var ca = state.comments[a];
    var cb = state.comments[b];
    var ha = highlightedAt(ca);
    var hb = highlightedAt(cb);
    if (ha !== hb) return hb - ha;
    return b - a;
  }

  function renderAllCards() {
    cards = {};
    for (var id in state.comments) {
      if (Object.prototype.hasOwnProperty.call(state.comments, id)) {
        cards[id] = buildCard(state.comments[id]);
      }
    }
    scheduleFit();
  }

  function fit() {
    fitTimer = null;
    fitAgenda();
    fitPrompt();
    var ids = Object.keys(cards).map(Number).sort(wallOrder);
    var n = ids.length;
    ui.empty.hidden = n > 0;
    main.classList.toggle('has-comments', n > 0);

    var colCount = n <= 1 ? 1 : (n === 2 ? 2 : 3);
    ui.list.textContent = '';
    ui.list.className = 'wall-comments cols-' + colCount;
    if (n === 0) {
      showMore(0);
      return;
    }
    var cols = [];
    for (var k = 0; k < colCount; k++) {
      var col = make('div', 'wall-col');
      ui.list.appendChild(col);
      cols.push(col);
    }
    var room = ui.list.clientHeight;
    var shown = 0;
    for (var i = 0; i < n && i < MAX_SHOWN; i++) {
      var shortest = cols[0];
      for (var j = 1; j < cols.length; j++) {
        if (cols[j].offsetHeight < shortest.offsetHeight) shortest = cols[j];
      }
      var card = cards[ids[i]];
      shortest.appendChild(card);
      if (shown > 0 && shortest.offsetHeight > room) {
        shortest.removeChild(card);
        break; // this one and every older one stay out of view
      }
      shown += 1;
    }
    ui.list.setAttribute('data-shown', String(shown));
    ui.list.setAttribute('data-total', String(n));
    showMore(n - shown);
  }

  function showMore(leftOut) {
    if (!ui.more) return;
    ui.more.hidden = leftOut <= 0;
    ui.more.textContent = leftOut > 0 ? '+' + leftOut + ' more' : '';
  }

  function scheduleFit() {
    if (fitTimer) return;
    fitTimer = window.requestAnimationFrame ? window.requestAnimationFrame(fit) : setTimeout(fit, 16);
  }

  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(fit, 150);
  });

  // ---- projector niceties ------------------------------------------------------------------

  // Keep the projector laptop from sleeping where the browser allows it (secure contexts).
  var wakeLock = null;
  function keepAwake() {
    if (wakeLock || !navigator.wakeLock || document.visibilityState !== 'visible') return;
    navigator.wakeLock.request('screen').then(function (lock) {
      wakeLock = lock;
      lock.addEventListener('release', function () { wakeLock = null; });
    }).catch(function () { /* not allowed here; fine */ });
  }

  // Double-click toggles full screen.
  document.addEventListener('dblclick', function () {
    if (document.fullscreenElement) {
      if (document.exitFullscreen) document.exitFullscreen().catch(function () {});
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    }
  });

  setInterval(tickCountdown, 250);
  keepAwake();
  setConn('connecting');
  fit();
  connect();
})();
