// Chart line looks: colour and dash, so lines differ by more than colour. Each colour has ≥ 3:1
// contrast on the white panel (WCAG's bar for graphics); styles/charts.css mirrors them as swatches.
export const CHART_STYLES = [
  { stroke: '#0b57d0', dash: [] },
  { stroke: '#8a4600', dash: [8, 4] },
  { stroke: '#6a1b9a', dash: [2, 3] },
  { stroke: '#a8261c', dash: [] },
] as const;

export const AXIS_TEXT = '#4a5361';
export const GRID_LINE = '#e1e5ea';
