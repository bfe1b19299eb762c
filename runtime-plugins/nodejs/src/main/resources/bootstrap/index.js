'use strict';
/*
 * EasyFaaS Node.js bootstrap. Takes the connection the engine made for it as a descriptor
 * ($EASYFAAS_RUNTIME_FD) or connects to the engine's Unix socket ($EASYFAAS_RUNTIME_SOCKET),
 * says hello, then serves frames of io.easyfaas.api.runtime.RuntimeProtocol:
 *
 *   frame = uint32 BE headerLength, uint32 BE payloadLength, UTF-8 JSON header, payload bytes
 *
 * init loads the handler once; each invoke calls it. Invokes may overlap: replies carry the
 * request id. A handler completes, first completion wins, by
 *   - the promise it returns settling (async handlers),
 *   - callback(err, result), context.succeed(result), context.fail(err), context.done(err, result),
 *   - returning a value other than undefined,
 *   - returning undefined when it declares fewer than two parameters (it cannot call back).
 * As in Lambda, a callback's result is held back until the event loop is empty (timers and
 * I/O the handler started have run) unless the handler sets
 * context.callbackWaitsForEmptyEventLoop = false; returned promises answer when they settle.
 * With calls overlapping in one sandbox, "empty" includes the other calls' pending work.
 *
 * Output written to process.stdout / process.stderr (console.* included) while a call runs, or
 * in timers and promises the call started, is tagged with that call's request id through
 * AsyncLocalStorage and sent to the engine as {"type":"log","id":<request id>} frames, batched
 * per turn of the event loop and always ahead of the call's result. Other output goes to the
 * process's own stdout/stderr (the sandbox's output file).
 * Kept to syntax Node 12 understands.
 */
const path = require('path');
const fs = require('fs');
const { AsyncLocalStorage } = require('async_hooks');

const PREFIX_BYTES = 8;
const EMPTY = Buffer.alloc(0);
const READ_BYTES = 64 * 1024;

const descriptor = process.env.EASYFAAS_RUNTIME_FD ? Number(process.env.EASYFAAS_RUNTIME_FD) : -1;
const socketPath = process.env.EASYFAAS_RUNTIME_SOCKET;
if (descriptor < 0 && !socketPath) {
  process.stderr.write('easyfaas bootstrap: neither EASYFAAS_RUNTIME_FD nor EASYFAAS_RUNTIME_SOCKET is set\n');
  process.exit(2);
}
delete process.env.EASYFAAS_RUNTIME_FD; // user code has no business with the engine's connection
delete process.env.EASYFAAS_RUNTIME_SOCKET;

let handler = null;       // the user's function once init succeeded
let initError = null;     // error payload of a failed init, answered to invokes
let initialized = false;
let pendingInit = null;   // promise of an init still loading an ES module
let functionName = '';
let functionVersion = '$LATEST';
let memoryLimit = '128';
let functionArn = '';
const inflight = new Map(); // request id -> fail(err), for errors thrown outside any call
const currentCall = new AsyncLocalStorage(); // the request id of the call the code runs for

// ---- the connection -------------------------------------------------------------------------

// Loading `net` and connecting with it cost a start about 5 ms. A connection handed over as a
// descriptor is read and written synchronously through `fs` until the first call has been read;
// then it becomes a net.Socket, whose reads wait on the event loop, for the calls that follow.
// Loading `net` then takes 3 ms, after the first call has started, not before. Blocking reads
// hold up nothing before the first call (Lambda freezes a runtime between its init and its first
// call too), and a runtime made for a call finds its init and the call already in the socket:
// it reads them without starting the thread pool, whose threads and round trip cost the first
// call 1-1.5 ms. An ES module's top-level await needs the event loop: while one loads, reads wait
// on the thread pool instead. With a socket path, the connection is a net.Socket from the start
// (see the end of this file).
let socket = null;
let invoked = false; // a call has been read

function sayHello() {
  send({ type: 'hello', runtime: 'nodejs', pid: process.pid, version: process.version, ping: true }, EMPTY);
}

function useSocket(made) {
  socket = made;
  socket.on('error', connectionFailed);
  socket.on('close', function () {
    process.exit(0);
  });
  socket.on('data', receive);
  if (heldAnswers.length > 0) socket.unref(); // answers wait for an empty event loop
}

function connectionFailed(err) {
  process.stderr.write('easyfaas bootstrap: connection error: ' + (err && err.stack || err) + '\n');
  process.exit(1);
}

