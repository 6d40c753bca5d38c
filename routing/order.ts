import { unmarshall } from "@aws-sdk/util-dynamodb";
import { type Decimal, parseDecimal } from "./decimal";
import { DYNAMO_NUMBER_RANGE, dynamoNumberProblem, MAX_SIGNIFICANT_DIGITS } from "./dynamoNumber";
import { jsonKind } from "./jsonKind";

// Turns one DynamoDB stream record (the pipe's wire format) into a typed order change, or
// into the reasons it is malformed. Never trusts the payload: every field is checked, and a
// record that fails is reported with all its reasons rather than dropped.

export type EventName = "INSERT" | "MODIFY" | "REMOVE";

export interface OrderChange {
  readonly eventID: string;
  readonly eventName: EventName;
  readonly sequenceNumber: string;
  readonly orderId: string;
  readonly orderStatus: string;
  /** Exact decimal; compare with `compareDecimal`, never as a float. */
  readonly orderAmount: Decimal;
  /** The amount as DynamoDB holds it, for logs and messages. */
  readonly orderAmountText: string;
  readonly customerEmail: string;
  /** Lower-cased part after the last `@`. */
  readonly customerDomain: string;
  /** Status in the old image (MODIFY only), if there was one. */
  readonly previousStatus?: string;
}

export type ParsedRecord =
  | { readonly ok: true; readonly order: OrderChange }
  | { readonly ok: false; readonly eventID?: string; readonly reasons: readonly string[] };

// An amount DynamoDB cannot store (routing/dynamoNumber.ts) did not come from DynamoDB, and as a
// float it could be Infinity (1e400), which no metric can carry.

/** Keeps a DynamoDB number as its exact text through unmarshalling. */
class DynamoNumber {
  constructor(readonly text: string) {}
}

type Image = Record<string, unknown>;

// "DynamoDB supports nested attributes up to 32 levels deep" (DynamoDB developer guide,
// ServiceQuotas.html, "Nested attribute depth"). An image nested deeper did not come from
// DynamoDB; refusing it also keeps unmarshalling from exhausting the stack.
export const MAX_NESTING = 32;

/** Whether an image's maps (M) and lists (L) nest deeper than `max` levels (iterative: any input depth). */
function nestsDeeperThan(image: object, max: number): boolean {
  const stack: [unknown, number][] = Object.values(image).map((v) => [v, 1]);
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value !== "object" || value === null) continue;
    const inner = (value as { M?: unknown; L?: unknown }).M ?? (value as { L?: unknown }).L;
    if (typeof inner !== "object" || inner === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(inner)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * True only when util-dynamodb's unmarshall surely accepts the image and it nests no deeper
 * than MAX_NESTING: every attribute value an object with exactly one key, a known type, lists
 * and sets arrays, maps plain objects. A stream record from DynamoDB always is; anything else
 * (false proves nothing) takes the full path below, whose outcome and messages are the
 * library's. One walk, no allocation: the order needs four attributes, not the whole image
 * (route --jsonl, issue 20: unmarshalling every line item was a tenth of its time; this walk
 * with a stack of [value, depth] pairs was then the largest part of reading an order).
 */
function surelyWellFormed(image: object): boolean {
  for (const key in image) if (!wellFormedValue((image as Record<string, unknown>)[key], 1)) return false;
  return true;
}

/** One attribute value at `depth` (1: the image's own attributes); recursion is bounded by MAX_NESTING. */
function wellFormedValue(value: unknown, depth: number): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  // Exactly one own key (a parsed JSON object has no inherited enumerable one), without allocating.
  let type: string | undefined;
  for (const key in value) {
    if (type !== undefined) return false;
    type = key;
  }
  if (type === undefined) return false;
  const inner = (value as Record<string, unknown>)[type];
  if (inner === undefined || !Object.hasOwn(value, type)) return false;
  // A switch on the type name, not Set lookups: this walk visits every attribute of both images.
  switch (type) {
    case "S":
    case "N":
    case "B":
    case "BOOL":
    case "NULL":
      return true;
    case "SS":
    case "NS":
    case "BS":
      return Array.isArray(inner);
    case "L":
      if (!Array.isArray(inner) || depth + 1 > MAX_NESTING) return false;
      for (const child of inner as unknown[]) if (!wellFormedValue(child, depth + 1)) return false;
      return true;
    case "M":
      if (typeof inner !== "object" || inner === null || Array.isArray(inner) || depth + 1 > MAX_NESTING) return false;
      for (const key in inner) if (!wellFormedValue((inner as Record<string, unknown>)[key], depth + 1)) return false;
      return true;
    default:
      return false;
  }
}

