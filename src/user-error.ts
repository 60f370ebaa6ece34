// The one error class for bad user input: a value, name or request the user can correct, with a
// message that says what is wrong and what is allowed. The CLI prints its message and exits 2; the
// daemon sends its message back as it stands. Every other error is internal (a bug or the host
// failing us): the daemon logs its stack and the client is told "internal error: …". A leaf, so
// that any layer, the engine included, can refuse a request with it.

export class UserError extends Error {
  override readonly name = 'UserError';
}
