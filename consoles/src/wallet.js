// The member wallet: balance, tier and progress, points expiring soon, challenges, the catalog, history.
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiClient, enc, formatPoints, newId } from './api.js';
import { ErrorLine, html, mount, Status } from './ui.js';
import './style.css';

function TierProgress({ member }) {
  const next = member.next_tier;
  if (!next) return html`<p>You are in the top tier, <strong>${member.tier}</strong>.</p>`;
  const have = member.balance.qualifying;
  const goal = have + next.qualifying_needed;
  return html`<div class="field">
    <label for="tier-progress">${formatPoints(next.qualifying_needed)} qualifying points to ${next.name}</label>
    <progress id="tier-progress" max=${goal} value=${have}>${have} of ${goal}</progress>
  </div>`;
}

function Summary({ member }) {
  return html`<section aria-labelledby="balance-title" class="card">
    <h2 id="balance-title">Your points</h2>
    <p class="balance"><span data-wallet="available">${formatPoints(member.balance.available)}</span> points available</p>
    <p>${formatPoints(member.balance.pending)} pending · tier <strong data-wallet="tier">${member.tier}</strong></p>
    <${TierProgress} member=${member} />
    ${member.tier_benefits.length > 0 && html`<ul aria-label="Benefits of your tier">${member.tier_benefits.map((b) => html`<li>${b}</li>`)}</ul>`}
    <h3>Expiring soon</h3>
    ${member.expiring.length === 0 ? html`<p>No points expire in the coming days.</p>`
      : html`<ul>${member.expiring.map((e) => html`<li>${formatPoints(e.points)} points on ${e.date}</li>`)}</ul>`}
  </section>`;
}

function Challenges({ challenges }) {
  return html`<section aria-labelledby="challenges-title" class="card">
    <h2 id="challenges-title">Challenges</h2>
    ${challenges.length === 0 ? html`<p>No challenge is running for you.</p>`
      : html`<ul class="plain">${challenges.map((c, i) => html`<li>
          <label for=${`challenge-${i}`}>${c.challenge_id}: ${formatPoints(c.progress)} of ${formatPoints(c.target)}${c.completed_at ? ' (done)' : ''}</label>
          <progress id=${`challenge-${i}`} max=${c.target} value=${Math.min(c.progress, c.target)}></progress></li>`)}</ul>`}
  </section>`;
}

// One redemption per click intent: the id is made when the click is taken and reused if the same intent is sent
// again (a retry after a network failure); a click while one is in flight is ignored, before any re-render.
function Catalog({ api, memberId, available, onRedeemed }) {
  const [rewards, setRewards] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [busy, setBusy] = useState(null);
  const [error, setError] = useState(null);
  const inFlight = useRef(null);
  const page = async (from) => {
    const answer = await api.get(`/v1/rewards?limit=20${from ? `&cursor=${enc(from)}` : ''}`);
    setRewards((prev) => (from ? [...prev, ...answer.items] : answer.items));
    setCursor(answer.next_cursor);
  };
  useEffect(() => { page(null).catch(setError); }, []);
  const redeem = async (reward) => {
    if (inFlight.current) return;
    const intent = { rewardId: reward.reward_id, redemptionId: newId('wallet') };
    inFlight.current = intent;
    setBusy(reward.reward_id);
    setError(null);
    try {
      const answer = await api.post(`/v1/members/${enc(memberId)}/redemptions`,
        { redemption_id: intent.redemptionId, reward_id: reward.reward_id, quantity: 1 });
      onRedeemed(answer);
    } catch (e) {
      setError(e);
    } finally {
      inFlight.current = null;
      setBusy(null);
    }
  };
  return html`<section aria-labelledby="catalog-title" class="card">
    <h2 id="catalog-title">Rewards</h2>
    <${ErrorLine} error=${error} />
    <ul class="catalog">${rewards.map((r) => html`<li data-reward=${r.reward_id}>
      <span class="name">${r.name}</span> <span>${formatPoints(r.points)} points${r.min_tier ? ` · ${r.min_tier} and above` : ''}${r.stock_left !== null ? ` · ${r.stock_left} left` : ''}</span>
      <button type="button" class="primary" disabled=${busy !== null || r.points > available}
        aria-busy=${busy === r.reward_id ? 'true' : 'false'} onClick=${() => redeem(r)}
        aria-label=${`Redeem ${r.name} for ${r.points} points`}>${busy === r.reward_id ? 'Redeeming…' : 'Redeem'}</button></li>`)}</ul>
    ${cursor && html`<button type="button" onClick=${() => page(cursor)}>More rewards</button>`}
  </section>`;
}

function History({ api, memberId, reloadKey }) {
  const [items, setItems] = useState([]);
  const [cursor, setCursor] = useState(null);
  const page = async (from) => {
    const answer = await api.get(`/v1/members/${enc(memberId)}/transactions?limit=10${from ? `&cursor=${enc(from)}` : ''}`);
    setItems((prev) => (from ? [...prev, ...answer.items] : answer.items));
    setCursor(answer.next_cursor);
  };
  useEffect(() => { page(null); }, [reloadKey]);
  return html`<section aria-labelledby="wallet-history-title" class="card">
    <h2 id="wallet-history-title">History</h2>
    <table><thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Points</th></tr></thead>
      <tbody>${items.map((e) => html`<tr data-entry=${e.entry_id}><td>${e.created_at.slice(0, 10)}</td><td>${e.type} · ${e.reference}</td>
        <td class="number">${formatPoints(e.points)}</td></tr>`)}</tbody></table>
    ${cursor && html`<button type="button" onClick=${() => page(cursor)}>More history</button>`}
  </section>`;
}

function Wallet({ config, session, onSignOut }) {
  const api = apiClient(config.api_url || location.origin, session.token);
  const memberId = session.claims.sub;
  const [member, setMember] = useState(null);
  const [error, setError] = useState(null);
  const [status, setStatus] = useState('');
  const [version, setVersion] = useState(0);
  useEffect(() => { api.get(`/v1/members/${enc(memberId)}`).then(setMember, setError); }, []);
  const redeemed = (answer) => {
    setMember(answer.member);
    setStatus(`Redeemed ${answer.redemption.points} points: your code is ${answer.redemption.code}`);
    setVersion(version + 1);
  };
  return html`<div class="layout wallet">
    <header><h1>Your loyalty wallet</h1><span class="who">Member ${memberId}</span>
      <button type="button" onClick=${onSignOut}>Sign out</button></header>
    <main id="main">
      <${ErrorLine} error=${error} />
      <${Status} text=${status} />
      ${member && html`<div class="wallet-grid">
        <${Summary} member=${member} />
        <${Challenges} challenges=${member.challenges} />
        <${Catalog} api=${api} memberId=${memberId} available=${member.balance.available} onRedeemed=${redeemed} />
        <${History} api=${api} memberId=${memberId} reloadKey=${version} />
      </div>`}
    </main>
  </div>`;
}

mount('Your loyalty wallet', Wallet);
