// Bare Node start for scenario 2: connect to the parent's Unix socket, load the handler, answer
// one JSON line, exit. Run as: node coldstart_child.js SOCKET HANDLER_DIR
'use strict';
const net = require('net');
const path = require('path');

const [socketPath, handlerDir] = process.argv.slice(2);
const { handler } = require(path.resolve(handlerDir, 'index.js'));
const socket = net.connect(socketPath);
let received = '';
socket.on('data', async (chunk) => {
  received += chunk;
  const end = received.indexOf('\n');
  if (end < 0) return;
  const result = await handler(JSON.parse(received.slice(0, end)), {});
  socket.end(JSON.stringify(result) + '\n');
});
