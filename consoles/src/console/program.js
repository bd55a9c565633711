// The program editor: promotions, challenges, rewards and tiers of the document in force, saved with the revision
// they edit; the API's INVALID_PROGRAM details are shown at the field they name. The preview and the revisions.
import { useEffect, useState } from 'preact/hooks';
import { enc, formatPoints } from '../api.js';
import { ErrorLine, Field, html, Status, useFieldId } from '../ui.js';
import { COLLECTIONS, fieldPathOf, textOf, valueOf } from './fields.js';

function fieldDomId(path) {
  return `f-${path.replace(/[^A-Za-z0-9]/g, '-')}`;
}

function ItemField({ path, label, kind, value, error, onChange }) {
  const [text, setText] = useState(textOf(kind, value));
  const [local, setLocal] = useState(null);
  useEffect(() => { setText(textOf(kind, value)); setLocal(null); }, [JSON.stringify(value)]);
  const id = fieldDomId(path);
  const shown = local || error;
  const described = shown ? `${id}-error` : undefined;
  const input = (next) => {
    setText(next);
    try {
      onChange(valueOf(kind, next));
      setLocal(null);
    } catch (e) {
      setLocal(e.message);
    }
  };
  return html`<div class=${`field${shown ? ' invalid' : ''}`} data-path=${path}>
    ${kind === 'bool'
      ? html`<label class="radio"><input id=${id} type="checkbox" checked=${Boolean(value)}
          onChange=${(e) => onChange(e.target.checked)} aria-describedby=${described} /> ${label}</label>`
      : html`<label for=${id}>${label}</label>
        ${kind === 'lines' || kind === 'json'
          ? html`<textarea id=${id} rows=${kind === 'lines' ? 3 : 2} value=${text} onInput=${(e) => input(e.target.value)}
              aria-invalid=${shown ? 'true' : 'false'} aria-describedby=${described} />`
          : html`<input id=${id} value=${text} onInput=${(e) => input(e.target.value)}
              aria-invalid=${shown ? 'true' : 'false'} aria-describedby=${described} />`}`}
    ${shown && html`<p class="field-error" id=${`${id}-error`}>${shown}</p>`}
  </div>`;
}

function Collection({ name, items, errors, onChange }) {
  const spec = COLLECTIONS[name];
  const update = (index, key, value) => onChange(items.map((item, i) => (i === index ? { ...item, [key]: value } : item)));
  return html`<div>
    ${items.map((item, index) => html`<fieldset class="item" data-item=${`${name}.${index}`}>
      <legend>${spec.label.replace(/s$/, '')} ${index + 1}: ${item[spec.idKey]}</legend>
      ${errors[`${name}.${index}`] && html`<p class="field-error">${errors[`${name}.${index}`]}</p>`}
      <div class="grid">
        ${spec.fields.map(([key, label, kind]) => html`<${ItemField} key=${`${index}.${key}`} path=${`${name}.${index}.${key}`}
          label=${label} kind=${kind} value=${item[key]} error=${errors[`${name}.${index}.${key}`]}
          onChange=${(value) => update(index, key, value)} />`)}
      </div>
      <button type="button" onClick=${() => onChange(items.filter((_, i) => i !== index))}
        aria-label=${`Remove ${spec.label.replace(/s$/, '').toLowerCase()} ${item[spec.idKey]}`}>Remove</button>
    </fieldset>`)}
    <button type="button" onClick=${() => onChange([...items, spec.blank()])}>Add ${spec.label.replace(/s$/, '').toLowerCase()}</button>
  </div>`;
}

// details [{path, message}] -> {field or item path: message}, and those no field shows
function placeErrors(details, doc) {
  const paths = [];
  for (const name of Object.keys(COLLECTIONS)) {
    (doc[name] || []).forEach((_, index) => {
      paths.push(`${name}.${index}`);
      for (const [key] of COLLECTIONS[name].fields) paths.push(`${name}.${index}.${key}`);
    });
  }
  const placed = {};
  const elsewhere = [];
  for (const detail of details) {
    const path = fieldPathOf(detail.path, paths);
    if (path) placed[path] = placed[path] ? `${placed[path]}; ${detail.message}` : detail.message;
    else elsewhere.push(detail);
  }
  return { placed, elsewhere };
}

