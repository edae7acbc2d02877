/**
 * The page's HTML: it holds no data and no inline script or style (the CSP forbids both), only
 * the hashed asset links and the mount point.
 */
export function htmlShell(scriptPath: string, stylePath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Proxima dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${stylePath}">
<script type="module" src="${scriptPath}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading the dashboard…</p></div>
<noscript><p>The Proxima dashboard needs JavaScript.</p></noscript>
</body>
</html>
`;
}
