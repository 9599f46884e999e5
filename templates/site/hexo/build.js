#!/usr/bin/env node
// Build the site with Hexo's Node API and fail where Hexo only logs: a post whose front
// matter Hexo cannot parse is logged ("Process failed") and silently dropped.
//
//   node build.js [SITE_DIR] [--out DIR] [--report FILE]      (npm run build)
//
// SITE_DIR defaults to this folder; it needs _config.yml, source/_posts/, the theme and
// node_modules/ (a symlink to this folder's is fine). --out writes the site there instead
// of SITE_DIR/public; --report writes what Hexo loaded and generated as JSON. Exits 1 if
// Hexo logged an error, loaded fewer posts than source/_posts holds, or wrote no page for
// one of them.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const Hexo = require('hexo');

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

async function main() {
  const { values, positionals } = util.parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, report: { type: 'string' } },
  });
  const dir = path.resolve(positionals[0] || __dirname);
  const database = path.join(dir, 'db.json');
  fs.rmSync(database, { force: true }); // Hexo caches; a stale cache hides changes

  const hexo = new Hexo(dir, { silent: true });
  const problems = [];
  for (const level of ['warn', 'error', 'fatal']) {
    const original = hexo.log[level].bind(hexo.log);
    hexo.log[level] = (...args) => {
      // Hexo logs like log.error({ err }, 'Process failed: %s', file).
      const errors = args.filter((arg) => arg && arg.err).map((arg) => String(arg.err));
      const rest = args.filter((arg) => !(arg && arg.err));
      const message = [util.format(...rest), ...errors].join(': ');
      if (!problems.some((p) => p.level === level && p.message === message)) {
        problems.push({ level, message }); // Hexo logs some failures twice
      }
      return original(...args);
    };
  }

  await hexo.init();
  // Hexo reads a naive front-matter date in `timezone` but fills :year/:month/:day of the
  // permalink in the machine's zone: on a UTC runner, a post dated 2025-11-11 00:00 in
  // Asia/Shanghai lands under 2025/11/10/. Building in the site's zone keeps URLs stable.
  if (hexo.config.timezone) process.env.TZ = hexo.config.timezone;
  if (values.out) hexo.public_dir = path.resolve(values.out) + path.sep;
  if (!path.relative(hexo.public_dir, dir).startsWith('..')) {
    throw new Error(`refusing to build into ${hexo.public_dir}: it holds the site itself`);
  }
  fs.rmSync(hexo.public_dir, { recursive: true, force: true }); // like `hexo clean`
  await hexo.load();

  const postsDir = path.join(hexo.source_dir, '_posts');
  const files = walk(postsDir).filter((name) => name.endsWith('.md'));
  const posts = hexo.locals
    .get('posts')
    .sort('source')
    .map((post) => ({
      source: post.source,
      path: post.path,
      title: post.title,
      date: post.date.toISOString(),
      updated: post.updated.toISOString(),
      tags: post.tags.map((tag) => tag.name),
      categories: post.categories.map((category) => category.name),
      content: post.content,
    }));
  await hexo.call('generate', {});
  await hexo.exit();
  fs.rmSync(database, { force: true }); // exit() saves it; leave the site as we found it

  const generated = walk(hexo.public_dir);
  const missing = posts
    .map((post) => path.join(post.path, 'index.html'))
    .filter((page) => !generated.includes(page));
  const report = { files, posts, problems, generated, public_dir: hexo.public_dir };
  if (values.report) fs.writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`);

  const failed = problems.filter((p) => p.level !== 'warn' || /Process failed/.test(p.message));
  if (failed.length || posts.length !== files.length || missing.length) {
    process.stderr.write(
      `hexo loaded ${posts.length} of ${files.length} posts; ` +
        `pages missing: ${missing.join(', ') || 'none'}; problems:\n` +
        `${problems.map((p) => `${p.level}: ${p.message}`).join('\n')}\n`,
    );
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`hexo: ${posts.length} posts, ${generated.length} files in ${hexo.public_dir}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exitCode = 2;
});
