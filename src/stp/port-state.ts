// Port states with the Linux kernel's numbering (BR_STATE_*) and their names. A leaf: the STP
// engine decides states, the bridge acts on them, and the views print them, so it lives below all
// three and imports nothing.

export const PORT_DISABLED = 0;
export const PORT_LISTENING = 1;
export const PORT_LEARNING = 2;
export const PORT_FORWARDING = 3;
export const PORT_BLOCKING = 4;
export type PortStateNum = 0 | 1 | 2 | 3 | 4;
export const PORT_STATE_NAMES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'] as const;
export type PortStateName = (typeof PORT_STATE_NAMES)[number];
