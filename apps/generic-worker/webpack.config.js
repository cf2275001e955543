// apps/<name>/webpack.config.js: the shared app bundle (tools/webpack/app.webpack.js).
module.exports = require('../../tools/webpack/app.webpack')(__dirname);
