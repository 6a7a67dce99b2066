/**
 * Atlassian design tokens as the preview understands them. UI Kit props carry token names
 * ('space.100', 'color.text.subtle'); the product resolves them to CSS. Spacing is a fixed scale;
 * colour/elevation tokens map to `--ds-*` custom properties defined in host.css (same naming as
 * @atlaskit/tokens), so an unknown colour token simply falls back to the inherited style.
 */
const SPACE: Record<string, number> = {
  'space.0': 0, 'space.025': 2, 'space.050': 4, 'space.075': 6, 'space.100': 8, 'space.150': 12,
  'space.200': 16, 'space.250': 20, 'space.300': 24, 'space.400': 32, 'space.500': 40,
  'space.600': 48, 'space.800': 64, 'space.1000': 80,
};

const RADIUS: Record<string, string> = {
  'border.radius': '3px', 'border.radius.050': '2px', 'border.radius.100': '4px',
  'border.radius.200': '8px', 'border.radius.300': '12px', 'border.radius.400': '16px', 'border.radius.circle': '50%',
};

/** A token (or raw CSS value) as a CSS value; undefined when it cannot be expressed. */
export function tokenValue(v: unknown): string | undefined {
  if (typeof v === 'number') return `${v}px`;
  if (typeof v !== 'string') return undefined;
  const space = SPACE[v];
  if (space !== undefined) return `${space}px`;
  const radius = RADIUS[v];
  if (radius) return radius;
  if (v.startsWith('border.width')) return v === 'border.width.outline' ? '2px' : '1px';
  if (v.startsWith('color.') || v.startsWith('elevation.')) {
    return `var(--ds-${v.replace(/^color\./, '').replace(/\./g, '-')})`;
  }
  return v;
}

/** Applies an xcss object (camelCase CSS properties with token values) to an element. */
export function applyXcss(el: HTMLElement, style: unknown): void {
  if (!style || typeof style !== 'object') return;
  for (const [prop, raw] of Object.entries(style as Record<string, unknown>)) {
    // Pseudo-class and media blocks (':hover', '@media …') need a stylesheet; the preview skips them.
    if (prop.startsWith(':') || prop.startsWith('@') || (raw !== null && typeof raw === 'object')) continue;
    const value = tokenValue(raw);
    if (value !== undefined) el.style.setProperty(prop.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), value);
  }
}
