/** The URL with its password (and a user name that looks like a key) replaced, for logs and errors. */
export function maskUrl(url: string): string {
  if (!URL.canParse(url)) return '<unparseable url>';
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
