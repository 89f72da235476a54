// The tallyman console: pages over the public API (contract.md), nothing else. The user's
// API key lives in this tab's sessionStorage and travels only in the Authorization header.
// Pages are chosen by the URL's hash: #/overview, #/customers[/Q], #/customer/ID, #/worklist,
// #/monthend, #/finance, #/cash, #/approvals, #/runs, #/credit. Every control is a link, a button or a field, so
// that all of it can be worked by keyboard.
// Everything shown is built with DOM calls and textContent: data is never parsed as HTML.
'use strict';

const KEY = 'tallyman.key';
let me = null;  // GET /v1/me: {name, role, may: {read, collect, post, approve, check_credit, read_credit}}

// ---- small helpers ------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

function today() {
  const d = new Date();
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

function daysBefore(iso, days) {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

// The number of minor units of a currency (2 for EUR, 0 for JPY), as the browser knows it.
function minorDigits(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

// An exact amount from integer minor units: 125050 EUR -> "1,250.50 EUR" (no floating point).
function money(minor, currency) {
  if (minor === null || minor === undefined) return '—';
  const digits = minorDigits(currency);
  const negative = minor < 0;
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? '-' : '') + grouped + (digits ? '.' + text.slice(text.length - digits) : '') + ' ' + currency;
}

// "1,250.5" -> 125050 for EUR; null when it is not an amount of that currency.
function toMinor(text, currency) {
  const digits = minorDigits(currency);
  const clean = String(text).trim().replace(/,/g, '');
  const m = clean.match(digits ? new RegExp('^(\\d+)(?:\\.(\\d{1,' + digits + '}))?$') : /^(\d+)$/);
  if (!m) return null;
  const minor = Number(m[1] + (m[2] || '').padEnd(digits, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}

function say(text, isError = false) {
  const m = $('message');
  m.textContent = text;
  m.className = isError ? 'error' : '';
  m.hidden = !text;
}

// A problem document (RFC 9457) as one readable line, with each field's message.
function problemText(status, problem) {
  let text = problem.detail || problem.title || 'the request failed (' + status + ')';
  const fields = (problem.errors || []).filter((e) => !text.includes(e.message));
  if (fields.length) text += ': ' + fields.map((e) => e.field + ' ' + e.message).join('; ');
  return text;
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problemText(status, problem));
    this.status = status;
  }
}

async function api(method, path, body, accept) {
  const headers = { Authorization: 'Bearer ' + sessionStorage.getItem(KEY) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (accept) headers.Accept = accept;
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) {
    signOut('This key is not valid (any more): enter a valid key.');
    throw new ApiError(401, { detail: 'not signed in' });
  }
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => ({})));
  return accept === 'text/csv' ? r.text() : r.json();
}

// Every page of a list, up to `max` items.
async function all(path, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', path + sep + 'limit=' + Math.min(1000, max) + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return { items, more: Boolean(cursor) };
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

// A table from column definitions {title, value(row), num?} and rows.
// Its data-version counts the fills, so that a test can tell a new one from the last.
function fillTable(table, columns, rows, empty = 'Nothing to show.') {
  table.dataset.version = String(Number(table.dataset.version || 0) + 1);
  table.replaceChildren(
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.num ? 'num' : null, text: c.title })))),
    h('tbody', {},
      rows.length
        ? rows.map((r) => h('tr', {}, columns.map((c) => {
            const v = c.value(r);
            return h('td', { class: [c.num ? 'num' : '', c.wrap ? 'wrap' : ''].join(' ').trim() || null,
              'data-col': c.key || null }, v instanceof Node ? v : String(v ?? ''));
          })))
        : h('tr', {}, h('td', { colspan: columns.length, class: 'muted', text: empty }))));
}

function customerLink(id, name) {
  return h('a', { href: '#/customer/' + encodeURIComponent(id), class: 'customer-link', text: name ? name + ' (' + id + ')' : id });
}

// Runs an action for a form or button: shows what went wrong, never throws.
async function attempt(what, action) {
  try {
    await action();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) say(what + ': ' + e.message, true);
  }
}

// ---- signing in and out -----------------------------------------------------------------

async function signIn(key) {
  const r = await fetch('/v1/me', { headers: { Authorization: 'Bearer ' + key } });
  if (r.status === 401) return 'This key is not valid: tallyman does not know it. Check it and try again.';
  if (!r.ok) return 'tallyman could not be reached (' + r.status + '). Try again shortly.';
  sessionStorage.setItem(KEY, key);
  me = await r.json();
  return null;
}

function signOut(text) {
  sessionStorage.removeItem(KEY);
  me = null;
  const err = $('signin-error');
  err.textContent = text || '';
  err.hidden = !text;
  show('signin');
}

// Hides what the key's role may not use: nav links, forms, buttons marked data-needs.
function applyRole() {
  for (const el of document.querySelectorAll('[data-needs]')) el.hidden = !(me && me.may[el.dataset.needs]);
  $('who').textContent = me ? me.name + ' · ' + me.role : '';
  $('nav').hidden = !me;
}

function show(view) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== 'view-' + view;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('current', a.id === 'nav-' + view);
  if (view === 'signin') {
    $('nav').hidden = true;
    say('');
  }
}

// ---- overview: aging and the overdue list ------------------------------------------------

async function loadAging() {
  const asOf = $('aging-as-of').value || today();
  const report = await api('GET', '/v1/reports/aging' + query({
    as_of: asOf, buckets: $('aging-buckets').value, currency: $('aging-currency').value, customers: 'false' }));
  $('aging-caption').textContent = 'as of ' + report.as_of + ', ' + report.currency + ', by ' + report.basis.replace('_', ' ');
  const positive = report.buckets.map((b) => Math.max(0, report.totals[b]));
  const sum = positive.reduce((a, b) => a + b, 0);
  const svg = $('aging-chart');
  const ns = 'http://www.w3.org/2000/svg';
  svg.replaceChildren();
  let x = 0;
  report.buckets.forEach((bucket, k) => {
    const width = sum > 0 ? (positive[k] / sum) * 1000 : 0;
    const rect = document.createElementNS(ns, 'rect');
    for (const [a, v] of Object.entries({ x, y: 0, width, height: 60, class: 'b' + Math.min(k, 9),
      'data-bucket': bucket, 'data-amount': report.totals[bucket] }))
      rect.setAttribute(a, v);
    const title = document.createElementNS(ns, 'title');
    title.textContent = bucket + ': ' + money(report.totals[bucket], report.currency);
    rect.append(title);
    svg.append(rect);
    x += width;
  });
  $('aging-legend').replaceChildren(...report.buckets.map((b, k) =>
    h('li', {}, h('span', { class: 'swatch b' + Math.min(k, 9) }), b + ' ' + money(report.totals[b], report.currency))));
  const columns = [...report.buckets, 'unapplied', 'total'];
  fillTable($('aging-totals'),
    columns.map((c) => ({ title: c, key: c, num: true, value: (t) => money(t[c], report.currency) })),
    [report.totals]);
  for (const td of $('aging-totals').querySelectorAll('td')) td.dataset.amount = report.totals[td.dataset.col];
}

