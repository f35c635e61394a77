// The status page: one HTML document with its style and script inline (no build step, no CDN). It
// polls /stats.json every second and renders the cores table (sortable, filtered by namespace and
// state), the peers, a throughput line and the descriptor pool. Data goes into the DOM as text only.

export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>corestore-ts status</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; font-size: 14px; }
  body { margin: 1.5rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
  h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
  .muted { opacity: .65; }
  .cards { display: flex; gap: .8rem; flex-wrap: wrap; }
  .card { border: 1px solid #8884; border-radius: 6px; padding: .5rem .8rem; min-width: 8rem; }
  .card b { display: block; font-size: 1.25rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #8883; white-space: nowrap; }
  th { cursor: pointer; user-select: none; }
  th[data-sorted]::after { content: attr(data-sorted); margin-left: .3rem; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  code { font-size: .92em; }
  .filters { display: flex; gap: .8rem; margin-bottom: .5rem; }
  canvas { width: 100%; height: 80px; border: 1px solid #8884; border-radius: 6px; }
  .state-passive { opacity: .7; }
  #error { color: #c33; }
</style>
</head>
<body>
<h1>corestore-ts</h1>
<div class="muted" id="summary">loading…</div>
<div id="error"></div>
<h2>Store</h2>
<div class="cards" id="cards"></div>
<h2>Throughput <span class="muted" id="rate"></span></h2>
<canvas id="throughput" width="900" height="80"></canvas>
<h2>Cores</h2>
<div class="filters">
  <label>namespace <input id="namespace" placeholder="all"></label>
  <label>state <select id="state"><option value="">all</option><option>active</option><option>passive</option></select></label>
</div>
<table id="cores"><thead><tr></tr></thead><tbody></tbody></table>
<h2>Peers</h2>
<table id="peers"><thead><tr><th>peer</th><th>address</th><th>core</th><th class="num">since</th><th class="num">in flight</th><th class="num">up</th><th class="num">down</th></tr></thead><tbody></tbody></table>
<script>
'use strict'
const COLUMNS = [
  ['discoveryKey', 'discovery key'], ['name', 'name'], ['namespace', 'namespace'], ['state', 'state'],
  ['holders', 'holders', true], ['length', 'blocks', true], ['byteLength', 'size', true], ['peers', 'peers', true],
  ['uploadedBytes', 'up', true], ['downloadedBytes', 'down', true], ['lastActivity', 'last activity', true]
]
let sortKey = 'discoveryKey'
let sortDescending = false
let last = null
const history = []

function bytes (n) {
  if (n === null || n === undefined) return '–'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i]
}
function ago (at, now) {
  if (at === null || at === undefined) return '–'
  const s = Math.max(0, Math.round((now - at) / 1000))
  return s < 60 ? s + ' s ago' : s < 3600 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago'
}
function cell (row, text, numeric) {
  const td = document.createElement('td')
  td.textContent = text
  if (numeric) td.className = 'num'
  row.appendChild(td)
  return td
}
function header () {
  const row = document.querySelector('#cores thead tr')
  row.textContent = ''
  for (const [key, label, numeric] of COLUMNS) {
    const th = document.createElement('th')
    th.textContent = label
    if (numeric) th.className = 'num'
    if (key === sortKey) th.dataset.sorted = sortDescending ? '▼' : '▲'
    th.addEventListener('click', () => {
      if (sortKey === key) sortDescending = !sortDescending
      else { sortKey = key; sortDescending = !!numeric }
      header()
      if (last !== null) render(last)
    })
    row.appendChild(th)
  }
}
function sortValue (core, key) {
  if (key === 'peers') return core.peers.length
  const v = core[key]
  return v === null || v === undefined ? '' : v
}
function render (stats) {
  const now = stats.at
  document.getElementById('summary').textContent = (stats.folder === null ? 'storage function' : stats.folder) +
    (stats.locked ? ' (locked by this store)' : '') + ' · open since ' + new Date(stats.since).toLocaleString()
  const cards = document.getElementById('cards')
  cards.textContent = ''
  const card = (label, value) => {
    const div = document.createElement('div')
    div.className = 'card'
    const b = document.createElement('b')
    b.textContent = value
    div.appendChild(b)
    div.appendChild(document.createTextNode(label))
    cards.appendChild(div)
  }
  card('active cores', String(stats.totals.active))
  card('passive cores (cacheSize ' + stats.cacheSize + ')', String(stats.totals.passive))
  card('peers', String(stats.totals.peers))
  card('uploaded', bytes(stats.totals.uploadedBytes))
  card('downloaded', bytes(stats.totals.downloadedBytes))
  card('open files', stats.files.open === null ? '–' : stats.files.open + ' / ' + stats.files.max + (stats.files.waiting ? ' (' + stats.files.waiting + ' waiting)' : ''))
  card('heap / rss', bytes(stats.memory.heapUsed) + ' / ' + bytes(stats.memory.rss))

  const namespace = document.getElementById('namespace').value.trim()
  const state = document.getElementById('state').value
  const cores = stats.cores.filter(core => (namespace === '' || (core.namespace ?? '').startsWith(namespace)) && (state === '' || core.state === state))
  cores.sort((a, b) => {
    const x = sortValue(a, sortKey)
    const y = sortValue(b, sortKey)
    const order = x < y ? -1 : x > y ? 1 : 0
    return sortDescending ? -order : order
  })
  const body = document.querySelector('#cores tbody')
  body.textContent = ''
  for (const core of cores) {
    const row = document.createElement('tr')
    row.className = 'state-' + core.state
    row.dataset.discoveryKey = core.discoveryKey
    const key = cell(row, core.discoveryKey.slice(0, 16) + '…')
    key.title = 'discovery key ' + core.discoveryKey + '\\nkey ' + core.key
    cell(row, core.name === null ? '' : core.name.replace(/\\u0000/g, ' / '))
    cell(row, core.namespace ?? '')
    cell(row, core.state)
    cell(row, String(core.holders), true)
    cell(row, String(core.length), true)
    cell(row, bytes(core.byteLength), true)
    cell(row, String(core.peers.length), true)
    cell(row, bytes(core.uploadedBytes), true)
    cell(row, bytes(core.downloadedBytes), true)
    cell(row, ago(core.lastActivity, now), true)
    body.appendChild(row)
  }
  const peers = document.querySelector('#peers tbody')
  peers.textContent = ''
  for (const core of stats.cores) {
    for (const peer of core.peers) {
      const row = document.createElement('tr')
      cell(row, peer.id)
      cell(row, peer.remoteAddress ?? '')
      cell(row, core.discoveryKey.slice(0, 16) + '…')
      cell(row, ago(peer.since, now), true)
      cell(row, String(peer.requestsInFlight), true)
      cell(row, bytes(peer.uploadedBytes), true)
      cell(row, bytes(peer.downloadedBytes), true)
      peers.appendChild(row)
    }
  }
  throughput(stats)
}
function throughput (stats) {
  const moved = stats.totals.uploadedBytes + stats.totals.downloadedBytes
  const previous = history[history.length - 1]
  if (previous !== undefined && stats.at > previous.at) history.push({ at: stats.at, moved, rate: (moved - previous.moved) * 1000 / (stats.at - previous.at) })
  else if (previous === undefined) history.push({ at: stats.at, moved, rate: 0 })
  while (history.length > 120) history.shift()
  const rate = history[history.length - 1].rate
  document.getElementById('rate').textContent = bytes(Math.round(rate)) + '/s'
  const canvas = document.getElementById('throughput')
  const ctx = canvas.getContext('2d')
  ctx.clearRect(0, 0, canvas.width, canvas.height)
  const most = Math.max(1, ...history.map(h => h.rate))
  ctx.strokeStyle = '#3a7bd5'
  ctx.lineWidth = 2
  ctx.beginPath()
  history.forEach((h, i) => {
    const x = canvas.width * i / Math.max(1, 119)
    const y = canvas.height - 4 - (canvas.height - 8) * h.rate / most
    if (i === 0) ctx.moveTo(x, y)
    else ctx.lineTo(x, y)
  })
  ctx.stroke()
}
async function poll () {
  try {
    const response = await fetch('stats.json', { cache: 'no-store' })
    if (!response.ok) throw new Error('HTTP ' + response.status)
    last = await response.json()
    document.getElementById('error').textContent = ''
    render(last)
  } catch (err) {
    document.getElementById('error').textContent = 'cannot read stats.json: ' + err.message
  }
  setTimeout(poll, 1000)
}
header()
document.getElementById('namespace').addEventListener('input', () => { if (last !== null) render(last) })
document.getElementById('state').addEventListener('change', () => { if (last !== null) render(last) })
poll()
</script>
</body>
</html>
`
