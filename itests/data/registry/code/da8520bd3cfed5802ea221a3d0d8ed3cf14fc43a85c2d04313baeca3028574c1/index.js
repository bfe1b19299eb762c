const greet = require('greeter');
exports.handler = async (e) => greet(e.who);