// Where a sealed text belongs: AES-GCM's additional data, so a ciphertext copied to another tenant,
// namespace, document or chunk does not open. A split copies sealed bytes unchanged: the shard is
// not part of it.
export function chunkAad(
  place: { readonly tenant: string; readonly namespace: string },
  doc: string,
  index: number,
): string {
  return JSON.stringify(['rag-chunk', place.tenant, place.namespace, doc, index]);
}
