/**
 * The devices a session can run on and how they are written ("cpu", "cuda:1", "webgpu:0",
 * "tensorrt:2"): the one definition the session, the pool's device list and the wire types share.
 */
export const DEVICE_KINDS = ['cpu', 'cuda', 'webgpu', 'tensorrt'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export interface DeviceName {
  readonly kind: DeviceKind;
  /** The device ordinal; 0 when the name has none ("cpu"). */
  readonly index: number;
}

const DEVICE_NAME = new RegExp(`^(${DEVICE_KINDS.join('|')})(?::(\\d+))?$`);

/** `kind[:N]`, case and surrounding space ignored; undefined for anything else (callers name the option in their error). */
export function parseDeviceName(text: string): DeviceName | undefined {
  const match = DEVICE_NAME.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  return { kind: match[1] as DeviceKind, index: match[2] === undefined ? 0 : Number(match[2]) };
}
