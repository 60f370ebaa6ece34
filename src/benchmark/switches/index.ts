// The switches `softbr bench` can drive, by id: one registration line per driver module.
import type { SwitchId } from '../catalog.js';
import type { SwitchDriver } from './driver.js';
import { softbrTap, softbrTapBusy, softbrTapRw, softbrTapUring, softbrVeth } from './softbr.js';
import { kernelBridge, kernelBridgeNoOffload } from './kernel-bridge.js';
import { vdeSwitch } from './vde.js';
import { cForwarder } from './c-forwarder.js';

export const DRIVERS: Record<SwitchId, SwitchDriver> = {
  'softbr-tap': softbrTap,
  'softbr-tap-rw': softbrTapRw,
  'softbr-tap-uring': softbrTapUring,
  'softbr-tap-busy': softbrTapBusy,
  'softbr-veth': softbrVeth,
  kernel: kernelBridge,
  'kernel-nooffload': kernelBridgeNoOffload,
  vde: vdeSwitch,
  cforward: cForwarder,
};

export type { SwitchDriver, RunningSwitch, BenchEnv } from './driver.js';
