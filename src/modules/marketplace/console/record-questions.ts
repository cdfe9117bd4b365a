import { CLASS_RULES, type RecordType, type SlotRule } from '../records/catalogue-model.ts';
import { validateRecord, type RecordProblem } from '../records/validate-record.ts';

/** How a slot is asked: a choice, a list (one value a line), a contact point, long or short text, a number. */
export type QuestionKind = 'choice' | 'list' | 'contact' | 'long' | 'short' | 'number';

export const EDITABLE_TYPES = ['dcat:Dataset', 'dcat:DataService'] as const satisfies readonly RecordType[];
export type EditableType = (typeof EDITABLE_TYPES)[number];
export const isEditableType = (type: string): type is EditableType => (EDITABLE_TYPES as readonly string[]).includes(type);

const CONTACT_FIELDS = ['contactName', 'email', 'telephone'] as const;

export function questionKindOf(rule: SlotRule, slot: string): QuestionKind {
  if (rule.range.kind === 'enum') return 'choice';
  if (rule.range.kind === 'contactPoint') return 'contact';
  if (rule.multivalued) return 'list';
  if (rule.range.kind === 'integer') return 'number';
  return slot === 'description' ? 'long' : 'short';
}

/** The slots a person answers for a record of this type, in the model's order; the type itself is fixed. */
export function slotsOf(type: EditableType): Array<{ slot: string; rule: SlotRule; kind: QuestionKind }> {
  return Object.entries(CLASS_RULES[type])
    .filter(([slot]) => slot !== 'type')
    .map(([slot, rule]) => ({ slot, rule, kind: questionKindOf(rule, slot) }));
}

const field = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');

/** A slot's answer as the model's value (undefined when left blank), read from the form. */
export function readAnswer(kind: QuestionKind, body: Record<string, unknown>): unknown {
  if (kind === 'contact') {
    const contact = Object.fromEntries(CONTACT_FIELDS.map((name) => [name, field(body, name)]).filter(([, value]) => value !== ''));
    return Object.keys(contact).length === 0 ? undefined : contact;
  }
  const text = field(body, 'answer');
  if (text === '') return undefined;
  if (kind === 'list') return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  if (kind === 'number') return /^\d{1,15}$/.test(text) ? Number(text) : text;
  return text;
}

/** The answer as the form shows it again. */
export function formValuesOf(kind: QuestionKind, value: unknown): Record<string, string> {
  if (kind === 'contact') {
    const contact = (value ?? {}) as Record<string, unknown>;
    return Object.fromEntries(CONTACT_FIELDS.map((name) => [name, typeof contact[name] === 'string' ? (contact[name] as string) : '']));
  }
  if (value === undefined) return { answer: '' };
  return { answer: Array.isArray(value) ? value.join('\n') : String(value) };
}

/** The slot a problem is about (`contactPoint.email` and `keyword[2]` are the slot's own). */
export const slotOfProblem = (problem: RecordProblem) => problem.slot.split(/[.[]/)[0]!;

/** Every problem the model finds with the draft, with the slot each belongs to. */
export function problemsOf(content: Record<string, unknown>): RecordProblem[] {
  const validation = validateRecord(content);
  return validation.valid ? [] : validation.problems;
}
