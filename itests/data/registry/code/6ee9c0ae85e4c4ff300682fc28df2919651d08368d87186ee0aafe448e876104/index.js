const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
exports.handler = async (e) => { for (let i = 0; i < 5; i++) { console.log(e.name + ' ' + i); await sleep(10); } return e.name; };