import { useEffect, useRef, useState } from 'react';
import { Icon } from './Icon.js';

/**
 * A trash button that asks first: the action (focused) and Keep. Esc keeps too, and keeping puts
 * the focus back on the trash button, so a keyboard user stays where they were.
 */
/** `tabIndex`: -1 takes the trash button out of the Tab order (it stays clickable and focusable). */
export function ConfirmedRemove(props: { label: string; action: string; onConfirm: () => void; disabled?: boolean; iconSize?: number; tabIndex?: number }) {
  const { label, action, onConfirm, disabled = false, iconSize = 16, tabIndex } = props;
  const [confirming, setConfirming] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  useEffect(() => {
    if (confirming || !refocus.current) return;
    refocus.current = false;
    trigger.current?.focus();
  }, [confirming]);
  const keep = () => {
    refocus.current = true;
    setConfirming(false);
  };
  if (confirming) {
    return (
      <div
        className="confirm"
        onKeyDown={(event) => {
          if (event.key !== 'Escape') return;
          event.stopPropagation();
          keep();
        }}
      >
        <button
          type="button"
          className="danger small"
          onClick={() => {
            setConfirming(false);
            onConfirm();
          }}
          autoFocus
        >
          {action}
        </button>
        <button type="button" className="ghost small" onClick={keep}>
          Keep
        </button>
      </div>
    );
  }
  return (
    <button ref={trigger} type="button" className="icon-button reveal" onClick={() => setConfirming(true)} aria-label={label} disabled={disabled} tabIndex={tabIndex}>
      <Icon name="trash" size={iconSize} />
    </button>
  );
}
