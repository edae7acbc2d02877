/** The live view's sections in page order: the nav and the panels both come from this list. */
export const SECTIONS = [
  { id: 'overview', title: 'Overview' },
  { id: 'nodes', title: 'Nodes' },
  { id: 'backends', title: 'Backends' },
  { id: 'rag', title: 'RAG namespaces' },
  { id: 'raft', title: 'Raft group' },
  { id: 'burst', title: 'Burst jobs' },
  { id: 'tenants', title: 'Usage per tenant' },
  { id: 'keys', title: 'Keys and node tokens' },
  { id: 'audit', title: 'Audit log' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

export function sectionTitle(id: SectionId): string {
  return SECTIONS.find((s) => s.id === id)?.title ?? id;
}
