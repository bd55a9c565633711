// Shared pieces of both consoles: the sign-in gate, labelled fields, error and status lines.
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { currentToken, loadConfig, signIn, signOut } from './auth.js';

export const html = htm.bind(h);

let fieldCount = 0;
export function useFieldId(prefix) {
  const [id] = useState(() => `${prefix}-${++fieldCount}`);
  return id;
}

// A labelled input; `error` is shown under it and tied to it with aria-describedby / aria-invalid.
export function Field({ label, error, type = 'text', value, onInput, name, hint, ...rest }) {
  const id = useFieldId(name || 'field');
  const errorId = `${id}-error`;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${type === 'textarea'
      ? html`<textarea id=${id} name=${name} value=${value} onInput=${(e) => onInput(e.target.value)}
          aria-invalid=${error ? 'true' : 'false'} aria-describedby=${error ? errorId : undefined} ...${rest} />`
      : html`<input id=${id} name=${name} type=${type} value=${value} onInput=${(e) => onInput(e.target.value)}
          aria-invalid=${error ? 'true' : 'false'} aria-describedby=${error ? errorId : undefined} ...${rest} />`}
    ${hint && html`<small class="hint">${hint}</small>`}
    ${error && html`<p class="field-error" id=${errorId} role="alert">${error}</p>`}
  </div>`;
}

export function ErrorLine({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.code ? `${error.code}: ` : ''}${error.message}</p>`;
}

export function Status({ text }) {
  return html`<p class="status" role="status" aria-live="polite">${text || ''}</p>`;
}

// Loads config.json and the token; shows a sign-in button until signed in, then the app with {api, claims}.
export function mount(title, App) {
  function Gate() {
    const [state, setState] = useState({ phase: 'loading' });
    useEffect(() => {
      (async () => {
        const config = await loadConfig();
        const session = await currentToken(config);
        setState({ phase: session ? 'ready' : 'signed-out', config, session });
      })().catch((error) => setState({ phase: 'failed', error }));
    }, []);
    if (state.phase === 'loading') return html`<p role="status">Loading…</p>`;
    if (state.phase === 'failed') return html`<${ErrorLine} error=${state.error} />`;
    if (state.phase === 'signed-out') {
      return html`<main class="sign-in"><h1>${title}</h1>
        <button type="button" class="primary" onClick=${() => signIn(state.config)}>Sign in</button></main>`;
    }
    return html`<${App} config=${state.config} session=${state.session} onSignOut=${() => signOut(state.config)} />`;
  }
  render(html`<${Gate} />`, document.getElementById('app'));
}