function readDescriptor() {
  while (!invoked && !pendingInit) {
    const chunk = Buffer.allocUnsafe(READ_BYTES);
    let bytes;
    try {
      bytes = fs.readSync(descriptor, chunk, 0, READ_BYTES, null);
    } catch (err) {
      if (err.code === 'EINTR') continue;
      connectionFailed(err);
    }
    received(chunk, bytes);
  }
  readingDone();
}

function readDescriptorOnThreadPool() {
  const chunk = Buffer.allocUnsafe(READ_BYTES);
  fs.read(descriptor, chunk, 0, READ_BYTES, null, function (err, bytes) {
    if (err) connectionFailed(err);
    received(chunk, bytes);
    readingDone();
  });
}

function received(chunk, bytes) {
  if (bytes === 0) process.exit(0);
  receive(chunk.subarray(0, bytes));
}

// Called with no read pending: the next read, or the switch to a socket once a call was read.
function readingDone() {
  if (invoked) {
    setImmediate(function () { useSocket(new (require('net').Socket)({ fd: descriptor, readable: true, writable: true })); });
  } else {
    readDescriptorOnThreadPool();
  }
}

// ---- framing --------------------------------------------------------------------------------

let chunks = [];
let buffered = 0;
let headerLength = -1;
let payloadLength = 0;

function receive(chunk) {
  chunks.push(chunk);
  buffered += chunk.length;
  for (;;) {
    if (headerLength < 0) {
      if (buffered < PREFIX_BYTES) return;
      const prefix = take(PREFIX_BYTES);
      headerLength = prefix.readUInt32BE(0);
      payloadLength = prefix.readUInt32BE(4);
    }
    if (buffered < headerLength + payloadLength) return;
    const header = take(headerLength);
    const payload = payloadLength === 0 ? EMPTY : take(payloadLength);
    headerLength = -1;
    dispatch(header, payload);
  }
}

// Removes n bytes from the front of the received chunks; concatenates at most once per frame.
function take(n) {
  let first = chunks[0];
  if (first.length < n) {
    first = Buffer.concat(chunks, buffered);
    chunks = [first];
  }
  buffered -= n;
  if (first.length === n) {
    chunks.shift();
    return first;
  }
  chunks[0] = first.subarray(n);
  return first.subarray(0, n);
}

// Frames sent in one turn of the event loop (the answers of calls that overlap) leave in one
// system call: the socket is corked from the first of them until the turn's callbacks are done.
// That took the sandbox about 1 µs less CPU per call with 32 calls in flight.
let corked = false;

function uncork() {
  corked = false;
  socket.uncork();
}

// Writes one frame with a single write, so frames never interleave.
function send(header, payload) {
  const headerText = JSON.stringify(header);
  const headerBytes = Buffer.byteLength(headerText);
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + headerBytes + payload.length);
  frame.writeUInt32BE(headerBytes, 0);
  frame.writeUInt32BE(payload.length, 4);
  frame.write(headerText, PREFIX_BYTES, headerBytes, 'utf8');
  payload.copy(frame, PREFIX_BYTES + headerBytes);
  if (!socket) {
    writeDescriptor(frame);
    return;
  }
  if (!corked) {
    corked = true;
    socket.cork();
    process.nextTick(uncork);
  }
  socket.write(frame);
}

function writeDescriptor(frame) {
  try {
    for (let written = 0; written < frame.length;) {
      written += fs.writeSync(descriptor, frame, written, frame.length - written);
    }
  } catch (err) {
    connectionFailed(err);
  }
}

function reply(id, error, payload) {
  flushLogs(); // a call's log lines arrive before its result
  send({ type: 'result', id: id, error: error }, payload);
}

// ---- output tagged with the call it belongs to ----------------------------------------------

const LOG_FLUSH_BYTES = 64 * 1024;
const pendingLogs = new Map(); // request id -> Buffer[] not yet sent
let pendingLogBytes = 0;
let logFlushScheduled = false;

// process.stdout and process.stderr are made on first use, which costs about 0.6 ms: each is
// wrapped when it is made, so a start that writes nothing does not pay for them.
// Returns a function writing to the stream untagged.
function captureOutput(name) {
  const made = Object.getOwnPropertyDescriptor(process, name);
  let stream = null;
  let untagged = null;
  function get() {
    if (stream === null) {
      stream = made.get.call(process);
      untagged = stream.write.bind(stream);
      stream.write = taggedWrite(untagged);
    }
    return stream;
  }
  Object.defineProperty(process, name, { configurable: true, enumerable: made.enumerable, get: get });
  return function (text) {
    get();
    untagged(text);
  };
}

