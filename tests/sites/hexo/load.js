#!/usr/bin/env node
// Load a Hexo site through Hexo's Node API (no hexo-cli) and print its posts as JSON.
//
//   node tests/sites/hexo/load.js [SITE_DIR]
//
// SITE_DIR defaults to this folder; it needs _config.yml, source/_posts/ and node_modules/
// (a symlink to this folder's is fine). Exits 1 if Hexo failed to process a file ("Process
// failed" is only logged and the post silently dropped) or if any .md post is missing.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const Hexo = require('hexo');

async function main() {
  const dir = path.resolve(process.argv[2] || __dirname);
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
      problems.push({ level, message: [util.format(...rest), ...errors].join(': ') });
      return original(...args);
    };
  }

  await hexo.init();
  await hexo.load();

  const postsDir = path.join(hexo.source_dir, '_posts');
  const files = fs.existsSync(postsDir)
    ? fs.readdirSync(postsDir).filter((name) => name.endsWith('.md')).sort()
    : [];
  const posts = hexo.locals
    .get('posts')
    .sort('source')
    .map((post) => ({
      source: post.source,
      title: post.title,
      date: post.date.toISOString(),
      updated: post.updated.toISOString(),
      tags: post.tags.map((tag) => tag.name),
      categories: post.categories.map((category) => category.name),
      content: post.content,
    }));
  await hexo.exit();
  fs.rmSync(database, { force: true }); // exit() saves it; leave the site as we found it

  process.stdout.write(`${JSON.stringify({ files, posts, problems }, null, 2)}\n`);
  const failed = problems.filter((p) => p.level !== 'warn' || /Process failed/.test(p.message));
  if (failed.length || posts.length !== files.length) {
    process.stderr.write(
      `hexo loaded ${posts.length} of ${files.length} posts; problems:\n` +
        `${problems.map((p) => `${p.level}: ${p.message}`).join('\n')}\n`,
    );
    process.exitCode = 1;
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exitCode = 2;
});
