// The operator console: dashboard, member look-up, program editor (with the purchase preview and the revisions).
import { useEffect, useState } from 'preact/hooks';
import { apiClient } from './api.js';
import { html, mount } from './ui.js';
import { Dashboard } from './console/dashboard.js';
import { Members } from './console/members.js';
import { ProgramEditor } from './console/program.js';
import './style.css';

const PAGES = [
  ['dashboard', 'Dashboard', Dashboard],
  ['members', 'Members', Members],
  ['program', 'Program', ProgramEditor],
];

function pageOf(hash) {
  const name = hash.replace(/^#/, '');
  return PAGES.find(([key]) => key === name) ? name : 'dashboard';
}

function Console({ config, session, onSignOut }) {
  const [page, setPage] = useState(pageOf(location.hash));
  useEffect(() => {
    const onHash = () => setPage(pageOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const api = apiClient(config.api_url || location.origin, session.token);
  const [, , Page] = PAGES.find(([key]) => key === page);
  return html`<div class="layout">
    <header>
      <h1>Loyalty console</h1>
      <nav aria-label="Console pages">
        ${PAGES.map(([key, label]) => html`<a href=${`#${key}`} aria-current=${key === page ? 'page' : undefined}>${label}</a>`)}
      </nav>
      <span class="who">Signed in as ${session.claims.sub}</span>
      <button type="button" onClick=${onSignOut}>Sign out</button>
    </header>
    <main id="main"><${Page} api=${api} /></main>
  </div>`;
}

mount('Loyalty console', Console);
