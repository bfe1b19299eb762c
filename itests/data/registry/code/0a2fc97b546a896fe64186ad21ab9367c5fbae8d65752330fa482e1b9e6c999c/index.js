exports.handler = (event, context) => {
  if (event.how === 'succeed') context.succeed('succeeded');
  else if (event.how === 'fail') context.fail(new Error('failed'));
  else context.done(null, 'done');
};