function overdueQuery() {
  return query({ as_of: $('aging-as-of').value, collector: $('overdue-collector').value.trim(),
    grade: $('overdue-grade').value, min_days: $('overdue-min-days').value });
}

async function loadOverdue() {
  const { items, more } = await all('/v1/reports/overdue' + overdueQuery());
  $('overdue-count').textContent = items.length + (more ? '+ (the first ' + items.length + ')' : '') +
    ' customer' + (items.length === 1 ? '' : 's') + ' with overdue money, largest first';
  fillTable($('overdue-table'), [
    { title: 'Customer', key: 'customer', value: (r) => customerLink(r.customer, r.name) },
    { title: 'Overdue', key: 'overdue_amount', num: true, value: (r) => money(r.overdue_amount, r.currency) },
    { title: 'Max. days', key: 'max_days_overdue', num: true, value: (r) => r.max_days_overdue },
    { title: 'Invoices', num: true, value: (r) => r.invoices },
    { title: 'Level', key: 'dunning_level', value: (r) => r.dunning_level ?? '—' },
    { title: 'Hold', value: (r) => (r.on_hold ? h('span', { class: 'flag', text: 'on hold' }) : '') },
    { title: 'Promise', value: (r) => (r.promise ? money(r.promise.amount, r.currency) + ' by ' + r.promise.promised_date : '') },
    { title: 'Collector', key: 'collector', value: (r) => r.collector ?? '' },
    { title: 'Grade', key: 'grade', value: (r) => r.grade ?? '' },
  ], items, 'No customer has overdue money matching these filters.');
}

