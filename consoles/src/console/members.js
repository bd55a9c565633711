// Member look-up: the member view, its history in pages, adjustments, cancelling a redemption, blocking.
import { useState } from 'preact/hooks';
import { enc, formatPoints, newId } from '../api.js';
import { ErrorLine, Field, html, Status } from '../ui.js';

function MemberCard({ member }) {
  return html`<dl class="figures" aria-label="Member">
    <div class="figure"><dt>Member</dt><dd data-member="member_id">${member.member_id}</dd></div>
    <div class="figure"><dt>Status</dt><dd data-member="status">${member.status}</dd></div>
    <div class="figure"><dt>Tier</dt><dd data-member="tier">${member.tier}</dd></div>
    <div class="figure"><dt>Available</dt><dd data-member="available">${formatPoints(member.balance.available)}</dd></div>
    <div class="figure"><dt>Pending</dt><dd data-member="pending">${formatPoints(member.balance.pending)}</dd></div>
    <div class="figure"><dt>Qualifying</dt><dd data-member="qualifying">${formatPoints(member.balance.qualifying)}</dd></div>
  </dl>`;
}

function History({ api, memberId, entries, nextCursor, onMore, onChanged }) {
  const [error, setError] = useState(null);
  const cancel = async (redemptionId) => {
    setError(null);
    try {
      await api.post(`/v1/members/${enc(memberId)}/redemptions/${enc(redemptionId)}/cancellation`);
      onChanged(`Redemption ${redemptionId} cancelled`);
    } catch (e) {
      setError(e);
    }
  };
  return html`<section aria-labelledby="history-title">
    <h3 id="history-title">History</h3>
    <${ErrorLine} error=${error} />
    <table class="history"><thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Points</th>
      <th scope="col">Reference</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${entries.map((e) => html`<tr data-entry=${e.entry_id}>
        <td>${e.created_at.replace('T', ' ').slice(0, 19)}</td><td>${e.type}</td>
        <td class="number">${formatPoints(e.points)}</td><td>${e.reference}</td>
        <td>${e.type === 'redemption' && html`<button type="button" onClick=${() => cancel(e.reference)}
          aria-label=${`Cancel redemption ${e.reference}`}>Cancel</button>`}</td></tr>`)}</tbody>
    </table>
    ${nextCursor && html`<button type="button" onClick=${onMore}>More history</button>`}
  </section>`;
}

function Adjust({ api, memberId, onChanged }) {
  const [form, setForm] = useState({ direction: 'credit', points: '', reason: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    const points = Number.parseInt(form.points, 10) * (form.direction === 'debit' ? -1 : 1);
    try {
      await api.post(`/v1/admin/members/${enc(memberId)}/adjustments`,
        { adjustment_id: newId('console'), points, reason: form.reason });
      setForm({ ...form, points: '', reason: '' });
      onChanged(`${form.direction === 'debit' ? 'Debited' : 'Credited'} ${Math.abs(points)} points`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form onSubmit=${submit} aria-labelledby="adjust-title">
    <h3 id="adjust-title">Adjust points</h3>
    <fieldset><legend>Direction</legend>
      ${['credit', 'debit'].map((d) => html`<label class="radio"><input type="radio" name="direction" value=${d}
        checked=${form.direction === d} onChange=${() => setForm({ ...form, direction: d })} /> ${d === 'credit' ? 'Credit' : 'Debit'}</label>`)}
    </fieldset>
    <${Field} label="Points" name="points" type="number" min="1" required value=${form.points} onInput=${(v) => setForm({ ...form, points: v })} />
    <${Field} label="Reason" name="reason" required value=${form.reason} onInput=${(v) => setForm({ ...form, reason: v })} />
    <${ErrorLine} error=${error} />
    <button type="submit" class="primary" disabled=${busy}>Apply adjustment</button>
  </form>`;
}

function Standing({ api, member, onChanged }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const action = member.status === 'blocked' ? 'unblock' : 'block';
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      await api.post(`/v1/admin/members/${enc(member.member_id)}/${action}`, { reason });
      setReason('');
      onChanged(action === 'block' ? 'Member blocked' : 'Member unblocked');
    } catch (e) {
      setError(e);
    }
  };
  return html`<form onSubmit=${submit} aria-labelledby="standing-title">
    <h3 id="standing-title">${action === 'block' ? 'Block the member' : 'Unblock the member'}</h3>
    <${Field} label=${`Reason to ${action}`} name="standing-reason" required value=${reason} onInput=${setReason} />
    <${ErrorLine} error=${error} />
    <button type="submit">${action === 'block' ? 'Block' : 'Unblock'}</button>
  </form>`;
}

export function Members({ api }) {
  const [query, setQuery] = useState('');
  const [member, setMember] = useState(null);
  const [entries, setEntries] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const [status, setStatus] = useState('');

  const load = async (memberId) => {
    const id = enc(memberId);
    const [view, page] = await Promise.all([api.get(`/v1/members/${id}`), api.get(`/v1/members/${id}/transactions?limit=10`)]);
    setMember(view);
    setEntries(page.items);
    setCursor(page.next_cursor);
  };
  const find = async (event) => {
    event.preventDefault();
    setError(null);
    setStatus('');
    setMember(null);
    try {
      await load(query.trim());
    } catch (e) {
      setError(e);
    }
  };
  const more = async () => {
    const page = await api.get(`/v1/members/${enc(member.member_id)}/transactions?limit=10&cursor=${enc(cursor)}`);
    setEntries([...entries, ...page.items]);
    setCursor(page.next_cursor);
  };
  const changed = async (text) => {
    await load(member.member_id);
    setStatus(text);
  };
  return html`<section aria-labelledby="members-title">
    <h2 id="members-title">Members</h2>
    <form class="inline" role="search" onSubmit=${find}>
      <${Field} label="Member id" name="member-id" required value=${query} onInput=${setQuery} />
      <button type="submit" class="primary">Find</button>
    </form>
    <${ErrorLine} error=${error} />
    <${Status} text=${status} />
    ${member && html`<div class="member">
      <${MemberCard} member=${member} />
      <div class="columns">
        <${Adjust} api=${api} memberId=${member.member_id} onChanged=${changed} />
        <${Standing} api=${api} member=${member} onChanged=${changed} />
      </div>
      <${History} api=${api} memberId=${member.member_id} entries=${entries} nextCursor=${cursor} onMore=${more} onChanged=${changed} />
    </div>`}
  </section>`;
}
