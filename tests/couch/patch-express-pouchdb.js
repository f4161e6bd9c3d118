// Patches two express-pouchdb 4.2.0 bugs that can take the test server down (docs/toolchain.md).
// Idempotent: each patch is applied once, recognised by its marker comment.
// Run by scripts/ensure-tools.sh after `npm ci` (npm 11 does not run install scripts by default).
'use strict';
const fs = require('fs');
const path = require('path');
const lib = path.join(__dirname, 'node_modules', 'express-pouchdb', 'lib');

function patch(file, marker, from, to) {
  const p = path.join(lib, file);
  const text = fs.readFileSync(p, 'utf8');
  if (text.includes(marker)) return;
  if (!text.includes(from)) throw new Error(`cannot patch ${file}: expected text not found`);
  fs.writeFileSync(p, text.replace(from, to));
  console.log(`patched ${file}`);
}

// (1) An anonymous DELETE /db answers 401 but leaves the module-global promise chain rejected;
// the next database open then crashes the process. Keep the chain alive after a failed step.
patch('create-or-delete-dbs.js', '/* stats2-patch-1 */',
  '  promiseChain = promiseChain.then(fun);\n  return promiseChain;',
  '  /* stats2-patch-1 */\n  var result = promiseChain.then(fun);\n  promiseChain = result.catch(function () {});\n  return result;');

// (2) An anonymous PUT /newdb gets a rejected promise instead of a database, and
// `db.info is not a function` kills the process. Answer with the error instead.
patch('routes/db.js', '/* stats2-patch-2 */',
  '      var db = req.PouchDB.new(name, utils.makeOpts(req));\n      db.info(function (err) {',
  '      var db = req.PouchDB.new(name, utils.makeOpts(req));\n' +
  '      /* stats2-patch-2 */\n' +
  '      if (!db || typeof db.info !== \'function\') {\n' +
  '        return Promise.resolve(db).then(function () {\n' +
  '          utils.sendJSON(res, 500, {error: \'unknown_error\', reason: \'the database could not be opened\'});\n' +
  '        }, function (err) { utils.sendError(res, err); });\n' +
  '      }\n' +
  '      db.info(function (err) {');
