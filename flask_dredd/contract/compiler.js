// Every transaction Dredd compiles from an API description, with the URI template it
// was expanded from, as JSON on stdout:
//   {"transactions": [{name, id, method, status, uri, uriTemplate, body, headers,
//                      requestHeaders, requestBody}],
//    "errors": [...], "warnings": [...]}
//
// Usage: node compiler.js <node_modules folder> <blueprint>
//
// Dredd's own compiler (dredd-transactions) does the work, so names are exactly the ones
// Dredd matches hooks against. It keeps no URI template on a compiled transaction, so
// its URI compiler is wrapped to note the template of each request it expands, in order.
'use strict';

const fs = require('fs');
const path = require('path');

const [nodeModules, blueprint] = process.argv.slice(2);
const dreddTransactions = path.dirname(require.resolve('dredd-transactions/package.json', {
  paths: [path.join(nodeModules, 'dredd'), nodeModules],
}));
const compileUriPath = require.resolve(path.join(dreddTransactions, 'compile', 'compileURI'));
const compileUri = require(compileUriPath);

const templates = [];
require.cache[compileUriPath].exports = function compileUriNotingTemplate(httpRequest) {
  const result = compileUri(httpRequest);
  // The same cascade compileURI applies: the innermost non-empty href wins.
  const href = [httpRequest.parents.find('resource'), httpRequest.parents.find('transition'), httpRequest]
    .map((element) => (element && element.href ? element.href.toValue() : undefined))
    .filter(Boolean)
    .pop();
  // compile() keeps a transaction only when its URI expanded.
  if (result.uri) { templates.push(href); }
  return result;
};

const { parse, compile } = require(dreddTransactions);

parse(fs.readFileSync(blueprint, 'utf8'), (error, parsed) => {
  if (error) { throw error; }
  const compiled = compile(parsed.mediaType, parsed.apiElements, blueprint);
  const messages = (type) => compiled.annotations
    .filter((annotation) => annotation.type === type)
    .map((annotation) => annotation.message);
  process.stdout.write(JSON.stringify({
    transactions: compiled.transactions.map((transaction, index) => ({
      // As Dredd's TransactionRunner names a transaction of a single API description.
      name: transaction.name.replace(`${transaction.origin.apiName} > `, ''),
      id: `${transaction.request.method} (${transaction.response.status}) ${transaction.request.uri}`,
      method: transaction.request.method,
      status: Number(transaction.response.status),
      uri: transaction.request.uri,
      uriTemplate: templates[index],
      // The documented example's response, which exact comparison holds the real one to.
      body: transaction.response.body || '',
      headers: (transaction.response.headers || []).map(({ name, value }) => [name, value]),
      // The documented request, for transactions derived from it (issue #11).
      requestHeaders: (transaction.request.headers || []).map(({ name, value }) => [name, value]),
      requestBody: transaction.request.body || '',
    })),
    errors: messages('error'),
    warnings: messages('warning'),
  }));
});