const unmarshallOptions = { wrapNumbers: (text: string) => new DynamoNumber(text) };

function unmarshallImage(image: unknown, name: string, reasons: string[], fields: readonly string[] | undefined): Image | undefined {
  if (image === undefined) return undefined;
  if (typeof image !== "object" || image === null || Array.isArray(image)) {
    reasons.push(`dynamodb.${name} is not a DynamoDB item`);
    return undefined;
  }
  if (fields && surelyWellFormed(image)) {
    // Only the attributes the order reads, as the library converts them: a string (S) is its
    // value and a number (N) goes through wrapNumbers (util-dynamodb's convertToNative), done
    // here for those two, the order's own types (the library's generic walk was ~15 % of reading
    // an order); any other type through the library.
    const wanted: Record<string, unknown> = {};
    let others: Record<string, unknown> | undefined;
    for (const field of fields) {
      if (!Object.hasOwn(image, field)) continue;
      const value = (image as Record<string, Record<string, unknown>>)[field];
      if (typeof value.S === "string" && Object.hasOwn(value, "S")) wanted[field] = value.S;
      else if (typeof value.N === "string" && Object.hasOwn(value, "N")) wanted[field] = unmarshallOptions.wrapNumbers(value.N);
      else (others ??= {})[field] = value;
    }
    return others ? { ...wanted, ...unmarshall(others as never, unmarshallOptions) } : wanted;
  }
  if (nestsDeeperThan(image, MAX_NESTING)) {
    reasons.push(`dynamodb.${name} nests attributes deeper than DynamoDB's ${MAX_NESTING} levels`);
    return undefined;
  }
  try {
    return unmarshall(image as never, unmarshallOptions);
  } catch (err) {
    reasons.push(`dynamodb.${name} is not a valid DynamoDB item: ${(err as Error).message}`);
    return undefined;
  }
}

function typeName(value: unknown): string {
  if (value instanceof DynamoNumber) return "a number (N)";
  if (typeof value === "string") return "a string (S)";
  if (typeof value === "boolean") return "a boolean (BOOL)";
  if (value === null) return "null (NULL)";
  if (Array.isArray(value)) return "a list (L)";
  if (value instanceof Set) return "a set";
  if (value instanceof Uint8Array) return "binary (B)";
  return "a map (M)";
}

function requireString(image: Image, field: string, reasons: string[]): string | undefined {
  const value = image[field];
  if (value === undefined) reasons.push(`NewImage.${field} is missing`);
  else if (typeof value !== "string") reasons.push(`NewImage.${field} is ${typeName(value)}, expected a string (S)`);
  else if (value.trim() === "") reasons.push(`NewImage.${field} is empty`);
  else return value;
  return undefined;
}

function readAmount(image: Image, reasons: string[]): { amount: Decimal; text: string } | undefined {
  const value = image.orderAmount;
  if (value === undefined) {
    reasons.push("NewImage.orderAmount is missing");
    return undefined;
  }
  if (!(value instanceof DynamoNumber)) {
    reasons.push(`NewImage.orderAmount is ${typeName(value)}, expected a number (N)`);
    return undefined;
  }
  const amount = parseDecimal(value.text);
  const problem = amount && dynamoNumberProblem(amount);
  if (amount === undefined) reasons.push(`NewImage.orderAmount ${JSON.stringify(value.text)} is not a finite decimal number`);
  else if (amount.lt(0)) reasons.push(`NewImage.orderAmount ${value.text} is negative`);
  else if (problem?.kind === "digits") reasons.push(`NewImage.orderAmount ${value.text} has more than ${MAX_SIGNIFICANT_DIGITS} significant digits`);
  else if (problem?.kind === "range") reasons.push(`NewImage.orderAmount ${value.text} is outside what DynamoDB stores (${DYNAMO_NUMBER_RANGE})`);
  else return { amount, text: value.text };
  return undefined;
}

