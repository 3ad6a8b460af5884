/**
 * The control room's screen: active alarms by level with acknowledge, live
 * updates over server-sent events, a sensor status grid and a PPV trend per
 * zone. Plain HTML and JavaScript served by this service: nothing to build,
 * small enough to load at once on a wall screen or a tablet.
 */
export const CONTROL_ROOM_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mine control room</title>
<style>
  :root { color-scheme: dark; --red: #e5484d; --orange: #f76b15; --yellow: #ffc53d; --green: #30a46c; --grey: #6f6f6f; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.35 system-ui, sans-serif; background: #111418; color: #e8e8e8; }
  header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; background: #1b1f24; }
  header h1 { font-size: 1.2rem; margin: 0; flex: 1; }
  #status { font-size: .9rem; padding: .2rem .6rem; border-radius: 1rem; background: var(--grey); }
  #status.live { background: var(--green); }
  #status.stale { background: #f59e0b; }
  main { display: grid; gap: 1rem; padding: 1rem; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); }
  section { background: #1b1f24; border-radius: .5rem; padding: .8rem; }
  section h2 { font-size: 1rem; margin: 0 0 .6rem; text-transform: uppercase; letter-spacing: .05em; color: #a0a0a0; }
  .alarm { border-left: .4rem solid var(--grey); background: #23282e; border-radius: .3rem; padding: .5rem .7rem; margin-bottom: .5rem; }
  .alarm.red { border-color: var(--red); } .alarm.orange { border-color: var(--orange); } .alarm.yellow { border-color: var(--yellow); }
  .alarm .meta { font-size: .8rem; color: #a0a0a0; }
  .alarm.unack .message { font-weight: 600; }
  button { font: inherit; padding: .3rem .8rem; border-radius: .3rem; border: 0; background: #3b82f6; color: white; cursor: pointer; }
  .grid { display: grid; gap: .4rem; grid-template-columns: repeat(auto-fill, minmax(7.5rem, 1fr)); }
  .sensor { background: #23282e; border-radius: .3rem; padding: .4rem; font-size: .8rem; border-top: .25rem solid var(--green); }
  .sensor.stale { border-color: var(--grey); opacity: .6; }
  .zone { display: flex; align-items: center; gap: .5rem; font-size: .85rem; margin-bottom: .3rem; }
  .zone svg { flex: 1; height: 2rem; background: #23282e; border-radius: .2rem; }
  .empty { color: #a0a0a0; font-size: .9rem; }
</style>
</head>
<body>
<header><h1>Mine control room</h1><span id="counts"></span><span id="status">connecting…</span></header>
<main>
  <section><h2>Active alarms</h2><div id="alarms" data-testid="alarms"><p class="empty">No active alarms.</p></div></section>
  <section><h2>Sensors</h2><div id="sensors" class="grid" data-testid="sensors"></div></section>
  <section><h2>PPV trend per zone (60 min, mm/s)</h2><div id="trends" data-testid="trends"></div></section>
</main>
<script>
// The token is typed once and exchanged for an HttpOnly session cookie: it is kept in no URL and no storage.
async function session() {
  let response = await fetch('/session');
  while (!response.ok) {
    const token = prompt('Control-room token');
    if (!token) continue;
    response = await fetch('/session', { method: 'POST', headers: { authorization: 'Bearer ' + token } });
  }
  return response.json();
}
const auth = { 'x-control-room': '1' };
let me = { role: 'viewer' };
const rank = { red: 0, orange: 1, yellow: 2, green: 3 };
const alarms = new Map();
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function renderAlarms() {
  const list = [...alarms.values()].filter((a) => a.state !== 'CLEARED_ACK').sort((a, b) => rank[a.level] - rank[b.level] || b.lastSeenAt.localeCompare(a.lastSeenAt));
  document.getElementById('counts').textContent = ['red', 'orange', 'yellow'].map((l) => list.filter((a) => a.level === l).length + ' ' + l).join(' · ');
  document.getElementById('alarms').innerHTML = list.length ? list.map((a) =>
    '<div class="alarm ' + esc(a.level) + (a.state.endsWith('UNACK') ? ' unack' : '') + '" data-alarm-id="' + esc(a.alarmId) + '" data-state="' + esc(a.state) + '">' +
    '<div class="message">' + esc(a.message) + '</div>' +
    '<div class="meta">' + esc(a.level.toUpperCase()) + ' · ' + esc(a.state) + ' · ' + esc(a.site) + (a.zone ? '/' + esc(a.zone) : '') + ' · ' + esc(a.subject) + ' · ×' + esc(a.count) + ' · ' + esc(new Date(a.lastSeenAt).toLocaleTimeString()) + '</div>' +
    (a.state.endsWith('UNACK') && me.role === 'operator' ? '<button data-ack="' + esc(a.alarmId) + '">Acknowledge</button>' : '') + '</div>').join('') : '<p class="empty">No active alarms.</p>';
}

document.addEventListener('click', async (event) => {
  const id = event.target.dataset && event.target.dataset.ack;
  if (!id) return;
  event.target.disabled = true;
  const response = await fetch('/alarms/' + id + '/ack', { method: 'POST', headers: auth });
  if (response.ok) { const { state } = await response.json(); alarms.set(id, { ...alarms.get(id), state }); renderAlarms(); }
  else { event.target.disabled = false; alert('Not acknowledged: ' + ((await response.json()).reason || response.status)); }
});

// "live" only while the stream delivers: heartbeats every 5 s saying the server's feed is connected.
let lastHeard = 0;
let feedConnected = false;
let streamOpen = false;
function showStatus() {
  const status = document.getElementById('status');
  const fresh = Date.now() - lastHeard < 15000;
  const [text, cls] = !streamOpen ? ['reconnecting…', ''] : !fresh ? ['no data', 'stale'] : !feedConnected ? ['feed down, retrying', 'stale'] : ['live', 'live'];
  if (status.textContent !== text) { status.textContent = text; status.className = cls; }
}
setInterval(showStatus, 1000);

function connect() {
  const source = new EventSource('/alarms/stream');
  const heard = () => { lastHeard = Date.now(); streamOpen = true; };
  source.addEventListener('snapshot', (e) => { heard(); alarms.clear(); for (const a of JSON.parse(e.data).alarms) alarms.set(a.alarmId, a); renderAlarms(); showStatus(); });
  source.addEventListener('feed', (e) => { heard(); feedConnected = JSON.parse(e.data).connected === true; showStatus(); });
  source.addEventListener('transition', (e) => { heard(); const t = JSON.parse(e.data); alarms.set(t.alarmId, { ...alarms.get(t.alarmId), ...t }); renderAlarms(); refreshSensors(); refreshTrends(); });
  // An ended session (expired, or the tokens changed) asks for the token again.
  source.onerror = () => { streamOpen = false; showStatus(); fetch('/session').then((r) => { if (r.status === 401) location.reload(); }); };
}

async function refreshSensors() {
  const response = await fetch('/sensors', { headers: auth });
  if (!response.ok) return;
  const { sensors } = await response.json();
  document.getElementById('sensors').innerHTML = sensors.map((s) => {
    const age = (Date.now() - Date.parse(s.receivedAt)) / 1000;
    return '<div class="sensor' + (age > 120 ? ' stale' : '') + '" data-sensor="' + esc(s.sensorId) + '"><b>' + esc(s.sensorId) + '</b><br>' + esc(s.zone) + '<br>PPV ' + (s.lastPpvMmS ?? 0).toFixed(2) + '<br>' + Math.round(age) + ' s ago</div>';
  }).join('');
}

async function refreshTrends() {
  const response = await fetch('/zones/ppv?minutes=60', { headers: auth });
  if (!response.ok) return;
  const { series } = await response.json();
  const zones = new Map();
  for (const p of series) { const key = p.site + '/' + p.zone; if (!zones.has(key)) zones.set(key, []); zones.get(key).push(p); }
  const start = Date.now() - 3600000;
  document.getElementById('trends').innerHTML = [...zones].map(([zone, points]) => {
    const peak = Math.max(...points.map((p) => p.ppvMmS));
    const scale = Math.max(1, peak);
    // One bar per minute (the minute's largest PPV), the last hour across the width.
    const bars = points.map((p) => { const h = Math.max(0.5, (p.ppvMmS / scale) * 28); return '<rect x="' + ((Date.parse(p.minute) - start) / 36000).toFixed(2) + '" y="' + (30 - h).toFixed(2) + '" width="1.5" height="' + h.toFixed(2) + '" fill="#3b82f6"/>'; }).join('');
    return '<div class="zone" data-zone="' + esc(zone) + '"><span>' + esc(zone) + '</span><svg viewBox="0 0 100 30" preserveAspectRatio="none">' + bars + '</svg><span>' + peak.toFixed(1) + '</span></div>';
  }).join('') || '<p class="empty">No packets in the last hour.</p>';
}

session().then((user) => {
  me = user;
  connect();
  refreshSensors(); refreshTrends();
  setInterval(refreshSensors, 5000); setInterval(refreshTrends, 10000);
});
</script>
</body>
</html>
`;
