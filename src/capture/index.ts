// Public surface of packet capture: pcap files, the capture ring hook, capture sessions, summaries.
export * from './pcap.js';
export * from './ring.js';
export * from './capture.js';
export * from './summary.js';
