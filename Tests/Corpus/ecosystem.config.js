module.exports = { apps: [{ name: "web", script: "./server.js" }] }
