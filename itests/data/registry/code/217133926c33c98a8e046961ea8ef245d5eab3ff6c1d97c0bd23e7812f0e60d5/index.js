exports.handler = (event, context, callback) => {
  if (event.kind === 'throw') throw new TypeError('thrown');
  if (event.kind === 'reject') return Promise.reject(new RangeError('rejected'));
  if (event.kind === 'callback') return callback(new SyntaxError('called back'));
  throw 'a plain string';
};