// The reference for scenario 1: the no-op handler behind a minimal keep-alive Node http server.
// Usage: node server.js PORT HANDLER_DIR   (prints "listening" when it accepts connections)
'use strict';
const http = require('http');
const path = require('path');

const [port, handlerDir] = process.argv.slice(2);
const { handler } = require(path.resolve(handlerDir, 'index.js'));
const context = { awsRequestId: 'bare', getRemainingTimeInMillis: () => 3000 };

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let status = 200;
    let body;
    try {
      body = JSON.stringify(await handler(JSON.parse(Buffer.concat(chunks).toString('utf8')), context));
    } catch (e) {
      status = 500;
      body = JSON.stringify({ errorMessage: String(e) });
    }
    // one write for head and body (no Nagle stall)
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(Number(port), '127.0.0.1', () => console.log('listening'));
