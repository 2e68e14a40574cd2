// Preloaded (`node --require`) into the Node.js program the local engine runs: the terminal's ^C is
// the engine's to handle, as under the Pulumi CLI, which starts the language host (and so the program)
// in a process group of its own. Node resets inherited signal dispositions at start-up, so an ignored
// SIGINT (`trap "" INT`) would not survive: a listener is what keeps the program from stopping.
process.on("SIGINT", () => {});
