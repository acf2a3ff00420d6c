import { useEffect, useRef } from 'react';

export interface LabelingShortcuts {
  /** Number keys 1–9 (left alone without it). */
  onNumber?(n: number): void;
  /** Enter, Ctrl/Cmd+Enter inside a text field (left alone without it). */
  onSubmit?(): void;
  /** Letter keys, by lower-case letter: `s` skips in the workspace. */
  letters: Record<string, () => void>;
}

const TEXT_INPUT_TYPES = new Set([
  'text',
  'search',
  'email',
  'number',
  'url',
  'tel',
  'password',
]);

/** Keys typed here are text, not shortcuts. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) {
    return false;
  }
  if (target.isContentEditable) {
    return true;
  }
  if (target instanceof HTMLTextAreaElement) {
    return true;
  }
  if (target instanceof HTMLSelectElement) {
    return true;
  }
  return (
    target instanceof HTMLInputElement &&
    TEXT_INPUT_TYPES.has(target.type.toLowerCase())
  );
}

/** Enter on these already means "press it". */
function activatesOnEnter(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    target.closest('button, a[href], [role="button"], [role="menuitem"]') !==
      null
  );
}

/**
 * Labeling keys on the whole page: 1–9 pick options, Enter submits, the
 * given letters act (S skips in the workspace; B and N in the escalation
 * queue). In a free-text field every key types (Enter is a new line) except
 * Ctrl/Cmd+Enter, which submits.
 */
export function useLabelingShortcuts(
  handlers: LabelingShortcuts,
  enabled: boolean,
) {
  // the latest handlers without re-binding the listener on every render
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    if (!enabled) {
      return undefined;
    }
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || e.altKey) {
        return;
      }
      const typing = isTypingTarget(e.target);
      const mod = e.ctrlKey || e.metaKey;
      const { onSubmit, onNumber, letters } = latest.current;
      if (e.key === 'Enter') {
        if (
          !onSubmit ||
          (typing && !mod) ||
          (!mod && activatesOnEnter(e.target))
        ) {
          return;
        }
        e.preventDefault();
        onSubmit();
        return;
      }
      if (typing || mod || e.shiftKey) {
        return;
      }
      const letter = letters[e.key.toLowerCase()];
      if (onNumber && /^[1-9]$/.test(e.key)) {
        e.preventDefault();
        onNumber(Number(e.key));
      } else if (letter && e.key.length === 1) {
        e.preventDefault();
        letter();
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [enabled]);
}