function taggedWrite(untagged) {
  return function (chunk, encoding, done) {
    const id = currentCall.getStore();
    if (id === undefined) return untagged(chunk, encoding, done);
    const bytes = typeof chunk === 'string'
      ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8')
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    addLog(id, bytes);
    const callback = typeof encoding === 'function' ? encoding : done;
    if (typeof callback === 'function') process.nextTick(callback);
    return true;
  };
}
captureOutput('stdout');
const writeDiagnostic = captureOutput('stderr'); // the bootstrap's own output, untagged
process.on('exit', function () { // process.exit() in a handler: still deliver what it logged
  flushLogs();
  if (corked) uncork(); // no tick comes after exit
});

function addLog(id, bytes) {
  let list = pendingLogs.get(id);
  if (!list) pendingLogs.set(id, list = []);
  list.push(Buffer.from(bytes)); // a copy: writers may reuse their buffers
  pendingLogBytes += bytes.length;
  if (pendingLogBytes >= LOG_FLUSH_BYTES) {
    flushLogs();
  } else if (!logFlushScheduled) {
    logFlushScheduled = true;
    currentCall.exit(function () { setImmediate(flushLogs); });
  }
}

function flushLogs() {
  logFlushScheduled = false;
  if (pendingLogBytes === 0) return;
  pendingLogs.forEach(function (list, id) {
    send({ type: 'log', id: id }, list.length === 1 ? list[0] : Buffer.concat(list));
  });
  pendingLogs.clear();
  pendingLogBytes = 0;
}

function replyError(id, errorPayload) {
  reply(id, true, Buffer.from(JSON.stringify(errorPayload)));
}

function dispatch(headerBytes, payload) {
  let header;
  try {
    header = JSON.parse(headerBytes.toString('utf8'));
  } catch (e) {
    writeDiagnostic('easyfaas bootstrap: unreadable frame header: ' + e.message + '\n');
    return;
  }
  if (header.type === 'invoke') {
    invoke(header.id, typeof header.deadline === 'number' ? header.deadline : 0, payload);
  } else if (header.type === 'init') {
    init(header);
  } else if (header.type === 'ping') { // a health check: answered once the event loop gets here
    send({ type: 'result', id: header.id, error: false }, EMPTY);
  } else {
    writeDiagnostic('easyfaas bootstrap: ignoring frame of type ' + header.type + '\n');
  }
}

// ---- errors ---------------------------------------------------------------------------------

function errorType(err) {
  if (err instanceof Error || (err && typeof err === 'object' && typeof err.stack === 'string')) {
    if (typeof err.name === 'string' && err.name && err.name !== 'Error') return err.name;
    const ctor = err.constructor && err.constructor.name;
    return ctor || 'Error';
  }
  return 'Error';
}

function errorPayload(err, type) {
  if (err instanceof Error || (err && typeof err === 'object' && typeof err.stack === 'string')) {
    return {
      errorMessage: err.message === undefined ? String(err) : String(err.message),
      errorType: type || errorType(err),
      stackTrace: typeof err.stack === 'string' ? err.stack.split('\n') : []
    };
  }
  let message;
  if (typeof err === 'string') {
    message = err;
  } else {
    try {
      message = JSON.stringify(err);
    } catch (e) {
      message = undefined;
    }
    if (message === undefined) message = String(err);
  }
  return { errorMessage: message, errorType: type || 'Error', stackTrace: [] };
}

// ---- init -----------------------------------------------------------------------------------