// Saves what a GET answers as CSV under a file name.
async function downloadCsv(path, name) {
  const csv = await api('GET', path, undefined, 'text/csv');
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function downloadOverdueCsv() {
  return downloadCsv('/v1/reports/overdue' + overdueQuery() + (overdueQuery() ? '&' : '?') + 'limit=1000',
    'overdue-' + ($('aging-as-of').value || today()) + '.csv');
}

async function overview() {
  if (!me.may.read) return show('denied');
  show('overview');
  if (!$('aging-as-of').value) $('aging-as-of').value = today();
  await Promise.all([loadAging(), loadOverdue()]);
}

// ---- a customer's account ---------------------------------------------------------------

let current = null;  // the customer shown: {id, currency, on_hold}

function definitions(dl, pairs) {
  dl.replaceChildren(...pairs.flatMap(([term, value, key]) =>
    [h('dt', { text: term }), h('dd', { 'data-field': key || null }, value instanceof Node ? value : String(value))]));
}

async function customer(id) {
  if (!me.may.read) return show('denied');
  show('customer');
  const c = await api('GET', '/v1/customers/' + encodeURIComponent(id));
  const credit = await api('GET', '/v1/customers/' + encodeURIComponent(id) + '/credit');
  current = { id: c.id, currency: c.currency, on_hold: c.on_hold };
  $('customer-title').textContent = c.name + ' (' + c.id + ')';
  const cur = c.currency;
  const holds = [c.on_hold ? 'on hold' : null, credit.dunning_hold ? 'dunning hold' : null].filter(Boolean);
  definitions($('customer-credit'), [
    ['Limit', credit.limit === null ? 'none set' : money(credit.limit, cur), 'limit'],
    ['Open', money(credit.open, cur), 'open'],
    ['Unapplied', money(credit.unapplied, cur), 'unapplied'],
    ['Reserved', money(credit.reserved, cur), 'reserved'],
    ['Exposure', money(credit.exposure, cur), 'exposure'],
    ['Available', credit.available === null ? '—' : money(credit.available, cur), 'available'],
    ['Overdue', money(credit.overdue, cur), 'overdue'],
    ['Grade', credit.grade ?? '—', 'grade'],
    ['Holds', holds.length ? h('span', { class: 'flag', text: holds.join(', ') }) : 'none', 'holds'],
    ['Terms', c.terms, 'terms'],
    ['Collector', c.collector ?? '—', 'collector'],
  ]);
  const watch = await api('GET', '/v1/reports/watchlist' + query({ customer: id }));
  const signals = watch.customers.length ? watch.customers[0].signals : [];
  $('customer-signals').replaceChildren(...signals.map((s) => h('li', { 'data-code': s.code }, h('code', { text: s.code }), s.detail)));
  $('customer-signals').hidden = !signals.length;
  $('hold-toggle').textContent = c.on_hold ? 'Lift the hold' : 'Put on hold';
  $('collector-name').value = c.collector ?? '';

  const score = $('customer-score');
  try {
    const s = await api('GET', '/v1/customers/' + encodeURIComponent(id) + '/score');
    const f = s.factors;
    const rows = [
      ['Paid on time', (f.on_time.share_bp / 100).toFixed(2) + ' %', f.on_time],
      ['Average days late', f.days_late.average_days, f.days_late],
      ['Overdue share', (f.overdue.share_bp / 100).toFixed(2) + ' %', f.overdue],
      ['Volume', f.volume.invoices + ' invoices, ' + money(f.volume.invoiced, cur), f.volume],
      ['Write-off in 24 months', f.write_off.recent ? 'yes' : 'no', f.write_off],
    ];
    const table = h('table');
    fillTable(table, [
      { title: 'Factor', value: (r) => r[0] },
      { title: 'Value', num: true, value: (r) => r[1] },
      { title: 'Points', num: true, value: (r) => r[2].points },
      { title: 'Weight', num: true, value: (r) => r[2].weight ?? '' },
    ], rows);
    score.replaceChildren(
      h('p', {}, 'Score ', h('strong', { text: String(s.score) }), ' · grade ' + s.grade + ' as of ' + s.as_of),
      table,
      h('p', { class: 'muted', text: 'Proposed limit: ' + (s.proposed_limit === null ? '—' : money(s.proposed_limit, cur)) }));
  } catch (e) {
    score.replaceChildren(h('p', { class: 'muted', text: e.status === 404 ? 'No score yet.' : e.message }));
  }

  const invoices = (await all('/v1/invoices?customer=' + encodeURIComponent(id) + '&status=open')).items;
  const asOf = today();
  const daysOverdue = (due) => Math.max(0, Math.round((Date.parse(asOf) - Date.parse(due)) / 86400000));
  fillTable($('customer-invoices'), [
    { title: 'Invoice', key: 'number', value: (r) => r.number },
    { title: 'Issued', value: (r) => r.issue_date },
    { title: 'Due', value: (r) => r.due_date },
    { title: 'Days overdue', key: 'days_overdue', num: true, value: (r) => daysOverdue(r.due_date) },
    { title: 'Open', key: 'open_amount', num: true, value: (r) => money(r.open_amount, r.currency) },
    { title: 'Amount', num: true, value: (r) => money(r.amount, r.currency) },
    { title: '', value: (r) => (r.disputed ? h('span', { class: 'flag', text: 'disputed' }) : '') },
  ], invoices, 'No open invoices.');
  const options = (list) => list.map((r) => h('option', { value: r.number, text: r.number + ' · ' + money(r.open_amount, r.currency) }));
  $('dispute-invoice').replaceChildren(...options(invoices.filter((r) => !r.disputed)));
  $('writeoff-invoice').replaceChildren(...options(invoices));

  const disputed = (await all('/v1/invoices?customer=' + encodeURIComponent(id))).items.filter((r) => r.disputed);
  fillTable($('customer-disputes'), [
    { title: 'Invoice', key: 'number', value: (r) => r.number },
    { title: 'Open', num: true, value: (r) => money(r.open_amount, r.currency) },
    { title: 'Reason', value: (r) => r.dispute_reason ?? '' },
    { title: '', value: (r) => (me.may.collect ? h('button', { type: 'button', class: 'resolve-dispute secondary',
      text: 'Resolve', 'aria-label': 'resolve the dispute of ' + r.number,
      onclick: () => attempt('The dispute could not be resolved', async () => {
        await api('DELETE', '/v1/invoices/' + encodeURIComponent(r.number) + '/dispute');
        await customer(current.id);
        say('The dispute of invoice ' + r.number + ' is resolved.');
      }) }) : '') },
  ], disputed, 'No disputes.');

  const payments = (await all('/v1/payments?customer=' + encodeURIComponent(id), 200)).items;
  fillTable($('customer-payments'), [
    { title: 'Payment', key: 'reference', value: (r) => r.reference },
    { title: 'Received', value: (r) => r.received_date },
    { title: 'Amount', num: true, value: (r) => money(r.amount, cur) },
    { title: 'Applied to', key: 'applications', value: (r) => r.applications.map((a) =>
      a.invoice + ' ' + money(a.amount, cur) + ' on ' + a.date).join('; ') || '—', wrap: true },
    { title: 'Unapplied', key: 'unapplied', num: true, value: (r) => money(r.unapplied, cur) },
    { title: '', value: (r) => (r.reversed_on ? h('span', { class: 'flag', text: 'reversed ' + r.reversed_on }) : '') },
  ], payments, 'No payments.');

  const promises = (await all('/v1/customers/' + encodeURIComponent(id) + '/promises')).items;
  fillTable($('customer-promises'), [
    { title: 'Made', value: (r) => r.made_on },
    { title: 'By', key: 'promised_date', value: (r) => r.promised_date },
    { title: 'Amount', key: 'amount', num: true, value: (r) => money(r.amount, cur) },
    { title: 'Paid', num: true, value: (r) => money(r.paid, cur) },
    { title: 'Status', key: 'status', value: (r) => r.status },
    { title: 'Recorded by', value: (r) => r.made_by },
  ], promises, 'No promises to pay.');
  if (!$('promise-date').value) $('promise-date').value = daysBefore(asOf, -7);

  const tasks = (await all('/v1/dunning-tasks?customer=' + encodeURIComponent(id))).items;
  fillTable($('customer-tasks'), [
    { title: 'Created', value: (r) => r.created },
    { title: 'Level', num: true, value: (r) => r.level },
    { title: 'Action', value: (r) => r.action.replace(/_/g, ' ') },
    { title: 'Overdue', num: true, value: (r) => money(r.overdue_amount, cur) },
    { title: 'Status', value: (r) => r.status },
    { title: 'Note', value: (r) => r.note ?? '' },
  ], tasks, 'No dunning so far.');

  if (!$('statement-from').value) {
    $('statement-from').value = daysBefore(asOf, 90);
    $('statement-to').value = asOf;
  }
  await loadStatement();
}

async function loadStatement() {
  const s = await api('GET', '/v1/customers/' + encodeURIComponent(current.id) + '/statement' +
    query({ from: $('statement-from').value, to: $('statement-to').value }));
  const cur = s.currency;
  fillTable($('customer-statement'), [
    { title: 'Date', value: (r) => r.date },
    { title: 'Kind', value: (r) => r.kind.replace(/_/g, ' ') },
    { title: 'Document', value: (r) => r.document },
    { title: 'Invoice', value: (r) => r.invoice ?? '' },
    { title: 'Amount', num: true, value: (r) => money(r.amount, cur) },
    { title: 'Balance', num: true, value: (r) => money(r.balance, cur) },
  ], [
    { date: s.from, kind: 'opening balance', document: '', invoice: null, amount: null, balance: s.opening_balance },
    ...s.lines,
    { date: s.to, kind: 'closing balance', document: '', invoice: null, amount: null, balance: s.closing_balance },
  ]);
}

// Reads an amount field of the current customer's currency, or says what is wrong.
function amountOf(input) {
  const minor = toMinor($(input).value, current.currency);
  if (minor === null) throw new Error('the amount must be a number of ' + current.currency + ', such as 1250.50');
  return minor;
}

// ---- the worklist -----------------------------------------------------------------------

let worklistTasks = [];

async function worklist() {
  if (!me.may.read) return show('denied');
  show('worklist');
  const collector = $('worklist-collector');
  if (!collector.dataset.touched && !collector.value && me.role === 'collector') collector.value = me.name;
  const { items } = await all('/v1/dunning-tasks' + query({ status: 'open', collector: collector.value.trim() }));
  const sort = $('worklist-sort').value;
  const by = {
    amount: (a, b) => b.overdue_amount - a.overdue_amount,
    days: (a, b) => b.days_overdue - a.days_overdue,
    created: (a, b) => a.created.localeCompare(b.created) || Number(a.id) - Number(b.id),
  }[sort];
  worklistTasks = items.sort((a, b) => by(a, b) || Number(a.id) - Number(b.id));
  $('worklist-count').textContent = items.length + ' open task' + (items.length === 1 ? '' : 's');
  const selectAll = h('input', { type: 'checkbox', id: 'worklist-all', 'aria-label': 'select every task' });
  selectAll.addEventListener('change', () => {
    for (const box of document.querySelectorAll('.task-select')) box.checked = selectAll.checked;
  });
  fillTable($('worklist-table'), [
    { title: '', value: (r) => h('input', { type: 'checkbox', class: 'task-select', value: r.id, 'aria-label': 'select task ' + r.id }) },
    { title: 'Task', key: 'id', value: (r) => r.id },
    { title: 'Customer', key: 'customer', value: (r) => customerLink(r.customer, r.name), wrap: true },
    { title: 'Level', num: true, value: (r) => r.level },
    { title: 'Action', value: (r) => r.action.replace(/_/g, ' ') },
    { title: 'Overdue', key: 'overdue_amount', num: true, value: (r) => money(r.overdue_amount, r.currency) },
    { title: 'Days', key: 'days_overdue', num: true, value: (r) => r.days_overdue },
    { title: 'Invoices', num: true, value: (r) => h('span', { title: r.invoices.join(', '), text: String(r.invoices.length) }) },
    { title: 'Created', value: (r) => r.created },
    { title: 'Collector', value: (r) => r.collector ?? '' },
    { title: 'Work', value: (r) => (me.may.collect ? taskControls(r) : '') },
  ], worklistTasks, 'No open tasks.');
  if (items.length && me.may.collect) $('worklist-table').querySelector('thead th').append(selectAll);
}

function taskControls(task) {
  const note = h('input', { placeholder: 'note', 'aria-label': 'note for task ' + task.id, class: 'task-note' });
  const finish = (status) => attempt('The task could not be updated', async () => {
    await api('PATCH', '/v1/dunning-tasks/' + task.id, { status, note: note.value.trim() || undefined });
    await worklist();
    // Said after the list is read again, so the message never stands beside a stale list.
    say('Task ' + task.id + ' marked ' + status + '.');
  });
  return h('span', { class: 'task-work' }, note,
    h('button', { type: 'button', class: 'task-done', onclick: () => finish('done'), text: 'Done' }),
    h('button', { type: 'button', class: 'task-cancel secondary', onclick: () => finish('cancelled'), text: 'Cancel' }));
}

// Closes every selected task the same way, with one note; says how many, and which failed.
async function finishSelected(status) {
  const ids = [...document.querySelectorAll('.task-select:checked')].map((box) => box.value);
  if (!ids.length) return say('Select the tasks first.', true);
  const note = $('worklist-bulk-note').value.trim() || undefined;
  const failed = [];
  for (const id of ids) {
    try {
      await api('PATCH', '/v1/dunning-tasks/' + id, { status, note });
    } catch (e) {
      failed.push(id + ' (' + e.message + ')');
    }
  }
  $('worklist-bulk-note').value = '';
  await worklist();
  say((ids.length - failed.length) + ' task' + (ids.length - failed.length === 1 ? '' : 's') + ' marked ' + status + '.' +
    (failed.length ? ' Not changed: ' + failed.join(', ') : ''), failed.length > 0);
}

// ---- customers: found by name or id ------------------------------------------------------

let customersCursor = null;
let customersShown = [];

async function customersPage(q) {
  if (!me.may.read) return show('denied');
  show('customers');
  if (q !== undefined) $('customers-q').value = q;
  customersCursor = null;
  await loadCustomers(false);
}

async function loadCustomers(more) {
  const params = { q: $('customers-q').value.trim(), sort: $('customers-sort').value, order: $('customers-order').value,
    currency: $('customers-currency').value.trim(), limit: 50, cursor: more ? customersCursor : null };
  const page = await api('GET', '/v1/customers' + query(params));
  const rows = more ? [...customersShown, ...page.items] : page.items;
  customersShown = rows;
  customersCursor = page.next_cursor;
  $('customers-more').hidden = !customersCursor;
  $('customers-count').textContent = rows.length + (customersCursor ? '+' : '') + ' customer' + (rows.length === 1 ? '' : 's') +
    (params.q ? ' matching “' + params.q + '”' : '');
  fillTable($('customers-table'), [
    { title: 'Customer', key: 'id', value: (r) => customerLink(r.id, r.name), wrap: true },
    { title: 'Balance', key: 'balance', num: true, value: (r) => money(r.balance.total, r.currency) },
    { title: 'Overdue', key: 'overdue', num: true, value: (r) => money(r.balance.overdue, r.currency) },
    { title: 'Unapplied', num: true, value: (r) => money(r.balance.unapplied, r.currency) },
    { title: 'Limit', num: true, value: (r) => (r.credit_limit === undefined ? '—' : money(r.credit_limit, r.currency)) },
    { title: 'Grade', value: (r) => r.grade ?? '' },
    { title: 'Collector', value: (r) => r.collector ?? '' },
    { title: '', value: (r) => (r.on_hold ? h('span', { class: 'flag', text: 'on hold' }) : '') },
  ], rows, 'No customer matches.');
}

// ---- month-end: the aging per customer ------------------------------------------------------

function lastDayOfLastMonth() {
  const d = new Date(today() + 'T00:00:00Z');
  d.setUTCDate(0);
  return d.toISOString().slice(0, 10);
}

function monthendQuery(extra = {}) {
  return query({ as_of: $('monthend-as-of').value, buckets: $('monthend-buckets').value,
    currency: $('monthend-currency').value.trim(), ...extra });
}

async function monthend() {
  if (!me.may.read) return show('denied');
  show('monthend');
  if (!$('monthend-as-of').value) $('monthend-as-of').value = lastDayOfLastMonth();
  const report = await api('GET', '/v1/reports/aging' + monthendQuery());
  $('monthend-caption').textContent = report.customers.length + ' customers with a balance as of ' + report.as_of + ', ' +
    report.currency + ', by ' + report.basis.replace('_', ' ');
  const columns = [...report.buckets, 'unapplied', 'total'];
  fillTable($('monthend-table'), [
    { title: 'Customer', key: 'id', value: (r) => (r.id ? customerLink(r.id, r.name) : h('strong', { text: 'Total' })), wrap: true },
    ...columns.map((c) => ({ title: c, key: c, num: true, value: (r) => money(r[c], report.currency) })),
  ], [...report.customers, { ...report.totals, id: null }], 'Nothing is open as of this date.');
}

// ---- finance: the month's figures, the year's trend, balances, provision, watch-list --------

// "2026-04" -> its first and last days; the month before and after.
function monthRange(month) {
  const [y, m] = month.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1, 1)), last = new Date(Date.UTC(y, m, 0));
  return { from: first.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10) };
}

