// Public surface of the forwarding database.
export * from './fdb.js';
