// The dashboard: the analytics series as charts (Chart.js), the totals, the liability and the tiers.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale,
  LineController, LineElement, PointElement, Tooltip,
} from 'chart.js';
import { formatMoney, formatPoints } from '../api.js';
import { ErrorLine, Field, html } from '../ui.js';

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale,
  LineController, LineElement, PointElement, Tooltip);

const SERIES = [
  ['issued', 'Issued', '#1f6f43'],
  ['redeemed', 'Redeemed', '#1d4ed8'],
  ['expired', 'Expired', '#b45309'],
];
const TIER_COLOURS = ['#64748b', '#94a3b8', '#ca8a04', '#334155', '#7c3aed', '#0f766e'];

function ChartCanvas({ label, config }) {
  const canvas = useRef(null);
  useEffect(() => {
    const chart = new Chart(canvas.current, { ...config, options: { animation: false, responsive: true,
      maintainAspectRatio: false, ...config.options } });
    return () => chart.destroy();
  }, [JSON.stringify(config.data)]);
  return html`<div class="chart"><canvas ref=${canvas} role="img" aria-label=${label}></canvas></div>`;
}

function Figure({ name, label, value }) {
  return html`<div class="figure"><dt>${label}</dt><dd data-figure=${name}>${value}</dd></div>`;
}

export function Dashboard({ api }) {
  const [range, setRange] = useState({ from: '', to: '' });
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const load = async (event) => {
    if (event) event.preventDefault();
    setError(null);
    const query = new URLSearchParams(Object.entries(range).filter(([, v]) => v));
    try {
      setData(await api.get(`/v1/admin/analytics${query.size ? `?${query}` : ''}`));
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => { load(); }, []);
  const days = data ? data.days : [];
  const labels = days.map((d) => d.date);
  return html`<section aria-labelledby="dashboard-title">
    <h2 id="dashboard-title">Dashboard</h2>
    <form class="inline" onSubmit=${load}>
      <${Field} label="From (date)" name="from" type="date" value=${range.from} onInput=${(v) => setRange({ ...range, from: v })} />
      <${Field} label="To (date)" name="to" type="date" value=${range.to} onInput=${(v) => setRange({ ...range, to: v })} />
      <button type="submit">Show</button>
    </form>
    <${ErrorLine} error=${error} />
    ${data && html`<div>
      <dl class="figures" aria-label="Totals of the period">
        <${Figure} name="issued" label="Points issued" value=${formatPoints(data.totals.issued)} />
        <${Figure} name="redeemed" label="Points redeemed" value=${formatPoints(data.totals.redeemed)} />
        <${Figure} name="expired" label="Points expired" value=${formatPoints(data.totals.expired)} />
        <${Figure} name="outstanding" label="Points outstanding" value=${formatPoints(data.totals.outstanding)} />
        <${Figure} name="liability" label="Liability" value=${formatMoney(data.liability.amount_minor, data.liability.currency)} />
        <${Figure} name="redemption_rate" label="Redemption rate" value=${data.redemption_rate === null ? '–' : `${(data.redemption_rate * 100).toFixed(1)} %`} />
      </dl>
      <div class="charts">
        <figure>
          <figcaption>Points per day</figcaption>
          <${ChartCanvas} label="Points issued, redeemed and expired per day" config=${{
            type: 'bar',
            data: { labels, datasets: SERIES.map(([key, label, colour]) => ({ label, data: days.map((d) => d[key]), backgroundColor: colour })) },
          }} />
        </figure>
        <figure>
          <figcaption>Points outstanding</figcaption>
          <${ChartCanvas} label="Points outstanding at the end of each day" config=${{
            type: 'line',
            data: { labels, datasets: [{ label: 'Outstanding', data: days.map((d) => d.outstanding), borderColor: '#0f172a', backgroundColor: '#0f172a' }] },
          }} />
        </figure>
        <figure>
          <figcaption>Members per tier</figcaption>
          <${ChartCanvas} label="Members per tier" config=${{
            type: 'doughnut',
            data: { labels: Object.keys(data.tiers), datasets: [{ data: Object.values(data.tiers), backgroundColor: TIER_COLOURS }] },
          }} />
        </figure>
      </div>
      <table class="tiers"><caption>Tiers</caption>
        <thead><tr><th scope="col">Tier</th><th scope="col">Members</th></tr></thead>
        <tbody>${Object.entries(data.tiers).map(([tier, count]) => html`<tr><th scope="row">${tier}</th><td data-tier=${tier}>${formatPoints(count)}</td></tr>`)}</tbody>
      </table>
    </div>`}
  </section>`;
}