function addMonths(month, n) {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
}

const tenth = (v) => (v === null || v === undefined ? '—' : v.toFixed(1));

// The overdue share of AR as of a day: what is past due over all that is open, in tenths of a percent.
function overdueShare(aging) {
  const total = aging.buckets.reduce((s, b) => s + aging.totals[b], 0);
  const overdue = total - (aging.totals.current ?? 0);
  return total > 0 ? Math.round((overdue * 1000) / total) / 10 : null;
}

function tile(label, now, before, unit) {
  return h('div', { class: 'tile', 'data-tile': label },
    h('div', { class: 'label', text: label }),
    h('div', { class: 'value', text: tenth(now) + (now === null ? '' : unit) }),
    h('div', { class: 'before', text: 'month before: ' + tenth(before) + (before === null ? '' : unit) }));
}

// Stacked bars of AR by bucket at each month-end, and DSO as a line on its own scale.
function drawTrend(months, agings, currency) {
  const svg = $('finance-trend');
  const ns = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) {
      const t = document.createElementNS(ns, 'title');
      t.textContent = text;
      e.append(t);
    }
    return e;
  };
  svg.replaceChildren();
  const buckets = agings[0].buckets;
  const totals = agings.map((a) => buckets.reduce((s, b) => s + Math.max(0, a.totals[b]), 0));
  const top = Math.max(1, ...totals), dsoTop = Math.max(1, ...months.map((m) => m.dso ?? 0));
  const slot = 1000 / months.length, base = 230, height = 200;
  const points = [];
  months.forEach((m, k) => {
    let y = base;
    buckets.forEach((b, j) => {
      const hgt = (Math.max(0, agings[k].totals[b]) / top) * height;
      y -= hgt;
      svg.append(el('rect', { x: k * slot + 8, y, width: slot - 16, height: hgt, class: 'b' + Math.min(j, 9) },
        m.month + ' ' + b + ': ' + money(agings[k].totals[b], currency)));
    });
    const label = el('text', { x: k * slot + slot / 2, y: 252, 'text-anchor': 'middle' });
    label.textContent = m.month.slice(2);
    svg.append(label);
    if (m.dso !== null) points.push([k * slot + slot / 2, base - (m.dso / dsoTop) * height, m]);
  });
  if (points.length) svg.append(el('polyline', { class: 'dso', points: points.map((p) => p[0] + ',' + p[1]).join(' ') }));
  for (const [x, y, m] of points) svg.append(el('circle', { class: 'dso-point', cx: x, cy: y, r: 5 }, m.month + ' DSO ' + tenth(m.dso)));
  $('finance-trend-legend').replaceChildren(
    ...buckets.map((b, k) => h('li', {}, h('span', { class: 'swatch b' + Math.min(k, 9) }), b)),
    h('li', {}, h('span', { class: 'swatch dso-line' }), 'DSO (days, highest ' + tenth(dsoTop) + ')'));
}