// An e-mail address is decided on its normalized form, so that no invisible or look-alike
// character hides a test customer: NFKC (full-width letters, digits, `＠` and `．` read as
// ASCII), the ideographic full stops that IDNA treats as dots read as `.`, Unicode
// default-ignorable characters dropped (zero-width space, word joiner, BOM, soft hyphen: IDNA's
// UTS #46 mapping drops them from a domain too), then surrounding whitespace trimmed. What is
// left must be an address, `name@domain` and nothing around it: `Bob <qa@test.com>`,
// `qa@test.com;` and `qa@test.com>` are refused rather than guessed at (own code: no library
// in the dependency tree validates an address without also accepting display names).

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
const IDEOGRAPHIC_DOTS = /[\u3002\uFF0E\uFF61]/g;
// The name before the `@`: no whitespace, control characters nor the characters that mark
// text around an address (`<>()[],;:"\`), or a quoted string without control characters.
// Looser than RFC 5322's dot-atom on purpose (`ann.@example.com` is accepted, as many mail
// systems do): the point is to refuse what is not one address, not a real customer.
const LOCAL_PART = /^(?:[^\s\p{C}"(),:;<>@[\\\]]+|"(?:[^"\\\p{Cc}]|\\[^\p{Cc}])*")$/u;
// A host name (labels of letters, marks, digits and inner hyphens, at most 63 characters each
// and 253 in all; an IDN in Unicode or in its xn-- form) or an address literal ([192.0.2.1],
// [IPv6:2001:db8::1]).
const LABEL = /^[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]{0,61}[\p{L}\p{M}\p{N}])?$/u;
const LITERAL = /^\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9a-f:.]+)\]$/i;

export type EmailAddress =
  | { readonly ok: true; readonly address: string; readonly domain: string }
  | { readonly ok: false; readonly problem: "no domain" | "not an address"; readonly address: string };

