/** RADIUS packet codes (RFC 2865 §3, RFC 2866 §3, RFC 5997 §2, RFC 5176 §2). */
export const PacketCode = {
  AccessRequest: 1,
  AccessAccept: 2,
  AccessReject: 3,
  AccountingRequest: 4,
  AccountingResponse: 5,
  AccessChallenge: 11,
  StatusServer: 12,
  StatusClient: 13,
  DisconnectRequest: 40,
  DisconnectAck: 41,
  DisconnectNak: 42,
  CoaRequest: 43,
  CoaAck: 44,
  CoaNak: 45,
} as const;

export type PacketCodeName = keyof typeof PacketCode;

const CODE_NAMES: ReadonlyMap<number, PacketCodeName> = new Map(
  (Object.entries(PacketCode) as [PacketCodeName, number][]).map(([name, code]) => [code, name]),
);

/** The name of a packet code for logs, e.g. 'AccessRequest', or 'Code-99' for an unknown one. */
export function packetCodeName(code: number): string {
  return CODE_NAMES.get(code) ?? `Code-${code}`;
}

/** Standard attribute types (RFC 2865 §5, RFC 2866 §5, RFC 2869 §5, RFC 3162, RFC 3579 §3). */
export const Attr = {
  UserName: 1,
  UserPassword: 2,
  ChapPassword: 3,
  NasIpAddress: 4,
  NasPort: 5,
  ServiceType: 6,
  FramedProtocol: 7,
  FramedIpAddress: 8,
  FramedIpNetmask: 9,
  FilterId: 11,
  FramedMtu: 12,
  LoginIpHost: 14,
  LoginService: 15,
  ReplyMessage: 18,
  CallbackNumber: 19,
  FramedRoute: 22,
  State: 24,
  Class: 25,
  VendorSpecific: 26,
  SessionTimeout: 27,
  IdleTimeout: 28,
  TerminationAction: 29,
  CalledStationId: 30,
  CallingStationId: 31,
  NasIdentifier: 32,
  ProxyState: 33,
  AcctStatusType: 40,
  AcctDelayTime: 41,
  AcctInputOctets: 42,
  AcctOutputOctets: 43,
  AcctSessionId: 44,
  AcctAuthentic: 45,
  AcctSessionTime: 46,
  AcctTerminateCause: 49,
  EventTimestamp: 55,
  ChapChallenge: 60,
  NasPortType: 61,
  TunnelType: 64,
  TunnelMediumType: 65,
  TunnelPassword: 69,
  ConnectInfo: 77,
  EapMessage: 79,
  MessageAuthenticator: 80,
  TunnelPrivateGroupId: 81,
  NasPortId: 87,
  FramedPool: 88,
  NasIpv6Address: 95,
  FramedIpv6Prefix: 97,
  ErrorCause: 101,
} as const;

/** RFC 2865 §3: the fixed header is Code, Identifier, Length and a 16-octet Authenticator. */
export const HEADER_LENGTH = 20;
export const AUTHENTICATOR_LENGTH = 16;
/** RFC 2865 §3: "The maximum length is 4096." */
export const MAX_PACKET_LENGTH = 4096;
/** RFC 2865 §5: an attribute's Length octet covers Type and Length, so a value holds at most 253 octets. */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 253;
/** RFC 3579 §3.2: Message-Authenticator is 18 octets on the wire (type, length, 16-octet HMAC-MD5). */
export const MESSAGE_AUTHENTICATOR_LENGTH = 16;