function Preview({ api, program }) {
  const tiers = program.tiers.map((t) => t.name);
  const currencies = Object.keys(program.earn.currencies);
  const [form, setForm] = useState({ tier: tiers[0], segments: '', amount: '40.00', currency: currencies[0], channel: '', occurred_at: '' });
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const tierId = useFieldId('tier');
  const currencyId = useFieldId('currency');
  const set = (key) => (value) => setForm({ ...form, [key]: value });
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    setResult(null);
    const purchase = { transaction_id: 'console-preview', kind: 'purchase', currency: form.currency,
      amount_minor: Math.round(Number.parseFloat(form.amount) * 100) };
    if (form.channel.trim()) purchase.channel = form.channel.trim();
    if (form.occurred_at) purchase.occurred_at = new Date(form.occurred_at).toISOString();
    const segments = form.segments.split(',').map((s) => s.trim()).filter(Boolean);
    try {
      setResult((await api.post('/v1/admin/simulations/accrual', { tier: form.tier, segments, purchase })).accrual);
    } catch (e) {
      setError(e);
    }
  };
  return html`<form onSubmit=${submit} aria-labelledby="preview-title" class="preview">
    <h3 id="preview-title">Preview a purchase</h3>
    <p class="hint">What a purchase would earn a member of that tier with no history, under the program in force. Nothing is written.</p>
    <div class="grid">
      <div class="field"><label for=${tierId}>Tier</label>
        <select id=${tierId} value=${form.tier} onChange=${(e) => set('tier')(e.target.value)}>${tiers.map((t) => html`<option>${t}</option>`)}</select></div>
      <${Field} label="Segments (comma separated)" name="preview-segments" value=${form.segments} onInput=${set('segments')} />
      <${Field} label="Amount" name="preview-amount" inputmode="decimal" required value=${form.amount} onInput=${set('amount')} />
      <div class="field"><label for=${currencyId}>Currency</label>
        <select id=${currencyId} value=${form.currency} onChange=${(e) => set('currency')(e.target.value)}>${currencies.map((c) => html`<option>${c}</option>`)}</select></div>
      <${Field} label="Channel" name="preview-channel" value=${form.channel} onInput=${set('channel')} />
      <${Field} label="Occurred at (optional)" name="preview-occurred" type="datetime-local" value=${form.occurred_at} onInput=${set('occurred_at')} />
    </div>
    <button type="submit" class="primary">Preview</button>
    <${ErrorLine} error=${error} />
    ${result && html`<output class="result" aria-live="polite">
      <p>Would earn <strong data-preview="points">${formatPoints(result.points)}</strong> points (${result.status}).</p>
      ${result.promotions.length > 0 && html`<ul>${result.promotions.map((p) => html`<li data-preview-promotion=${p.promotion_id}>${p.promotion_id}: ${formatPoints(p.points)} points</li>`)}</ul>`}
    </output>`}
  </form>`;
}

function Revisions({ api, reloadKey }) {
  const [items, setItems] = useState([]);
  const [cursor, setCursor] = useState(null);
  const page = async (from) => {
    const answer = await api.get(`/v1/admin/program/revisions?limit=10${from ? `&cursor=${enc(from)}` : ''}`);
    setItems((prev) => (from ? [...prev, ...answer.items] : answer.items));
    setCursor(answer.next_cursor);
  };
  useEffect(() => { page(null); }, [reloadKey]);
  return html`<section aria-labelledby="revisions-title">
    <h3 id="revisions-title">Revisions</h3>
    <table><thead><tr><th scope="col">Revision</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">What changed</th></tr></thead>
      <tbody>${items.map((r) => html`<tr data-revision=${r.revision}><td>${r.revision}</td><td>${r.changed_at.replace('T', ' ').slice(0, 19)}</td><td>${r.changed_by}</td><td>${r.summary}</td></tr>`)}</tbody></table>
    ${cursor && html`<button type="button" onClick=${() => page(cursor)}>More revisions</button>`}
  </section>`;
}

export function ProgramEditor({ api }) {
  const [state, setState] = useState(null);
  const [tab, setTab] = useState('promotions');
  const [errors, setErrors] = useState({ placed: {}, elsewhere: [] });
  const [error, setError] = useState(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const load = async () => setState(await api.get('/v1/admin/program'));
  useEffect(() => { load().catch(setError); }, []);
  if (!state) return html`<section><h2>Program</h2><${ErrorLine} error=${error} /></section>`;
  const doc = state.program;
  const save = async () => {
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const answer = await api.put('/v1/admin/program', state);
      setState(answer);
      setErrors({ placed: {}, elsewhere: [] });
      setStatus(`Saved: revision ${answer.revision} is in force`);
    } catch (e) {
      setError(e);
      setErrors(placeErrors(e.details || [], doc));
    } finally {
      setBusy(false);
    }
  };
  return html`<section aria-labelledby="program-title">
    <h2 id="program-title">Program</h2>
    <p>Revision in force: <strong data-program="revision">${state.revision}</strong></p>
    <div class="tabs" role="group" aria-label="Part of the program">
      ${Object.entries(COLLECTIONS).map(([name, spec]) => html`<button type="button" aria-pressed=${tab === name ? 'true' : 'false'}
        onClick=${() => setTab(name)}>${spec.label} (${(doc[name] || []).length})</button>`)}
    </div>
    <${Collection} key=${tab} name=${tab} items=${doc[tab] || []} errors=${errors.placed}
      onChange=${(items) => setState({ ...state, program: { ...doc, [tab]: items } })} />
    <div class="actions">
      <button type="button" class="primary" disabled=${busy} onClick=${save}>Save the program</button>
      <button type="button" disabled=${busy} onClick=${() => { setErrors({ placed: {}, elsewhere: [] }); setError(null); load(); }}>Discard changes</button>
    </div>
    <${ErrorLine} error=${error} />
    ${Object.keys(errors.placed).length > 0 && html`<ul class="error-list" aria-label="Problems, at their fields">
      ${Object.entries(errors.placed).map(([path, message]) => html`<li><a href=${`#${fieldDomId(path)}`}
        onClick=${(e) => { e.preventDefault(); setTab(path.split('.')[0]); setTimeout(() => document.getElementById(fieldDomId(path))?.focus()); }}>${path}</a>: ${message}</li>`)}
    </ul>`}
    ${errors.elsewhere.length > 0 && html`<ul class="error-list">${errors.elsewhere.map((d) => html`<li>${d.path}: ${d.message}</li>`)}</ul>`}
    <${Status} text=${status} />
    <${Preview} api=${api} program=${doc} />
    <${Revisions} api=${api} reloadKey=${state.revision} />
  </section>`;
}
