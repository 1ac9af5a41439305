// ESLint with the import boundaries of STYLE.md: one core, thin shells.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const CORE = ['src/*.ts', 'src/config/**', 'src/dht/**', 'src/catalog/**', 'src/share/**', 'src/get/**', 'src/models/**']
const TERMINAL_LIBS = ['ink', 'ink-*', 'react', 'react/*', 'yargs', 'yargs/*']
const SHELLS = ['**/daemon/**', '**/cli/**', '**/tui/**']

const restrict = (patterns, message) => ({ group: patterns, message })

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'types/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', AbortSignal: 'readonly', AbortController: 'readonly', Response: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }]
    }
  },
  {
    files: CORE,
    ignores: ['src/node.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(TERMINAL_LIBS, 'the core never touches the terminal (STYLE.md)'),
        restrict([...SHELLS, '**/node.js'], 'the core may not import the shells or the composition root')
      ] }],
      'no-console': 'error',
      'no-restricted-properties': ['error',
        { object: 'process', property: 'stdout', message: 'the core never writes to the terminal' },
        { object: 'process', property: 'stderr', message: 'the core never writes to the terminal; use logger()' },
        { object: 'process', property: 'exit', message: 'the core reports errors; only shells exit' }]
    }
  },
  {
    files: ['src/dht/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(TERMINAL_LIBS, 'the core never touches the terminal (STYLE.md)'),
        restrict(['../catalog/*', '../share/*', '../get/*', '../models/*', '../config/*', ...SHELLS, '**/node.js'], 'src/dht may import only errors and log')
      ] }]
    }
  },
  {
    files: ['src/catalog/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(TERMINAL_LIBS, 'the core never touches the terminal (STYLE.md)'),
        restrict(['../share/*', '../get/*', ...SHELLS, '**/node.js'], 'src/catalog may import only dht and common modules')
      ] }]
    }
  },
  {
    files: ['src/share/**', 'src/get/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(TERMINAL_LIBS, 'the core never touches the terminal (STYLE.md)'),
        restrict([...SHELLS, '**/node.js'], 'share and get may not import the shells or the composition root')
      ] }]
    }
  },
  {
    files: ['src/daemon/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(TERMINAL_LIBS, 'the daemon has no terminal'),
        restrict(['../cli/*', '../tui/*', '../../cli/*', '../../tui/*'], 'the daemon may not import the CLI or the TUI')
      ] }]
    }
  },
  {
    files: ['src/cli/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(['webtorrent', 'bittorrent-dht', 'fastify', 'level'], 'the CLI is a thin client: start-up stays light'),
        restrict(['../node.js', '../../node.js', '../daemon/*', '../../daemon/*', '../dht/dht-node.js', '../../dht/dht-node.js'], 'the CLI reaches the node only through the daemon API')
      ], paths: [] }]
    }
  },
  {
    files: ['src/tui/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(['webtorrent', 'bittorrent-dht', 'fastify', 'level'], 'the TUI renders snapshots from the daemon API only'),
        restrict(['../node.js', '../daemon/*', '../dht/*', '../catalog/*', '../share/*', '../get/*'], 'the TUI may import client types only')
      ] }]
    }
  },
  {
    files: ['test/**', 'scripts/**', 'bootstrap-node/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off'
    }
  },
  {
    // The launchers are CommonJS (bin/package.json): it starts faster.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly' } },
    rules: {
      '@typescript-eslint/no-require-imports': 'off'
    }
  }
)