// The common address, printable ASCII of the kinds below only: normalizing cannot change it
// (NFKC leaves ASCII alone, no ASCII character is default-ignorable, none is whitespace here)
// and it meets every rule below, so it is decided without the Unicode passes (~15 % of
// reading an order; issue 20). A test holds it to the full path.
const PLAIN_ADDRESS = /^[A-Za-z0-9._%+-]{1,64}@(?=[A-Za-z0-9.-]{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** The normalized address and its lower-cased domain (no trailing dot), or why it is not an address. */
export function parseEmail(email: string, opts: { /** Tests only: never the plain-address shortcut. */ normalizeAlways?: boolean } = {}): EmailAddress {
  if (!opts.normalizeAlways && PLAIN_ADDRESS.test(email)) return { ok: true, address: email, domain: email.slice(email.lastIndexOf("@") + 1).toLowerCase() };
  const address = email.normalize("NFKC").replace(IDEOGRAPHIC_DOTS, ".").replace(IGNORABLE, "").trim();
  const at = address.lastIndexOf("@");
  const domain = at < 0 ? "" : address.slice(at + 1).toLowerCase().replace(/\.$/, "");
  if (at <= 0 || domain === "" || /\s/u.test(domain)) return { ok: false, problem: "no domain", address };
  const local = address.slice(0, at);
  const host = domain.length <= 253 && domain.split(".").every((label) => LABEL.test(label));
  if (!LOCAL_PART.test(local) || local.length > 64 || !(host || LITERAL.test(domain))) return { ok: false, problem: "not an address", address };
  return { ok: true, address, domain };
}

/**
 * The domain of the normalized address (see parseEmail): lower-cased, without a trailing dot
 * (DNS root). Undefined when the text is not an address: no local part, no domain, whitespace
 * in the domain, or anything around `name@domain`. `"qa@test.com "` and `"qa@test.com\u200B"`
 * are at test.com; `"ann@ "` has no domain; `"Bob <qa@test.com>"` is not an address. Deciding
 * on the raw text would let a test customer with a stray character pass as a real one.
 */
export function emailDomain(email: string): string | undefined {
  const parsed = parseEmail(email);
  return parsed.ok ? parsed.domain : undefined;
}

/** What an order change reads of its images. */
const NEW_IMAGE_FIELDS = ["orderId", "orderStatus", "orderAmount", "customerEmail"];
const OLD_IMAGE_FIELDS = ["orderStatus"];

export function parseOrderChange(record: unknown, opts: { /** Tests only: unmarshall whole images, the path the fast one must agree with. */ wholeImages?: boolean } = {}): ParsedRecord {
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    return { ok: false, reasons: ["the record is not a JSON object"] };
  }
  const r = record as Record<string, unknown>;
  const reasons: string[] = [];
  const eventID = typeof r.eventID === "string" && r.eventID !== "" ? r.eventID : undefined;
  if (r.eventID === undefined) reasons.push("eventID is missing");
  else if (typeof r.eventID !== "string") reasons.push(`eventID is ${jsonKind(r.eventID)}, expected a string`);
  else if (r.eventID === "") reasons.push("eventID is empty");
  const eventName = r.eventName;
  if (eventName !== "INSERT" && eventName !== "MODIFY" && eventName !== "REMOVE") {
    reasons.push(`eventName ${JSON.stringify(eventName)} is not INSERT, MODIFY or REMOVE`);
  }
  const dynamodb = r.dynamodb;
  if (typeof dynamodb !== "object" || dynamodb === null) {
    reasons.push("dynamodb is missing");
    return { ok: false, eventID, reasons };
  }
  const d = dynamodb as Record<string, unknown>;
  const sequenceNumber = typeof d.SequenceNumber === "string" ? d.SequenceNumber : "";
  const newImage = unmarshallImage(d.NewImage, "NewImage", reasons, opts.wholeImages ? undefined : NEW_IMAGE_FIELDS);
  const oldImage = unmarshallImage(d.OldImage, "OldImage", reasons, opts.wholeImages ? undefined : OLD_IMAGE_FIELDS);
  if (d.NewImage === undefined) reasons.push("dynamodb.NewImage is missing (no order to act on)");
  if (!newImage) return { ok: false, eventID, reasons };

  const orderId = requireString(newImage, "orderId", reasons);
  const orderStatus = requireString(newImage, "orderStatus", reasons);
  const amount = readAmount(newImage, reasons);
  const customerEmail = requireString(newImage, "customerEmail", reasons);
  const email = customerEmail === undefined ? undefined : parseEmail(customerEmail);
  const customerDomain = email?.ok ? email.domain : undefined;
  if (email && !email.ok) {
    reasons.push(
      email.problem === "no domain"
        ? "NewImage.customerEmail has no domain (expected name@domain, without spaces in the domain)"
        : "NewImage.customerEmail is not an e-mail address (expected name@domain, nothing around it)",
    );
  }
  const previous = oldImage?.orderStatus;
  if (reasons.length > 0 || !eventID || !orderId || !orderStatus || !amount || !customerEmail || !customerDomain || !email?.ok) {
    return { ok: false, eventID, reasons };
  }
  return {
    ok: true,
    order: {
      eventID,
      eventName: eventName as EventName,
      sequenceNumber,
      orderId,
      orderStatus,
      orderAmount: amount.amount,
      orderAmountText: amount.text,
      customerEmail: email.address,
      customerDomain,
      previousStatus: typeof previous === "string" ? previous : undefined,
    },
  };
}

/** `j***@example.com`: enough to recognise a customer in logs, never the full address. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 0) return "***";
  return `${email.slice(0, Math.min(1, at))}***${email.slice(at)}`;
}
