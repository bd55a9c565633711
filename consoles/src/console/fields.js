// The program editor's fields per collection, and how an input's text becomes the document's value.
export const COLLECTIONS = {
  promotions: {
    label: 'Promotions', idKey: 'promotion_id', fields: [
      ['promotion_id', 'Promotion id', 'text'], ['name', 'Name', 'text'],
      ['starts_at', 'Starts at (ISO 8601)', 'text'], ['ends_at', 'Ends at (ISO 8601, exclusive)', 'text'],
      ['multiplier', 'Multiplier (decimal, e.g. 2)', 'decimalnull'], ['bonus_points', 'Bonus points', 'intnull'],
      ['channels', 'Channels (comma separated)', 'list'], ['tiers', 'Tiers (comma separated)', 'list'],
      ['segments', 'Segments (comma separated)', 'list'], ['categories', 'Categories (comma separated)', 'list'],
      ['skus', 'SKUs (comma separated)', 'list'], ['min_amount_minor', 'Minimum amount (minor units)', 'intnull'],
      ['first_purchase', 'First purchase only', 'bool'], ['per_member_limit', 'Times per member', 'intnull'],
      ['budget_points', 'Budget (points)', 'intnull'], ['stacking', 'Stacking (combine or exclusive)', 'text'],
    ],
    blank: () => ({ promotion_id: 'new-promotion', name: 'New promotion', starts_at: isoDay(0), ends_at: isoDay(30),
      multiplier: '2', bonus_points: null }),
  },
  challenges: {
    label: 'Challenges', idKey: 'challenge_id', fields: [
      ['challenge_id', 'Challenge id', 'text'], ['name', 'Name', 'text'],
      ['starts_at', 'Starts at (ISO 8601)', 'text'], ['ends_at', 'Ends at (ISO 8601)', 'text'],
      ['goal', 'Goal (JSON, e.g. {"purchases": 3})', 'json'],
      ['window', 'Window (JSON: "calendar_month", "challenge" or {"days": n})', 'json'],
      ['segments', 'Segments (comma separated)', 'list'], ['bonus_points', 'Bonus points', 'int'],
    ],
    blank: () => ({ challenge_id: 'new-challenge', name: 'New challenge', starts_at: isoDay(0), ends_at: isoDay(90),
      goal: { purchases: 3 }, window: 'calendar_month', segments: [], bonus_points: 300 }),
  },
  rewards: {
    label: 'Rewards', idKey: 'reward_id', fields: [
      ['reward_id', 'Reward id', 'text'], ['type', 'Type', 'text'], ['name', 'Name', 'text'],
      ['points', 'Points', 'int'], ['min_tier', 'Minimum tier', 'textnull'], ['stock', 'Stock (units ever)', 'intnull'],
      ['value_minor', 'Value (minor units)', 'intnull'], ['currency', 'Currency', 'textnull'], ['miles', 'Miles', 'intnull'],
    ],
    blank: () => ({ reward_id: 'new-reward', type: 'gift', name: 'New reward', points: 500, min_tier: null,
      stock: null, value_minor: null, currency: null, miles: null }),
  },
  tiers: {
    label: 'Tiers', idKey: 'name', fields: [
      ['name', 'Name', 'text'], ['qualifying_points', 'Qualifying points', 'int'],
      ['multiplier', 'Multiplier (decimal)', 'decimal'], ['benefits', 'Benefits (one per line)', 'lines'],
      ['entry_bonus', 'Entry bonus (points)', 'int'],
    ],
    blank: () => ({ name: 'New tier', qualifying_points: 0, multiplier: '1.0', benefits: [], entry_bonus: 0 }),
  },
};

function isoDay(offsetDays) {
  const day = new Date(Date.now() + offsetDays * 86400000);
  return `${day.toISOString().slice(0, 10)}T00:00:00Z`;
}

// The text an input shows for a value of the document.
export function textOf(kind, value) {
  if (value === null || value === undefined) return '';
  if (kind === 'list') return value.join(', ');
  if (kind === 'lines') return value.join('\n');
  if (kind === 'json') return JSON.stringify(value);
  return String(value);
}

// The value an input's text stands for; text that is not one (a number that is not, bad JSON) throws, so the
// editor shows it at the field. Anything the API refuses comes back as INVALID_PROGRAM details instead.
export function valueOf(kind, text) {
  const blank = text.trim() === '';
  if (kind === 'list') return text.split(',').map((s) => s.trim()).filter(Boolean);
  if (kind === 'lines') return text.split('\n').map((s) => s.trim()).filter(Boolean);
  if (kind.endsWith('null') && blank) return null;
  if (kind.startsWith('int')) {
    if (!/^-?\d+$/.test(text.trim())) throw new Error('must be a whole number');
    return Number.parseInt(text, 10);
  }
  if (kind === 'json') {
    try {
      return JSON.parse(text);
    } catch {
      throw new Error('must be JSON');
    }
  }
  return kind.startsWith('decimal') ? text.trim() : text;
}

// The field a detail's path concerns: the longest field path it starts with ("challenges.0.goal.purchases" is
// the goal's), or null for a path no field shows (the item itself, or another part of the document).
export function fieldPathOf(path, fieldPaths) {
  let best = null;
  for (const candidate of fieldPaths) {
    if ((path === candidate || path.startsWith(`${candidate}.`)) && (!best || candidate.length > best.length)) best = candidate;
  }
  return best;
}
