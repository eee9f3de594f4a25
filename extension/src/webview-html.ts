// The HTML shell of nestvirt's webviews: a strict CSP (no inline script or
// style; only our nonce'd script from extension/media), the page's CSS and
// script from media/, and colours from VS Code's theme variables in the CSS.
import * as crypto from 'crypto';
import * as vscode from 'vscode';

export function mediaRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'extension', 'media')];
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: { title: string; script: string; style: string; body: string }): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const media = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'extension', 'media', f));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('common.css')}">
<link rel="stylesheet" href="${media(page.style)}">
<title>${page.title}</title>
</head>
<body>
${page.body}
<script nonce="${nonce}" src="${media('dom.js')}"></script>
<script nonce="${nonce}" src="${media(page.script)}"></script>
</body>
</html>`;
}