function financeQuery(extra) {
  return query({ currency: $('finance-currency').value.trim(), ...extra });
}

async function finance() {
  if (!me.may.read) return show('denied');
  show('finance');
  if (!$('finance-month').value) $('finance-month').value = addMonths(today().slice(0, 7), -1);
  const month = $('finance-month').value;
  const { from, to } = monthRange(month);
  const first = monthRange(addMonths(month, -11)).from;
  const previousEnd = monthRange(addMonths(month, -1)).to;
  const monthEnds = Array.from({ length: 12 }, (_, k) => monthRange(addMonths(month, k - 11)).to);
  const [trend, agings, balances, provision, matrix, watch] = await Promise.all([
    api('GET', '/v1/reports/kpis/trend' + financeQuery({ from: first, to })),
    Promise.all(monthEnds.map((d) => api('GET', '/v1/reports/aging' + financeQuery({ as_of: d, customers: 'false' })))),
    api('GET', '/v1/reports/balances' + financeQuery({ from, to })),
    api('GET', '/v1/reports/provision' + financeQuery({ as_of: to, compare_to: previousEnd })),
    api('GET', '/v1/reports/provision/matrix' + financeQuery({ as_of: addMonths(month, 1) + '-01' })),
    api('GET', '/v1/reports/watchlist'),
  ]);
  const cur = balances.currency;
  const [before, now] = trend.months.slice(-2);
  $('finance-tiles').replaceChildren(
    tile('DSO', now.dso, before.dso, ' days'),
    tile('CEI', now.cei, before.cei, ' %'),
    tile('Overdue share', overdueShare(agings[11]), overdueShare(agings[10]), ' %'),
    h('div', { class: 'tile', 'data-tile': 'Collected' },
      h('div', { class: 'label', text: 'Collected' }),
      h('div', { class: 'value', text: money(now.collected, cur) }),
      h('div', { class: 'before', text: 'month before: ' + money(before.collected, cur) })));
  drawTrend(trend.months, agings, cur);

  $('finance-balances-caption').textContent = from + ' .. ' + to + ', ' + cur;
  const b = (r, k) => money(r[k], cur);
  fillTable($('finance-balances'), [
    { title: 'Customer', key: 'customer', value: (r) => (r.customer ? customerLink(r.customer, r.name) : h('strong', { text: 'Total' })), wrap: true },
    ...['opening', 'invoiced', 'received', 'credited', 'written_off', 'reversed', 'closing'].map((k) =>
      ({ title: k.replace('_', ' '), key: k, num: true, value: (r) => b(r, k) })),
  ], [...balances.customers.slice(0, 200), { ...balances.totals, customer: null }], 'Nothing moved or was open in this month.');

  $('finance-provision-caption').textContent = 'as of ' + to + ', against ' + previousEnd;
  const labels = Object.keys(provision.policy.rates_bp);
  fillTable($('finance-provision'), [
    { title: 'Customer', key: 'customer', value: (r) => (r.customer ? customerLink(r.customer, r.name) : h('strong', { text: 'Total' })), wrap: true },
    { title: 'AR', key: 'ar', num: true, value: (r) => money(r.ar, cur) },
    ...[...labels, 'disputed'].map((l) => ({ title: l, key: l, num: true, value: (r) => money(r.by_bucket[l].provision, cur) })),
    { title: 'Provision', key: 'provision', num: true, value: (r) => money(r.provision, cur) },
    { title: 'Movement', key: 'movement', num: true, value: (r) => money(r.movement, cur) },
  ], [...provision.customers.slice(0, 200), { ...provision.totals, customer: null }], 'Nothing is open at this month-end.');
  const pct = (bp) => (bp === null ? '—' : (bp / 100).toFixed(2) + ' %');
  fillTable($('finance-matrix'), [
    { title: 'Bucket', key: 'bucket', value: (r) => r.bucket },
    { title: 'Policy', key: 'policy_bp', num: true, value: (r) => pct(r.policy_bp) },
    { title: 'Proposed', key: 'proposed_bp', num: true, value: (r) => pct(r.proposed_bp) },
    { title: 'Rolled on', key: 'roll_bp', num: true, value: (r) => pct(r.roll_bp) },
  ], matrix.buckets);

  $('finance-watch-caption').textContent = 'as of ' + watch.as_of;
  fillTable($('finance-watch'), [
    { title: 'Customer', key: 'customer', value: (r) => customerLink(r.customer, r.name), wrap: true },
    { title: 'Balance', key: 'balance', num: true, value: (r) => money(r.balance, r.currency) },
    { title: 'Signals', key: 'signals', wrap: true,
      value: (r) => h('ul', { class: 'signals' }, r.signals.map((s) => h('li', { 'data-code': s.code }, h('code', { text: s.code }), s.detail))) },
    { title: 'Collector', value: (r) => r.collector ?? '' },
  ], watch.customers, 'No customer shows a sign of trouble.');
}

// ---- cash: bank statements in, the lines to decide ----------------------------------------------

