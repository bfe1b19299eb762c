// Greets the caller; `context` carries the request id and the time left.
exports.handler = async (event, context) => ({
  message: `Hello, ${event.name || 'world'}!`,
  requestId: context.awsRequestId,
  remainingMillis: context.getRemainingTimeInMillis(),
});
