// Bundles the VS Code extension (extension/src → dist/extension.js), the
// debug adapter (adapter/main.ts → dist/adapter.js, a standalone Node DAP
// server on stdio, same as `nestvirt dap`) and, once it exists, the language
// server (extension/server/server.ts → dist/server.js). `npm run package`
// runs this, then vsce.
'use strict';
const fs = require('fs');
const path = require('path');
const webpack = require('webpack');

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

const exists = (rel) => fs.existsSync(path.resolve(__dirname, rel));

/** @type {import('webpack').Configuration[]} */
module.exports = [
  {
    ...common('extension/tsconfig.json'),
    name: 'extension',
    entry: { extension: './extension/src/extension.ts' },
    externals: { vscode: 'commonjs vscode' },
    plugins: [
      // extension/src/optional-language-client.ts requires ./language-client, which is written
      // separately: while it is absent, the require throws MODULE_NOT_FOUND at run time instead
      // of failing the build.
      new webpack.IgnorePlugin({
        checkResource: (resource, context) => resource === './language-client' && !fs.existsSync(path.join(context, 'language-client.ts')),
      }),
    ],
  },
  {
    ...common('tsconfig.json'),
    name: 'adapter',
    // adapter/main.ts calls runDapServer() when it is the entry module (`require.main === module`).
    entry: { adapter: './adapter/main.ts' },
  },
  // The language server is a separate Node process the language client starts over IPC.
  ...(exists('extension/server/server.ts') ? [{
    ...common(exists('extension/server/tsconfig.json') ? 'extension/server/tsconfig.json' : 'extension/tsconfig.json'),
    name: 'server',
    entry: { server: './extension/server/server.ts' },
  }] : []),
];