async function importStatement() {
  const file = $('bank-statement-file').files[0];
  if (!file) return;
  const text = await file.text();
  const type = text.trimStart().startsWith('<') ? 'application/xml' : 'text/plain';
  const r = await fetch('/v1/bank-statements', { method: 'POST', body: text,
    headers: { Authorization: 'Bearer ' + sessionStorage.getItem(KEY), 'Content-Type': type } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new ApiError(r.status, body);
  definitions($('bank-statement-result'), [
    ['Statement', body.statement_id + ' of ' + body.account, 'statement'],
    ['Lines', body.lines + (r.status === 200 ? ' (known already: nothing new)' : ''), 'lines'],
    ['Matched', body.matched, 'matched'], ['Suggested', body.suggested, 'suggested'],
    ['Unmatched', body.unmatched, 'unmatched'], ['Ignored', body.ignored, 'ignored'],
    ['Balances', body.balanced ? 'add up' : h('span', { class: 'flag', text: 'do not add up' }), 'balanced'],
  ]);
  await cash();
  say('Statement ' + body.statement_id + ' imported: ' + body.matched + ' of ' + body.lines + ' lines matched.');
}

// A queue row's decision: a candidate chosen and applied, or the line set aside with a reason.
function decideCell(line) {
  if (!me.may.post) return '';
  const choice = h('select', { 'aria-label': 'candidate for line ' + line.reference },
    line.candidates.map((c, k) => h('option', { value: String(k),
      text: c.invoice + ' · ' + c.customer + ' · open ' + money(c.open_amount, c.currency) })));
  const reason = h('input', { size: 10, placeholder: 'reason', 'aria-label': 'reason to set line ' + line.reference + ' aside' });
  const apply = () => attempt('The line could not be applied', async () => {
    const c = line.candidates[Number(choice.value)];
    await api('POST', '/v1/bank-statement-lines/' + line.id + '/apply',
      { customer: c.customer, allocations: [{ invoice: c.invoice, amount: Math.min(c.open_amount, line.amount) }] });
    await cash();
    say('Line ' + line.reference + ' applied to ' + c.invoice + '.');
  });
  const ignore = () => attempt('The line could not be set aside', async () => {
    await api('POST', '/v1/bank-statement-lines/' + line.id + '/ignore', { reason: reason.value.trim() || 'set aside' });
    await cash();
    say('Line ' + line.reference + ' set aside.');
  });
  return h('span', { class: 'task-work' },
    line.candidates.length && line.direction === 'credit' ? [choice,
      h('button', { type: 'button', class: 'apply', onclick: apply, text: 'Apply' })] : null,
    reason, h('button', { type: 'button', class: 'ignore secondary', onclick: ignore, text: 'Ignore' }));
}

async function cash() {
  if (!me.may.read) return show('denied');
  show('cash');
  const [statements, queue] = await Promise.all([all('/v1/bank-statements', 50), all('/v1/bank-statement-lines', 200)]);
  fillTable($('cash-statements'), [
    { title: 'Statement', key: 'statement_id', value: (s) => s.statement_id },
    { title: 'Account', value: (s) => s.account },
    { title: 'Lines', key: 'lines', num: true, value: (s) => s.lines },
    { title: 'Matched', key: 'matched', num: true, value: (s) => s.matched },
    { title: 'Suggested', key: 'suggested', num: true, value: (s) => s.suggested },
    { title: 'Unmatched', key: 'unmatched', num: true, value: (s) => s.unmatched },
    { title: 'Ignored', num: true, value: (s) => s.ignored },
    { title: 'Closing', num: true, value: (s) => (s.closing === null ? '—' : money(s.closing, s.currency)) },
    { title: 'Balances', key: 'balanced', value: (s) => (s.balanced ? 'add up' : h('span', { class: 'flag', text: 'do not add up' })) },
  ], statements.items, 'No statement imported yet.');
  $('cash-queue-count').textContent = queue.items.length + (queue.more ? '+' : '') + ' line' + (queue.items.length === 1 ? '' : 's');
  fillTable($('cash-queue'), [
    { title: 'Booked', value: (l) => l.booked },
    { title: 'Amount', key: 'amount', num: true, value: (l) => (l.direction === 'debit' ? '-' : '') + money(l.amount, l.currency) },
    { title: 'Payer', value: (l) => [l.payer.name, l.payer.account].filter(Boolean).join(' · '), wrap: true },
    { title: 'Remittance', value: (l) => l.remittance, wrap: true },
    { title: 'Status', key: 'status', value: (l) => l.status },
    { title: 'Evidence', key: 'evidence', value: (l) => l.evidence, wrap: true },
    { title: 'Decide', key: 'decide', value: decideCell, wrap: true },
  ], queue.items, 'Nothing to decide.');
}

// ---- approvals: what waits for a second person ---------------------------------------------

// A customer's figures beside a request: its score, what is overdue, its exposure. Read once per page.
function customerFacts(cache, id) {
  if (!cache.has(id))
    cache.set(id, Promise.all([
      api('GET', '/v1/customers/' + encodeURIComponent(id) + '/credit'),
      api('GET', '/v1/customers/' + encodeURIComponent(id) + '/score').catch(() => null),
    ]).then(([credit, score]) => ({ credit, score })));
  return cache.get(id);
}

function factsCell(facts) {
  const c = facts.credit;
  return h('span', { class: 'facts' },
    'score ' + (facts.score ? facts.score.score + ' (' + facts.score.grade + ')' : '—') +
    ' · overdue ' + money(c.overdue, c.currency) + ' · exposure ' + money(c.exposure, c.currency) +
    (c.limit === null ? '' : ' of ' + money(c.limit, c.currency)));
}

function decideButtons(kind, id, requestedBy, reload) {
  const mine = requestedBy === me.name;
  const decide = (verb) => attempt('The request could not be decided', async () => {
    await api('POST', '/v1/' + kind + '/' + id + '/' + verb);
    await reload();
    say('Request ' + id + (verb === 'approve' ? ' approved.' : ' rejected.'));
  });
  return h('span', { class: 'task-work' },
    h('button', { type: 'button', class: 'approve', disabled: mine, title: mine ? 'your own request' : null,
      'aria-label': 'approve request ' + id, onclick: () => decide('approve'), text: 'Approve' }),
    h('button', { type: 'button', class: 'reject secondary', 'aria-label': 'reject request ' + id,
      onclick: () => decide('reject'), text: 'Reject' }));
}

async function approvals() {
  if (!me.may.approve) return show('denied');
  show('approvals');
  const cache = new Map();
  const [writeOffs, limits, checks] = await Promise.all([
    all('/v1/write-offs?status=pending'), all('/v1/limit-changes?status=pending'), all('/v1/credit-checks?waiting=true', 200)]);
  const facts = async (rows) => Promise.all(rows.map(async (r) => ({ ...r, facts: await customerFacts(cache, r.customer) })));
  const customerColumn = { title: 'Customer', value: (r) => customerLink(r.customer, r.facts.credit.name), wrap: true };
  const factsColumn = { title: 'The customer', value: (r) => factsCell(r.facts), wrap: true };
  fillTable($('approvals-writeoffs'), [
    { title: 'Request', key: 'id', value: (r) => r.id },
    customerColumn,
    { title: 'Invoice', value: (r) => r.invoice },
    { title: 'Amount', num: true, value: (r) => money(r.amount, r.currency) },
    { title: 'Reason', value: (r) => r.reason, wrap: true },
    { title: 'Asked by', value: (r) => r.requested_by },
    factsColumn,
    { title: '', value: (r) => decideButtons('write-offs', r.id, r.requested_by, approvals) },
  ], await facts(writeOffs.items), 'No write-off waits.');
  fillTable($('approvals-limits'), [
    { title: 'Request', key: 'id', value: (r) => r.id },
    customerColumn,
    { title: 'From', num: true, value: (r) => (r.old_limit === null ? 'none' : money(r.old_limit, r.facts.credit.currency)) },
    { title: 'To', num: true, value: (r) => money(r.new_limit, r.facts.credit.currency) },
    { title: 'Asked by', value: (r) => r.requested_by },
    factsColumn,
    { title: '', value: (r) => decideButtons('limit-changes', r.id, r.requested_by, approvals) },
  ], await facts(limits.items), 'No limit raise waits.');
  fillTable($('approvals-overrides'), [
    { title: 'Order', key: 'order_ref', value: (r) => r.order_ref },
    customerColumn,
    { title: 'Amount', num: true, value: (r) => money(r.amount, r.currency) },
    { title: 'Decision', value: (r) => r.decision + ': ' + r.reasons.join(', ').replace(/_/g, ' '), wrap: true },
    factsColumn,
    { title: '', value: (r) => overrideControls(r) },
  ], await facts(checks.items), 'No check waits for an override.');
}

function overrideControls(check) {
  const reason = h('input', { placeholder: 'reason', 'aria-label': 'reason to approve order ' + check.order_ref, class: 'task-note' });
  return h('span', { class: 'task-work' }, reason,
    h('button', { type: 'button', class: 'override', text: 'Approve order', onclick: () => attempt('The override was refused', async () => {
      await api('POST', '/v1/credit-checks/' + encodeURIComponent(check.order_ref) + '/override',
        { reason: reason.value.trim(), reserve: true });
      await approvals();
      say('Order ' + check.order_ref + ' is approved.');
    }) }));
}

// ---- runs: dunning and grading, started by hand ------------------------------------------------

async function runs() {
  if (!me.may.post) return show('denied');
  show('runs');
  for (const id of ['dunning-run-as-of', 'grading-run-as-of']) if (!$(id).value) $(id).value = today();
  const [dunning, grading] = await Promise.all([all('/v1/dunning-runs', 20), all('/v1/grading-runs', 20)]);
  fillTable($('runs-dunning'), [
    { title: 'Run', key: 'id', value: (r) => r.id },
    { title: 'As of', value: (r) => r.as_of },
    { title: 'Examined', num: true, value: (r) => r.customers_examined },
    { title: 'Tasks', num: true, value: (r) => r.tasks_created },
    { title: 'Holds set', num: true, value: (r) => r.holds_set },
    { title: 'Holds lifted', num: true, value: (r) => r.holds_released },
    { title: 'Resolved', num: true, value: (r) => r.tasks_resolved },
    { title: 'Promises broken', num: true, value: (r) => r.promises_broken },
    { title: 'Left out', num: true, value: (r) => r.customers_failed },
  ], dunning.items, 'No dunning run yet.');
  fillTable($('runs-grading'), [
    { title: 'Run', value: (r) => r.id },
    { title: 'As of', value: (r) => r.as_of },
    { title: 'Examined', num: true, value: (r) => r.customers_examined },
    { title: 'Graded', num: true, value: (r) => r.customers_graded },
    { title: 'Grades changed', num: true, value: (r) => r.grades_changed },
  ], grading.items, 'No grading run yet.');
}

async function startRun(kind, asOf) {
  const r = await api('POST', '/v1/' + kind + '-runs', { as_of: asOf });
  await runs();
  const pairs = Object.entries(r).filter(([k]) => k !== 'id' && k !== 'replayed' && k !== 'duration_ms')
    .map(([k, v]) => [k.replace(/_/g, ' '), v, k]);
  definitions($('run-result'), pairs);
  say(r.replayed ? 'Dunning had run as of ' + r.as_of + ' already (run ' + r.id + '): its counts are below.'
    : (kind === 'dunning' ? 'Dunning' : 'Grading') + ' run ' + r.id + ' as of ' + r.as_of + ' is done.');
}

// ---- sales: a customer's credit, checks, holds ---------------------------------------------------

let salesCustomer = null;  // {customer, currency}

async function creditPage() {
  if (!me.may.read_credit) return show('denied');
  show('credit');
}

async function lookUpCredit() {
  const id = $('credit-customer').value.trim();
  const c = await api('GET', '/v1/customers/' + encodeURIComponent(id) + '/credit');
  salesCustomer = c;
  const holds = [c.on_hold ? 'on hold' : null, c.dunning_hold ? 'dunning hold' : null].filter(Boolean);
  definitions($('credit-summary'), [
    ['Customer', c.name + ' (' + c.customer + ')', 'customer'],
    ['Limit', c.limit === null ? 'none set' : money(c.limit, c.currency), 'limit'],
    ['Exposure', money(c.exposure, c.currency), 'exposure'],
    ['Available', c.available === null ? '—' : money(c.available, c.currency), 'available'],
    ['Overdue', money(c.overdue, c.currency), 'overdue'],
    ['Grade', c.grade ?? '—', 'grade'],
    ['Holds', holds.length ? holds.join(', ') : 'none', 'holds'],
  ]);
  const reservations = (await api('GET', '/v1/reservations' + query({ customer: c.customer, status: 'active' }))).items;
  fillTable($('credit-holds'), [
    { title: 'Order', key: 'order_ref', value: (r) => r.order_ref },
    { title: 'Amount', key: 'amount', num: true, value: (r) => money(r.amount, r.currency) },
    { title: 'Until', value: (r) => r.expires },
    { title: '', value: (r) => (me.may.check_credit ? h('button', { type: 'button', class: 'release secondary', text: 'Release',
      'aria-label': 'release the hold of order ' + r.order_ref,
      onclick: () => attempt('The hold could not be released', async () => {
        await api('DELETE', '/v1/reservations/' + encodeURIComponent(r.order_ref));
        await lookUpCredit();
        say('The hold of order ' + r.order_ref + ' is released.');
      }) }) : '') },
  ], reservations, 'No active holds.');
}

async function checkCredit() {
  if (!salesCustomer || salesCustomer.customer !== $('credit-customer').value.trim()) await lookUpCredit();
  const amount = toMinor($('check-amount').value, salesCustomer.currency);
  if (amount === null) throw new Error('the amount must be a number of ' + salesCustomer.currency + ', such as 1250.50');
  const r = await api('POST', '/v1/credit-checks', { customer: salesCustomer.customer, order_ref: $('check-order').value.trim(),
    amount, currency: salesCustomer.currency, reserve: $('check-reserve').checked });
  $('check-result').hidden = false;
  $('check-result').dataset.decision = r.decision;
  $('check-decision').replaceChildren(h('strong', { class: 'decision-' + r.decision, text: r.decision }),
    r.reasons.length ? ': ' + r.reasons.join(', ').replace(/_/g, ' ') : '',
    r.reservation ? ' · held until ' + r.reservation.expires : '');
  const e = r.exposure;
  const cur = salesCustomer.currency;
  definitions($('check-exposure'), [
    ['Open', money(e.open, cur), 'open'], ['Unapplied', money(e.unapplied, cur), 'unapplied'],
    ['Reserved', money(e.reserved, cur), 'reserved'], ['Limit', e.limit === null ? 'none set' : money(e.limit, cur), 'limit'],
    ['Available', e.available === null ? '—' : money(e.available, cur), 'available'],
    ['After this order', money(e.after_order, cur), 'after_order'],
  ]);
  await lookUpCredit();
}

// ---- wiring -----------------------------------------------------------------------------

async function route() {
  say('');
  if (!sessionStorage.getItem(KEY)) return show('signin');
  if (!me) {
    const problem = await signIn(sessionStorage.getItem(KEY));
    if (problem) return signOut(problem);
  }
  applyRole();
  const [, page, arg] = location.hash.match(/^#\/([a-z]+)(?:\/(.+))?/) || [];
  const home = me.may.read ? 'overview' : 'credit';
  await attempt('The page could not be loaded', async () => {
    if (page === 'customer' && arg) return customer(decodeURIComponent(arg));
    if (page === 'customers') return customersPage(arg === undefined ? undefined : decodeURIComponent(arg));
    if (page === 'worklist') return worklist();
    if (page === 'monthend') return monthend();
    if (page === 'finance') return finance();
    if (page === 'cash') return cash();
    if (page === 'approvals') return approvals();
    if (page === 'runs') return runs();
    if (page === 'credit') return creditPage();
    if (page === 'overview') return overview();
    if (!page) return home === 'overview' ? overview() : creditPage();
    return show('denied');
  });
}

function onSubmit(id, what, action) {
  $(id).addEventListener('submit', (e) => {
    e.preventDefault();
    attempt(what, action);
  });
}

document.addEventListener('DOMContentLoaded', () => {
  onSubmit('signin-form', 'Signing in failed', async () => {
    const problem = await signIn($('key').value.trim());
    $('key').value = '';
    if (problem) return signOut(problem);
    $('signin-error').hidden = true;
    location.hash = me.may.read ? '#/overview' : '#/credit';
    await route();
  });
  $('signout').addEventListener('click', () => signOut(''));
  onSubmit('customer-search', 'The search failed', async () => {
    const q = $('customer-search-q').value.trim();
    const target = '#/customers/' + encodeURIComponent(q);
    if (location.hash === target) await customersPage(q);
    else location.hash = target;
  });
  onSubmit('customers-form', 'The search failed', () => loadCustomers(false));
  $('customers-more').addEventListener('click', () => attempt('The next page could not be loaded', () => loadCustomers(true)));
  onSubmit('monthend-form', 'The aging could not be loaded', monthend);
  onSubmit('finance-form', 'The figures could not be loaded', finance);
  onSubmit('bank-statement-form', 'The statement could not be imported', importStatement);
  $('finance-balances-csv').addEventListener('click', () => attempt('The download failed', () => {
    const { from, to } = monthRange($('finance-month').value);
    return downloadCsv('/v1/reports/balances' + financeQuery({ from, to }), 'balances-' + $('finance-month').value + '.csv');
  }));
  $('monthend-csv').addEventListener('click', () => attempt('The download failed', () =>
    downloadCsv('/v1/reports/aging' + monthendQuery(), 'aging-' + $('monthend-as-of').value + '.csv')));
  $('worklist-bulk-done').addEventListener('click', () => attempt('The tasks could not be updated', () => finishSelected('done')));
  $('worklist-bulk-cancel').addEventListener('click', () => attempt('The tasks could not be updated', () => finishSelected('cancelled')));
  onSubmit('dunning-run-form', 'The dunning run was refused', () => startRun('dunning', $('dunning-run-as-of').value));
  onSubmit('grading-run-form', 'The grading run was refused', () => startRun('grading', $('grading-run-as-of').value));
  onSubmit('check-form', 'The credit check failed', checkCredit);
  onSubmit('collector-form', 'The collector could not be assigned', async () => {
    const name = $('collector-name').value.trim();
    await api('PATCH', '/v1/customers/' + encodeURIComponent(current.id), { collector: name });
    await customer(current.id);
    say(name + ' now collects from this customer.');
  });
  onSubmit('aging-form', 'The aging could not be loaded', () => Promise.all([loadAging(), loadOverdue()]));
  onSubmit('overdue-filters', 'The overdue list could not be loaded', loadOverdue);
  $('overdue-csv').addEventListener('click', () => attempt('The download failed', downloadOverdueCsv));
  $('worklist-collector').addEventListener('input', (e) => { e.target.dataset.touched = '1'; });
  onSubmit('worklist-form', 'The worklist could not be loaded', worklist);
  onSubmit('credit-form', 'The credit summary could not be loaded', lookUpCredit);
  onSubmit('statement-form', 'The statement could not be loaded', loadStatement);
  $('hold-toggle').addEventListener('click', () => attempt('The hold could not be changed', async () => {
    await api('PATCH', '/v1/customers/' + encodeURIComponent(current.id), { on_hold: !current.on_hold });
    await customer(current.id);
    say(current.on_hold ? 'The customer is on hold.' : 'The hold is lifted.');
  }));
  onSubmit('limit-form', 'The limit change was refused', async () => {
    const r = await api('PATCH', '/v1/customers/' + encodeURIComponent(current.id), { credit_limit: amountOf('limit-amount') });
    $('limit-amount').value = '';
    await customer(current.id);
    say(r.pending_limit_change
      ? 'The raise waits for a second person\'s approval (limit change ' + r.pending_limit_change.id + ').'
      : 'The credit limit is changed.');
  });
  onSubmit('promise-form', 'The promise was refused', async () => {
    await api('POST', '/v1/promises', { customer: current.id, amount: amountOf('promise-amount'), promised_date: $('promise-date').value });
    $('promise-amount').value = '';
    await customer(current.id);
    say('The promise to pay is recorded.');
  });
  onSubmit('dispute-form', 'The dispute was refused', async () => {
    const number = $('dispute-invoice').value;
    await api('POST', '/v1/invoices/' + encodeURIComponent(number) + '/dispute', { reason: $('dispute-reason').value.trim() });
    $('dispute-reason').value = '';
    await customer(current.id);
    say('Invoice ' + number + ' is disputed.');
  });
  onSubmit('writeoff-form', 'The write-off request was refused', async () => {
    const r = await api('POST', '/v1/write-offs', { invoice: $('writeoff-invoice').value, amount: amountOf('writeoff-amount'),
      reason: $('writeoff-reason').value.trim() });
    $('writeoff-amount').value = '';
    $('writeoff-reason').value = '';
    say('Write-off request ' + r.id + ' waits for a manager\'s approval.');
  });
  window.addEventListener('hashchange', route);
  route();
});