function init(header) {
  if (initialized || pendingInit) {
    replyError(header.id, { errorMessage: 'already initialized', errorType: 'Runtime.AlreadyInitialized', stackTrace: [] });
    return;
  }
  const codeDirectory = header.codeDirectory;
  functionName = String(header.functionName || '');
  functionVersion = String(header.functionVersion || '$LATEST');
  memoryLimit = String(header.memoryLimitMB || '');
  try {
    const env = header.environment || {};
    for (const key of Object.keys(env)) {
      process.env[key] = String(env[key]);
    }
    functionArn = 'arn:aws:lambda:' + (process.env.AWS_REGION || 'local') + ':000000000000:function:'
        + functionName + (functionVersion === '$LATEST' ? '' : ':' + functionVersion);
    process.chdir(codeDirectory);
    addToModulePath(codeDirectory);
  } catch (e) {
    finishInit(header.id, errorPayload(e, 'Runtime.InitError'));
    return;
  }
  const spec = String(header.handler || '');
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) {
    finishInit(header.id, { errorMessage: 'Bad handler ' + spec + ': expected path/to/module.function',
      errorType: 'Runtime.MalformedHandlerName', stackTrace: [] });
    return;
  }
  const modulePath = spec.slice(0, dot);
  const functionExport = spec.slice(dot + 1);
  const file = resolveModule(path.resolve(codeDirectory, modulePath));
  if (!file) {
    finishInit(header.id, { errorMessage: "Cannot find module '" + modulePath + "' in " + codeDirectory
        + " (tried .js, .mjs, .cjs)", errorType: 'Runtime.ImportModuleError', stackTrace: [] });
    return;
  }
  let loaded;
  try {
    loaded = file.endsWith('.mjs') ? importModule(file) : requireModule(file);
  } catch (e) {
    finishInit(header.id, loadError(e));
    return;
  }
  if (loaded && typeof loaded.then === 'function') {
    pendingInit = loaded.then(function (mod) {
      pendingInit = null;
      finishInit(header.id, pick(mod, functionExport, spec));
    }, function (e) {
      pendingInit = null;
      finishInit(header.id, loadError(e));
    });
  } else {
    finishInit(header.id, pick(loaded, functionExport, spec));
  }
}

function addToModulePath(dir) {
  // like Lambda's NODE_PATH, which holds the task root: bare requires also resolve there
  process.env.NODE_PATH = process.env.NODE_PATH ? dir + path.delimiter + process.env.NODE_PATH : dir;
  initModulePaths();
}

function initModulePaths() {
  const Module = require('module');
  if (typeof Module._initPaths === 'function') Module._initPaths();
}

function resolveModule(base) {
  const candidates = [base + '.js', base + '.mjs', base + '.cjs'];
  for (let i = 0; i < candidates.length; i++) {
    try {
      if (fs.statSync(candidates[i]).isFile()) return candidates[i];
    } catch (e) {
      // next
    }
  }
  return null;
}

function requireModule(file) {
  try {
    return require(file);
  } catch (e) {
    if (e && e.code === 'ERR_REQUIRE_ESM') return importModule(file); // .js in a "type":"module" package
    throw e;
  }
}

function importModule(file) {
  return import(require('url').pathToFileURL(file).href);
}

function loadError(e) {
  const payload = errorPayload(e);
  if (e instanceof SyntaxError || (e && e.name === 'SyntaxError')) {
    payload.errorType = 'Runtime.UserCodeSyntaxError';
  } else {
    payload.errorType = 'Runtime.ImportModuleError';
    payload.errorMessage = errorType(e) + ': ' + payload.errorMessage;
  }
  return payload;
}

// Returns an error payload, or null when the handler is set.
function pick(mod, name, spec) {
  let fn = mod == null ? undefined : mod[name];
  if (fn === undefined && mod && mod.default && typeof mod.default === 'object') {
    fn = mod.default[name]; // an ES module importing a CommonJS one, or `export default {handler}`
  }
  if (typeof fn !== 'function') {
    return { errorMessage: spec + ' is undefined or not exported', errorType: 'Runtime.HandlerNotFound', stackTrace: [] };
  }
  handler = fn;
  return null;
}

function finishInit(id, error) {
  initialized = true;
  initError = error;
  if (error) {
    replyError(id, error);
  } else {
    reply(id, false, EMPTY);
  }
}

// ---- invoke ---------------------------------------------------------------------------------

