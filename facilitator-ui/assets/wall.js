// The projected wall. Speaks the websocket protocol in docs/protocol.md as the "wall" role:
// it only ever receives comments that are highlighted and not hidden.
(function () {
  'use strict';

  var main = document.getElementById('main');
  if (!main || !main.getAttribute('data-ws') || typeof WebSocket === 'undefined') return;

  var WS_PATH = main.getAttribute('data-ws');
  // Images on show are at `/wall/{token}/images/{id}`, beside the socket's `/wall/{token}/ws`.
  var IMAGE_BASE = WS_PATH.replace(/\?.*$/, '').replace(/\/ws$/, '') + '/images/';
  var SILENCE_MS = 45000;
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
    announcementText: document.getElementById('wall-announcement-text'),
    counts: document.getElementById('wall-counts'),
    focusTitle: document.getElementById('wall-focus-title'),
    spotlight: document.getElementById('wall-spotlight'),
    joinScreen: document.getElementById('wall-joinscreen'),
    joinClosed: document.getElementById('wall-joinscreen-closed')
  };
  var connText = ui.conn.querySelector('.wall-conn-text') || ui.conn;

  var state = { event: null, rounds: [], tables: {}, comments: {}, images: {}, agenda: null, announcement: null, presence: null };
  var clockOffset = 0; // the server's clock minus this machine's (docs/protocol.md)
  var maxSeq = 0;
  var haveSnapshot = false;
  var ws = null;
  var attempt = 0;
  var reconnectTimer = null;
  var silenceTimer = null;
  var lastHeard = 0;
  var fitTimer = null;

  // The wall's words, filled in per language by the server (participant-ui/i18n/*.ftl).
  var L = {};
  function T(k, v) { var s = L[k] || k; for (var n in v) s = s.replace('{' + n + '}', v[n]); return s; }

  function make(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }

  // ---- connection indicator ----------------------------------------------------------------

  var CONN_TEXT = {
    connecting: T('wall-connecting'),
    live: T('wall-live'),
    reconnecting: T('wall-reconnecting'),
    trouble: T('wall-trouble')
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
            upsertComment(c, !state.comments[c.id] && m.change === 'highlighted');
          } else {
            removeComment(c.id);
          }
          scheduleFit();
        }
        break;
      case 'comment_removed':
        if (fresh(m)) {
          removeComment(m.id);
          scheduleFit();
        }
        break;
      case 'image':
        if (fresh(m) && m.image) {
          var img = m.image;
          if (onShow(img)) {
            upsertImage(img, !state.images[img.id] && m.change === 'image_shown');
          } else {
            removeImage(img.id);
          }
          scheduleFit();
        }
        break;
      case 'image_removed':
        if (fresh(m)) {
          removeImage(m.id);
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
      case 'walls':
        if (fresh(m) && Array.isArray(m.walls)) {
          walls = m.walls.slice();
          applyWalls();
        }
        break;
      case 'presence':
        state.presence = { tables: m.tables || {}, comments: m.comments, pledged: m.pledged };
        renderCounts();
        renderPledges();
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
    state.images = {};
    var images = s.images || [];
    for (var k = 0; k < images.length; k++) {
      if (onShow(images[k])) state.images[images[k].id] = images[k];
    }
    if (s.presence) {
      state.presence = s.presence.tables ? { tables: s.presence.tables, comments: s.presence.comments }
        : { tables: s.presence, comments: 0 };
    }
    if (s.wall_id !== undefined && s.wall_id !== null) wallId = s.wall_id;
    if (Array.isArray(s.walls)) walls = s.walls.slice();
    syncClock(s.now);
    state.agenda = s.agenda || null;
    state.announcement = s.announcement || null;
    renderEvent();
    renderRound();
    renderAgenda();
    renderAnnouncement();
    renderCounts();
    applyWalls();
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
    if (ui.joinClosed) ui.joinClosed.hidden = !!ev.open;
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
    ui.roundLabel.textContent = T('round-n', { n: open.number }) +
      (open.kind === 'theme' ? ' \u00b7 ' + T('wall-theme-round') : '');
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

  // The join address is never broken inside: a long one steps down (.l-1, .l-2); in the corner
  // box it is then left out (the QR and the code are enough there), on the join screen it
  // wraps only past the last step.
  var cornerLanding = join ? join.querySelector('.wall-landing') : null;
  var screenLanding = ui.joinScreen ? ui.joinScreen.querySelector('.wall-joinscreen-landing') : null;

  function overflowsX(el) {
    return el.scrollWidth > el.clientWidth + 1;
  }

  function stepLanding(el, steps) {
    for (var s = 1; s <= steps; s++) el.classList.remove('l-' + s);
    if (!el.offsetParent) return true; // not on screen
    for (var step = 0; step <= steps; step++) {
      if (step > 0) {
        el.classList.remove('l-' + (step - 1));
        el.classList.add('l-' + step);
      }
      if (!overflowsX(el)) return true;
    }
    return false;
  }

  // Before the question is fitted: the corner box's width is the question's.
  function fitCornerJoin() {
    if (!cornerLanding) return;
    join.classList.remove('no-landing');
    if (!stepLanding(cornerLanding, 2)) join.classList.add('no-landing');
  }

  function fitScreenJoin() {
    if (screenLanding && !stepLanding(screenLanding, 2)) {
      screenLanding.classList.remove('l-2');
      screenLanding.classList.add('l-3');
    }
  }

  // ---- run of show and announcement --------------------------------------------------------
  //
  // The running item and its countdown sit in the header beside the question; an announcement
  // is a banner between the header and the comments. Both take space from the comments rather
  // than covering them, so fit() runs again when they come and go.

  var KIND_TEXT = { talk: T('wall-talk'), round: '', pledges: T('wall-pledges'), break: T('wall-break'), close: T('wall-close'), other: '' };

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
      var title = item.kind === 'round' && open ? T('round-n', { n: open.number }) : (item.title || kind);
      ui.agendaTitle.appendChild(make('bdi', null, title));
      if (item.kind === 'talk' && item.speaker) {
        ui.agendaSpeaker.appendChild(document.createTextNode(' \u2014 '));
        ui.agendaSpeaker.appendChild(make('bdi', null, item.speaker));
      }
    }
    tickCountdown();
    renderPledges();
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

  // ---- live counts -------------------------------------------------------------------------

  // While the pledges item runs, how many people have committed to act (never who).
  function renderPledges() {
    var box = document.getElementById('wall-pledges');
    if (!box) return;
    var item = runningItem();
    var n = state.presence ? Number(state.presence.pledged) || 0 : 0;
    var show = !!(item && item.kind === 'pledges');
    var text = T(n === 1 ? 'wall-pledged-one' : 'wall-pledged-many', { n: n });
    if (box.textContent !== text) box.textContent = text;
    if (box.hidden === show) {
      box.hidden = !show;
      scheduleFit();
    }
  }

  function renderCounts() {
    var p = state.presence;
    if (!p) {
      ui.counts.hidden = true;
      return;
    }
    var people = 0;
    var tables = p.tables || {};
    for (var k in tables) {
      if (Object.prototype.hasOwnProperty.call(tables, k)) people += Number(tables[k]) || 0;
    }
    var comments = Number(p.comments) || 0;
    var text = T(people === 1 ? 'wall-people-one' : 'wall-people-many', { n: people }) + ' \u00b7 ' +
      T(comments === 1 ? 'wall-comments-one' : 'wall-comments-many', { n: comments });
    if (ui.counts.textContent !== text) ui.counts.textContent = text;
    ui.counts.hidden = false;
  }

  // ---- the wall's settings -----------------------------------------------------------------
  //
  // Every wall has its own settings (docs/protocol.md, `Wall`); one that follows the main wall
  // shows the main wall's. They arrive in the snapshot and in `walls` messages, and apply at once.

  var LAYOUTS = { columns: true, spotlight: true, mosaic: true, focus: true, join: true };
  var PAGE_MS = 20000; // columns, mosaic and focus turn the page this often when not all fit
  var wallId = null;
  var walls = [];
  var settings = { layout: 'columns', table_id: null, theme: 'dark', show_join: true, spotlight_seconds: 12 };

  function effectiveWall() {
    var own = null;
    var mainWall = null;
    for (var i = 0; i < walls.length; i++) {
      if (walls[i].id === wallId) own = walls[i];
      if (walls[i].main) mainWall = walls[i];
    }
    if (!own) own = mainWall;
    if (own && own.follows && !own.main && mainWall) return mainWall;
    return own;
  }

  function applyWalls() {
    var w = effectiveWall() || {};
    var secs = Number(w.spotlight_seconds);
    var next = {
      layout: LAYOUTS[w.layout] ? w.layout : 'columns',
      table_id: w.table_id === null || w.table_id === undefined ? null : w.table_id,
      theme: w.theme === 'light' ? 'light' : 'dark',
      show_join: w.show_join !== false,
      spotlight_seconds: isFinite(secs) && secs > 0 ? Math.max(5, Math.min(120, secs)) : 12
    };
    var moved = next.layout !== settings.layout || next.table_id !== settings.table_id;
    var retimed = moved || next.spotlight_seconds !== settings.spotlight_seconds;
    settings = next;
    main.setAttribute('data-layout', next.layout);
    main.setAttribute('data-theme', next.theme);
    document.documentElement.setAttribute('data-theme', next.theme);
    main.classList.toggle('no-join', !next.show_join);
    if (moved) resetPages();
    if (retimed) restartRotation();
    scheduleFit();
  }

  // ---- comments and images -----------------------------------------------------------------
  //
  // The wall shows two kinds of item: highlighted comments and images put on show from a
  // console. Each is known by a key: "c" + comment id, "i" + image id. The wall keeps at most
  // MAX_KEEP of them (the most recently put on the wall); older ones are dropped, so three hours
  // of highlights don't grow the page. One element per item (`#w-ID` for a comment, `#wimg-ID`
  // for an image) is built on demand and placed by fit() into whichever layout is showing; the
  // rest are not in the document. Nothing ever scrolls: a layout shows what fits and turns the
  // page every PAGE_MS (spotlight: every `spotlight_seconds`), newest first; a new highlight or
  // image goes to the front at once.

  var MAX_KEEP = 200;
  var cards = {};   // item key -> element
  var ROOM = 'room'; // columns: the group of images that belong to no table

  function isImage(key) {
    return key.charAt(0) === 'i';
  }

  function itemOf(key) {
    var id = key.slice(1);
    return isImage(key) ? state.images[id] : state.comments[id];
  }

  function itemTable(key) {
    var it = itemOf(key);
    return it && it.table_id !== undefined && it.table_id !== null ? it.table_id : null;
  }

  function onShow(img) {
    return !!(img && img.on_wall && !img.hidden);
  }

  function lengthClass(text) {
    var n = text.length;
    if (n <= 90) return 'len-s';
    if (n <= 220) return 'len-m';
    return 'len-l';
  }

  // More agreement, a slightly larger mosaic card: 0 (none) .. 3 (ten or more).
  function agreeLevel(c) {
    var a = Number(c.agrees) || 0;
    if (a >= 10) return 3;
    if (a >= 4) return 2;
    if (a >= 1) return 1;
    return 0;
  }

  function colourOf(number) {
    return 't-' + (((Number(number) || 0) % COLOURS) + COLOURS) % COLOURS;
  }

  function tableOf(c) {
    var t = state.tables[c.table_id];
    return { number: t ? t.number : c.table_number, theme: t && t.theme ? t.theme : '' };
  }

  function buildCard(c) {
    var card = make('article', 'wall-card');
    card.id = 'w-' + c.id;
    card.setAttribute('data-id', String(c.id));
    var meta = make('p', 'wall-card-meta');
    meta.appendChild(make('span', 'wall-card-table'));
    meta.appendChild(make('span', 'wall-card-round'));
    meta.appendChild(make('span', 'wall-card-theme'));
    card.appendChild(meta);
    card.appendChild(make('p', 'wall-card-text'));
    fillCard(card, c);
    return card;
  }

  function fillCard(card, c) {
    var t = tableOf(c);
    var text = c.text || '';
    var keep = card.classList.contains('is-entering') ? ' is-entering' : '';
    var meta = card.querySelector('.wall-card-meta');
    var tableEl = meta.querySelector('.wall-card-table');
    var roundEl = meta.querySelector('.wall-card-round');
    var themeEl = meta.querySelector('.wall-card-theme');
    tableEl.textContent = T('table-n', { n: t.number });
    // From an earlier (or another) round than the one the room is in: say which.
    var current = currentRound();
    var round = c.round_id === null || c.round_id === undefined ? null : roundById(c.round_id);
    var otherRound = !!(round && current && round.id !== current.id);
    roundEl.textContent = otherRound ? T('round-n', { n: round.number }) : '';
    roundEl.hidden = !otherRound;
    themeEl.textContent = '';
    if (t.theme) {
      themeEl.appendChild(document.createTextNode(' \u00b7 '));
      themeEl.appendChild(make('bdi', null, t.theme));
    }
    card.className = 'wall-card ' + colourOf(t.number) + ' ' + lengthClass(text) +
      ' ag-' + agreeLevel(c) + (otherRound ? ' has-round' : '') + keep;
    var p = card.querySelector('.wall-card-text');
    p.textContent = '';
    p.appendChild(make('bdi', null, text));
  }

  // The image's own width and height (the server always says; 4:3 if not).
  function imageSize(img) {
    var w = Number(img.width);
    var h = Number(img.height);
    if (!(w > 0 && h > 0)) return { w: 4, h: 3 };
    return { w: w, h: h };
  }

  function imageTable(img) {
    var t = img.table_id === null || img.table_id === undefined ? null : state.tables[img.table_id];
    return t ? { number: t.number, theme: t.theme || '' } : null;
  }

  // An image: the picture (letterboxed, never cropped), its table above and its caption below.
  // The width and height attributes give the box its shape before the bytes arrive, so fit()
  // measures the right height at once.
  function buildImageCard(img) {
    var card = make('figure', 'wall-card wall-image');
    card.id = 'wimg-' + img.id;
    card.setAttribute('data-image-id', String(img.id));
    var meta = make('p', 'wall-card-meta');
    meta.appendChild(make('span', 'wall-card-table'));
    meta.appendChild(make('span', 'wall-card-theme'));
    card.appendChild(meta);
    var pic = document.createElement('img');
    pic.className = 'wall-image-img';
    pic.decoding = 'async';
    pic.addEventListener('error', function () { card.classList.add('is-broken'); });
    card.appendChild(pic);
    card.appendChild(make('figcaption', 'wall-image-caption'));
    fillImageCard(card, img);
    pic.src = IMAGE_BASE + encodeURIComponent(String(img.id));
    return card;
  }

  function fillImageCard(card, img) {
    var t = imageTable(img);
    var keep = card.classList.contains('is-entering') ? ' is-entering' : '';
    var size = imageSize(img);
    card.className = 'wall-card wall-image ' + (t ? colourOf(t.number) : 'is-room') +
      (size.w >= size.h * 1.15 ? ' is-wide' : (size.h >= size.w * 1.15 ? ' is-tall' : ' is-square')) + keep;
    var tableEl = card.querySelector('.wall-card-table');
    var themeEl = card.querySelector('.wall-card-theme');
    tableEl.textContent = t ? T('table-n', { n: t.number }) : T('wall-whole-room');
    themeEl.textContent = '';
    if (t && t.theme) {
      themeEl.appendChild(document.createTextNode(' \u00b7 '));
      themeEl.appendChild(make('bdi', null, t.theme));
    }
    var caption = (img.caption || '').trim();
    var pic = card.querySelector('.wall-image-img');
    pic.alt = caption || (t ? T('wall-image-table', { n: t.number }) : T('wall-image-room'));
    pic.width = size.w;
    pic.height = size.h;
    var cap = card.querySelector('.wall-image-caption');
    cap.textContent = '';
    if (caption) cap.appendChild(make('bdi', null, caption));
    cap.hidden = !caption;
  }

  function cardFor(key) {
    var card = cards[key];
    if (card) return card;
    var it = itemOf(key);
    if (!it) return null;
    card = isImage(key) ? buildImageCard(it) : buildCard(it);
    cards[key] = card;
    return card;
  }

  // When the item went on the wall (ms since 1970), -1 if the server doesn't say.
  function shownAt(key) {
    var it = itemOf(key);
    var at = it ? (isImage(key) ? it.on_wall_at : it.highlighted_at) : null;
    return typeof at === 'number' ? at : -1;
  }

  // Most recently put on the wall first; ties (and servers that don't say when) by id.
  function wallOrder(a, b) {
    var ha = shownAt(a);
    var hb = shownAt(b);
    if (ha !== hb) return hb - ha;
    var ia = Number(a.slice(1));
    var ib = Number(b.slice(1));
    if (ia !== ib) return ib - ia;
    return a < b ? -1 : (a > b ? 1 : 0);
  }

  function orderedIds() {
    var keys = [];
    var k;
    for (k in state.comments) {
      if (Object.prototype.hasOwnProperty.call(state.comments, k)) keys.push('c' + k);
    }
    for (k in state.images) {
      if (Object.prototype.hasOwnProperty.call(state.images, k)) keys.push('i' + k);
    }
    return keys.sort(wallOrder);
  }

  function enterNow(card) {
    card.classList.add('is-entering');
    card.addEventListener('animationend', function () {
      card.classList.remove('is-entering');
    });
  }

  function upsertComment(c, isNew) {
    state.comments[c.id] = c;
    var key = 'c' + c.id;
    var card = cards[key];
    if (card) fillCard(card, c);
    if (isNew) {
      enterNow(cardFor(key));
      bringForward(key);
    }
    trim();
  }

  function upsertImage(img, isNew) {
    state.images[img.id] = img;
    var key = 'i' + img.id;
    var card = cards[key];
    if (card) fillImageCard(card, img);
    if (isNew) {
      enterNow(cardFor(key));
      bringForward(key);
    }
    trim();
  }

  function removeItem(key) {
    if (isImage(key)) delete state.images[key.slice(1)];
    else delete state.comments[key.slice(1)];
    var card = cards[key];
    delete cards[key];
    if (card && card.parentNode) card.parentNode.removeChild(card);
    if (card && isImage(key)) {
      // Stop any download still going: the wall may no longer fetch it.
      var pic = card.querySelector('img');
      if (pic) pic.removeAttribute('src');
    }
  }

  function removeComment(id) {
    removeItem('c' + id);
  }

  function removeImage(id) {
    removeItem('i' + id);
  }

  function trim() {
    var keys = orderedIds();
    for (var i = MAX_KEEP; i < keys.length; i++) removeItem(keys[i]);
  }

  function refillCards() {
    for (var key in cards) {
      if (!Object.prototype.hasOwnProperty.call(cards, key)) continue;
      var it = itemOf(key);
      if (!it) continue;
      if (isImage(key)) fillImageCard(cards[key], it);
      else fillCard(cards[key], it);
    }
  }

  function renderAllCards() {
    for (var key in cards) {
      if (Object.prototype.hasOwnProperty.call(cards, key) && isImage(key)) {
        var pic = cards[key].querySelector('img');
        if (pic && !itemOf(key)) pic.removeAttribute('src');
      }
    }
    cards = {};
    trim();
    resetPages();
    scheduleFit();
  }

  // ---- pages and rotation ------------------------------------------------------------------

  var offset = 0;        // mosaic, focus: index (newest first) of the first item on screen
  var nextOffset = 0;
  var tablePage = 0;     // columns: which group of tables is on screen
  var tablePages = 1;
  var colSeen = {};      // columns: table id (or ROOM) -> { key: true } shown earlier this turn
  var colSeenNext = {};
  var spotId = null;     // spotlight: the key of the item on screen
  var spotIndex = 0;
  var hasMore = false;   // something is off screen, so the page turns
  var rotateTimer = null;

  function resetPages() {
    offset = 0;
    nextOffset = 0;
    tablePage = 0;
    colSeen = {};
    colSeenNext = {};
    spotId = null;
    spotIndex = 0;
  }

  function rotateMs() {
    return settings.layout === 'spotlight' ? settings.spotlight_seconds * 1000 : PAGE_MS;
  }

  function restartRotation() {
    clearTimeout(rotateTimer);
    rotateTimer = setTimeout(rotate, rotateMs());
  }

  function rotate() {
    rotateTimer = null;
    if (settings.layout === 'spotlight') {
      var ids = orderedIds();
      if (ids.length > 1) {
        var at = ids.indexOf(spotId);
        spotIndex = at < 0 ? spotIndex : (at + 1) % ids.length;
        if (spotIndex >= ids.length) spotIndex = 0;
        spotId = ids[spotIndex];
        enterSoftly(spotId);
        scheduleFit();
      }
    } else if (hasMore) {
      if (settings.layout === 'columns') {
        if (tablePages > 1) {
          tablePage = (tablePage + 1) % tablePages;
          colSeen = {};
        } else {
          colSeen = colSeenNext;
        }
      } else {
        offset = nextOffset;
      }
      scheduleFit();
    }
    restartRotation();
  }

  function groupOf(key) {
    var t = itemTable(key);
    return t === null ? ROOM : String(t);
  }

  // An item just put on the wall is shown at once, whatever page was showing.
  function bringForward(key) {
    offset = 0;
    delete colSeen[groupOf(key)];
    pendingTable = groupOf(key);
    spotId = key;
    restartRotation();
  }
  var pendingTable = null; // columns: turn to the page holding this group

  function enterSoftly(key) {
    var card = cardFor(key);
    if (!card) return;
    card.classList.remove('is-entering');
    enterNow(card);
  }

  // ---- fitting -----------------------------------------------------------------------------

  // Detaches every placed card and forgets the sizes a previous layout gave it.
  function clearStage() {
    ui.list.textContent = '';
    ui.spotlight.textContent = '';
    ui.list.removeAttribute('style');
    for (var key in cards) {
      if (!Object.prototype.hasOwnProperty.call(cards, key)) continue;
      var card = cards[key];
      if (isImage(key)) {
        var pic = card.querySelector('.wall-image-img');
        if (pic.style.height || pic.style.maxHeight) {
          pic.style.height = '';
          pic.style.maxHeight = '';
        }
      } else {
        var text = card.querySelector('.wall-card-text');
        if (text.style.webkitLineClamp || text.style.fontSize) {
          text.style.webkitLineClamp = '';
          text.style.fontSize = '';
        }
      }
      card.classList.remove('is-squeezed');
      for (var s = 0; s < SPOT_STEPS; s++) card.classList.remove('sz-' + s);
    }
  }

  // A single card taller than `room`: cut a comment's text by whole lines (the very longest
  // comments only; everything else pages instead), or make an image's picture smaller.
  function squeeze(card, over) {
    if (over <= 0) return;
    if (card.classList.contains('wall-image')) {
      var pic = card.querySelector('.wall-image-img');
      var h = pic.getBoundingClientRect().height;
      pic.style.maxHeight = Math.max(24, Math.floor(h - over - 1)) + 'px';
      card.classList.add('is-squeezed');
      return;
    }
    var text = card.querySelector('.wall-card-text');
    var line = parseFloat(window.getComputedStyle(text).lineHeight);
    if (!line || isNaN(line)) line = (parseFloat(window.getComputedStyle(text).fontSize) || 16) * 1.25;
    var lines = Math.max(1, Math.floor((text.getBoundingClientRect().height - over) / line));
    text.style.webkitLineClamp = String(lines);
    card.classList.add('is-squeezed');
  }

  function showMore(text) {
    ui.more.hidden = !text;
    ui.more.textContent = text || '';
  }

  function setEmpty(text) {
    ui.empty.hidden = !text;
    if (text && ui.empty.textContent !== text) ui.empty.textContent = text;
  }

  var EMPTY_TEXT = T('wall-empty');

  // The page indicator needs a line at the bottom: when the first pass shows it, the comments
  // are placed again in the height that leaves.
  function fit() {
    fitTimer = null;
    main.classList.remove('is-paged');
    layOut();
    if (!ui.more.hidden) {
      main.classList.add('is-paged');
      layOut();
    }
  }

  function layOut() {
    fitCornerJoin();
    fitAgenda();
    fitPrompt();
    clearStage();
    hasMore = false;
    showMore('');
    var layout = settings.layout;
    var ids = orderedIds();
    main.classList.toggle('has-comments', ids.length > 0);
    ui.focusTitle.hidden = layout !== 'focus';
    ui.list.hidden = layout === 'spotlight' || layout === 'join';
    ui.spotlight.hidden = layout !== 'spotlight';
    ui.joinScreen.hidden = layout !== 'join';
    ui.list.className = 'wall-comments lay-' + layout;
    if (layout === 'join') {
      fitScreenJoin();
      setEmpty('');
      ui.list.setAttribute('data-shown', '0');
      return;
    }
    if (layout === 'focus') {
      fitFocus(ids);
      return;
    }
    setEmpty(ids.length ? '' : EMPTY_TEXT);
    if (!ids.length) {
      ui.list.hidden = true;
      ui.list.setAttribute('data-shown', '0');
      ui.list.setAttribute('data-total', '0');
      return;
    }
    if (layout === 'spotlight') fitSpotlight(ids);
    else if (layout === 'mosaic') fitMosaic(ids);
    else fitColumns(ids);
  }

  function record(shown, total) {
    ui.list.setAttribute('data-shown', String(shown));
    ui.list.setAttribute('data-total', String(total));
  }

  // Columns: one per table with something on the wall (by table number), its theme at the top,
  // newest first; images that belong to no table in a "Whole room" column first. More tables
  // than fit side by side: pages of tables.
  // A column is at least about twelve of the comment font's em wide (some 25 characters a line).
  function maxColumns() {
    var w = ui.list.clientWidth || window.innerWidth;
    var read = parseFloat(window.getComputedStyle(ui.list).fontSize) || 16;
    return Math.max(1, Math.min(6, Math.floor(w / (read * 12.5))));
  }

  // Fills one column: first what this turn through the table hasn't shown yet, newest first,
  // skipping a card too tall for the room left and trying the older ones after it (so the column
  // fills up; the skipped card leads the next page). When that finishes the turn, the room left
  // starts the next turn from the newest. Returns how many are shown and what the turn has
  // shown after this page.
  var MISSES = 6; // cards tried in a row that don't fit before the column counts as full

  function fillColumn(list, seen, col, body, room) {
    var placed = {};
    var shown = 0;
    var fresh = list.filter(function (key) { return !seen[key]; });
    if (!fresh.length) {
      seen = {};
      fresh = list;
    }
    function place(keys) {
      var misses = 0;
      for (var i = 0; i < keys.length && misses < MISSES; i++) {
        if (placed[keys[i]]) continue;
        var card = cardFor(keys[i]);
        if (!card) continue;
        body.appendChild(card);
        if (col.offsetHeight > room) {
          if (shown === 0) {
            squeeze(card, col.offsetHeight - room); // alone it is too tall: cut by whole lines
          } else {
            body.removeChild(card);
            misses += 1;
            continue;
          }
        }
        placed[keys[i]] = true;
        shown += 1;
        misses = 0;
      }
    }
    place(fresh);
    var next = {};
    var k;
    for (k in seen) {
      if (Object.prototype.hasOwnProperty.call(seen, k)) next[k] = true;
    }
    for (k in placed) {
      if (Object.prototype.hasOwnProperty.call(placed, k)) next[k] = true;
    }
    var done = list.every(function (key) { return next[key]; });
    if (done && shown < list.length) {
      var before = placed;
      place(list);
      next = {};
      for (k in placed) {
        if (Object.prototype.hasOwnProperty.call(placed, k) && !before[k]) next[k] = true;
      }
      // Newest first on screen, whichever pass placed them.
      for (var j = 0; j < list.length; j++) {
        if (placed[list[j]]) body.appendChild(cardFor(list[j]));
      }
    } else if (done) {
      next = {};
    }
    return { shown: shown, seen: next };
  }

  function groupNumber(group, keys) {
    if (group === ROOM) return -Infinity;
    var t = state.tables[group];
    if (t) return Number(t.number) || 0;
    for (var i = 0; i < keys.length; i++) {
      if (!isImage(keys[i])) return Number(itemOf(keys[i]).table_number) || 0;
    }
    return Infinity;
  }

  function fitColumns(ids) {
    var groups = {};
    var order = [];
    for (var i = 0; i < ids.length; i++) {
      var key = groupOf(ids[i]);
      if (!groups[key]) {
        groups[key] = [];
        order.push(key);
      }
      groups[key].push(ids[i]);
    }
    var numbers = {};
    for (var n = 0; n < order.length; n++) numbers[order[n]] = groupNumber(order[n], groups[order[n]]);
    order.sort(function (a, b) {
      if (numbers[a] !== numbers[b]) return numbers[a] < numbers[b] ? -1 : 1;
      return a < b ? -1 : (a > b ? 1 : 0);
    });
    var perPage = maxColumns();
    tablePages = Math.max(1, Math.ceil(order.length / perPage));
    if (pendingTable !== null) {
      var at = order.indexOf(String(pendingTable));
      if (at >= 0) tablePage = Math.floor(at / perPage);
      pendingTable = null;
    }
    if (tablePage >= tablePages) tablePage = 0;
    var slice = order.slice(tablePage * perPage, (tablePage + 1) * perPage);
    ui.list.style.setProperty('--cols', String(slice.length));
    var room = ui.list.clientHeight;
    ui.list.style.setProperty('--room', room + 'px'); // images take a share of it
    var shownTotal = 0;
    var next = {};
    var built = [];
    // Every column first (their widths depend on how many there are), then fill each.
    for (var k = 0; k < slice.length; k++) {
      var tid = slice[k];
      var list = groups[tid];
      var col;
      var name = make('span', 'wall-tcol-name');
      if (tid === ROOM) {
        col = make('div', 'wall-tcol is-room');
        name.appendChild(make('span', 'wall-tcol-number', T('wall-whole-room')));
      } else {
        var first = itemOf(list[0]);
        var t = isImage(list[0]) ? (imageTable(first) || { number: '', theme: '' }) : tableOf(first);
        col = make('div', 'wall-tcol ' + colourOf(t.number));
        name.appendChild(make('span', 'wall-tcol-number', T('table-n', { n: t.number })));
        if (t.theme) name.appendChild(make('bdi', 'wall-tcol-theme', t.theme));
      }
      col.setAttribute('data-table', tid);
      var head = make('h2', 'wall-tcol-head');
      head.appendChild(name);
      var more = make('span', 'wall-tcol-more');
      head.appendChild(more);
      col.appendChild(head);
      var body = make('div', 'wall-tcol-cards');
      col.appendChild(body);
      ui.list.appendChild(col);
      built.push({ tid: tid, col: col, body: body, more: more });
    }
    for (var b = 0; b < built.length; b++) {
      tid = built[b].tid;
      list = groups[tid];
      col = built[b].col;
      body = built[b].body;
      more = built[b].more;
      var filled = fillColumn(list, colSeen[tid] || {}, col, body, room);
      var shown = filled.shown;
      var left = list.length - shown;
      more.textContent = left > 0 ? T('wall-more', { n: left }) : '';
      if (left > 0) hasMore = true;
      next[tid] = filled.seen;
      shownTotal += shown;
    }
    colSeenNext = next;
    if (tablePages > 1) {
      hasMore = true;
      showMore(T('wall-tables-range', { from: tablePage * perPage + 1, to: tablePage * perPage + slice.length, all: order.length }));
    }
    record(shownTotal, ids.length);
  }

  // Mosaic: cards fill the screen, newest first; longer comments get wider cards, agreed ones a
  // little larger type, images a card shaped to the picture. With only a few, everything is
  // larger.
  function fitMosaic(ids) {
    if (offset >= ids.length) offset = 0;
    var roomy = ids.length - offset <= 6;
    var shown = placeMosaic(ids, roomy);
    if (roomy && offset + shown < ids.length) shown = placeMosaic(ids, false);
    ui.list.classList.add('is-placed');
    finishPage(ids, shown);
  }

  function placeMosaic(ids, roomy) {
    ui.list.textContent = '';
    ui.list.classList.remove('is-placed');
    ui.list.classList.toggle('is-roomy', roomy);
    var room = ui.list.clientHeight;
    ui.list.style.setProperty('--room', room + 'px');
    var shown = 0;
    for (var i = offset; i < ids.length; i++) {
      var card = cardFor(ids[i]);
      ui.list.appendChild(card);
      if (ui.list.scrollHeight > room + 1) {
        if (shown === 0) {
          squeeze(card, ui.list.scrollHeight - room);
          shown = 1;
        } else {
          ui.list.removeChild(card);
        }
        break;
      }
      shown += 1;
    }
    return shown;
  }

  function finishPage(ids, shown) {
    var left = ids.length - shown;
    nextOffset = offset + shown >= ids.length ? 0 : offset + shown;
    hasMore = left > 0;
    if (left > 0) {
      var from = offset + 1;
      showMore(T('wall-range', { from: from, to: offset + shown, all: ids.length }));
    }
    record(shown, ids.length);
  }

  // Focus: one table, its theme as a big heading, its comments and images in up to three
  // columns.
  function fitFocus(ids) {
    var tid = settings.table_id;
    ui.focusTitle.textContent = '';
    if (tid === null) {
      ui.focusTitle.hidden = true;
      ui.list.hidden = true;
      setEmpty(T('wall-choose-table'));
      record(0, 0);
      return;
    }
    var table = state.tables[tid];
    var number = table ? table.number : '';
    var mine = ids.filter(function (key) { return String(itemTable(key)) === String(tid); });
    if (!table) {
      for (var m = 0; m < mine.length; m++) {
        if (!isImage(mine[m])) {
          number = itemOf(mine[m]).table_number;
          break;
        }
      }
    }
    ui.focusTitle.appendChild(make('span', 'wall-focus-number', T('table-n', { n: number })));
    if (table && table.theme) ui.focusTitle.appendChild(make('bdi', 'wall-focus-theme', table.theme));
    ui.focusTitle.className = 'wall-focus-title ' + colourOf(number);
    if (!mine.length) {
      ui.list.hidden = true;
      setEmpty(T('wall-nothing-table'));
      record(0, 0);
      return;
    }
    setEmpty('');
    if (offset >= mine.length) offset = 0;
    var count = mine.length - offset;
    var colCount = count <= 1 ? 1 : (count === 2 ? 2 : 3);
    ui.list.classList.add('cols-' + colCount);
    var cols = [];
    for (var k = 0; k < colCount; k++) {
      var col = make('div', 'wall-col');
      ui.list.appendChild(col);
      cols.push(col);
    }
    var room = ui.list.clientHeight;
    ui.list.style.setProperty('--room', room + 'px');
    var shown = 0;
    for (var i = offset; i < mine.length; i++) {
      var shortest = cols[0];
      for (var j = 1; j < cols.length; j++) {
        if (cols[j].offsetHeight < shortest.offsetHeight) shortest = cols[j];
      }
      var card = cardFor(mine[i]);
      shortest.appendChild(card);
      if (shortest.offsetHeight > room) {
        if (shown === 0) {
          squeeze(card, shortest.offsetHeight - room);
          shown = 1;
        } else {
          shortest.removeChild(card);
        }
        break; // this one and every older one wait for the next page
      }
      shown += 1;
    }
    finishPage(mine, shown);
  }

  // Spotlight: one item, as large as fits (.sz-0 largest .. .sz-N smallest for a comment; an
  // image takes all the height its caption leaves).
  var SPOT_STEPS = 7;

  function fitSpotlight(ids) {
    var at = spotId === null ? -1 : ids.indexOf(spotId);
    if (at < 0) {
      at = Math.min(spotIndex, ids.length - 1);
      if (at < 0) at = 0;
    }
    spotIndex = at;
    spotId = ids[at];
    var card = cardFor(spotId);
    ui.spotlight.appendChild(card);
    var room = ui.spotlight.clientHeight;
    var wide = ui.spotlight.clientWidth;
    if (isImage(spotId)) {
      fitSpotImage(card, itemOf(spotId), room);
    } else {
      for (var s = 0; s < SPOT_STEPS; s++) {
        if (s > 0) card.classList.remove('sz-' + (s - 1));
        card.classList.add('sz-' + s);
        if (card.offsetHeight <= room && card.scrollWidth <= wide + 1) break;
      }
    }
    if (card.offsetHeight > room) squeeze(card, card.offsetHeight - room);
    hasMore = ids.length > 1;
    if (ids.length > 1) showMore(T('wall-range', { from: at + 1, to: at + 1, all: ids.length }));
    record(1, ids.length);
  }

  // The picture's box: the card's full width, and as tall as the picture's shape asks for up to
  // what the table line and caption leave of the screen; `object-fit: contain` does the rest.
  function fitSpotImage(card, img, room) {
    var pic = card.querySelector('.wall-image-img');
    pic.style.maxHeight = 'none';
    pic.style.height = '0px';
    var chrome = card.offsetHeight;
    var width = pic.clientWidth || ui.spotlight.clientWidth;
    var size = imageSize(img);
    var tall = Math.floor(Math.min(room - chrome - 1, width * size.h / size.w));
    pic.style.height = Math.max(24, tall) + 'px';
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
  restartRotation();
  fit();
  connect();
})();
