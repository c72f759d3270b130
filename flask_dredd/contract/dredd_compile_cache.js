// Dredd's own compile of the contract, kept between runs (preloaded into Dredd's process).
//
// Every Dredd run parses its API description with drafter.js (API Blueprint compiled to
// WebAssembly) and then compiles the HTTP transactions from it. For the reference contract
// that is about 7 s of CPU of Dredd's 9, in every `make dredd`, every shard and every drift
// run, for a text that rarely changes. The runner starts Dredd with
// `NODE_OPTIONS=--require <this file>`; before Dredd's code loads, this module puts
// caching stand-ins for `dredd-transactions/parse` and `dredd-transactions/compile` into
// Node's module cache, so Dredd's `require` gets them:
//
// - parse(content): on a hit, answers with a marker instead of parsing (and drafter.js is
//   never even loaded); on a miss, the real parse runs.
// - compile(mediaType, apiElements, location): on a hit, the stored result with this
//   run's file name put back into each transaction's origin; on a miss, the real compile,
//   stored when it has no error annotation (a broken description is compiled, and
//   reported, every time).
//
// The key is the sha256 of the description's text, this file, and the installed
// dredd-transactions and API Blueprint parser (their package.json). Entries live in
// `<node_modules>/.cache/flask-dredd/dredd-<key>.json`, beside the engine's own compile
// cache, written to a temporary file and renamed, so runs side by side never read half
// of one. Anything unexpected (another Dredd, an unreadable entry, a read-only folder)
// leaves Dredd's own code in charge: the cache can make a run faster, never wrong.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');

function dreddTransactionsFolder() {
  // The script node runs (node_modules/.bin/dredd → node_modules/dredd/bin/dredd).
  const script = process.argv[1] && fs.realpathSync(process.argv[1]);
  if (!script) { return null; }
  try {
    return path.dirname(require.resolve('dredd-transactions/package.json', { paths: [script] }));
  } catch (error) {
    return null;
  }
}

function readOr(file, fallback) {
  try { return fs.readFileSync(file); } catch (error) { return fallback; }
}

function install(folder) {
  const parsePath = require.resolve(path.join(folder, 'parse'));
  const compilePath = require.resolve(path.join(folder, 'compile'));
  const marker = `${path.sep}node_modules${path.sep}`;
  const nodeModules = folder.slice(0, folder.indexOf(marker) + marker.length - 1);
  const cacheFolder = path.join(nodeModules, '.cache', 'flask-dredd');
  let parserManifest = '';
  try {
    parserManifest = fs.readFileSync(require.resolve('@apielements/apib-parser/package.json',
      { paths: [folder] }));
  } catch (error) { /* another parser layout: the key still holds dredd-transactions' */ }
  const version = crypto.createHash('sha256')
    .update(readOr(__filename, ''))
    .update(readOr(path.join(folder, 'package.json'), ''))
    .update(parserManifest)
    .digest('hex');
  // What parse() answered, so compile() knows the key of the text it came from.
  const keys = new WeakMap();
  const hits = new WeakMap();

  const entryFile = (key) => path.join(cacheFolder, `dredd-${key}.json`);
  const real = (file) => {
    const ours = require.cache[file];
    delete require.cache[file];
    try { return require(file); } finally { require.cache[file] = ours; }
  };
  let realParse = null;
  let realCompile = null;

  function parse(content, callback) {
    const key = crypto.createHash('sha256').update(version).update(String(content)).digest('hex');
    let entry = null;
    try { entry = JSON.parse(fs.readFileSync(entryFile(key), 'utf8')); } catch (error) { entry = null; }
    if (entry && entry.compiled && Array.isArray(entry.compiled.transactions)) {
      const marker = {};
      hits.set(marker, entry);
      callback(null, { mediaType: entry.compiled.mediaType, apiElements: marker });
      return;
    }
    realParse = realParse || real(parsePath);
    realParse(content, (error, parsed) => {
      if (!error && parsed && parsed.apiElements) { keys.set(parsed.apiElements, key); }
      callback(error, parsed);
    });
  }

  function compile(mediaType, apiElements, filename) {
    const entry = apiElements && hits.get(apiElements);
    if (entry) {
      const compiled = entry.compiled;
      for (const transaction of compiled.transactions) {
        const origin = transaction.origin || {};
        if (origin.filename === entry.filename) { origin.filename = filename || ''; }
        if (origin.apiName === entry.filename) { origin.apiName = filename || ''; }
      }
      return compiled;
    }
    realCompile = realCompile || real(compilePath);
    const compiled = realCompile(mediaType, apiElements, filename);
    const key = apiElements && keys.get(apiElements);
    const failed = (compiled.annotations || []).some((annotation) => annotation.type === 'error');
    if (key && !failed) {
      try {
        fs.mkdirSync(cacheFolder, { recursive: true });
        const temporary = `${entryFile(key)}.${process.pid}.tmp`;
        fs.writeFileSync(temporary, JSON.stringify({ filename: filename || '', compiled }));
        fs.renameSync(temporary, entryFile(key));
      } catch (error) { /* a folder we cannot write: no cache, same run */ }
    }
    return compiled;
  }

  for (const [file, exports] of [[parsePath, parse], [compilePath, compile]]) {
    const stand = new Module(file, null);
    stand.filename = file;
    stand.loaded = true;
    stand.exports = exports;
    require.cache[file] = stand;
  }
}

const folder = dreddTransactionsFolder();
if (folder) {
  try { install(folder); } catch (error) { /* Dredd runs uncached */ }
}
