// No-op handler for the benchmark: the same file runs in the engine and in bench/bare/server.js.
exports.handler = async (event, context) => ({ ok: true });
