/** One HTTP request as a load generator sends it, again and again. */
export interface RequestSpec {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}