function invoke(id, deadline, payload) {
  invoked = true;
  if (pendingInit) {
    pendingInit.then(function () { invoke(id, deadline, payload); });
    return;
  }
  if (!handler) {
    replyError(id, initError || { errorMessage: 'invoke before init', errorType: 'Runtime.NotInitialized', stackTrace: [] });
    return;
  }
  let event;
  try {
    event = payload.length === 0 ? {} : JSON.parse(payload.toString('utf8'));
  } catch (e) {
    replyError(id, { errorMessage: 'event is not JSON: ' + e.message, errorType: 'Runtime.UnmarshalError', stackTrace: [] });
    return;
  }

  let finished = false;
  function finish(err, result) {
    if (finished) return;
    finished = true;
    inflight.delete(id);
    answer(err, result);
  }
  function answer(err, result) {
    if (err !== null && err !== undefined) {
      replyError(id, errorPayload(err));
      return;
    }
    let json;
    try {
      json = JSON.stringify(result === undefined ? null : result);
    } catch (e) {
      replyError(id, { errorMessage: 'Unable to serialize the result: ' + e.message,
        errorType: 'Runtime.SerializationError', stackTrace: typeof e.stack === 'string' ? e.stack.split('\n') : [] });
      return;
    }
    reply(id, false, Buffer.from(json === undefined ? 'null' : json));
  }
  function callback(err, result) {
    if (finished || !context.callbackWaitsForEmptyEventLoop) {
      finish(err, result);
      return;
    }
    finished = true;
    inflight.delete(id);
    waitForEmptyEventLoop(function () { answer(err, result); });
  }

  const context = {
    awsRequestId: id,
    requestId: id,
    functionName: functionName,
    functionVersion: functionVersion,
    memoryLimitInMB: memoryLimit,
    invokedFunctionArn: functionArn,
    logGroupName: '/aws/lambda/' + functionName,
    logStreamName: functionName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: function () {
      return Math.max(0, deadline - Date.now());
    },
    succeed: function (result) { finish(null, result); },
    fail: function (err) { finish(err === undefined || err === null ? new Error('handler failed') : err); },
    done: function (err, result) { finish(err, result); }
  };

  inflight.set(id, finish);
  let returned;
  try {
    returned = currentCall.run(id, handler, event, context, callback);
  } catch (e) {
    finish(e === undefined || e === null ? new Error(String(e)) : e);
    return;
  }
  if (finished) return;
  if (returned && typeof returned.then === 'function') {
    returned.then(function (value) {
      finish(null, value);
    }, function (e) {
      finish(e === undefined || e === null ? new Error('promise rejected with ' + e) : e);
    });
  } else if (returned !== undefined || handler.length < 2) {
    finish(null, returned);
  }
}

// Answers held back by callbacks are sent once nothing but the engine's socket keeps the event
// loop alive: the socket is unreferenced meanwhile, so Node reports the empty loop (beforeExit).
let heldAnswers = [];

function waitForEmptyEventLoop(send) {
  heldAnswers.push(send);
  if (socket) socket.unref(); // before it is made, no read is pending: the loop can empty
}

process.on('beforeExit', function () {
  if (heldAnswers.length === 0) return;
  const answers = heldAnswers;
  heldAnswers = [];
  if (socket) socket.ref();
  answers.forEach(function (send) { send(); });
});

// ---- errors outside a call's own flow -------------------------------------------------------

// Logged, never fatal. With exactly one call running the error is most likely its own: fail it.
function stray(kind, err) {
  writeDiagnostic('easyfaas bootstrap: ' + kind + ': ' + (err && err.stack || err) + '\n');
  if (inflight.size === 1) {
    inflight.values().next().value(err === undefined || err === null ? new Error(kind) : err);
  }
}
process.on('uncaughtException', function (err) { stray('uncaught exception', err); });
process.on('unhandledRejection', function (reason) { stray('unhandled rejection', reason); });

// ---- warm-up --------------------------------------------------------------------------------

// Done right after the hello, so a stem cell has done it before it is given a function: what the
// first init and the first invoke would otherwise pay for on the request path (about 1 ms):
// the module system's search paths, the first stat, and the first AsyncLocalStorage.run, which
// turns on Node's async hooks, with a promise settling inside it as an async handler's does.
// Not before the hello, which would then reach the engine ~1 ms later: a sandbox made for a
// waiting call has its init in the socket by then, and pays for the warm-up there either way.
function warmUp() {
  initModulePaths();
  resolveModule(path.join(__dirname, 'index'));
  currentCall.run('warm-up', function () {
    return Promise.resolve(JSON.parse(JSON.stringify({ warm: true }))).then(function (value) { return value; });
  });
}

// ---- start ----------------------------------------------------------------------------------

if (descriptor >= 0) {
  sayHello();
  warmUp();
  setImmediate(readDescriptor); // once the warm-up's promise has settled
} else {
  useSocket(require('net').createConnection({ path: socketPath }));
  socket.on('connect', function () {
    sayHello();
    uncork(); // the hello goes out now, not after the warm-up
    warmUp();
  });
}
