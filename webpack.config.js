// Bundles the VS Code extension (extension/src → dist/extension.js) and the
// debug adapter (adapter/main.ts → dist/adapter.js, a standalone Node DAP
// server on stdio, same as `nestvirt dap`). `npm run package` runs this, then vsce.
'use strict';
const path = require('path');

const common = (tsconfig) => ({
  target: 'node',
  mode: 'none',
  devtool: 'nosources-source-map',
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [{
      test: /\.ts$/,
      exclude: /node_modules/,
      use: [{ loader: 'ts-loader', options: { configFile: path.resolve(__dirname, tsconfig), onlyCompileBundledFiles: true } }],
    }],
  },
  output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', libraryTarget: 'commonjs2' },
  infrastructureLogging: { level: 'warn' },
});

/** @type {import('webpack').Configuration[]} */
module.exports = [
  {
    ...common('extension/tsconfig.json'),
    name: 'extension',
    entry: { extension: './extension/src/extension.ts' },
    externals: { vscode: 'commonjs vscode' },
  },
  {
    ...common('tsconfig.json'),
    name: 'adapter',
    // adapter/main.ts calls runDapServer() when it is the entry module (`require.main === module`).
    entry: { adapter: './adapter/main.ts' },
  },
];
